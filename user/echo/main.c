/*
 * echo: the Echo service of the demo graph (schema/demo.capnp, docs/demo.md). Serves
 * its raw endpoint `api` with the libcapos server runtime and prints one line per call
 * to its console. Exits 0 when the endpoint is closed, 1 on a runtime error (or when
 * its CapSet lacks `api`).
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <libcapos/server.h>
#include <schema/demo.capnp.h>

static struct capos_server echo_srv;

static int echo_echo(void *self, const struct demo_Echo_echo_Params_r *p,
		     struct demo_Echo_echo_Results_b *r)
{
	struct capnp_text t;
	int err = demo_Echo_echo_Params_get_text(p, &t);

	(void)self;
	if (err)
		return err;
	printf("echo: echo \"%.*s\" (badge %llu)\n", (int)t.len, t.str,
	       (unsigned long long)echo_srv.call.badge);
	return demo_Echo_echo_Results_set_text(r, t.str, t.len);
}

static const struct demo_Echo_server echo_server = { .echo = echo_echo };

static int echo_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			 struct capnp_builder *results)
{
	return demo_Echo_dispatch(&echo_server, self, method, params, results);
}

static const struct capos_server_iface echo_ifaces[] = {
	{ demo_Echo_TYPE_ID, demo_Echo_METHOD_COUNT, echo_dispatch, NULL },
};

int main(void)
{
	int err = capos_server_serve_named(&echo_srv, echo_ifaces, 1, "api");

	if (err) {
		printf("echo: stopped: %s\n", capos_error_name(err));
		return 1;
	}
	printf("echo: endpoint closed after %llu calls\n", (unsigned long long)echo_srv.calls);
	return 0;
}
