/*
 * parktest: init of the PARK/UNPARK test manifest (system/tests/park.capnp), driven by
 * tests/qemu/park_tests.py. It holds a Console, a Timer, ParkSpaces "park" and "park2",
 * SharedParkSpaces "spark", "spark2" and "spark3", a FrameAllocator and a
 * ProcessSpawner, and checks the opcodes of kernel/proc/kpark.c (docs/sync.md):
 *   changed   the word differs from the expected value: CAPOS_PARK_VALUE_CHANGED at once
 *   timeout   PARK for 30 ms on an unchanging word: CAPOS_ERR_RING_TIMED_OUT after
 *             at least 30 ms (and under a second); timeout 0: timed out at once
 *   n-of-m    5 PARKs then UNPARK(3) in one batch: 3 woken, the first three (FIFO),
 *             the other two still parked until UNPARK(all) wakes exactly 2; a third
 *             UNPARK wakes 0
 *   limit     48 PARKs parked from one ring (the old bound of 32 refused the 33rd with
 *             CAPOS_ERR_PARK_WAITERS_LIMIT); UNPARK(all) wakes 48 (the bound, now 128,
 *             is reached from two rings by tstress's crowd child)
 *   hostile   misaligned, kernel and unmapped words, a Timer cap, a forged and a stale
 *             cap id, reserved fields and flags: each its exact error
 *   shared    a MemoryObject bound to "spark": bind twice (ALREADY_BOUND), bind to a
 *             Timer (WRONG_INTERFACE), an unbound space (UNBOUND), the word read through
 *             the object (value changed / timed out as written through the mapping),
 *             offsets outside or misaligned; a private UNPARK of the mapped address
 *             wakes nothing of the shared key, the shared UNPARK wakes it
 *   gone      a PARK on an object whose last cap is released meanwhile:
 *             CAPOS_ERR_PARK_OBJECT_GONE, and so is every later PARK on that space
 *   peer      user/parkpeer binds its own SharedParkSpace to the same object and parks;
 *             this process stores and UNPARKs: 1 woken, the peer exits 0
 *   killed    user/parkpeer parked on a private word is killed: its PARK is cancelled
 * One COM2 line per check; the kernel's end-of-boot leak checks (parked ops, frames,
 * objects) are judged by the test from COM1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/capid.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#include <libcapos/spawn.h>

#define PT_MS 1000000ull
#define PT_RING_PARKS 48u /* over the old KPARK_MAX_PER_PROC of 32, under 64 CQ credits */
#define PT_INF CAPOS_TIMEOUT_INFINITE

static struct capos_ring_client *pt_ring;
static uint32_t pt_timer, pt_park, pt_park2, pt_spark, pt_spark2, pt_spark3, pt_frames, pt_spawner;
static uint64_t pt_next_ud = 1;
static int pt_failed;
static volatile uint32_t pt_word; /* the private word most checks park on */

static void pt_check(const char *step, int ok)
{
	printf("parktest: %s: %s\n", step, ok ? "ok" : "FAILED");
	if (!ok)
		pt_failed = 1;
}

/* A status's name: PARK's success value 1 by name, the rest from error.h (0, which is
 * CAPOS_PARK_WOKEN for a PARK, prints as CAPOS_OK). */
static const char *pt_name(int st)
{
	return st == CAPOS_PARK_VALUE_CHANGED ? "CAPOS_PARK_VALUE_CHANGED" : capos_error_name(st);
}

/* One check of a status against the exact one expected. */
static void pt_expect(const char *what, int got, int want)
{
	printf("parktest: %s -> %s: %s\n", what, pt_name(got), got == want ? "ok" : "FAILED");
	if (got != want)
		pt_failed = 1;
}

static uint64_t pt_now(void)
{
	uint64_t ns = 0;

	if (capos_timer_now(pt_timer, &ns) != CAPOS_OK)
		pt_failed = 1;
	return ns;
}

