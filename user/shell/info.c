/*
 * capos-shell: what the shell can show (shell.h "info.c"): its own cap table with
 * interface names (CapabilityManager.listRange; names of served interfaces from the
 * generated *_INTERFACES tables), the bundle's SystemInfo (motd), SystemControl
 * (shutdown, operator bundles only) and the command table (help).
 */
#include <string.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>
#include <schema/demo.capnp.h>
#include <schema/session.capnp.h>

#include "shell.h"

static struct capos_client_call info_msg;

#define SH_IFACE_ENTRY(c_name, schema_name, id) { id, schema_name },
static const struct {
	uint64_t id;
	const char *name;
} sh_ifaces[] = { capos_INTERFACES(SH_IFACE_ENTRY) session_INTERFACES(SH_IFACE_ENTRY)
			  demo_INTERFACES(SH_IFACE_ENTRY) };

const char *sh_iface_name(uint64_t iid)
{
	for (uint32_t i = 0; i < sizeof(sh_ifaces) / sizeof(sh_ifaces[0]); i++)
		if (sh_ifaces[i].id == iid)
			return sh_ifaces[i].name;
	return NULL;
}

/* What the shell calls a cap that has no CapSet name: its bundle name, or a role. */
static const char *sh_cap_label(uint32_t cap, const struct capnp_text *capset_name)
{
	if (capset_name->len)
		return capset_name->str;
	for (uint32_t i = 0; i < sh.nbundle; i++)
		if (sh.bundle[i].cap == cap)
			return sh.bundle[i].name;
	if (cap == sh.session)
		return "(session)";
	for (uint32_t i = 0; i < SH_JOBS_MAX; i++)
		if (sh.jobs[i].used && sh.jobs[i].handle == cap)
			return "(child)";
	return "-";
}

static void sh_caps_line(const struct capos_CapabilityInfo_r *e)
{
	struct capnp_text name = { 0 }, iname = { 0 };
	uint32_t cap = capos_CapabilityInfo_get_capId(e);
	uint64_t iid = capos_CapabilityInfo_get_interfaceId(e);
	const char *known;

	(void)capos_CapabilityInfo_get_name(e, &name);
	(void)capos_CapabilityInfo_get_interfaceName(e, &iname);
	known = iname.len ? iname.str : sh_iface_name(iid);
	if (known)
		sh_printf("  %-5u %-18s %s%s\n", (unsigned)(cap & 0xffffu),
			  sh_cap_label(cap, &name), known,
			  capos_CapabilityInfo_get_revoked(e) ? " (revoked)" : "");
	else
		sh_printf("  %-5u %-18s %016llx%s\n", (unsigned)(cap & 0xffffu),
			  sh_cap_label(cap, &name), (unsigned long long)iid,
			  capos_CapabilityInfo_get_revoked(e) ? " (revoked)" : "");
}

/* One listRange page from `*slot`; *more when caps remain. */
static int sh_caps_page(uint32_t *slot, bool *more)
{
	struct capos_CapabilityManager_listRange_Params_b p;
	struct capos_CapabilityManager_listRange_Results_r r;
	struct capos_CapabilityInfo_rlist list;
	int err = capos_client_begin(&info_msg);

	if (err == 0)
		err = capos_CapabilityManager_listRange_request(&info_msg.b, &p);
	if (err == 0) {
		capos_CapabilityManager_listRange_Params_set_startSlot(&p, *slot);
		err = capos_client_send(&info_msg, sh.capmgr, capos_CapabilityManager_TYPE_ID,
					capos_CapabilityManager_METHOD_listRange, NULL, 0);
	}
	if (err == 0)
		err = capos_CapabilityManager_listRange_read_results(&info_msg.msg, &r);
	if (err == 0)
		err = capos_CapabilityManager_listRange_Results_get_caps(&r, &list);
	if (err)
		return err;
	for (uint32_t i = 0; i < capos_CapabilityInfo_list_len(&list); i++) {
		struct capos_CapabilityInfo_r e = capos_CapabilityInfo_list_get(&list, i);

		sh_caps_line(&e);
	}
	*more = capos_CapabilityManager_listRange_Results_get_more(&r);
	if (*more && capos_CapabilityManager_listRange_Results_get_nextSlot(&r) <= *slot)
		return CAPOS_ERR_INVALID; /* no progress: refuse to loop */
	*slot = capos_CapabilityManager_listRange_Results_get_nextSlot(&r);
	return CAPOS_OK;
}

