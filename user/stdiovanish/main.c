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
#include <libcapos/server.h>
#include <schema/session.capnp.h>

#include "../stdiotest/stdiotest.h"

#define SV_GOT_MAX 256u
#define SV_GREETING "Hello from capOS!\nWhat is your name? "

static struct capos_server sv_srv;
static char sv_got[SV_GOT_MAX];
static struct sx_sink sv_sink = { sv_got, SV_GOT_MAX, 0, 0, 0 };

static int sv_write(void *self, const struct session_StdIO_write_Params_r *p,
		    struct session_StdIO_write_Results_b *r)
{
	(void)self;
	(void)r;
	return sx_sink_write(&sv_sink, p);
}

static int sv_read_line(void *self, const struct session_StdIO_readLine_Params_r *p,
			struct session_StdIO_readLine_Results_b *r)
{
	int greeted = !sv_sink.overflow && sv_sink.len == sizeof(SV_GREETING) - 1 &&
		      !memcmp(sv_got, SV_GREETING, sv_sink.len);

	(void)self;
	(void)p;
	(void)r;
	printf("stdiovanish: %u writes, %u bytes (%s); exiting in readLine\n", sv_sink.writes,
	       sv_sink.len, greeted ? "the greeting" : "NOT the greeting");
	exit(0);
}

static const struct session_StdIO_server sv_server = { .write = sv_write,
						       .readLine = sv_read_line };

int main(void)
{
	struct capos_server_iface iface = sx_stdio_iface(&sv_server);
	int err = capos_server_serve_named(&sv_srv, &iface, 1, "api");

	printf("stdiovanish: endpoint closed before a readLine: %s\n", capos_error_name(err));
	return 1;
}
