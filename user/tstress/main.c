/*
 * tstress: init of the thread stress manifest (system/tests/tstress.capnp), driven by
 * tests/qemu/tstress_tests.py; spawned again by itself as the killed child (hostile.c).
 * Many threads of ONE process over PARK/UNPARK (kernel/proc/kpark.c), capos_mutex /
 * capos_cond (lib/libcapos/sync.c) and newlib's locks (lib/libcapos/nlock.c):
 *   counter    TS_CNT threads block on a mutex this thread holds (every one takes the
 *              contended path), then each does TS_CNT_ROUNDS read-pause-write
 *              increments under it: the count is exactly TS_CNT x TS_CNT_ROUNDS
 *   chain      TS_CH threads pass a token around a ring, each PARKing on its own
 *              word for its turn (raw PARK / UNPARK(1), every PARK bounded by
 *              TS_WAIT_NS): every hand-off in order; the lost wake-up detector (below)
 *              counts none
 *   unpark-n   (wake.c) UNPARK(n) of waiters on other threads' rings wakes exactly
 *              min(n, parked), and exactly that many threads resume
 *   cond-chain (wake.c) turn-taking over one capos_cond (broadcast) with timed
 *              waits, the same detector
 *   heap       (heap.c) malloc / realloc / free of varied sizes from many threads at
 *              once, every block's pattern checked; mallinfo back to its start
 * then the hostile twins (hostile.c), the kills (kill.c) and the crowd child (crowd.c:
 * 40 threads on one mutex, the kernel's bound on parked ops). One COM2 line per check; the kernel's
 * end-of-boot leak checks (parked ops, timer sleeps, frames, objects) from COM1.
 *
 * The lost wake-up detector: a publisher stores the waiter's new value, UNPARKs it and
 * then records (after the UNPARK returned) the clock and the number it woke. A waiter
 * whose PARK (issued after it read the clock, t0) times out with the value published
 * has lost its wake-up if the UNPARK woke one (only it parks on that word) or finished
 * before t0 + TS_WAIT_NS - TS_SLACK_NS: the PARK's deadline, under the kernel lock
 * that orders PARK and UNPARK, was then still ahead, so the kernel either saw the new
 * value (value changed) or had the waiter queued when the UNPARK ran. A timeout
 * without those is late (slowness: counted, the wait goes on, bounded).
 */
#include "tstress.h"

#include <stdio.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/runtime.h>
#include <libcapos/sync.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#define TS_CNT 12u
#define TS_CNT_ROUNDS 150u
#define TS_CNT_PAUSE 400
#define TS_CH_LAPS 60u
#define TS_CH_TURNS (TS_CH * TS_CH_LAPS)

struct ts_caps ts;
int ts_failed;

void ts_check(const char *step, int ok)
{
	printf("tstress: %s: %s\n", step, ok ? "ok" : "FAILED");
	if (!ok)
		ts_failed = 1;
}

uint64_t ts_now(void)
{
	uint64_t ns = 0;

	if (capos_timer_now(ts.timer, &ns) != CAPOS_OK)
		ts_failed = 1;
	return ns;
}

void ts_sleep_ms(uint64_t ms)
{
	if (capos_timer_sleep(ts.timer, ms * TS_MS) != CAPOS_OK)
		ts_failed = 1;
}

int ts_wait_count(volatile uint32_t *v, uint32_t want, uint64_t bound_ms)
{
	for (uint64_t t = 0; __atomic_load_n(v, __ATOMIC_ACQUIRE) < want; t += 2) {
		if (t >= bound_ms)
			return 0;
		ts_sleep_ms(2);
	}
	return 1;
}

/* ---- PARK probes ---- */

void ts_probe_arm(struct ts_probe *p)
{
	struct capos_ring_client *c;

	if (capos_ring_self(&c) != CAPOS_OK)
		return; /* never consumed: the waiter's wait fails, bounded */
	p->tail = c->sq_tail;
	__atomic_store_n(&p->ring, c->ring, __ATOMIC_RELEASE);
}