static uint64_t pt_addr(volatile void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Queues (does not submit) a PARK or UNPARK; its user_data (0 if the SQ is full). */
static uint64_t pt_queue(uint8_t op, uint32_t space, uint64_t word, uint32_t aux, uint64_t timeout)
{
	struct capos_sqe *sqe;

	if (capos_ring_get_sqe(pt_ring, &sqe) != CAPOS_OK) {
		pt_failed = 1;
		return 0;
	}
	memset(sqe, 0, sizeof(*sqe));
	capos_park_prep(sqe, op, space, word, aux, timeout);
	sqe->user_data = pt_next_ud++;
	return sqe->user_data;
}

/* Submits what is queued and drains without blocking. */
static void pt_submit(void)
{
	capos_ring_submit(pt_ring);
	if (capos_ring_enter(pt_ring, 0, 0) < 0)
		pt_failed = 1;
}

/* The status of ud's completion (waiting at most timeout_ns), or the wait's error. */
static int pt_reap(uint64_t ud, uint64_t timeout_ns)
{
	struct capos_cqe cqe;
	int err = capos_ring_wait(pt_ring, ud, timeout_ns, &cqe);

	return err ? err : cqe.status;
}

static void pt_test_changed_and_timeout(void)
{
	pt_word = 1;
	pt_expect("changed: PARK(word 1, expect 0)",
		  capos_park(pt_park, pt_addr(&pt_word), 0, PT_INF), CAPOS_PARK_VALUE_CHANGED);
	pt_word = 0;
	uint64_t t0 = pt_now();
	int st = capos_park(pt_park, pt_addr(&pt_word), 0, 30 * PT_MS);
	uint64_t dt = pt_now() - t0;

	pt_expect("timeout: PARK(word 0, expect 0, 30 ms)", st, CAPOS_ERR_RING_TIMED_OUT);
	pt_check("timeout: returned after 30 ms and within a second",
		 dt >= 30 * PT_MS && dt < 1000 * PT_MS);
	pt_expect("timeout: PARK with timeout 0", capos_park(pt_park, pt_addr(&pt_word), 0, 0),
		  CAPOS_ERR_RING_TIMED_OUT);
}

/* 5 parked, UNPARK(3): the first three woken; the two others stay until UNPARK(all). */
static void pt_test_n_of_m(void)
{
	uint64_t ud[5], un;
	int ok = 1;

	pt_word = 0;
	for (int i = 0; i < 5; i++)
		ud[i] = pt_queue(CAPOS_OP_PARK, pt_park, pt_addr(&pt_word), 0, PT_INF);
	un = pt_queue(CAPOS_OP_UNPARK, pt_park, pt_addr(&pt_word), 3, 0);
	pt_submit();
	int woke = pt_reap(un, PT_INF);
	for (int i = 0; i < 3; i++)
		ok = ok && pt_reap(ud[i], PT_INF) == CAPOS_PARK_WOKEN;
	int still = pt_reap(ud[3], 5 * PT_MS) == CAPOS_ERR_RING_TIMED_OUT;
	printf("parktest: n-of-m: UNPARK(3) of 5 -> %d, the first 3 woken: %s, the 4th still "
	       "parked: %s\n",
	       woke, ok ? "yes" : "no", still ? "yes" : "no");
	un = pt_queue(CAPOS_OP_UNPARK, pt_park, pt_addr(&pt_word), CAPOS_UNPARK_ALL, 0);
	pt_submit();
	int rest = pt_reap(un, PT_INF);
	ok = ok && pt_reap(ud[3], PT_INF) == CAPOS_PARK_WOKEN &&
	     pt_reap(ud[4], PT_INF) == CAPOS_PARK_WOKEN;
	int none = capos_unpark(pt_park, pt_addr(&pt_word), CAPOS_UNPARK_ALL);
	printf("parktest: n-of-m: UNPARK(all) -> %d, then -> %d\n", rest, none);
	pt_check("n-of-m", woke == 3 && ok && still && rest == 2 && none == 0);
}

/* PT_RING_PARKS parked from one ring, more than the old bound of 32 parked ops per
 * process (the bound itself is beyond one ring's CQ credits: tstress's crowd child
 * reaches it from two rings); UNPARK(all) wakes them all. */
static void pt_test_limit(void)
{
	uint64_t ud[PT_RING_PARKS];
	int ok = 1;

	pt_word = 0;
	for (uint32_t i = 0; i < PT_RING_PARKS; i++) {
		ud[i] = pt_queue(CAPOS_OP_PARK, pt_park, pt_addr(&pt_word), 0, PT_INF);
		if ((i + 1) % 8 == 0)
			pt_submit();
	}
	int woke = capos_unpark(pt_park, pt_addr(&pt_word), CAPOS_UNPARK_ALL);
	for (uint32_t i = 0; i < PT_RING_PARKS; i++)
		ok = ok && pt_reap(ud[i], PT_INF) == CAPOS_PARK_WOKEN;
	printf("parktest: limit: %u parked from one ring; UNPARK(all) -> %d, all woken: %s\n",
	       PT_RING_PARKS, woke, ok ? "yes" : "no");
	pt_check("limit", woke == (int)PT_RING_PARKS && ok);
}

/* One raw SQE, waited for: its status. */
static int pt_raw(const struct capos_sqe *s)
{
	struct capos_sqe *sqe;

	if (capos_ring_get_sqe(pt_ring, &sqe) != CAPOS_OK)
		return CAPOS_ERR_INVALID;
	*sqe = *s;
	sqe->user_data = pt_next_ud++;
	uint64_t ud = sqe->user_data;
	capos_ring_submit(pt_ring);
	return pt_reap(ud, PT_INF);
}

static void pt_test_hostile(void)
{
	uint64_t w = pt_addr(&pt_word);
	struct capos_sqe s = { .opcode = CAPOS_OP_PARK, .cap = pt_park, .addr = w, .len = 4 };

	pt_word = 0;
	pt_expect("hostile: misaligned word", capos_park(pt_park, w + 1, 0, PT_INF),
		  CAPOS_ERR_PARK_MISALIGNED);
	pt_expect("hostile: kernel word", capos_park(pt_park, 0xFFFF800000000000ull, 0, PT_INF),
		  CAPOS_ERR_PARK_FAULT);
	pt_expect("hostile: unmapped word", capos_park(pt_park, 0x0000300000000000ull, 0, PT_INF),
		  CAPOS_ERR_PARK_FAULT);
	pt_expect("hostile: UNPARK of a kernel word",
		  capos_unpark(pt_park, 0xFFFF800000000000ull, 1), CAPOS_ERR_PARK_FAULT);
	pt_expect("hostile: UNPARK of a misaligned word", capos_unpark(pt_park, w + 2, 1),
		  CAPOS_ERR_PARK_MISALIGNED);
	pt_expect("hostile: PARK on a Timer cap", capos_park(pt_timer, w, 0, PT_INF),
		  CAPOS_ERR_CAP_WRONG_INTERFACE);
	pt_expect("hostile: forged cap id (slot past the table)",
		  capos_park(capos_cap_make(0xFFF0, 1), w, 0, PT_INF), CAPOS_ERR_CAP_BAD_ID);
	pt_expect("hostile: release park2", capos_ring_release(pt_ring, pt_park2), CAPOS_OK);
	pt_expect("hostile: stale cap id", capos_unpark(pt_park2, w, 1), CAPOS_ERR_CAP_STALE);
	pt_expect("hostile: PARK with len set", pt_raw(&s), CAPOS_ERR_RING_RESERVED_NONZERO);
	s.len = 0;
	s.result_len = 8;
	pt_expect("hostile: PARK with result_len set", pt_raw(&s), CAPOS_ERR_RING_RESERVED_NONZERO);
	s.result_len = 0;
	s.flags = CAPOS_SQE_F_LINK;
	pt_expect("hostile: PARK with a flag", pt_raw(&s), CAPOS_ERR_RING_BAD_FLAGS);
}

/* The shared space over a 1-page object mapped at *map (its cap in *mo). */
static void pt_test_shared(uint32_t *mo, volatile uint32_t **map)
{
	uint64_t addr = 0;
	int err = capos_memobj_alloc(pt_frames, 1, mo);

	if (err == CAPOS_OK)
		err = capos_memobj_map(*mo, 1, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	pt_expect("shared: allocate and map a 1-page object", err, CAPOS_OK);
	if (err)
		return;
	*map = (volatile uint32_t *)(uintptr_t)addr;
	pt_expect("shared: bind spark", capos_park_bind(pt_spark, *mo), CAPOS_OK);
	pt_expect("shared: bind spark again", capos_park_bind(pt_spark, *mo),
		  CAPOS_ERR_PARK_ALREADY_BOUND);
	pt_expect("shared: bind spark2 to a Timer", capos_park_bind(pt_spark2, pt_timer),
		  CAPOS_ERR_CAP_WRONG_INTERFACE);
	pt_expect("shared: PARK on unbound spark2", capos_park(pt_spark2, 0, 0, PT_INF),
		  CAPOS_ERR_PARK_UNBOUND);
	(*map)[2] = 5;
	pt_expect("shared: PARK(offset 8, expect 4) with 5 stored",
		  capos_park(pt_spark, 8, 4, PT_INF), CAPOS_PARK_VALUE_CHANGED);
	pt_expect("shared: PARK(offset 8, expect 5, timeout 0)", capos_park(pt_spark, 8, 5, 0),
		  CAPOS_ERR_RING_TIMED_OUT);
	pt_expect("shared: offset 4096 (past the object)", capos_park(pt_spark, 4096, 0, PT_INF),
		  CAPOS_ERR_PARK_OFFSET_RANGE);
	pt_expect("shared: offset 6", capos_park(pt_spark, 6, 0, PT_INF),
		  CAPOS_ERR_PARK_MISALIGNED);
	uint64_t p = pt_queue(CAPOS_OP_PARK, pt_spark, 8, 5, PT_INF);
	uint64_t priv = pt_queue(CAPOS_OP_UNPARK, pt_park, addr + 8, CAPOS_UNPARK_ALL, 0);
	uint64_t shr = pt_queue(CAPOS_OP_UNPARK, pt_spark, 8, CAPOS_UNPARK_ALL, 0);
	pt_submit();
	int a = pt_reap(priv, PT_INF), b = pt_reap(shr, PT_INF), c = pt_reap(p, PT_INF);
	printf("parktest: shared: private UNPARK of the mapped word -> %d, shared UNPARK -> %d, "
	       "PARK -> %s\n",
	       a, b, pt_name(c));
	pt_check("shared", a == 0 && b == 1 && c == CAPOS_PARK_WOKEN);
}

/* A parked op whose object goes away, then the space stays gone. */
static void pt_test_gone(void)
{
	uint32_t mo = 0;
	int err = capos_memobj_alloc(pt_frames, 1, &mo);

	if (err == CAPOS_OK)
		err = capos_park_bind(pt_spark3, mo);
	pt_expect("gone: allocate an object and bind spark3", err, CAPOS_OK);
	uint64_t p = pt_queue(CAPOS_OP_PARK, pt_spark3, 0, 0, PT_INF);
	pt_submit();
	pt_expect("gone: release the object's only cap", capos_ring_release(pt_ring, mo), CAPOS_OK);
	pt_expect("gone: the parked PARK", pt_reap(p, PT_INF), CAPOS_ERR_PARK_OBJECT_GONE);
	pt_expect("gone: a later PARK", capos_park(pt_spark3, 0, 0, PT_INF),
		  CAPOS_ERR_PARK_OBJECT_GONE);
	pt_expect("gone: a later UNPARK", capos_unpark(pt_spark3, 0, 1),
		  CAPOS_ERR_PARK_OBJECT_GONE);
}

/* Spawns parkpeer as `name` with Console "console", a fresh park space of `source` as
 * "space" and, if mo != 0, that MemoryObject as "mem". The handle in *h. */
static int pt_spawn(const char *name, uint16_t source, uint32_t mo, uint32_t *h)
{
	const struct capos_spawn_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = "space", .kernel = source },
		{ .name = "mem", .kernel = capos_KernelCapSource_none, .held = mo },
	};
	const struct capos_spawn_req req = { "parkpeer", name, NULL, g, mo ? 3 : 2, NULL };

	return capos_spawn(pt_ring, pt_spawner, &req, h);
}

