/*
 * spawnchild: the child of the spawn tests (user/spawntest), started through
 * ProcessSpawner with a different CapSet each time; what it finds there decides what
 * it does, so one binary serves every test:
 *   "spin"    (any cap)  loop forever (the parent kills it)
 *   "console" (Console)  print "spawnchild: hello from pid N" first
 *   "held"    (Timer)    a cap the parent copied or moved: call Timer.now on it and
 *                        exit SPAWNCHILD_HELD_OK if it answers, SPAWNCHILD_HELD_BAD if not
 *   "svc"     (Endpoint) a fresh endpoint the child owns (its facet went to the parent):
 *                        RECV one call, RETURN empty results, exit SPAWNCHILD_SERVED
 *   "svc-client" (Console id) a client facet of the parent's endpoint: CALL it once
 *                        (method 0, no params), exit SPAWNCHILD_CALLED if it answered
 *   "spawner" (ProcessSpawner) act as a middle process: spawn a grandchild (this binary
 *                        with a "nap" Timer) and wait for it; the parent kills the
 *                        middle while that wait is pending
 *   "nap"     (any cap)  sleep SPAWNCHILD_NAP_NS, then exit SPAWNCHILD_NAPPED
 *   "fault"   (any cap)  write to address 0: the kernel kills the child (#PF)
 *   "tsleep"  (Timer)    Timer.sleep(SPAWNCHILD_TSLEEP_NS) (the parent kills it while
 *                        parked); exit SPAWNCHILD_TSLEPT if the sleep ever returns
 *   "tsubmit" (Timer)    queue Timer.sleep(SPAWNCHILD_TSLEEP_NS), drain the ring without
 *                        waiting and exit SPAWNCHILD_TSUBMITTED (the kernel cancels it)
 *   "tfar"    (Timer)    queue Timer.sleepUntil(2^63 - 1), then cap_enter(1, 2^64 - 3 ns):
 *                        block with far deadlines until the parent kills it
 *   "frames-hog", "call-hog", "kid-spawner", "slot-hog": exhaust one quota class and
 *                        report the typed error (user/spawnchild/quota.c)
 * otherwise exit SPAWNCHILD_PLAIN. A CapSet that is not exactly what the parent granted
 * shows up as a wrong exit code in the parent's wait.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <schema/capos.capnp.h>

#include "quota.h"

#define SPAWNCHILD_PLAIN 42
#define SPAWNCHILD_HELD_OK 10
#define SPAWNCHILD_HELD_BAD 11
#define SPAWNCHILD_NO_RING 12
#define SPAWNCHILD_SERVED 43
#define SPAWNCHILD_CALLED 44
#define SPAWNCHILD_IPC_BAD 45
#define SPAWNCHILD_NAPPED 46
#define SPAWNCHILD_MIDDLE_BAD 47
#define SPAWNCHILD_NAP_NS 300000000u /* 300 ms: outlives the middle's kill */
#define SPAWNCHILD_TSLEPT 48
#define SPAWNCHILD_TSUBMITTED 49
#define SPAWNCHILD_TSLEEP_NS 10000000000ull /* 10 s: outlives the parent's kill */

/* A null pointer the compiler cannot see through (the "fault" behaviour). */
static volatile uintptr_t spawnchild_null;

static const struct capos_capset_page *spawnchild_capset(void)
{
	return (const struct capos_capset_page *)capos_boot.capset;
}

/* True if the CapSet names `name` (any interface). */
static int spawnchild_has(const char *name)
{
	const struct capos_capset_page *page = spawnchild_capset();

	for (uint32_t i = 0; i < page->hdr.count && i < CAPOS_CAPSET_MAX_ENTRIES; i++) {
		const char *n = page->entries[i].name;
		uint32_t j = 0;

		while (name[j] && n[j] == name[j])
			j++;
		if (name[j] == '\0' && n[j] == '\0')
			return 1;
	}
	return 0;
}

/* Timer.now on the held cap: 0 if it answers with a non-zero time. */
static int spawnchild_held(uint32_t timer)
{
	struct capos_ring_client *ring;
	struct capos_cqe cqe;
	uint64_t res[8];

	if (capos_ring_self(&ring))
		return SPAWNCHILD_NO_RING;
	int err = capos_ring_call(ring, timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, NULL, 0,
				  res, sizeof(res), &cqe);
	return err == 0 && cqe.result_len > 8 ? SPAWNCHILD_HELD_OK : SPAWNCHILD_HELD_BAD;
}