/* True when p's op was consumed by a drain. */
static int ts_probe_done(const struct ts_probe *p)
{
	volatile struct capos_ring *r = __atomic_load_n(&p->ring, __ATOMIC_ACQUIRE);

	if (r == NULL)
		return 0;
	uint32_t head = __atomic_load_n(&r->hdr.sq_head, __ATOMIC_ACQUIRE);
	return (int32_t)(head - p->tail) >= 0;
}

int ts_probe_wait(struct ts_probe *p, uint32_t n, uint64_t bound_ms)
{
	for (uint64_t t = 0;; t += 2) {
		uint32_t done = 0;

		for (uint32_t i = 0; i < n; i++)
			done += (uint32_t)ts_probe_done(&p[i]);
		if (done == n)
			return 1;
		if (t >= bound_ms)
			return 0;
		ts_sleep_ms(2);
	}
}

int ts_park_probed(struct ts_probe *p, uint64_t word, uint32_t expected, uint64_t timeout_ns)
{
	struct capos_ring_client *c;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_get_sqe(c, &sqe);
	if (err)
		return err;
	capos_park_prep(sqe, CAPOS_OP_PARK, ts.park, word, expected, timeout_ns);
	sqe->user_data = 0x7a11;
	p->ring = NULL;
	ts_probe_arm(p);
	capos_ring_submit(c);
	err = capos_ring_wait(c, 0x7a11, CAPOS_TIMEOUT_INFINITE, &cqe);
	return err ? err : cqe.status;
}

void ts_print_stats(const char *what, const struct ts_stats *st)
{
	printf("tstress: %s: PARKs woken %u, value changed %u, late timeouts %u, other %u\n", what,
	       st->woken, st->changed, st->late, st->other);
}

/* ---- counter ---- */

static struct {
	struct capos_mutex m;
	uint32_t counter;	     /* under m */
	volatile uint32_t started;   /* threads that tried the held mutex */
	volatile uint32_t contended; /* acquisitions that found m taken */
	volatile uint32_t errors;    /* lock / unlock errors */
	volatile uint32_t finished;  /* threads done with their rounds */
} ts_cnt;

static void ts_cnt_round(void)
{
	if (capos_mutex_trylock(&ts_cnt.m) != CAPOS_OK) {
		__atomic_fetch_add(&ts_cnt.contended, 1, __ATOMIC_RELAXED);
		if (capos_mutex_lock(&ts_cnt.m) != CAPOS_OK) {
			__atomic_fetch_add(&ts_cnt.errors, 1, __ATOMIC_RELAXED);
			return;
		}
	}
	uint32_t v = ts_cnt.counter;
	for (volatile int k = 0; k < TS_CNT_PAUSE; k++)
		;
	ts_cnt.counter = v + 1;
	if (capos_mutex_unlock(&ts_cnt.m) != CAPOS_OK)
		__atomic_fetch_add(&ts_cnt.errors, 1, __ATOMIC_RELAXED);
}

static int64_t ts_cnt_worker(void *arg)
{
	(void)arg;
	/* The first round finds the mutex held by main: the contended path, for all. */
	__atomic_fetch_add(&ts_cnt.started, 1, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < TS_CNT_ROUNDS; i++)
		ts_cnt_round();
	__atomic_fetch_add(&ts_cnt.finished, 1, __ATOMIC_RELEASE);
	return 0;
}

int ts_join_all(struct capos_thread **t, uint32_t n, volatile uint32_t *finished)
{
	int ok = 1;

	if (finished && !ts_wait_count(finished, n, TS_JOIN_BOUND_MS)) {
		printf("tstress: only %u of %u threads finished within %u ms (a lost wake-up?)\n",
		       *finished, n, TS_JOIN_BOUND_MS);
		return 0; /* left parked: the process's exit ends them */
	}
	for (uint32_t i = 0; i < n; i++) {
		int64_t code = -1;

		ok &= t[i] && capos_thread_join(t[i], &code) == CAPOS_OK && code == 0;
	}
	return ok;
}

