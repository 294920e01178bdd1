/*
 * user/stdiotest's children: ProcessSpawner.spawn requests with kernel, client-facet,
 * copied and exported grants (docs/spawn.md), and the ProcessHandle calls (wait
 * queued without waiting, so the StdIO server keeps serving meanwhile; kill).
 */
#include <stdint.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#include "stdiotest.h"

static uint64_t sx_arena[256];
static uint64_t sx_framed[258];
static uint64_t sx_res[64];	 /* spawn results and their cap records */
static uint64_t sx_wait_res[16]; /* the queued wait's results */

static struct capos_ring_client *sx_ring(void)
{
	struct capos_ring_client *c = NULL;

	(void)capos_ring_self(&c); /* attached by main before any spawn */
	return c;
}

static uint32_t sx_spawner(void)
{
	static uint32_t cap;

	if (cap == 0)
		(void)capos_capset_lookup((const void *)capos_boot.capset, "spawner",
					  capos_ProcessSpawner_TYPE_ID, &cap);
	return cap;
}

/* One grant of the request; held caps take the next transfer descriptor. */
static void sx_encode_grant(struct capos_CapGrant_b *e, const struct sx_grant *g, uint32_t *sent)
{
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(e);
	static const uint16_t modes[] = {
		[SX_KERNEL] = capos_TransferMode_copy,
		[SX_FACET] = capos_TransferMode_clientFacet,
		[SX_COPY] = capos_TransferMode_copy,
		[SX_EXPORT] = capos_TransferMode_copy,
	};

	(void)capos_CapGrant_set_name(e, g->name, (uint32_t)strlen(g->name));
	capos_CapGrant_set_mode(e, (enum capos_TransferMode)modes[g->kind]);
	capos_CapGrant_set_interfaceId(e, g->iid);
	capos_CapGrant_set_badge(e, g->badge);
	if (g->kind == SX_FACET || g->kind == SX_COPY)
		(void)capos_CapGrant_source_set_held(&src, (*sent)++);
	else
		capos_CapGrant_source_set_kernel(
			&src, g->kind == SX_EXPORT ? capos_KernelCapSource_endpoint
						   : (enum capos_KernelCapSource)g->source);
}

static int sx_encode(const char *binary, const struct sx_grant *g, uint32_t n, uint32_t *len)
{
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	struct capnp_builder b;
	struct capnp_bseg seg;
	uint32_t sent = 0, blen = (uint32_t)strlen(binary);
	size_t out = 0;
	int err = capnp_builder_init(&b, &seg, 1, sx_arena, sizeof(sx_arena));

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err == 0) {
		(void)capos_ProcessSpawner_spawn_Params_set_name(&p, binary, blen);
		(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, binary, blen);
		err = capos_ProcessSpawner_spawn_Params_init_grants(&p, n, &list);
	}
	for (uint32_t i = 0; err == 0 && i < n; i++) {
		struct capos_CapGrant_b e = capos_CapGrant_list_build(&list, i);

		sx_encode_grant(&e, &g[i], &sent);
	}
	if (err == 0)
		err = capnp_builder_error(&b);
	if (err == 0)
		err = capnp_builder_write_framed(&b, sx_framed, sizeof(sx_framed), &out);
	*len = (uint32_t)out;
	return err;
}

/* The framed results (before the cap records) of `cqe` in sx_res. */
static int sx_results(const struct capos_cqe *cqe, const uint64_t *res, uint32_t res_bytes,
		      struct capnp_msg *m, struct capnp_segment *segs)
{
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	const struct capos_xfer_result *recs;
	uint32_t len = 0;
	int n = capos_ring_result_caps(cqe, res, res_bytes, &recs, &len);

	if (n < 0)
		return n;
	return capnp_msg_init_framed(m, res, len, segs, 2, &lim, NULL);
}

