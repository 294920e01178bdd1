/*
 * parkbench: init of the PARK/UNPARK round-trip bench (system/tests/parkbench.capnp,
 * bench/park/park_bench.py; docs/sync.md "Figures"). It shares one MemoryObject with a
 * user/syncpeer in the "pong" role, both with a SharedParkSpace bound to it, and plays
 * ping-pong: round i stores i in `ping` and UNPARKs it, then PARKs until `pong` is i
 * (the peer waits for `ping`, stores `pong`, UNPARKs). One round trip is therefore two
 * PARK/UNPARK hand-overs between processes (two cap_enter waits, two wake-ups, two
 * context switches, on one CPU). A second match hands over with
 * capos_unpark_then_park (UNPARK and the next PARK in one cap_enter: the kernel switches
 * straight to the woken side). Timed with rdtsc over PB_ROUNDS rounds after a warm-up; under `-icount shift=0` the TSC counts guest instructions. Also times
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

#include <libcapos/spawn.h>
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

/* Rounds from..to of the ping-pong; batched: UNPARK and PARK in one cap_enter. */
static int pb_play(uint32_t space, volatile struct sync_page *sp, uint32_t from, uint32_t to,
		   int batched)
{
	for (uint32_t i = from; i <= to; i++) {
		int st;

		__atomic_store_n(&sp->ping, i, __ATOMIC_RELEASE);
		if (batched)
			st = capos_unpark_then_park(space, SYNC_OFF(ping), 1, SYNC_OFF(pong),
						    i - 1);
		else
			st = capos_unpark(space, SYNC_OFF(ping), 1);
		if (st < 0)
			return st;
		st = capos_park_until(space, &sp->pong, SYNC_OFF(pong), i);
		if (st)
			return st;
	}
	return CAPOS_OK;
}

/* One ping-pong match against a fresh pong peer: ticks per measured round in *per. */
static int pb_match(struct capos_ring_client *ring, uint32_t spawner, uint32_t space, uint32_t mo,
		    volatile struct sync_page *sp, int batched, uint64_t *per)
{
	const struct capos_spawn_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = "pong", .kernel = capos_KernelCapSource_sharedParkSpace },
		{ .name = "mem", .kernel = capos_KernelCapSource_none, .held = mo },
	};
	uint32_t h = 0;
	int64_t code = -9;
	int killed = 1;

	sp->ping = sp->pong = 0;
	sp->rounds = PB_WARMUP + PB_ROUNDS;
	sp->batched = (uint32_t)batched;
	const struct capos_spawn_req req = { "syncpeer", "pong", NULL, g, 3, NULL };
	int err = capos_spawn(ring, spawner, &req, &h);
	if (err == CAPOS_OK)
		err = pb_play(space, sp, 1, PB_WARMUP, batched);
	uint64_t t0 = pb_tsc();
	if (err == CAPOS_OK)
		err = pb_play(space, sp, PB_WARMUP + 1, PB_WARMUP + PB_ROUNDS, batched);
	uint64_t t1 = pb_tsc();
	if (err == CAPOS_OK)
		err = capos_process_wait(ring, h, &code, &killed);
	if (err == CAPOS_OK && (code != 0 || killed))
		err = CAPOS_ERR_INVALID;
	*per = (t1 - t0) / PB_ROUNDS;
	return err;
}

int main(void)
{
	struct capos_ring_client *ring;
	struct capos_mutex m;
	uint32_t space = 0, park = 0, frames = 0, spawner = 0, mo = 0;
	uint64_t addr = 0, plain = 0, batched = 0;
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
	if (err == CAPOS_OK)
		err = pb_match(ring, spawner, space, mo, sp, 0, &plain);
	if (err == CAPOS_OK)
		err = pb_match(ring, spawner, space, mo, sp, 1, &batched);
	capos_mutex_init(&m, park);
	uint64_t t2 = pb_tsc();
	for (uint32_t i = 0; err == CAPOS_OK && i < PB_PAIRS; i++)
		if (capos_mutex_lock(&m) || capos_mutex_unlock(&m))
			err = CAPOS_ERR_INVALID;
	uint64_t t3 = pb_tsc();
	if (err) {
		printf("parkbench: failed: %s\n", capos_error_name(err));
		return 1;
	}
	printf("parkbench: %u PARK/UNPARK round trips between two processes: %llu TSC ticks "
	       "per round trip\n",
	       PB_ROUNDS, (unsigned long long)plain);
	printf("parkbench: %u round trips with UNPARK+PARK in one cap_enter: %llu TSC ticks per "
	       "round trip\n",
	       PB_ROUNDS, (unsigned long long)batched);
	printf("parkbench: %u uncontended capos_mutex lock+unlock pairs: %llu TSC ticks per "
	       "pair\n",
	       PB_PAIRS, (unsigned long long)((t3 - t2) / PB_PAIRS));
	return 0;
}
