/*
 * tstress's crowd child: more parked waiters than the old bound of 32 parked ops per
 * process, with mutex waiters among them, and the kernel's bound itself
 * (KPARK_MAX_PER_PROC, kernel/include/kernel/kpark.h). ts_test_crowd spawns tstress
 * again as "crowd" under the manifest's "crowd" profile (64 threads, 4 MiB of kernel
 * bytes). A guarded thread stack takes two of the process's 64 VirtualMemory regions
 * (VMR_MAX), so the child keeps to 27 threads. The child:
 *   crowd   two threads queue TS_PREFILL PARKs each through their own rings without
 *           waiting, then TS_CROWD threads block on one capos_mutex the main thread
 *           holds (each one's PARK consumed, probes): 72 parked ops, 24 of them mutex
 *           waiters (the old bound refused every op past 32: capos_mutex_lock failed);
 *           UNPARK(all) on the mutex word wakes exactly TS_CROWD (all were parked, none
 *           refused); after the unlock each does TS_CROWD_ROUNDS increments under it:
 *           every lock CAPOS_OK, the count exact; UNPARK(all) on the other word wakes
 *           exactly 2 x TS_PREFILL
 *   bound   the two threads queue TS_BOUND_RING PARKs each (TS_BOUND =
 *           KPARK_MAX_PER_PROC parked); one more PARK from main -> exactly
 *           CAPOS_ERR_PARK_WAITERS_LIMIT (a transport status: no CapException, so no
 *           exception type); a thread's capos_mutex_lock on a held mutex meanwhile (its
 *           PARK refused by the bound) keeps retrying and returns CAPOS_OK once
 *           UNPARK(all) woke the TS_BOUND and main unlocked
 * Its lines go to COM2; it exits with 0 when every check held.
 */
#include "tstress.h"

#include <stdio.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/spawn.h>
#include <libcapos/sync.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#define TS_CROWD 24u
#define TS_PREFILL 24u /* async PARKs of each of the two bulk parkers in the crowd step */
#define TS_CROWD_ROUNDS 20u
#define TS_CROWD_STACK 8192u
#define TS_BOUND 128u	  /* KPARK_MAX_PER_PROC: PROFILE_MAX_THREADS + 64 */
#define TS_BOUND_RING 64u /* PARKs each of the two threads queues: its CQ credits */
#define TS_BOUND_BATCH 8u /* SQEs per submit (the SQ holds 16) */

static struct {
	struct capos_mutex m;
	struct ts_probe probe[TS_CROWD + 2];
	uint32_t finished, counter, lock_failed;
	uint32_t word;	 /* the bulk parkers' PARK word (stays 0) */
	uint32_t bulk_n; /* PARKs each bulk parker queues */
	int late_lock;
} ts_cr;

/* Arms p for the calling thread's NEXT op (the PARK inside capos_mutex_lock). */
static void ts_cr_arm_next(struct ts_probe *p)
{
	struct capos_ring_client *c;

	if (capos_ring_self(&c) != CAPOS_OK)
		return;
	p->tail = c->sq_tail + 1;
	__atomic_store_n(&p->ring, c->ring, __ATOMIC_RELEASE);
}

