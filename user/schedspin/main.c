/*
 * schedspin: one of the two CPU-bound services of the weighted-fair-queueing boot test
 * (system/tests/sched.capnp, tests/qemu/sched_tests.py). Its CapSet decides its role:
 *   "sched" (SchedulingPolicy), "timer" (Timer): always;
 *   "heavy" (Timer) present: set its own weight to 2, else to 1 and, before measuring,
 *            run the hostile twins of SchedulingPolicy.setWeight (each prints its exact
 *            status; the profile's maxWeight is SCHEDSPIN_MAX_WEIGHT).
 * Both then sleep to the same absolute start time (the next SCHEDSPIN_ALIGN_NS
 * boundary plus one), spin counting iterations until start + SCHEDSPIN_WINDOW_NS (read
 * with Timer.now every SCHEDSPIN_BATCH iterations) and print
 * "schedspin: weight W iterations N"; the suite compares the two counts.
 * Exit codes: 0 done, 1 a check failed, 2 a cap is missing.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define SCHEDSPIN_MAX_WEIGHT 4u		  /* maxWeight of the "spin" profile in the manifest */
#define SCHEDSPIN_ALIGN_NS 100000000ull	  /* start on a 100 ms boundary ... */
#define SCHEDSPIN_WINDOW_NS 2000000000ull /* ... and spin for 2 s of guest time */
#define SCHEDSPIN_BATCH 4096u
#define SCHEDSPIN_INIT_TID 1u /* init's thread: always another process's */

static const struct capos_capset_page *ss_caps;
static int ss_failed;	    /* a check failed: exit 1 */
static int ss_clock_failed; /* Timer.now failed: stop spinning */

#define SS_NO_EXCEPTION (-1) /* success, or refused by the ring (CQE status) */
#define SS_INVALID capos_ExceptionType_invalidArgument

/* One setWeight call that must answer exactly `want`, as a CapException of `want_type`
 * (SS_NO_EXCEPTION: success or a CQE status). */
static void ss_expect(const char *what, uint32_t cap, uint64_t tid, uint32_t weight, int want,
		      int want_type)
{
	int type = SS_NO_EXCEPTION;
	int st = capos_sched_set_weight(cap, tid, weight, &type);
	int ok = st == want && type == want_type;

	printf("schedspin: %s -> %s (type %d): %s\n", what, capos_error_name(st), type,
	       ok ? "ok" : "FAILED");
	if (!ok)
		ss_failed = 1;
}

static void ss_hostile(uint32_t sched, uint32_t timer)
{
	struct capos_ring_client *ring;
	uint32_t self = 0;

	ss_expect("weight max", sched, self, SCHEDSPIN_MAX_WEIGHT, CAPOS_OK, SS_NO_EXCEPTION);
	ss_expect("weight 0", sched, self, 0, CAPOS_ERR_SCHED_WEIGHT_RANGE, SS_INVALID);
	ss_expect("weight above maxWeight", sched, self, SCHEDSPIN_MAX_WEIGHT + 1,
		  CAPOS_ERR_SCHED_WEIGHT_RANGE, SS_INVALID);
	ss_expect("weight 2^32-1", sched, self, UINT32_MAX, CAPOS_ERR_SCHED_WEIGHT_RANGE,
		  SS_INVALID);
	ss_expect("another process's thread", sched, SCHEDSPIN_INIT_TID, 1,
		  CAPOS_ERR_SCHED_NO_SUCH_THREAD, SS_INVALID);
	ss_expect("no such thread", sched, UINT64_MAX, 1, CAPOS_ERR_SCHED_NO_SUCH_THREAD,
		  SS_INVALID);
	ss_expect("forged cap id", capos_cap_make(0x7fff, 1), self, 1, CAPOS_ERR_CAP_BAD_ID,
		  SS_NO_EXCEPTION);
	ss_expect("wrong interface (a Timer)", timer, self, 1, CAPOS_ERR_CAP_WRONG_INTERFACE,
		  SS_NO_EXCEPTION);
	ss_expect("weight 1", sched, self, 1, CAPOS_OK, SS_NO_EXCEPTION);
	if (capos_ring_self(&ring) || capos_ring_release(ring, sched)) {
		printf("schedspin: release failed: FAILED\n");
		ss_failed = 1;
		return;
	}
	ss_expect("stale (released) cap", sched, self, 1, CAPOS_ERR_CAP_STALE, SS_NO_EXCEPTION);
}

/* Timer.now, or 0 after printing why it failed. */
static uint64_t ss_now(uint32_t timer)
{
	uint64_t ns = 0;

	if (capos_timer_now(timer, &ns)) {
		printf("schedspin: Timer.now failed: FAILED\n");
		ss_failed = ss_clock_failed = 1;
	}
	return ns;
}

/* Iterations counted in [start, start + window), after sleeping until start. */
static uint64_t ss_spin(uint32_t timer)
{
	uint64_t now = ss_now(timer);
	uint64_t start = (now / SCHEDSPIN_ALIGN_NS + 2) * SCHEDSPIN_ALIGN_NS;
	struct timespec gap = { .tv_sec = 0, .tv_nsec = (long)(start - now) };
	volatile uint64_t n = 0;

	if (nanosleep(&gap, NULL) != 0)
		ss_failed = 1;
	while (ss_now(timer) < start + SCHEDSPIN_WINDOW_NS && !ss_clock_failed)
		for (uint32_t i = 0; i < SCHEDSPIN_BATCH; i++)
			n = n + 1;
	return n;
}

int main(void)
{
	uint32_t sched, timer, heavy;
	uint32_t weight;

	ss_caps = (const struct capos_capset_page *)capos_boot.capset;
	if (capos_capset_lookup(ss_caps, "sched", capos_SchedulingPolicy_TYPE_ID, &sched) ||
	    capos_capset_lookup(ss_caps, "timer", capos_Timer_TYPE_ID, &timer))
		return 2;
	weight = capos_capset_lookup(ss_caps, "heavy", capos_Timer_TYPE_ID, &heavy) ? 1 : 2;
	if (weight == 1)
		ss_hostile(sched, timer);
	else
		ss_expect("weight 2", sched, 0, 2, CAPOS_OK, SS_NO_EXCEPTION);
	uint64_t n = ss_spin(timer);

	printf("schedspin: weight %u iterations %llu\n", weight, (unsigned long long)n);
	return ss_failed;
}
