/*
 * demoinit: init of the focused demo manifest (system/tests/demo.capnp,
 * tests/qemu/demo_tests.py). It builds the demo graph by hand with ProcessSpawner,
 * the way the manifest executor does for the default system: `echo` and `kv`, each
 * with a console and a fresh endpoint `api` whose client facet comes back as an
 * export, then `democlient` with a console, copies of both facets and an endpoint
 * `notify` of its own; it waits for the client (exit 0). Then the service-death
 * twins the default graph cannot show: echo is killed and a CALL through its facet is
 * answered `disconnected` (CAPOS_ERR_EP_DISCONNECTED); kv is killed too; every cap is
 * released. Exit 0 when every check held, else 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>
#include <schema/demo.capnp.h>

#define DI_GRANTS 4u

struct di_grant {
	const char *name;
	int held; /* 1: sent cap `cap` as a copy; 0: kernel source `source` */
	uint16_t source;
	uint32_t cap;
	uint64_t iid;
};

static struct capos_ring_client *di_ring;
static uint32_t di_spawner;
static uint64_t di_arena[512];
static uint64_t di_framed[514];
static uint64_t di_res[64];
static struct capnp_segment di_segs[2];
static int di_failed;

static void di_check(int ok, const char *what)
{
	if (!ok)
		di_failed = 1;
	printf("demoinit: %s: %s\n", what, ok ? "ok" : "FAILED");
}

static int di_results(const struct capos_cqe *cqe, struct capnp_msg *m)
{
	const struct capnp_limits lim = { .traversal_words = 512, .nesting = 8 };
	uint32_t recs = (cqe->flags & CAPOS_CQE_F_XFER) ? cqe->xfer_count * 16u : 0;

	if (recs > cqe->result_len)
		return CAPOS_ERR_INVALID;
	return capnp_msg_init_framed(m, di_res, cqe->result_len - recs, di_segs, 2, &lim, NULL);
}

/* The CQE status, or for a CapException its status. */
static int di_status(int err, const struct capos_cqe *cqe)
{
	struct capnp_msg m;
	struct capos_CapException_r ex;

	if (err != CAPOS_ERR_RING_EXCEPTION || cqe->status != CAPOS_ERR_RING_EXCEPTION)
		return err;
	if (di_results(cqe, &m) || capos_CapException_read_root(&m, &ex))
		return CAPOS_ERR_INVALID;
	return capos_CapException_get_status(&ex);
}

static int di_encode(const char *name, const struct di_grant *g, uint32_t n, uint32_t *len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	uint32_t sent = 0;
	size_t out = 0;
	int err = capnp_builder_init(&b, &seg, 1, di_arena, sizeof(di_arena));

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err)
		return err;
	(void)capos_ProcessSpawner_spawn_Params_set_name(&p, name, (uint32_t)strlen(name));
	(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, name, (uint32_t)strlen(name));
	(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, n, &list);
	for (uint32_t i = 0; i < n; i++) {
		struct capos_CapGrant_b e = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&e);

		(void)capos_CapGrant_set_name(&e, g[i].name, (uint32_t)strlen(g[i].name));
		capos_CapGrant_set_mode(&e, capos_TransferMode_copy);
		capos_CapGrant_set_interfaceId(&e, g[i].iid);
		if (g[i].held)
			(void)capos_CapGrant_source_set_held(&src, sent++);
		else
			capos_CapGrant_source_set_kernel(&src,
							 (enum capos_KernelCapSource)g[i].source);
	}
	err = capnp_builder_error(&b);
	if (err == 0)
		err = capnp_builder_write_framed(&b, di_framed, sizeof(di_framed), &out);
	*len = (uint32_t)out;
	return err;
}

/* spawn(name = binary, grants): the handle and, with an endpoint grant, its export
 * facet (granted as `export_iid`). */
static int di_spawn(const char *name, const struct di_grant *g, uint32_t n, uint64_t export_iid,
		    uint32_t *handle, uint32_t *facet)
{
	struct capos_xfer x[DI_GRANTS];
	struct capos_ProcessSpawner_spawn_Results_r r;
	struct capos_ExportedCap_rlist exports;
	struct capos_cqe cqe;
	struct capnp_msg m;
	uint32_t len = 0, nx = 0, index = 0;
	int err = di_encode(name, g, n, &len);

	for (uint32_t i = 0; i < n; i++)
		if (g[i].held)
			x[nx++] = (struct capos_xfer){ .cap = g[i].cap, .mode = CAPOS_XFER_COPY };
	if (err == 0)
		err = di_status(
			capos_ring_call_xfer(di_ring, di_spawner, capos_ProcessSpawner_TYPE_ID,
					     capos_ProcessSpawner_METHOD_spawn, di_framed, len, x,
					     (uint16_t)nx, di_res, sizeof(di_res), &cqe),
			&cqe);
	if (err == 0)
		err = di_results(&cqe, &m);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	if (err == 0)
		err = capos_ring_result_cap(&cqe, di_res, sizeof(di_res), index,
					    capos_ProcessHandle_TYPE_ID, handle);
	if (err == 0 && facet) {
		err = capos_ProcessSpawner_spawn_Results_get_exports(&r, &exports);
		if (err == 0 && capos_ExportedCap_list_len(&exports) != 1)
			err = CAPOS_ERR_INVALID;
		if (err == 0) {
			struct capos_ExportedCap_r e = capos_ExportedCap_list_get(&exports, 0);
			err = capos_ExportedCap_get_cap(&e, &index);
		}
		if (err == 0)
			err = capos_ring_result_cap(&cqe, di_res, sizeof(di_res), index, export_iid,
						    facet);
	}
	return err;
}