int sh_cmd_caps(void)
{
	uint32_t slot = 0;
	bool more = true;
	int err = CAPOS_OK;

	sh_printf("  SLOT  NAME               INTERFACE\n");
	while (err == 0 && more)
		err = sh_caps_page(&slot, &more);
	return err;
}

static int sh_motd_text(uint32_t cap)
{
	struct session_SystemInfo_motd_Results_r r;
	struct capnp_text t = { 0 };
	int err = sh_begin_empty(&info_msg);

	if (err == 0)
		err = capos_client_send(&info_msg, cap, session_SystemInfo_TYPE_ID,
					session_SystemInfo_METHOD_motd, NULL, 0);
	if (err == 0)
		err = session_SystemInfo_motd_read_results(&info_msg.msg, &r);
	if (err == 0)
		err = session_SystemInfo_motd_Results_get_text(&r, &t);
	if (err == 0 && t.len)
		sh_printf("%.*s\n", (int)t.len, t.str);
	return err;
}

static int sh_motd_summary(uint32_t cap)
{
	struct session_SystemInfo_summary_Results_r r;
	struct capos_SystemSummary_r s;
	struct capnp_text v = { 0 };
	int err = sh_begin_empty(&info_msg);

	if (err == 0)
		err = capos_client_send(&info_msg, cap, session_SystemInfo_TYPE_ID,
					session_SystemInfo_METHOD_summary, NULL, 0);
	if (err == 0)
		err = session_SystemInfo_summary_read_results(&info_msg.msg, &r);
	if (err == 0)
		err = session_SystemInfo_summary_Results_get_summary(&r, &s);
	if (err == 0)
		err = capos_SystemSummary_get_version(&s, &v);
	if (err)
		return err;
	sh_printf("%.*s: %u CPUs, %llu KiB memory (%llu KiB free), %u processes, up %llu ms\n",
		  (int)v.len, v.str, (unsigned)capos_SystemSummary_get_cpus(&s),
		  (unsigned long long)(capos_SystemSummary_get_memoryBytes(&s) >> 10),
		  (unsigned long long)(capos_SystemSummary_get_freeBytes(&s) >> 10),
		  (unsigned)capos_SystemSummary_get_processes(&s),
		  (unsigned long long)(capos_SystemSummary_get_uptimeNs(&s) / 1000000u));
	return CAPOS_OK;
}

int sh_cmd_motd(void)
{
	const struct sh_bcap *info = sh_bundle_find(NULL, session_SystemInfo_TYPE_ID);
	int err;

	if (info == NULL)
		return CAPOS_ERR_SHELL_NOT_PERMITTED;
	err = sh_motd_text(info->cap);
	return err ? err : sh_motd_summary(info->cap);
}

int sh_cmd_shutdown(void)
{
	const struct sh_bcap *ctl = sh_bundle_find(NULL, capos_SystemControl_TYPE_ID);
	struct capos_SystemControl_shutdown_Params_b p;
	int err;

	if (ctl == NULL)
		return CAPOS_ERR_SHELL_NOT_PERMITTED;
	sh_printf("shutting down\n");
	err = capos_client_begin(&info_msg);
	if (err == 0)
		err = capos_SystemControl_shutdown_request(&info_msg.b, &p);
	if (err == 0) {
		capos_SystemControl_shutdown_Params_set_code(&p, 0);
		err = capos_client_send(&info_msg, ctl->cap, capos_SystemControl_TYPE_ID,
					capos_SystemControl_METHOD_shutdown, NULL, 0);
	}
	return err;
}

void sh_cmd_help(const struct shell_command *c)
{
	if (c->nargs == 1) {
		const struct shell_cmd_desc *d = shell_cmd_find(c->args[0]);

		sh_printf("%s\n  %s\n", d->usage, d->help);
		return;
	}
	for (uint32_t i = 0; i < SHELL_CMD_COUNT; i++)
		sh_printf("  %-9s %s\n", shell_cmds[i].name, shell_cmds[i].help);
}
