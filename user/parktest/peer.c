/*
 * Child processes of the PARK and sync boot tests (peer.h): ProcessSpawner.spawn with a
 * list of grants, ProcessHandle.wait and kill.
 */
#include "peer.h"

#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <schema/capos.capnp.h>

/* Builds the spawn request's grants; the held caps' descriptors in x, their count in *nx. */
static int peer_grants(struct capos_ProcessSpawner_spawn_Params_b *p, const struct peer_grant *g,
		       uint32_t n, struct capos_xfer *x, uint16_t *nx)
{
	struct capos_CapGrant_blist list;
	int err = capos_ProcessSpawner_spawn_Params_init_grants(p, n, &list);

	*nx = 0;
	for (uint32_t i = 0; err == CAPOS_OK && i < n; i++) {
		struct capos_CapGrant_b cg = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&cg);

		err = capos_CapGrant_set_name(&cg, g[i].name, strlen(g[i].name));
		if (g[i].kernel != capos_KernelCapSource_none) {
			capos_CapGrant_source_set_kernel(&src, g[i].kernel);
			continue;
		}
		x[*nx] = (struct capos_xfer){ .cap = g[i].held, .mode = CAPOS_XFER_COPY };
		if (err == CAPOS_OK)
			err = capos_CapGrant_source_set_held(&src, (*nx)++);
	}
	return err;
}

int peer_spawn(struct capos_ring_client *ring, uint32_t spawner, const char *binary,
	       const char *name, const struct peer_grant *g, uint32_t n, uint32_t *handle)
{
	static uint64_t arena[160], framed[161], res[32];
	struct capos_xfer x[PEER_GRANTS_MAX];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_cqe cqe;
	uint16_t nx = 0;
	size_t len = 0;
	int err = n > PEER_GRANTS_MAX ? CAPOS_ERR_INVALID
				      : capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_name(&p, name, strlen(name));
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_binaryName(&p, binary, strlen(binary));
	if (err == CAPOS_OK)
		err = peer_grants(&p, g, n, x, &nx);
	if (err == CAPOS_OK)
		err = capnp_builder_error(&b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, framed, sizeof(framed), &len);
	if (err == CAPOS_OK)
		err = capos_ring_call_xfer(ring, spawner, capos_ProcessSpawner_TYPE_ID,
					   capos_ProcessSpawner_METHOD_spawn, framed, (uint32_t)len,
					   x, nx, res, sizeof(res), &cqe);
	if (err == CAPOS_OK)
		err = capos_ring_result_cap(&cqe, res, sizeof(res), 0, capos_ProcessHandle_TYPE_ID,
					    handle);
	return err;
}

int peer_wait(struct capos_ring_client *ring, uint32_t h, int64_t *code, int *killed)
{
	static uint64_t res[16];
	struct capnp_segment segs[1];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capnp_msg m;
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_cqe cqe;
	int err = capos_ring_call(ring, h, capos_ProcessHandle_TYPE_ID,
				  capos_ProcessHandle_METHOD_wait, NULL, 0, res, sizeof(res), &cqe);

	if (err == CAPOS_OK)
		err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 1, &lim, NULL);
	if (err == CAPOS_OK)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == CAPOS_OK) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	return err;
}

int peer_kill(struct capos_ring_client *ring, uint32_t h)
{
	return capos_ring_call(ring, h, capos_ProcessHandle_TYPE_ID,
			       capos_ProcessHandle_METHOD_kill, NULL, 0, NULL, 0, NULL);
}