/* The export of an SX_EXPORT grant: the only entry of `exports`. */
static int sx_export(const struct capos_cqe *cqe,
		     const struct capos_ProcessSpawner_spawn_Results_r *r, uint64_t iid,
		     uint32_t *facet)
{
	struct capos_ExportedCap_rlist exports;
	struct capos_ExportedCap_r e;
	uint32_t index = 0;
	int err = capos_ProcessSpawner_spawn_Results_get_exports(r, &exports);

	if (err == 0 && capos_ExportedCap_list_len(&exports) != 1)
		err = CAPOS_ERR_INVALID;
	if (err == 0) {
		e = capos_ExportedCap_list_get(&exports, 0);
		err = capos_ExportedCap_get_cap(&e, &index);
	}
	return err ? err : capos_ring_result_cap(cqe, sx_res, sizeof(sx_res), index, iid, facet);
}

int sx_spawn(const char *binary, const struct sx_grant *g, uint32_t n, struct sx_child *child)
{
	struct capos_xfer x[SX_GRANTS_MAX];
	struct capos_ProcessSpawner_spawn_Results_r r;
	struct capnp_segment segs[2];
	struct capos_cqe cqe = { 0 };
	struct capnp_msg m;
	uint32_t len = 0, nx = 0, index = 0;
	uint64_t export_iid = 0;
	int err = n > SX_GRANTS_MAX ? CAPOS_ERR_INVALID : sx_encode(binary, g, n, &len);

	memset(child, 0, sizeof(*child));
	for (uint32_t i = 0; err == 0 && i < n; i++) {
		if (g[i].kind == SX_FACET || g[i].kind == SX_COPY)
			x[nx++] = (struct capos_xfer){ .cap = g[i].cap, .mode = CAPOS_XFER_COPY };
		if (g[i].kind == SX_EXPORT)
			export_iid = g[i].iid;
	}
	if (err == 0)
		err = capos_ring_call_xfer(sx_ring(), sx_spawner(), capos_ProcessSpawner_TYPE_ID,
					   capos_ProcessSpawner_METHOD_spawn, sx_framed, len, x,
					   (uint16_t)nx, sx_res, sizeof(sx_res), &cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		return capos_exception_status(sx_res, cqe.result_len, NULL);
	if (err == 0)
		err = sx_results(&cqe, sx_res, sizeof(sx_res), &m, segs);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	if (err == 0)
		err = capos_ring_result_cap(&cqe, sx_res, sizeof(sx_res), index,
					    capos_ProcessHandle_TYPE_ID, &child->handle);
	if (err == 0 && export_iid)
		err = sx_export(&cqe, &r, export_iid, &child->export_facet);
	return err;
}

int sx_wait_submit(uint32_t handle, uint64_t ud)
{
	struct capos_ring_client *c = sx_ring();
	struct capos_sqe *sqe;
	int err = capos_ring_get_sqe(c, &sqe);

	if (err)
		return err;
	*sqe = (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
				   .cap = handle,
				   .interface_id = capos_ProcessHandle_TYPE_ID,
				   .method = capos_ProcessHandle_METHOD_wait,
				   .result_addr = (uint64_t)(uintptr_t)sx_wait_res,
				   .result_len = sizeof(sx_wait_res),
				   .user_data = ud };
	capos_ring_submit(c);
	return CAPOS_OK;
}

int sx_wait_result(const struct capos_cqe *cqe, int64_t *code, int *killed)
{
	struct capos_ProcessHandle_wait_Results_r r;
	struct capnp_segment segs[2];
	struct capnp_msg m;
	int err = cqe->status;

	if (err == CAPOS_ERR_RING_EXCEPTION)
		return capos_exception_status(sx_wait_res, cqe->result_len, NULL);
	if (err == 0)
		err = sx_results(cqe, sx_wait_res, sizeof(sx_wait_res), &m, segs);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	return err;
}

int sx_kill(uint32_t handle)
{
	struct capos_cqe cqe;
	uint64_t res[16];
	int err = capos_ring_call(sx_ring(), handle, capos_ProcessHandle_TYPE_ID,
				  capos_ProcessHandle_METHOD_kill, NULL, 0, res, sizeof(res), &cqe);

	return err == CAPOS_ERR_RING_EXCEPTION ? capos_exception_status(res, cqe.result_len, NULL)
					       : err;
}

int sx_release(const struct sx_child *child)
{
	int err = capos_ring_release(sx_ring(), child->handle);

	if (err == 0 && child->export_facet)
		err = capos_ring_release(sx_ring(), child->export_facet);
	return err;
}