/* The peer parks on offset 0 of the shared object after raising the flag at offset 4;
 * this process stores 1 there and UNPARKs: exactly one woken. */
static void pt_test_peer(uint32_t mo, volatile uint32_t *map)
{
	uint32_t h = 0;
	int64_t code = -9;
	int killed = 1, woke = -1, polls = 0;
	int err;

	map[0] = 0; /* before the spawn: the peer may run (and raise the flag) at once */
	map[1] = 0;
	err = pt_spawn("peer", capos_KernelCapSource_sharedParkSpace, mo, &h);
	while (err == CAPOS_OK && map[1] == 0 && polls++ < 500)
		err = capos_timer_sleep(pt_timer, 2 * PT_MS);
	if (err == CAPOS_OK)
		err = capos_timer_sleep(pt_timer, 20 * PT_MS); /* the peer parks meanwhile */
	if (err == CAPOS_OK) {
		__atomic_store_n(&map[0], 1, __ATOMIC_RELEASE);
		woke = capos_unpark(pt_spark, 0, CAPOS_UNPARK_ALL);
		err = capos_process_wait(pt_ring, h, &code, &killed);
	}
	printf("parktest: peer: flag seen, stored 1, UNPARK(all) -> %d; peer exit %lld killed %d "
	       "(%s)\n",
	       woke, (long long)code, killed, capos_error_name(err));
	pt_check("peer", err == CAPOS_OK && woke == 1 && code == 0 && !killed);
}

