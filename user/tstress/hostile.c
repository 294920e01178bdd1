/*
 * tstress's hostile twins and its killed child (user/tstress/main.c lists the rest).
 * What park-suite and thread-suite do not already cover: the same errors from a
 * secondary thread's own ring, words other threads own, a joined thread's freed stack,
 * and the thread quota hit while the other threads are parked (the kills: kill.c).
 *   held word   a thread PARKs on the word of a mutex another thread holds (1) with
 *               expected 2: CAPOS_PARK_VALUE_CHANGED at once (well under a second,
 *               no wake-up needed); expected 1 with timeout 0: CAPOS_ERR_RING_TIMED_OUT
 *   from a thread  misaligned: CAPOS_ERR_PARK_MISALIGNED; unmapped (never mapped):
 *               CAPOS_ERR_PARK_FAULT
 *   stale stack a word on a joined thread's stack (the join unmapped it): PARK ->
 *               CAPOS_ERR_PARK_FAULT; UNPARK of it reads no word -> 0
 *   quota       with TS_THREADS_LIMIT - 1 threads parked (the manifest's profile
 *               limit, main included), one more: capos_thread_create and the raw spawn
 *               -> CAPOS_ERR_QUOTA_THREADS (overloaded); UNPARK(all) then wakes
 *               exactly the parked ones; once joined, a new thread starts again
 */
#include "tstress.h"

#include <stdio.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <capos/syscall.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/runtime.h>
#include <libcapos/sync.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#define TS_THREADS_LIMIT 16u /* the profile of system/tests/tstress.capnp */
#define TS_UNMAPPED 0x0000300000000000ull

static const char *ts_name(int st)
{
	return st == CAPOS_PARK_VALUE_CHANGED ? "CAPOS_PARK_VALUE_CHANGED" : capos_error_name(st);
}

static void ts_expect(const char *what, int got, int want)
{
	printf("tstress: hostile %s -> %s\n", what, ts_name(got));
	ts_check(what, got == want);
}

/* ---- words other threads own ---- */

static struct {
	struct capos_mutex m;
	uint32_t held;	   /* the holder has m */
	uint32_t release;  /* the holder may unlock */
	int changed, zero; /* the prober's PARKs on m's word */
	int misaligned, unmapped;
	uint64_t changed_ns; /* how long the value-changed PARK took */
	struct ts_stats st;
} ts_hx;

static int64_t ts_hx_holder(void *arg)
{
	(void)arg;
	if (capos_mutex_lock(&ts_hx.m) != CAPOS_OK)
		return 1;
	__atomic_store_n(&ts_hx.held, 1, __ATOMIC_RELEASE);
	int ok = ts_park_until(&ts_hx.release, 1, NULL, &ts_hx.st);
	return capos_mutex_unlock(&ts_hx.m) == CAPOS_OK && ok ? 0 : 1;
}

static int64_t ts_hx_prober(void *arg)
{
	uint64_t w = ts_hx.m.key;

	(void)arg;
	uint64_t t0 = ts_now();
	ts_hx.changed = capos_park(ts.park, w, 2, CAPOS_TIMEOUT_INFINITE);
	ts_hx.changed_ns = ts_now() - t0;
	ts_hx.zero = capos_park(ts.park, w, 1, 0);
	ts_hx.misaligned = capos_park(ts.park, w + 2, 1, CAPOS_TIMEOUT_INFINITE);
	ts_hx.unmapped = capos_park(ts.park, TS_UNMAPPED, 0, CAPOS_TIMEOUT_INFINITE);
	return 0;
}

/* Reports where a word on its stack was. */
static int64_t ts_hx_local(void *arg)
{
	volatile uint32_t word = 0;

	*(volatile uint64_t *)arg = (uint64_t)(uintptr_t)&word;
	return word;
}

