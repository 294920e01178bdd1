/*
 * tstress's wake-count and condvar parts (user/tstress/main.c lists the checks):
 *   unpark-n    TS_UN threads each PARK (own ring, TS_UN_WAIT_NS bound) on one word;
 *               once every PARK is queued (probes, tstress.h) this thread UNPARKs in
 *               the round's pattern of counts: each returns exactly min(n, still
 *               parked), exactly that many threads resume with CAPOS_PARK_WOKEN (none
 *               more, after a pause), no PARK times out; between rounds the threads
 *               wait on a gate word
 *   cond-chain  TS_CV threads take turns 0, 1, 2, ... by a turn variable under one
 *               capos_mutex, waiting on one capos_cond (timed, TS_WAIT_NS) and
 *               broadcasting after each turn; the lost wake-up detector judges every
 *               timed-out wait
 */
#include "tstress.h"

#include <stdio.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/park.h>
#include <libcapos/sync.h>
#include <libcapos/thread.h>

#define TS_UN 8u
#define TS_UN_ROUNDS 5u
#define TS_UN_STEPS 4u
#define TS_UN_END 0xFFFFFFFEu /* ends a pattern */
#define TS_UN_WAIT_NS (5 * TS_S)
#define TS_CV 6u
#define TS_CV_LAPS 20u
#define TS_CV_TURNS (TS_CV * TS_CV_LAPS)

/* ---- unpark-n ---- */

static const uint32_t ts_un_pattern[TS_UN_ROUNDS][TS_UN_STEPS] = {
	{ 3, 3, 3, 3 },
	{ 0, 1, CAPOS_UNPARK_ALL, TS_UN_END },
	{ TS_UN, 1, TS_UN_END, TS_UN_END },
	{ 5, 5, TS_UN_END, TS_UN_END },
	{ 1, 2, 4, CAPOS_UNPARK_ALL },
};

static struct {
	uint32_t word; /* what they park on: always 0 */
	uint32_t gate; /* the round they may start */
	struct ts_probe probe[TS_UN];
	volatile uint32_t resumed; /* PARKs that returned CAPOS_PARK_WOKEN */
	volatile uint32_t bad;	   /* PARKs that returned anything else */
	struct ts_stats gate_st;
} ts_un;

static int64_t ts_un_worker(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;

	for (uint32_t r = 0; r < TS_UN_ROUNDS; r++) {
		if (!ts_park_until(&ts_un.gate, r, NULL, &ts_un.gate_st))
			return 1;
		int st = ts_park_probed(&ts_un.probe[i], (uint64_t)(uintptr_t)&ts_un.word, 0,
					TS_UN_WAIT_NS);
		__atomic_fetch_add(st == CAPOS_PARK_WOKEN ? &ts_un.resumed : &ts_un.bad, 1,
				   __ATOMIC_RELEASE);
	}
	return 0;
}

/* One round's UNPARKs (all TS_UN parked): 1 when each returned min(n, parked) and
 * exactly that many resumed; the returns are appended to line. */
static int ts_un_round(uint32_t r, char *line, size_t cap)
{
	uint32_t sum = 0, base = r * TS_UN;
	size_t len = 0;
	int ok = ts_probe_wait(ts_un.probe, TS_UN, 3000);

	for (uint32_t s = 0; s < TS_UN_STEPS && ts_un_pattern[r][s] != TS_UN_END; s++) {
		uint32_t n = ts_un_pattern[r][s], left = TS_UN - sum;
		int w = capos_unpark(ts.park, (uint64_t)(uintptr_t)&ts_un.word, n);

		ok &= w == (int)(n < left ? n : left);
		if (w > 0)
			sum += (uint32_t)w;
		ok &= ts_wait_count(&ts_un.resumed, base + sum, 2000);
		ts_sleep_ms(3); /* nobody else resumes meanwhile */
		ok &= ts_un.resumed == base + sum;
		len += (size_t)snprintf(line + len, len < cap ? cap - len : 0, " %d", w);
	}
	return ok && sum == TS_UN;
}

