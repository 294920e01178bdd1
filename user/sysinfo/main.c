/*
 * sysinfo: the SystemInfo service (schema/session.capnp; docs/sessions.md). What a
 * shell shows about the system, read from the kernel's SystemStatus cap `status`
 * (read-only figures, no authority): `summary` forwards SystemStatus.summary, `motd`
 * its manifest motd (kernelParams.motd), or SYSINFO_DEFAULT_MOTD when that is empty.
 * Served on the raw endpoint `api`; a SystemStatus failure is the call's failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/client.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/session.capnp.h>

#define SYSINFO_DEFAULT_MOTD "Welcome to capOS."

static struct capos_server sysinfo_srv;
static struct capos_client_call sysinfo_call;
static uint32_t sysinfo_status;

/* SystemStatus.summary into *out (a reader over sysinfo_call.msg). */
static int sysinfo_summary_of_kernel(struct capos_SystemSummary_r *out)
{
	struct capos_SystemStatus_summary_Params_b p;
	struct capos_SystemStatus_summary_Results_r r;
	int err = capos_client_begin(&sysinfo_call);

	if (err == CAPOS_OK)
		err = capos_SystemStatus_summary_request(&sysinfo_call.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&sysinfo_call, sysinfo_status, capos_SystemStatus_TYPE_ID,
					capos_SystemStatus_METHOD_summary, NULL, 0);
	if (err == CAPOS_OK)
		err = capos_SystemStatus_summary_read_results(&sysinfo_call.msg, &r);
	return err ? err : capos_SystemStatus_summary_Results_get_summary(&r, out);
}

static int sysinfo_motd(void *self, const struct session_SystemInfo_motd_Params_r *p,
			struct session_SystemInfo_motd_Results_b *r)
{
	struct capos_SystemSummary_r s;
	struct capnp_text motd = { 0 };
	int err = sysinfo_summary_of_kernel(&s);

	(void)self;
	(void)p;
	if (err == CAPOS_OK)
		err = capos_SystemSummary_get_motd(&s, &motd);
	if (err)
		return err;
	if (motd.len == 0)
		return session_SystemInfo_motd_Results_set_text(r, SYSINFO_DEFAULT_MOTD,
								sizeof(SYSINFO_DEFAULT_MOTD) - 1);
	return session_SystemInfo_motd_Results_set_text(r, motd.str, motd.len);
}

static int sysinfo_summary(void *self, const struct session_SystemInfo_summary_Params_r *p,
			   struct session_SystemInfo_summary_Results_b *r)
{
	struct capos_SystemSummary_r s;
	int err = sysinfo_summary_of_kernel(&s);

	(void)self;
	(void)p;
	return err ? err : session_SystemInfo_summary_Results_set_summary(r, &s);
}

static const struct session_SystemInfo_server sysinfo_server = {
	.motd = sysinfo_motd,
	.summary = sysinfo_summary,
};

static int sysinfo_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			    struct capnp_builder *results)
{
	return session_SystemInfo_dispatch(&sysinfo_server, self, method, params, results);
}

static const struct capos_server_iface sysinfo_ifaces[] = {
	{ session_SystemInfo_TYPE_ID, session_SystemInfo_METHOD_COUNT, sysinfo_dispatch, NULL },
};

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_capset_lookup(cs, "status", capos_SystemStatus_TYPE_ID, &sysinfo_status);

	if (err) {
		printf("sysinfo: status: %s\n", capos_error_name(err));
		return 1;
	}
	return capos_server_main(&sysinfo_srv, "sysinfo", "api", sysinfo_ifaces, 1);
}
