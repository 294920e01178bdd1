/*
 * parkbench: init of the PARK/UNPARK round-trip bench (system/tests/parkbench.capnp,
 * bench/park/park_bench.py; docs/sync.md "Figures"). It shares one MemoryObject with a
 * user/syncpeer in the "pong" role, both with a SharedParkSpace bound to it, and plays
 * ping-pong: round i stores i in `ping` and UNPARKs it, then PARKs until `pong` is i
 * (the peer waits for `ping`, stores `pong`, UNPARKs). One round trip is therefore two
 * PARK/UNPARK hand-overs between processes (two cap_enter waits, two wake-ups, two
 * context switches, on one CPU). Timed with rdtsc over PB_ROUNDS rounds after a
 * warm-up; under `-icount shift=0` the TSC counts guest instructions. Also times
 * uncontended capos_mutex lock+unlock pairs (no kernel entry). Prints both on COM2.
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/runtime.h>
#include <libcapos/sync.h>
#include <schema/capos.capnp.h>

#include "../parktest/peer.h"
#include "../synctest/shared.h"

#define PB_WARMUP 100u
#define PB_ROUNDS 2000u
#define PB_PAIRS 100000u

static uint64_t pb_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static int pb_lookup(const char *name, uint64_t iid, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				   cap);
}

/* Rounds from..to of the ping-pong. */
static int pb_play(uint32_t space, volatile struct sync_page *sp, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i <= to; i++) {
		__atomic_store_n(&sp->ping, i, __ATOMIC_RELEASE);
		int st = capos_unpark(space, SYNC_OFF(ping), 1);

		if (st < 0)
			return st;
		st = capos_park_until(space, &sp->pong, SYNC_OFF(pong), i);
		if (st)
			return st;
	}
	return CAPOS_OK;
}

int main(void)
{
	struct capos_ring_client *ring;
	struct capos_mutex m;
	uint32_t space = 0, park = 0, frames = 0, spawner = 0, mo = 0, h = 0;
	uint64_t addr = 0;
	int64_t code = -9;
	int killed = 1;
	int err = capos_ring_self(&ring);

	if (err == CAPOS_OK)
		err = pb_lookup("spark", capos_SharedParkSpace_TYPE_ID, &space);
	if (err == CAPOS_OK)
		err = pb_lookup("park", capos_ParkSpace_TYPE_ID, &park);
	if (err == CAPOS_OK)
		err = pb_lookup("frames", capos_FrameAllocator_TYPE_ID, &frames);
	if (err == CAPOS_OK)
		err = pb_lookup("spawner", capos_ProcessSpawner_TYPE_ID, &spawner);
	if (err == CAPOS_OK)
		err = capos_memobj_alloc(frames, 1, &mo);
	if (err == CAPOS_OK)
		err = capos_memobj_map(mo, 1, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	if (err == CAPOS_OK)
		err = capos_park_bind(space, mo);
	volatile struct sync_page *sp = (volatile struct sync_page *)(uintptr_t)addr;
	const struct peer_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = "pong", .kernel = capos_KernelCapSource_sharedParkSpace },
		{ .name = "mem", .kernel = capos_KernelCapSource_none, .held = mo },
	};
	if (err == CAPOS_OK) {
		sp->rounds = PB_WARMUP + PB_ROUNDS;
		err = peer_spawn(ring, spawner, "syncpeer", "pong", g, 3, &h);
	}
	if (err == CAPOS_OK)
		err = pb_play(space, sp, 1, PB_WARMUP);
	uint64_t t0 = pb_tsc();
	if (err == CAPOS_OK)
		err = pb_play(space, sp, PB_WARMUP + 1, PB_WARMUP + PB_ROUNDS);
	uint64_t t1 = pb_tsc();
	if (err == CAPOS_OK)
		err = peer_wait(ring, h, &code, &killed);
	capos_mutex_init(&m, park);
	uint64_t t2 = pb_tsc();
	for (uint32_t i = 0; err == CAPOS_OK && i < PB_PAIRS; i++)
		if (capos_mutex_lock(&m) || capos_mutex_unlock(&m))
			err = CAPOS_ERR_INVALID;
	uint64_t t3 = pb_tsc();
	if (err || code != 0 || killed) {
		printf("parkbench: failed: %s, peer exit %lld killed %d\n", capos_error_name(err),
		       (long long)code, killed);
		return 1;
	}
	printf("parkbench: %u PARK/UNPARK round trips between two processes: %llu TSC ticks "
	       "per round trip\n",
	       PB_ROUNDS, (unsigned long long)((t1 - t0) / PB_ROUNDS));
	printf("parkbench: %u uncontended capos_mutex lock+unlock pairs: %llu TSC ticks per "
	       "pair\n",
	       PB_PAIRS, (unsigned long long)((t3 - t2) / PB_PAIRS));
	return 0;
}
