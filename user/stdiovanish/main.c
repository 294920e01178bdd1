/*
 * stdiovanish: a StdIO server that goes away mid-run, for user/stdiotest's "server
 * gone" twin (tests/qemu/stdio_tests.py). It serves StdIO on its raw endpoint `api`
 * (the libcapos server runtime): writes are collected; at the first readLine it prints
 * what it received on its console and exits without answering, so its endpoint closes
 * with the call in service and the client is answered `disconnected`
 * (CAPOS_ERR_EP_DISCONNECTED, docs/ipc.md "Owner gone"), exactly as when a shell dies.
 * Exit 0 from readLine; 1 if the endpoint closes first or the runtime fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/session.capnp.h>

#define SV_GOT_MAX 256u
#define SV_GREETING "Hello from capOS!\nWhat is your name? "

static struct capos_server sv_srv;
static char sv_got[SV_GOT_MAX];
static uint32_t sv_len, sv_writes;

static int sv_write(void *self, const struct session_StdIO_write_Params_r *p,
		    struct session_StdIO_write_Results_b *r)
{
	struct capnp_data d;
	int err = session_StdIO_write_Params_get_data(p, &d);

	(void)self;
	(void)r;
	if (err)
		return err;
	if (d.len > SV_GOT_MAX - sv_len)
		return capos_server_fail(&sv_srv, capos_ExceptionType_failed,
					 CAPOS_ERR_OUT_OF_RANGE, "too much output");
	memcpy(sv_got + sv_len, d.ptr, d.len);
	sv_len += d.len;
	sv_writes++;
	return CAPOS_OK;
}

static int sv_read_line(void *self, const struct session_StdIO_readLine_Params_r *p,
			struct session_StdIO_readLine_Results_b *r)
{
	int greeted = sv_len == sizeof(SV_GREETING) - 1 && !memcmp(sv_got, SV_GREETING, sv_len);

	(void)self;
	(void)p;
	(void)r;
	printf("stdiovanish: %u writes, %u bytes (%s); exiting in readLine\n", sv_writes, sv_len,
	       greeted ? "the greeting" : "NOT the greeting");
	exit(0);
}

static const struct session_StdIO_server sv_server = { .write = sv_write,
						       .readLine = sv_read_line };

static int sv_dispatch(void *self, uint16_t method, struct capnp_msg *params,
		       struct capnp_builder *results)
{
	return session_StdIO_dispatch(&sv_server, self, method, params, results);
}

static const struct capos_server_iface sv_ifaces[] = {
	{ session_StdIO_TYPE_ID, session_StdIO_METHOD_COUNT, sv_dispatch, NULL },
};

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	struct capos_ring_client *ring;
	uint32_t ep;
	int err = capos_ring_self(&ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "api", capos_Endpoint_TYPE_ID, &ep);
	if (err == 0)
		err = capos_server_init(&sv_srv, sv_ifaces, 1);
	if (err == 0)
		err = capos_server_run(&sv_srv, ring, ep);
	printf("stdiovanish: endpoint closed before a readLine: %s\n", capos_error_name(err));
	return 1;
}