static int di_handle_call(uint32_t handle, uint16_t method, int64_t *code, int *killed)
{
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	int err = di_status(capos_ring_call(di_ring, handle, capos_ProcessHandle_TYPE_ID, method,
					    NULL, 0, di_res, sizeof(di_res), &cqe),
			    &cqe);

	if (err || method != capos_ProcessHandle_METHOD_wait)
		return err;
	err = di_results(&cqe, &m);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	return err;
}

static int di_release(uint32_t cap)
{
	return capos_ring_release(di_ring, cap);
}

/* Kill a server, wait for it: (-1, killed). */
static void di_kill(const char *name, uint32_t handle)
{
	int64_t code = 0;
	int killed = 0;
	int err = di_handle_call(handle, capos_ProcessHandle_METHOD_kill, NULL, NULL);

	if (err == 0)
		err = di_handle_call(handle, capos_ProcessHandle_METHOD_wait, &code, &killed);
	printf("demoinit: %s killed: wait -> %lld%s\n", name, (long long)code,
	       killed ? " (killed)" : "");
	di_check(err == 0 && code == -1 && killed, "server killed");
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	uint32_t echo_h = 0, kv_h = 0, client_h = 0, echo_f = 0, kv_f = 0, notify_f = 0;
	int64_t code = -2;
	int killed = 0;
	int err = capos_ring_self(&di_ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "spawner", capos_ProcessSpawner_TYPE_ID, &di_spawner);
	if (err)
		return 2;
	const struct di_grant echo_g[] = {
		{ "console", 0, capos_KernelCapSource_console, 0, 0 },
		{ "api", 0, capos_KernelCapSource_endpoint, 0, demo_Echo_TYPE_ID },
	};
	const struct di_grant kv_g[] = {
		{ "console", 0, capos_KernelCapSource_console, 0, 0 },
		{ "api", 0, capos_KernelCapSource_endpoint, 0, demo_KeyValue_TYPE_ID },
	};
	err = di_spawn("echo", echo_g, 2, demo_Echo_TYPE_ID, &echo_h, &echo_f);
	di_check(err == 0, "spawned echo, its Echo facet exported");
	if (err == 0)
		err = di_spawn("kv", kv_g, 2, demo_KeyValue_TYPE_ID, &kv_h, &kv_f);
	di_check(err == 0, "spawned kv, its KeyValue facet exported");
	if (err)
		return 1;
	const struct di_grant client_g[] = {
		{ "console", 0, capos_KernelCapSource_console, 0, 0 },
		{ "echo", 1, 0, echo_f, demo_Echo_TYPE_ID },
		{ "kv", 1, 0, kv_f, demo_KeyValue_TYPE_ID },
		{ "notify", 0, capos_KernelCapSource_endpoint, 0, demo_Notifier_TYPE_ID },
	};
	err = di_spawn("democlient", client_g, 4, demo_Notifier_TYPE_ID, &client_h, &notify_f);
	if (err == 0)
		err = di_handle_call(client_h, capos_ProcessHandle_METHOD_wait, &code, &killed);
	printf("demoinit: democlient exited %lld\n", (long long)code);
	di_check(err == 0 && code == 0 && !killed, "democlient passed");

	/* A client calling a service whose process died: disconnected. */
	di_kill("echo", echo_h);
	struct capos_cqe cqe;
	err = di_status(capos_ring_call(di_ring, echo_f, demo_Echo_TYPE_ID, demo_Echo_METHOD_echo,
					NULL, 0, di_res, sizeof(di_res), &cqe),
			&cqe);
	printf("demoinit: echo after its death -> %s\n", capos_error_name(err));
	di_check(cqe.status == CAPOS_ERR_RING_EXCEPTION && err == CAPOS_ERR_EP_DISCONNECTED,
		 "call to a dead service is disconnected");
	di_kill("kv", kv_h);
	err = 0;
	const uint32_t caps[] = { echo_h, kv_h, client_h, echo_f, kv_f, notify_f };
	for (uint32_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		err |= di_release(caps[i]);
	di_check(err == 0, "caps released");
	printf("demoinit: %s\n", di_failed ? "FAILED" : "done, exiting 0");
	return di_failed ? 1 : 0;
}