static int64_t ts_cr_worker(void *arg)
{
	ts_cr_arm_next(arg);
	for (uint32_t r = 0; r < TS_CROWD_ROUNDS; r++) {
		if (capos_mutex_lock(&ts_cr.m) != CAPOS_OK) {
			__atomic_fetch_add(&ts_cr.lock_failed, 1, __ATOMIC_RELAXED);
			break;
		}
		ts_cr.counter++;
		if (capos_mutex_unlock(&ts_cr.m) != CAPOS_OK)
			__atomic_fetch_add(&ts_cr.lock_failed, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&ts_cr.finished, 1, __ATOMIC_RELEASE);
	return 0;
}

static int64_t ts_cr_bulk_parker(void *arg);

/* Starts the two bulk parkers (n PARKs each on ts_cr.word) into t[0..2), probes 0
 * and 1; returns how many started (2 when all went well) once their PARKs were
 * consumed, or 0 on a failure. */
static uint32_t ts_cr_bulk_start(uint32_t n, struct capos_thread **t)
{
	uint32_t started = 0;
	int err = CAPOS_OK;

	ts_cr.word = 0;
	ts_cr.bulk_n = n;
	ts_cr.probe[0].ring = ts_cr.probe[1].ring = NULL;
	while (err == CAPOS_OK && started < 2) {
		err = capos_thread_create(ts_cr_bulk_parker, &ts_cr.probe[started], TS_CROWD_STACK,
					  &t[started]);
		started += err == CAPOS_OK;
	}
	return started == 2 && ts_probe_wait(ts_cr.probe, 2, 10000) ? 2 : started;
}

/* Joins the bulk parkers after UNPARK(all) on their word: that UNPARK's count. */
static int ts_cr_bulk_end(struct capos_thread **t, uint32_t n, int64_t *code)
{
	int woke = capos_unpark(ts.park, (uint64_t)(uintptr_t)&ts_cr.word, CAPOS_UNPARK_ALL);

	for (uint32_t i = 0; i < n; i++)
		if (capos_thread_join(t[i], &code[i]) != CAPOS_OK)
			code[i] = -1;
	return woke;
}

static void ts_cr_crowd(void)
{
	struct capos_thread *t[TS_CROWD] = { 0 }, *bulk[2] = { 0 };
	int64_t code[2] = { -1, -1 };
	uint32_t n = 0, nb = ts_cr_bulk_start(TS_PREFILL, bulk);
	int err = nb == 2 ? CAPOS_OK : CAPOS_ERR_INVALID;

	capos_mutex_init(&ts_cr.m, ts.park);
	if (err == CAPOS_OK && capos_mutex_lock(&ts_cr.m) != CAPOS_OK)
		err = CAPOS_ERR_INVALID;
	while (err == CAPOS_OK && n < TS_CROWD) {
		err = capos_thread_create(ts_cr_worker, &ts_cr.probe[2 + n], TS_CROWD_STACK, &t[n]);
		n += err == CAPOS_OK;
	}
	int parked = ts_probe_wait(&ts_cr.probe[2], n, 10000);
	/* All parked, none refused: they wake, find the mutex still held and park again. */
	int woke = capos_unpark(ts.park, ts_cr.m.key, CAPOS_UNPARK_ALL);
	(void)capos_mutex_unlock(&ts_cr.m);
	int joined = ts_join_all(t, n, &ts_cr.finished);
	int bulk_woke = ts_cr_bulk_end(bulk, nb, code);
	printf("tstress: crowd: %u PARKs queued from 2 rings, %u threads parked on one held mutex "
	       "(%s, all PARKs consumed: %s); UNPARK(all) of the mutex word -> %d\n",
	       nb * TS_PREFILL, n, capos_error_name(err), parked ? "yes" : "no", woke);
	printf("tstress: crowd: %u x %u -> %u, failed locks %u, joined: %s; UNPARK(all) of the "
	       "queued -> %d, parkers -> %lld %lld\n",
	       n, TS_CROWD_ROUNDS, ts_cr.counter, ts_cr.lock_failed, joined ? "yes" : "no",
	       bulk_woke, (long long)code[0], (long long)code[1]);
	ts_check("crowd",
		 err == CAPOS_OK && n == TS_CROWD && parked && woke == (int)TS_CROWD && joined &&
			 ts_cr.lock_failed == 0 && ts_cr.counter == TS_CROWD * TS_CROWD_ROUNDS &&
			 bulk_woke == (int)(2 * TS_PREFILL) && code[0] == 0 && code[1] == 0);
}

/* Queues ts_cr.bulk_n PARKs on ts_cr.word through this thread's ring without
 * waiting, then waits for their completions: the first non-woken status, or 0. */
static int64_t ts_cr_bulk_parker(void *arg)
{
	struct ts_probe *p = arg;
	struct capos_ring_client *c;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	int st = capos_ring_self(&c);

	uint32_t n = ts_cr.bulk_n;

	for (uint32_t i = 0; st == CAPOS_OK && i < n; i++) {
		st = capos_ring_get_sqe(c, &sqe);
		if (st != CAPOS_OK)
			break;
		capos_park_prep(sqe, CAPOS_OP_PARK, ts.park, (uint64_t)(uintptr_t)&ts_cr.word, 0,
				CAPOS_TIMEOUT_INFINITE);
		sqe->user_data = 1 + i;
		if ((i + 1) % TS_BOUND_BATCH == 0 || i + 1 == n) {
			if (i + 1 == n)
				ts_probe_arm(p);
			capos_ring_submit(c);
			if (capos_ring_enter(c, 0, 0) < 0)
				st = CAPOS_ERR_INVALID;
		}
	}
	for (uint32_t i = 0; st == CAPOS_OK && i < n; i++) {
		st = capos_ring_wait(c, 1 + i, CAPOS_TIMEOUT_INFINITE, &cqe);
		if (st == CAPOS_OK && cqe.status != CAPOS_PARK_WOKEN)
			st = cqe.status;
	}
	return st;
}

static int64_t ts_cr_late_locker(void *arg)
{
	ts_cr_arm_next(arg);
	ts_cr.late_lock = capos_mutex_lock(&ts_cr.m);
	if (ts_cr.late_lock == CAPOS_OK)
		ts_cr.late_lock = capos_mutex_unlock(&ts_cr.m);
	return 0;
}

static void ts_cr_bound(void)
{
	struct capos_thread *bulk[2] = { 0 }, *late = NULL;
	int64_t code[2] = { -1, -1 }, late_code = -1;
	uint32_t nb = ts_cr_bulk_start(TS_BOUND_RING, bulk);
	int err = nb == 2 ? CAPOS_OK : CAPOS_ERR_INVALID;
	int extra =
		capos_park(ts.park, (uint64_t)(uintptr_t)&ts_cr.word, 0, CAPOS_TIMEOUT_INFINITE);

	if (err == CAPOS_OK && capos_mutex_lock(&ts_cr.m) != CAPOS_OK)
		err = CAPOS_ERR_INVALID;
	ts_cr.probe[2].ring = NULL;
	if (err == CAPOS_OK)
		err = capos_thread_create(ts_cr_late_locker, &ts_cr.probe[2], TS_CROWD_STACK,
					  &late);
	int tried = err == CAPOS_OK && ts_probe_wait(&ts_cr.probe[2], 1, 10000);
	ts_sleep_ms(20); /* it retries meanwhile: its PARKs are refused by the bound */
	int woke = ts_cr_bulk_end(bulk, nb, code);
	(void)capos_mutex_unlock(&ts_cr.m);
	if (late && capos_thread_join(late, &late_code) != CAPOS_OK)
		err = CAPOS_ERR_INVALID;
	printf("tstress: bound: %u PARKs queued from 2 rings, one more -> %s; a mutex lock "
	       "meanwhile -> %s (its first PARK consumed: %s); UNPARK(all) -> %d; parkers -> "
	       "%lld %lld\n",
	       nb * TS_BOUND_RING, capos_error_name(extra), capos_error_name(ts_cr.late_lock),
	       tried ? "yes" : "no", woke, (long long)code[0], (long long)code[1]);
	ts_check("bound", err == CAPOS_OK && extra == CAPOS_ERR_PARK_WAITERS_LIMIT && tried &&
				  ts_cr.late_lock == CAPOS_OK && woke == (int)TS_BOUND &&
				  code[0] == 0 && code[1] == 0);
}

int ts_crowd_main(void)
{
	ts_cr_crowd();
	ts_cr_bound();
	fflush(stdout);
	return ts_failed;
}

void ts_test_crowd(void)
{
	const struct capos_spawn_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = "timer", .kernel = capos_KernelCapSource_timer },
		{ .name = "crowd", .kernel = capos_KernelCapSource_timer },
		{ .name = "threads", .kernel = capos_KernelCapSource_threadSpawner },
		{ .name = "threadctl", .kernel = capos_KernelCapSource_threadControl },
		{ .name = "park", .kernel = capos_KernelCapSource_parkSpace },
		{ .name = "vm", .kernel = capos_KernelCapSource_virtualMemory },
	};
	const struct capos_spawn_req req = {
		"tstress", "crowd", "crowd", g, sizeof(g) / sizeof(g[0]), NULL
	};
	struct capos_ring_client *ring;
	uint32_t h = 0;
	int64_t code = -1;
	int killed = 1;
	int err = capos_ring_self(&ring);

	if (err == CAPOS_OK)
		err = capos_spawn(ring, ts.spawner, &req, &h);
	if (err == CAPOS_OK)
		err = capos_process_wait(ring, h, &code, &killed);
	printf("tstress: crowd child -> %s, code %lld killed %d\n", capos_error_name(err),
	       (long long)code, killed);
	ts_check("crowd child", err == CAPOS_OK && code == 0 && !killed);
}