static void pt_test_killed(void)
{
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0;
	int err = pt_spawn("hang", capos_KernelCapSource_parkSpace, 0, &h);

	if (err == CAPOS_OK)
		err = capos_timer_sleep(pt_timer, 30 * PT_MS); /* the child parks meanwhile */
	if (err == CAPOS_OK)
		err = capos_process_kill(pt_ring, h);
	if (err == CAPOS_OK)
		err = capos_process_wait(pt_ring, h, &code, &killed);
	printf("parktest: killed: child parked forever killed -> %s, code %lld killed %d\n",
	       capos_error_name(err), (long long)code, killed);
	pt_check("killed", err == CAPOS_OK && code == -1 && killed);
}

static int pt_lookup(const char *name, uint64_t iid, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				   cap);
}

int main(void)
{
	uint32_t mo = 0;
	volatile uint32_t *map = NULL;

	if (capos_ring_self(&pt_ring) || pt_lookup("timer", capos_Timer_TYPE_ID, &pt_timer) ||
	    pt_lookup("park", capos_ParkSpace_TYPE_ID, &pt_park) ||
	    pt_lookup("park2", capos_ParkSpace_TYPE_ID, &pt_park2) ||
	    pt_lookup("spark", capos_SharedParkSpace_TYPE_ID, &pt_spark) ||
	    pt_lookup("spark2", capos_SharedParkSpace_TYPE_ID, &pt_spark2) ||
	    pt_lookup("spark3", capos_SharedParkSpace_TYPE_ID, &pt_spark3) ||
	    pt_lookup("frames", capos_FrameAllocator_TYPE_ID, &pt_frames) ||
	    pt_lookup("spawner", capos_ProcessSpawner_TYPE_ID, &pt_spawner))
		return 2;
	printf("parktest: start (pid %u)\n", (unsigned)capos_boot.pid);
	pt_test_changed_and_timeout();
	pt_test_n_of_m();
	pt_test_limit();
	pt_test_hostile();
	pt_test_shared(&mo, &map);
	pt_test_gone();
	if (map)
		pt_test_peer(mo, map);
	pt_test_killed();
	printf("parktest: done, exiting %d\n", pt_failed);
	return pt_failed;
}