static void ts_test_words(void)
{
	struct capos_thread *t[2] = { 0 };
	int err;

	capos_mutex_init(&ts_hx.m, ts.park);
	err = capos_thread_create(ts_hx_holder, NULL, 16384, &t[0]);
	if (err == CAPOS_OK && !ts_wait_count(&ts_hx.held, 1, 3000))
		err = CAPOS_ERR_RING_TIMED_OUT;
	if (err == CAPOS_OK)
		err = capos_thread_create(ts_hx_prober, NULL, 16384, &t[1]);
	int prober = err == CAPOS_OK && ts_join_all(&t[1], 1, NULL);
	__atomic_store_n(&ts_hx.release, 1, __ATOMIC_RELEASE);
	(void)capos_unpark(ts.park, (uint64_t)(uintptr_t)&ts_hx.release, 1);
	int holder = err == CAPOS_OK && ts_join_all(&t[0], 1, NULL);
	printf("tstress: hostile: holder and prober threads -> %s, joined %d %d\n",
	       capos_error_name(err), holder, prober);
	ts_expect("PARK(held mutex word, expect 2)", ts_hx.changed, CAPOS_PARK_VALUE_CHANGED);
	ts_check("at once (under a second)", ts_hx.changed_ns < TS_S);
	ts_expect("PARK(held mutex word, expect 1, timeout 0)", ts_hx.zero,
		  CAPOS_ERR_RING_TIMED_OUT);
	ts_expect("PARK from a thread, misaligned", ts_hx.misaligned, CAPOS_ERR_PARK_MISALIGNED);
	ts_expect("PARK from a thread, unmapped", ts_hx.unmapped, CAPOS_ERR_PARK_FAULT);
}

/* A word on the stack of a thread that is joined (its stack unmapped); checked before
 * any other thread starts, which could be given the same addresses. */
static void ts_test_stale(void)
{
	struct capos_thread *t;
	volatile uint64_t addr = 0;
	int64_t code = -1;
	int err = capos_thread_create(ts_hx_local, (void *)&addr, 16384, &t);

	if (err == CAPOS_OK)
		err = capos_thread_join(t, &code);
	printf("tstress: hostile: a thread reported a stack word and was joined -> %s\n",
	       capos_error_name(err));
	ts_expect("PARK on a joined thread's stack", capos_park(ts.park, addr, 0, 0),
		  CAPOS_ERR_PARK_FAULT);
	ts_expect("UNPARK on a joined thread's stack", capos_unpark(ts.park, addr, 1), 0);
}

/* ---- the thread quota with threads parked ---- */

static struct {
	uint32_t gate;
	struct ts_probe probe[TS_THREADS_LIMIT];
} ts_q;

static int64_t ts_q_parker(void *arg)
{
	int st = ts_park_probed(arg, (uint64_t)(uintptr_t)&ts_q.gate, 0, 10 * TS_S);

	return st == CAPOS_PARK_WOKEN ? 0 : 1;
}

static void ts_test_quota(void)
{
	struct capos_thread *t[TS_THREADS_LIMIT] = { 0 }, *x = NULL;
	struct capos_thread_spawned sp;
	const struct capos_thread_spawn_args a = { .entry = CAPOS_USER_BASE,
						   .stack_top = CAPOS_USER_STACK_TOP };
	uint32_t n = 0;
	int err = CAPOS_OK, type = -1;

	while (n < TS_THREADS_LIMIT - 1 && err == CAPOS_OK) {
		err = capos_thread_create(ts_q_parker, &ts_q.probe[n], 16384, &t[n]);
		n += err == CAPOS_OK;
	}
	int parked = ts_probe_wait(ts_q.probe, n, 5000);
	int over = capos_thread_create(ts_q_parker, &ts_q.probe[n], 16384, &x);
	/* The quota is checked before the arguments are used: a dummy stack will do. */
	int raw = capos_thread_spawn_call(ts.threads, &a, &sp, &type);
	__atomic_store_n(&ts_q.gate, 1, __ATOMIC_RELEASE);
	int woke = capos_unpark(ts.park, (uint64_t)(uintptr_t)&ts_q.gate, CAPOS_UNPARK_ALL);
	int joined = ts_join_all(t, n, NULL);
	volatile uint64_t where = 0;
	int again = capos_thread_create(ts_hx_local, (void *)&where, 16384, &x);
	int64_t code = -1;
	if (again == CAPOS_OK)
		again = capos_thread_join(x, &code);
	printf("tstress: quota: %u threads parked (%s, all queued: %s); one more: create -> %s, "
	       "spawn -> %s (type %s)\n",
	       n, capos_error_name(err), parked ? "yes" : "no", capos_error_name(over),
	       capos_error_name(raw), type < 0 ? "none" : capos_exception_type_name(type));
	printf("tstress: quota: UNPARK(all) -> %d, joined: %s; after the joins a new thread -> "
	       "%s\n",
	       woke, joined ? "yes" : "no", capos_error_name(again));
	ts_check("quota", n == TS_THREADS_LIMIT - 1 && parked && over == CAPOS_ERR_QUOTA_THREADS &&
				  raw == CAPOS_ERR_QUOTA_THREADS &&
				  type == capos_ExceptionType_overloaded && woke == (int)n &&
				  joined && again == CAPOS_OK);
}

void ts_test_hostile(void)
{
	ts_test_stale();
	ts_test_words();
	ts_test_quota();
}
