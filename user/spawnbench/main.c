/*
 * spawnbench: init of the spawn benchmark manifest (system/spawnbench.capnp), run by
 * bench/spawn/spawn_bench.py under -icount shift=0 (one TSC tick = one guest
 * instruction). It times SPAWNBENCH_OPS rounds of
 *   ProcessSpawner.spawn("t", "truemin", no grants) + ProcessHandle.wait + RELEASE
 * of the packaged trivial child user/truemin (whose _start exits 0) between two rdtsc,
 * after SPAWNBENCH_WARMUP untimed rounds, checks every round (exit code 0, not
 * killed), and prints on COM2 one line in the grammar of docs/benchmarks.md:
 *   bench spawn ops=N tsc=T tsc_per_op=X.YY     (or: bench spawn error reason=...)
 * The figure includes the user side: encoding the request, decoding the results.
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

#define SPAWNBENCH_OPS 200u
#define SPAWNBENCH_WARMUP 16u

static struct capos_ring_client *sb_ring;
static uint32_t sb_spawner;
static uint64_t sb_params[64];
static uint32_t sb_params_len;
static uint64_t sb_res[32];

static inline uint64_t sb_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* The request never changes: encode it once. */
static int sb_encode(void)
{
	static uint64_t arena[48];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Params_set_name(&p, "t", 1);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "truemin", 7);
	if (err == 0)
		err = capnp_builder_error(&b);
	if (err == 0)
		err = capnp_builder_write_framed(&b, sb_params, sizeof(sb_params), &n);
	sb_params_len = (uint32_t)n;
	return err;
}

static int sb_call(uint32_t cap, uint64_t iid, uint16_t method, const void *params, uint32_t plen,
		   struct capos_cqe *cqe)
{
	return capos_ring_call(sb_ring, cap, iid, method, params, plen, sb_res, sizeof(sb_res),
			       cqe);
}

/* The handle's cap id: result cap `index`, records at the end of the result bytes. */
static int sb_handle(const struct capos_cqe *cqe, uint32_t *handle)
{
	const uint32_t n = cqe->xfer_count, recs = 16u * n;
	struct capnp_segment segs[1];
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	struct capnp_msg m;
	struct capos_ProcessSpawner_spawn_Results_r r;
	uint32_t index = 0;

	if (!(cqe->flags & CAPOS_CQE_F_XFER) || recs > cqe->result_len ||
	    capnp_msg_init_framed(&m, sb_res, cqe->result_len - recs, segs, 1, &lim, NULL) ||
	    capos_ProcessSpawner_spawn_Results_read_root(&m, &r) ||
	    capos_ProcessSpawner_spawn_Results_get_handle(&r, &index) || index >= n)
		return CAPOS_ERR_INVALID;
	*handle = ((const struct capos_xfer_result *)((const uint8_t *)sb_res + cqe->result_len -
						      recs))[index]
			  .cap;
	return CAPOS_OK;
}

/* RELEASE of the handle, waited for like the CALLs (the CQE must not pile up). */
static int sb_release(uint32_t h)
{
	return capos_ring_release(sb_ring, h);
}

/* One spawn + wait + release; 0 if the child exited 0. */
static int sb_round(void)
{
	struct capos_cqe cqe;
	struct capnp_segment segs[1];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capnp_msg m;
	struct capos_ProcessHandle_wait_Results_r r;
	uint32_t h = 0;
	int err = sb_call(sb_spawner, capos_ProcessSpawner_TYPE_ID,
			  capos_ProcessSpawner_METHOD_spawn, sb_params, sb_params_len, &cqe);

	if (err == 0)
		err = sb_handle(&cqe, &h);
	if (err)
		return err;
	err = sb_call(h, capos_ProcessHandle_TYPE_ID, capos_ProcessHandle_METHOD_wait, NULL, 0,
		      &cqe);
	if (err == 0)
		err = capnp_msg_init_framed(&m, sb_res, cqe.result_len, segs, 1, &lim, NULL);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0 && (capos_ProcessHandle_wait_Results_get_exitCode(&r) != 0 ||
			 capos_ProcessHandle_wait_Results_get_killed(&r)))
		err = CAPOS_ERR_INVALID;
	int rerr = sb_release(h);
	return err ? err : rerr;
}

int main(void)
{
	uint64_t t0, t1;
	int err = capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset,
				      "spawner", capos_ProcessSpawner_TYPE_ID, &sb_spawner);

	if (err == 0)
		err = capos_ring_self(&sb_ring);
	if (err == 0)
		err = sb_encode();
	for (uint32_t i = 0; err == 0 && i < SPAWNBENCH_WARMUP; i++)
		err = sb_round();
	t0 = sb_rdtsc();
	for (uint32_t i = 0; err == 0 && i < SPAWNBENCH_OPS; i++)
		err = sb_round();
	t1 = sb_rdtsc();
	if (err) {
		printf("bench spawn error reason=%s\n", capos_error_name(err));
		return 1;
	}
	uint64_t t = t1 - t0, per100 = t * 100 / SPAWNBENCH_OPS;
	printf("bench spawn ops=%u tsc=%llu tsc_per_op=%llu.%02llu\n", SPAWNBENCH_OPS,
	       (unsigned long long)t, (unsigned long long)(per100 / 100),
	       (unsigned long long)(per100 % 100));
	return 0;
}
