/*
 * sesstest: a bundle cap copied into a child process (user/sesschild) is revoked by
 * the logout too (sesstest.h). sesstest spawns the child with a copy of the cap and
 * an Echo facet of its own endpoint `ep`; the child uses the cap, then calls the
 * facet; sesstest logs the session out inside that call's handler (so the child's
 * first use is known to come before the logout), and the child's next use must fail
 * CAP_REVOKED (it exits 0 only then).
 */
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/demo.capnp.h>

#include "sesstest.h"

static struct capos_server st_srv;
static uint32_t st_logout_session;
static int st_logout_status = CAPOS_ERR_INVALID;

/* The child's "used" call: log the session out, then answer. */
static int st_ready(void *self, const struct demo_Echo_echo_Params_r *p,
		    struct demo_Echo_echo_Results_b *r)
{
	(void)self;
	(void)p;
	st_logout_status = st_logout(st_logout_session);
	return demo_Echo_echo_Results_set_text(r, "done", 4);
}

static const struct demo_Echo_server st_ready_server = { .echo = st_ready };

static int st_ready_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			     struct capnp_builder *results)
{
	return demo_Echo_dispatch(&st_ready_server, self, method, params, results);
}

static const struct capos_server_iface st_ready_iface[] = {
	{ demo_Echo_TYPE_ID, demo_Echo_METHOD_COUNT, st_ready_dispatch, NULL },
};

/* One grant of the spawn: held cap `index` (copy) or the kernel console. */
static int st_grant(struct capos_CapGrant_b *e, const char *name, uint64_t iid, int held,
		    uint32_t index)
{
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(e);

	capos_CapGrant_set_mode(e, capos_TransferMode_copy);
	capos_CapGrant_set_interfaceId(e, iid);
	if (held)
		(void)capos_CapGrant_source_set_held(&src, index);
	else
		capos_CapGrant_source_set_kernel(&src, capos_KernelCapSource_console);
	return capos_CapGrant_set_name(e, name, (uint32_t)strlen(name));
}

/* Spawn sesschild with console, cap (xfer 0) and ready (xfer 1); its handle. */
static int st_spawn_child(const struct capos_xfer *x, uint32_t spawner, uint32_t *handle)
{
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_ProcessSpawner_spawn_Results_r r;
	struct capos_CapGrant_blist list;
	struct capos_CapGrant_b g[3];
	uint32_t index = CAPNP_CAP_NULL;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_name(&p, "sesschild", 9);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "sesschild", 9);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_init_grants(&p, 3, &list);
	for (uint32_t i = 0; err == CAPOS_OK && i < 3; i++)
		g[i] = capos_CapGrant_list_build(&list, i);
	if (err == CAPOS_OK)
		err = st_grant(&g[0], "console", capos_Console_TYPE_ID, 0, 0);
	if (err == CAPOS_OK)
		err = st_grant(&g[1], "cap", demo_Echo_TYPE_ID, 1, 0);
	if (err == CAPOS_OK)
		err = st_grant(&g[2], "ready", demo_Echo_TYPE_ID, 1, 1);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, spawner, capos_ProcessSpawner_TYPE_ID,
					capos_ProcessSpawner_METHOD_spawn, x, 2);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	return err ? err : capos_client_cap(&st.c, index, capos_ProcessHandle_TYPE_ID, handle);
}

/* ProcessHandle.wait: the child's exit code. */
static int st_wait_child(uint32_t handle, int64_t *code)
{
	struct capos_ProcessHandle_wait_Params_b p;
	struct capos_ProcessHandle_wait_Results_r r;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = capos_ProcessHandle_wait_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, handle, capos_ProcessHandle_TYPE_ID,
					capos_ProcessHandle_METHOD_wait, NULL, 0);
	if (err == CAPOS_OK)
		err = capos_ProcessHandle_wait_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
	return err;
}

int st_child_logout(uint32_t session, uint32_t cap)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	struct capos_ring_client *ring;
	struct capos_xfer x[2] = { { .cap = cap, .mode = CAPOS_XFER_COPY },
				   { .mode = CAPOS_XFER_COPY } };
	uint32_t spawner, ep, handle = 0;
	int64_t code = -1;
	int err = capos_ring_self(&ring);

	st_logout_session = session;
	if (err == CAPOS_OK)
		err = capos_capset_lookup(cs, "spawner", capos_ProcessSpawner_TYPE_ID, &spawner);
	if (err == CAPOS_OK)
		err = capos_capset_lookup(cs, "ep", capos_Endpoint_TYPE_ID, &ep);
	if (err == CAPOS_OK)
		err = capos_endpoint_client(ep, demo_Echo_TYPE_ID, 0, &x[1].cap);
	if (err == CAPOS_OK)
		err = capos_server_init(&st_srv, st_ready_iface, 1);
	if (err == CAPOS_OK) {
		err = st_spawn_child(x, spawner, &handle);
		(void)capos_ring_release(ring, x[1].cap); /* the child has its copy */
	}
	if (err == CAPOS_OK)
		err = capos_server_serve_one(&st_srv, ring, ep);
	if (err == CAPOS_OK)
		err = st_logout_status;
	if (err == CAPOS_OK)
		err = st_wait_child(handle, &code);
	if (err == CAPOS_OK && code != 0)
		err = CAPOS_ERR_INVALID;
	return err;
}
