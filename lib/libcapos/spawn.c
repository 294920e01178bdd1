/*
 * Child processes (libcapos/spawn.h): the ProcessSpawner.spawn request built with the
 * generated capnpc-c accessors into a per-thread arena, the held caps' descriptors sent
 * as COPY transfers, the handle read from the result's cap records; ProcessHandle.wait
 * results read with a bounded decoder.
 */
#include <libcapos/spawn.h>

#include <stdbool.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <schema/capos.capnp.h>

/* Room for CAPOS_SPAWN_GRANTS_MAX grants with short names, plus the names of the
 * binary, process and profile. */
#define SPAWN_ARENA_WORDS 320u

static __thread uint64_t spawn_arena[SPAWN_ARENA_WORDS];
static __thread uint64_t spawn_framed[SPAWN_ARENA_WORDS + 1u];

/* Builds the request's grants; the held caps' descriptors in x, their count in *nx. */
static int spawn_grants(struct capos_ProcessSpawner_spawn_Params_b *p,
			const struct capos_spawn_req *req, struct capos_xfer *x, uint16_t *nx)
{
	struct capos_CapGrant_blist list;
	int err = capos_ProcessSpawner_spawn_Params_init_grants(p, req->ngrants, &list);

	*nx = 0;
	for (uint32_t i = 0; err == CAPOS_OK && i < req->ngrants; i++) {
		const struct capos_spawn_grant *g = &req->grants[i];
		struct capos_CapGrant_b cg = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&cg);

		err = capos_CapGrant_set_name(&cg, g->name, strlen(g->name));
		if (g->export_iid != 0) /* exported: its facet's interface */
			capos_CapGrant_set_interfaceId(&cg, g->export_iid);
		if (g->kernel != capos_KernelCapSource_none) {
			capos_CapGrant_source_set_kernel(&src, g->kernel);
			continue;
		}
		x[*nx] = (struct capos_xfer){ .cap = g->held, .mode = CAPOS_XFER_COPY };
		if (err == CAPOS_OK)
			err = capos_CapGrant_source_set_held(&src, (*nx)++);
	}
	return err;
}

/* Frames the spawn request for req into spawn_framed (length in *len), the held caps'
 * descriptors in x (count in *nx). */
static int spawn_params(const struct capos_spawn_req *req, struct capos_xfer *x, uint16_t *nx,
			size_t *len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	int err = capnp_builder_init(&b, &seg, 1, spawn_arena, sizeof(spawn_arena));

	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_name(&p, req->name, strlen(req->name));
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_binaryName(&p, req->binary,
								       strlen(req->binary));
	if (err == CAPOS_OK && req->profile)
		err = capos_ProcessSpawner_spawn_Params_set_profile(&p, req->profile,
								    strlen(req->profile));
	if (err == CAPOS_OK)
		err = spawn_grants(&p, req, x, nx);
	if (err == CAPOS_OK)
		err = capnp_builder_error(&b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, spawn_framed, sizeof(spawn_framed), len);
	return err;
}

/* The exported facets (result caps 0..) into req->exports; how many in *n. */
static int spawn_exports(const struct capos_spawn_req *req, const struct capos_cqe *cqe,
			 const uint64_t *res, size_t res_size, uint32_t *n)
{
	int err = CAPOS_OK;

	*n = 0;
	for (uint32_t i = 0; err == CAPOS_OK && i < req->ngrants; i++) {
		uint64_t iid = req->grants[i].export_iid;

		if (iid != 0) {
			err = capos_ring_result_cap(cqe, res, res_size, *n, iid, &req->exports[*n]);
			++*n;
		}
	}
	return err;
}

/* Whether req names what capos_spawn needs. */
static bool spawn_req_ok(const struct capos_spawn_req *req)
{
	if (req->ngrants > CAPOS_SPAWN_GRANTS_MAX || !req->binary || !req->name ||
	    (req->ngrants && !req->grants))
		return false;
	for (uint32_t i = 0; i < req->ngrants; i++)
		if (req->grants[i].export_iid != 0 && req->exports == NULL)
			return false;
	return true;
}

int capos_spawn(struct capos_ring_client *ring, uint32_t spawner, const struct capos_spawn_req *req,
		uint32_t *handle)
{
	uint64_t res[32];
	struct capos_xfer x[CAPOS_SPAWN_GRANTS_MAX];
	struct capos_cqe cqe;
	uint16_t nx = 0;
	uint32_t nexports = 0;
	size_t len = 0;
	int err;

	if (!spawn_req_ok(req))
		return CAPOS_ERR_INVALID;
	err = spawn_params(req, x, &nx, &len);
	if (err == CAPOS_OK)
		err = capos_ring_call_xfer(ring, spawner, capos_ProcessSpawner_TYPE_ID,
					   capos_ProcessSpawner_METHOD_spawn, spawn_framed,
					   (uint32_t)len, x, nx, res, sizeof(res), &cqe);
	if (err == CAPOS_OK)
		err = spawn_exports(req, &cqe, res, sizeof(res), &nexports);
	if (err == CAPOS_OK)
		err = capos_ring_result_cap(&cqe, res, sizeof(res), nexports,
					    capos_ProcessHandle_TYPE_ID, handle);
	return err;
}

int capos_process_wait_results(const struct capos_cqe *cqe, const void *res, uint32_t res_cap,
			       int64_t *code, int *killed)
{
	struct capnp_segment segs[1];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capnp_msg m;
	struct capos_ProcessHandle_wait_Results_r r;
	int err = cqe->status;

	if (err == CAPOS_OK && cqe->result_len > res_cap)
		err = CAPOS_ERR_INVALID;
	if (err == CAPOS_OK)
		err = capnp_msg_init_framed(&m, res, cqe->result_len, segs, 1, &lim, NULL);
	if (err == CAPOS_OK)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == CAPOS_OK) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	return err;
}

int capos_process_wait(struct capos_ring_client *ring, uint32_t h, int64_t *code, int *killed)
{
	uint64_t res[16];
	struct capos_cqe cqe;
	int err = capos_ring_call(ring, h, capos_ProcessHandle_TYPE_ID,
				  capos_ProcessHandle_METHOD_wait, NULL, 0, res, sizeof(res), &cqe);

	return err != CAPOS_OK ? err
			       : capos_process_wait_results(&cqe, res, sizeof(res), code, killed);
}

int capos_process_kill(struct capos_ring_client *ring, uint32_t h)
{
	return capos_ring_call(ring, h, capos_ProcessHandle_TYPE_ID,
			       capos_ProcessHandle_METHOD_kill, NULL, 0, NULL, 0, NULL);
}