/* Waits for the CQE of the SQE just submitted with user_data `ud`; its status. */
static int spawnchild_sync(struct capos_ring_client *ring, uint64_t ud)
{
	struct capos_cqe cqe;
	int err;

	capos_ring_submit(ring);
	err = capos_ring_wait(ring, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
	return err ? err : cqe.status;
}

/* Serves one call on the raw endpoint `ep`: RECV, then RETURN with empty results. */
static int spawnchild_serve(uint32_t ep)
{
	static uint64_t buf[64];
	struct capos_ring_client *ring;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	int err;

	if (capos_ring_self(&ring) || capos_ring_get_sqe(ring, &sqe))
		return SPAWNCHILD_NO_RING;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = CAPOS_OP_RECV;
	sqe->cap = ep;
	sqe->result_addr = (uint64_t)(uintptr_t)buf;
	sqe->result_len = sizeof(buf);
	sqe->user_data = 1;
	capos_ring_submit(ring);
	err = capos_ring_wait(ring, 1, CAPOS_TIMEOUT_INFINITE, &cqe);
	if (err || cqe.status || capos_ring_get_sqe(ring, &sqe))
		return SPAWNCHILD_IPC_BAD;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = CAPOS_OP_RETURN;
	sqe->cap = ep;
	sqe->aux = cqe.call_id;
	sqe->user_data = 2;
	return spawnchild_sync(ring, 2) ? SPAWNCHILD_IPC_BAD : SPAWNCHILD_SERVED;
}

/* One CALL through the facet (method 0, no params, no results). */
static int spawnchild_call(uint32_t facet)
{
	struct capos_ring_client *ring;
	struct capos_cqe cqe;

	if (capos_ring_self(&ring))
		return SPAWNCHILD_NO_RING;
	return capos_ring_call(ring, facet, capos_Console_TYPE_ID, 0, NULL, 0, NULL, 0, &cqe)
		       ? SPAWNCHILD_IPC_BAD
		       : SPAWNCHILD_CALLED;
}

/* Middle: spawn "grandchild" (a "nap" Timer) and wait for it; returns only on error. */
static int spawnchild_middle(uint32_t spawner)
{
	static uint64_t arena[64], framed[65], res[64];
	struct capos_ring_client *ring;
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	struct capos_cqe cqe;
	size_t n = 0;

	if (capos_ring_self(&ring) || capnp_builder_init(&b, &seg, 1, arena, sizeof(arena)) ||
	    capos_ProcessSpawner_spawn_request(&b, &p) ||
	    capos_ProcessSpawner_spawn_Params_set_name(&p, "grandchild", 10) ||
	    capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "spawnchild", 10) ||
	    capos_ProcessSpawner_spawn_Params_init_grants(&p, 1, &list))
		return SPAWNCHILD_MIDDLE_BAD;
	struct capos_CapGrant_b g = capos_CapGrant_list_build(&list, 0);
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);

	capos_CapGrant_source_set_kernel(&src, capos_KernelCapSource_timer);
	if (capos_CapGrant_set_name(&g, "nap", 3) || capnp_builder_error(&b) ||
	    capnp_builder_write_framed(&b, framed, sizeof(framed), &n) ||
	    capos_ring_call(ring, spawner, capos_ProcessSpawner_TYPE_ID,
			    capos_ProcessSpawner_METHOD_spawn, framed, (uint32_t)n, res,
			    sizeof(res), &cqe) ||
	    !(cqe.flags & CAPOS_CQE_F_XFER) || cqe.xfer_count != 1)
		return SPAWNCHILD_MIDDLE_BAD;
	uint32_t handle =
		((const struct capos_xfer_result *)((const uint8_t *)res + cqe.result_len - 16u))
			->cap;
	/* Blocks until the grandchild ends; the parent kills us first. */
	(void)capos_ring_call(ring, handle, capos_ProcessHandle_TYPE_ID,
			      capos_ProcessHandle_METHOD_wait, NULL, 0, res, sizeof(res), &cqe);
	return SPAWNCHILD_MIDDLE_BAD;
}

/* Queues Timer `method` (sleep or sleepUntil) with `ns` on `timer` and lets the
 * kernel park it (drain only); CAPOS_OK or a ring error. */