static void ts_test_counter(void)
{
	struct capos_thread *t[TS_CNT] = { 0 };
	int err = CAPOS_OK;

	capos_mutex_init(&ts_cnt.m, ts.park);
	err = capos_mutex_lock(&ts_cnt.m);
	for (uint32_t i = 0; err == CAPOS_OK && i < TS_CNT; i++)
		err = capos_thread_create(ts_cnt_worker, NULL, 16384, &t[i]);
	int all = err == CAPOS_OK && ts_wait_count(&ts_cnt.started, TS_CNT, 3000);
	ts_sleep_ms(20); /* they park on the held mutex meanwhile */
	uint32_t held = ts_cnt.contended;
	if (capos_mutex_unlock(&ts_cnt.m) != CAPOS_OK)
		err = CAPOS_ERR_INVALID;
	int joined = ts_join_all(t, TS_CNT, &ts_cnt.finished);
	printf("tstress: counter: %u threads x %u rounds -> %u (%s), contended while held: %u, "
	       "joined: %s\n",
	       TS_CNT, TS_CNT_ROUNDS, ts_cnt.counter, capos_error_name(err), held,
	       joined ? "yes" : "no");
	printf("tstress: counter: contended acquisitions in all: %u\n", ts_cnt.contended);
	ts_check("counter", err == CAPOS_OK && all && joined && ts_cnt.errors == 0 &&
				    held == TS_CNT && ts_cnt.counter == TS_CNT * TS_CNT_ROUNDS);
}

/* ---- chain ---- */

static struct {
	uint32_t slot[TS_CH];	    /* turn + 1 the thread may take next */
	struct ts_pub pub[TS_CH];   /* the last publish to each slot */
	volatile uint32_t taken;    /* turns taken so far (only the token holder writes) */
	volatile uint32_t disorder; /* turns taken out of order */
	volatile uint32_t gave_up;  /* threads that stopped waiting (a stall) */
	struct ts_stats st;
	uint32_t turns;		     /* turns to take in all */
	volatile uint32_t *progress; /* raised at each turn, or NULL */
} ts_ch;

int ts_lost_wakeup(const struct ts_pub *pub, uint32_t want, uint64_t t0)
{
	if (__atomic_load_n(&pub->turn, __ATOMIC_ACQUIRE) != want)
		return 0; /* not published yet: slowness */
	return pub->woken > 0 || pub->done_ns + TS_SLACK_NS < t0 + TS_WAIT_NS;
}

int ts_park_until(uint32_t *w, uint32_t want, const struct ts_pub *pub, struct ts_stats *st)
{
	uint32_t misses = 0;

	for (;;) {
		uint64_t t0 = pub ? ts_now() : 0;
		uint32_t v = __atomic_load_n(w, __ATOMIC_ACQUIRE);

		if (v == want)
			return 1;
		int r = capos_park(ts.park, (uint64_t)(uintptr_t)w, v, TS_WAIT_NS);
		if (r == CAPOS_ERR_RING_TIMED_OUT) {
			if (pub && ts_lost_wakeup(pub, want, t0))
				__atomic_fetch_add(&st->lost, 1, __ATOMIC_RELAXED);
			else
				__atomic_fetch_add(&st->late, 1, __ATOMIC_RELAXED);
			if (++misses == 3)
				return 0;
			continue;
		}
		__atomic_fetch_add(r == CAPOS_PARK_WOKEN	   ? &st->woken
				   : r == CAPOS_PARK_VALUE_CHANGED ? &st->changed
								   : &st->other,
				   1, __ATOMIC_RELAXED);
		if (r < 0)
			return 0;
	}
}

void ts_publish(uint32_t *slot, struct ts_pub *pub, uint32_t value)
{
	__atomic_store_n(slot, value, __ATOMIC_RELEASE);
	int w = capos_unpark(ts.park, (uint64_t)(uintptr_t)slot, 1);
	pub->done_ns = ts_now();
	pub->woken = w;
	__atomic_store_n(&pub->turn, value, __ATOMIC_RELEASE);
}