void ts_test_unpark_n(void)
{
	struct capos_thread *t[TS_UN] = { 0 };
	int err = CAPOS_OK, ok = 1;

	for (uint32_t i = 0; err == CAPOS_OK && i < TS_UN; i++)
		err = capos_thread_create(ts_un_worker, (void *)(uintptr_t)i, 16384, &t[i]);
	for (uint32_t r = 0; err == CAPOS_OK && r < TS_UN_ROUNDS; r++) {
		char line[64] = "";
		int round_ok = ts_un_round(r, line, sizeof(line));

		printf("tstress: unpark-n: round %u: %u parked, woken%s, resumed %u\n", r + 1,
		       TS_UN, line, ts_un.resumed - r * TS_UN);
		ok &= round_ok;
		for (uint32_t i = 0; i < TS_UN; i++)
			ts_un.probe[i].ring = NULL; /* all resumed: none re-arms before the gate */
		__atomic_store_n(&ts_un.gate, r + 1, __ATOMIC_RELEASE);
		(void)capos_unpark(ts.park, (uint64_t)(uintptr_t)&ts_un.gate, CAPOS_UNPARK_ALL);
	}
	int joined = ts_join_all(t, TS_UN, NULL);
	printf("tstress: unpark-n: %u threads x %u rounds: resumed %u, other statuses %u (%s), "
	       "joined: %s\n",
	       TS_UN, TS_UN_ROUNDS, ts_un.resumed, ts_un.bad, capos_error_name(err),
	       joined ? "yes" : "no");
	ts_check("unpark-n", err == CAPOS_OK && ok && joined && ts_un.bad == 0 &&
				     ts_un.resumed == TS_UN * TS_UN_ROUNDS);
}

/* ---- cond-chain ---- */

static struct {
	struct capos_mutex m;
	struct capos_cond c;
	uint32_t turn;		    /* under m: the next turn */
	struct ts_pub pub;	    /* under m: the last broadcast */
	uint32_t errors;	    /* under m: broadcasts that failed */
	uint32_t gave_up;	    /* under m */
	volatile uint32_t finished; /* threads done (atomic) */
	struct ts_stats st;	    /* under m */
} ts_cv;

/* Waits (m held) until turn k: 1 when it came. */
static int ts_cv_wait(uint32_t k)
{
	uint32_t misses = 0;

	while (ts_cv.turn != k) {
		uint64_t t0 = ts_now();
		int st = capos_cond_timedwait(&ts_cv.c, &ts_cv.m, TS_WAIT_NS);

		if (st == CAPOS_ERR_RING_TIMED_OUT) {
			if (ts_cv.turn == k && ts_lost_wakeup(&ts_cv.pub, k, t0))
				ts_cv.st.lost++;
			else
				ts_cv.st.late++;
			if (++misses == 3)
				return 0;
		} else if (st != CAPOS_OK) {
			ts_cv.st.other++;
			return 0;
		} else {
			ts_cv.st.woken++;
		}
	}
	return 1;
}

static int64_t ts_cv_worker(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	int64_t code = 0;

	if (capos_mutex_lock(&ts_cv.m) != CAPOS_OK)
		return 1;
	for (uint32_t k = i; k < TS_CV_TURNS && code == 0; k += TS_CV) {
		if (!ts_cv_wait(k)) {
			ts_cv.gave_up++;
			code = 1;
			break;
		}
		ts_cv.turn = k + 1;
		if (capos_cond_broadcast(&ts_cv.c) != CAPOS_OK)
			ts_cv.errors++;
		ts_cv.pub.done_ns = ts_now();
		ts_cv.pub.turn = k + 1;
	}
	if (capos_mutex_unlock(&ts_cv.m) != CAPOS_OK)
		code = 1;
	__atomic_fetch_add(&ts_cv.finished, 1, __ATOMIC_RELEASE);
	return code;
}

void ts_test_cond_chain(void)
{
	struct capos_thread *t[TS_CV] = { 0 };
	int err = CAPOS_OK;

	capos_mutex_init(&ts_cv.m, ts.park);
	capos_cond_init(&ts_cv.c, ts.park);
	for (uint32_t i = 0; err == CAPOS_OK && i < TS_CV; i++)
		err = capos_thread_create(ts_cv_worker, (void *)(uintptr_t)i, 16384, &t[i]);
	int joined = ts_join_all(t, TS_CV, &ts_cv.finished);
	printf("tstress: cond-chain: %u threads x %u laps -> %u turns (%s), lost wake-ups %u, "
	       "stalled %u, broadcast errors %u, joined: %s\n",
	       TS_CV, TS_CV_LAPS, ts_cv.turn, capos_error_name(err), ts_cv.st.lost, ts_cv.gave_up,
	       ts_cv.errors, joined ? "yes" : "no");
	ts_print_stats("cond-chain", &ts_cv.st);
	ts_check("cond-chain", err == CAPOS_OK && joined && ts_cv.turn == TS_CV_TURNS &&
				       ts_cv.st.lost == 0 && ts_cv.gave_up == 0 &&
				       ts_cv.errors == 0);
}