static int spawnchild_tqueue(uint32_t timer, uint16_t method, uint64_t ns)
{
	static uint64_t params[4], res[4];
	struct capos_ring_client *ring;
	struct capos_sqe *sqe;
	uint32_t plen = 0;

	if (capos_ring_self(&ring) ||
	    capos_timer_sleep_params(method, ns, params, sizeof(params), &plen) ||
	    capos_ring_get_sqe(ring, &sqe))
		return CAPOS_ERR_INVALID;
	*sqe = (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
				   .cap = timer,
				   .interface_id = capos_Timer_TYPE_ID,
				   .method = method,
				   .addr = (uint64_t)(uintptr_t)params,
				   .len = plen,
				   .result_addr = (uint64_t)(uintptr_t)res,
				   .result_len = sizeof(res),
				   .user_data = 1 };
	capos_ring_submit(ring);
	return capos_ring_enter(ring, 0, 0) == 0 ? CAPOS_OK : CAPOS_ERR_INVALID;
}

/* Queues Timer.sleep on `timer`, lets the kernel park it (drain only) and returns. */
static int spawnchild_tsubmit(uint32_t timer)
{
	return spawnchild_tqueue(timer, capos_Timer_METHOD_sleep, SPAWNCHILD_TSLEEP_NS) == CAPOS_OK
		       ? SPAWNCHILD_TSUBMITTED
		       : SPAWNCHILD_IPC_BAD;
}

/* Far deadlines (regression of the timer conversion overflow): Timer.sleepUntil(2^63 - 1)
 * queued, then a cap_enter waiting for it with a timeout of 2^64 - 3 ns; the parent
 * kills the child while it blocks. */
static int spawnchild_tfar(uint32_t timer)
{
	if (spawnchild_tqueue(timer, capos_Timer_METHOD_sleepUntil, (1ull << 63) - 1) != CAPOS_OK)
		return SPAWNCHILD_IPC_BAD;
	(void)capos_sys_cap_enter(1, UINT64_MAX - 2);
	return SPAWNCHILD_TSLEPT;
}

/* The quota behaviours, by CapSet name: 0 when none applies, else the exit code. */
static int spawnchild_quota(void)
{
	const struct capos_capset_page *page = spawnchild_capset();
	uint32_t cap;

	if (capos_capset_lookup(page, "frames-hog", capos_VirtualMemory_TYPE_ID, &cap) == 0)
		return sc_frames_hog(cap);
	if (capos_capset_lookup(page, "call-hog", capos_Console_TYPE_ID, &cap) == 0)
		return sc_call_hog(cap);
	if (capos_capset_lookup(page, "kid-spawner", capos_ProcessSpawner_TYPE_ID, &cap) == 0)
		return sc_kid_spawner(cap);
	if (capos_capset_lookup(page, "slot-hog", capos_Endpoint_TYPE_ID, &cap) == 0)
		return sc_slot_hog(cap);
	return 0;
}

int main(void)
{
	uint32_t cap;
	int quota = spawnchild_quota();

	if (quota)
		return quota;

	if (spawnchild_has("spin"))
		for (;;)
			__asm__ volatile("pause");
	if (spawnchild_has("fault"))
		*(volatile uint32_t *)(uintptr_t)spawnchild_null = 1;
	if (spawnchild_has("nap")) {
		(void)capos_sys_cap_enter(1, SPAWNCHILD_NAP_NS);
		return SPAWNCHILD_NAPPED;
	}
	if (capos_capset_lookup(spawnchild_capset(), "tsleep", capos_Timer_TYPE_ID, &cap) == 0) {
		(void)capos_timer_sleep(cap, SPAWNCHILD_TSLEEP_NS);
		return SPAWNCHILD_TSLEPT;
	}
	if (capos_capset_lookup(spawnchild_capset(), "tsubmit", capos_Timer_TYPE_ID, &cap) == 0)
		return spawnchild_tsubmit(cap);
	if (capos_capset_lookup(spawnchild_capset(), "tfar", capos_Timer_TYPE_ID, &cap) == 0)
		return spawnchild_tfar(cap);
	if (capos_capset_lookup(spawnchild_capset(), "spawner", capos_ProcessSpawner_TYPE_ID,
				&cap) == 0)
		return spawnchild_middle(cap);
	if (capos_capset_lookup(spawnchild_capset(), "console", capos_Console_TYPE_ID, &cap) == 0)
		printf("spawnchild: hello from pid %u\n", (unsigned)capos_boot.pid);
	if (capos_capset_lookup(spawnchild_capset(), "held", capos_Timer_TYPE_ID, &cap) == 0)
		return spawnchild_held(cap);
	if (capos_capset_lookup(spawnchild_capset(), "svc", capos_Endpoint_TYPE_ID, &cap) == 0)
		return spawnchild_serve(cap);
	if (capos_capset_lookup(spawnchild_capset(), "svc-client", capos_Console_TYPE_ID, &cap) ==
	    0)
		return spawnchild_call(cap);
	return SPAWNCHILD_PLAIN;
}