static int64_t ts_ch_worker(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;

	for (uint32_t k = i; k < ts_ch.turns; k += TS_CH) {
		if (!ts_park_until(&ts_ch.slot[i], k + 1, &ts_ch.pub[i], &ts_ch.st)) {
			__atomic_fetch_add(&ts_ch.gave_up, 1, __ATOMIC_RELAXED);
			return 1;
		}
		if (ts_ch.taken != k)
			ts_ch.disorder++;
		ts_ch.taken = k + 1;
		if (ts_ch.progress)
			__atomic_fetch_add(ts_ch.progress, 1, __ATOMIC_RELAXED);
		uint32_t j = (k + 1) % TS_CH;
		if (k + 1 < ts_ch.turns)
			ts_publish(&ts_ch.slot[j], &ts_ch.pub[j], k + 2);
	}
	return 0;
}

int ts_chain_start(uint32_t turns, volatile uint32_t *progress, struct capos_thread **t)
{
	int err = CAPOS_OK;

	ts_ch.turns = turns;
	ts_ch.progress = progress;
	for (uint32_t i = 0; err == CAPOS_OK && i < TS_CH; i++)
		err = capos_thread_create(ts_ch_worker, (void *)(uintptr_t)i, 16384, &t[i]);
	ts_sleep_ms(10); /* most of them park first */
	if (err == CAPOS_OK)
		ts_publish(&ts_ch.slot[0], &ts_ch.pub[0], 1);
	return err;
}

static void ts_test_chain(void)
{
	struct capos_thread *t[TS_CH] = { 0 };
	int err = ts_chain_start(TS_CH_TURNS, NULL, t);
	int joined = ts_join_all(t, TS_CH, NULL);
	printf("tstress: chain: %u threads x %u laps -> %u hand-offs (%s), out of order %u, "
	       "lost wake-ups %u, stalled %u, joined: %s\n",
	       TS_CH, TS_CH_LAPS, ts_ch.taken, capos_error_name(err), ts_ch.disorder, ts_ch.st.lost,
	       ts_ch.gave_up, joined ? "yes" : "no");
	ts_print_stats("chain", &ts_ch.st);
	ts_check("chain", err == CAPOS_OK && joined && ts_ch.taken == TS_CH_TURNS &&
				  ts_ch.disorder == 0 && ts_ch.st.lost == 0 && ts_ch.gave_up == 0 &&
				  ts_ch.st.other == 0);
}

static int ts_lookup(const char *name, uint64_t iid, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				   cap);
}

int main(void)
{
	if (ts_lookup("timer", capos_Timer_TYPE_ID, &ts.timer) ||
	    ts_lookup("park", capos_ParkSpace_TYPE_ID, &ts.park) ||
	    ts_lookup("threads", capos_ThreadSpawner_TYPE_ID, &ts.threads))
		return 2;
	uint32_t crowd;
	if (ts_lookup("crowd", capos_Timer_TYPE_ID, &crowd) == 0)
		return ts_crowd_main(); /* crowd.c */
	if (ts_lookup("spawner", capos_ProcessSpawner_TYPE_ID, &ts.spawner))
		return ts_child_main(); /* no spawner: the killed child */
	if (ts_lookup("frames", capos_FrameAllocator_TYPE_ID, &ts.frames))
		return 2;
	printf("tstress: start (pid %u)\n", (unsigned)capos_boot.pid);
	static const struct {
		const char *name;
		void (*run)(void);
	} parts[] = {
		{ "counter", ts_test_counter },	  { "chain", ts_test_chain },
		{ "unpark-n", ts_test_unpark_n }, { "cond-chain", ts_test_cond_chain },
		{ "heap", ts_test_heap },	  { "hostile", ts_test_hostile },
		{ "kill", ts_test_kill },	  { "crowd", ts_test_crowd },
	};
	uint64_t ms[sizeof(parts) / sizeof(parts[0])];
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		uint64_t t0 = ts_now();

		parts[i].run();
		ms[i] = (ts_now() - t0) / TS_MS;
	}
	printf("tstress: guest ms:");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		printf(" %s %llu", parts[i].name, (unsigned long long)ms[i]);
	printf("\n");
	printf("tstress: done, exiting %d\n", ts_failed);
	return ts_failed;
}
