/*
 * tstress's shared pieces (user/tstress): the caps it looks up, the checks' reporting,
 * the clock, bounded waits for a counter the other threads raise, the "this thread's
 * PARK is queued" probe, and the parts in the other files.
 */
#ifndef TSTRESS_H
#define TSTRESS_H

#include <stdint.h>

#include <libcapos/ring.h>

#define TS_MS 1000000ull
#define TS_S 1000000000ull
#define TS_WAIT_NS (2 * TS_S) /* every PARK's bound: longer is a lost wake-up or a stall */
#define TS_SLACK_NS TS_MS     /* clock reads on two CPUs: this much apart is "before" */

struct ts_caps {
	uint32_t timer, park, threads, frames, spawner;
};
extern struct ts_caps ts;
extern int ts_failed;

/* "tstress: <step>: ok|FAILED" and the failure flag. */
void ts_check(const char *step, int ok);

/* Timer.now (the kernel's clock, the one PARK deadlines use); 0 and a failure on error. */
uint64_t ts_now(void);

/* Sleeps `ms` on the Timer; a failure on error. */
void ts_sleep_ms(uint64_t ms);

/* Waits (2 ms naps, at most bound_ms) until *v >= want: 1 when it got there. */
int ts_wait_count(volatile uint32_t *v, uint32_t want, uint64_t bound_ms);

/*
 * A thread's PARK probe: the calling thread notes its ring and the SQ tail it is about
 * to publish (one op) before it submits the PARK; once the kernel's sq_head reaches it,
 * the drain that executed the PARK is over (drains hold the kernel lock and never
 * block), so any later PARK/UNPARK, from any CPU, sees the waiter queued (or already
 * completed).
 */
struct ts_probe {
	volatile struct capos_ring *ring; /* 0 until the thread set it */
	volatile uint32_t tail;		  /* sq_head value once its PARK was consumed */
};

/* The calling thread's probe before it submits one op. */
void ts_probe_arm(struct ts_probe *p);

/* Waits (at most bound_ms) until every probe of p[0..n) is consumed: 1 when so. */
int ts_probe_wait(struct ts_probe *p, uint32_t n, uint64_t bound_ms);

/* PARK through the calling thread's ring, with the probe armed first. */
int ts_park_probed(struct ts_probe *p, uint64_t word, uint32_t expected, uint64_t timeout_ns);

/* What the publisher of a waiter's value records after its wake (turn last). */
struct ts_pub {
	uint64_t done_ns; /* the clock after the UNPARK (broadcast) returned */
	int woken;	  /* what the UNPARK returned (cond: 0, not known) */
	uint32_t turn;	  /* the value published (release-stored last) */
};

/* What waits saw (atomic counters). */
struct ts_stats {
	volatile uint32_t woken, changed, other; /* PARK outcomes (other: an error) */
	volatile uint32_t late;			 /* timeouts that were slowness */
	volatile uint32_t lost;			 /* timeouts that were lost wake-ups */
};

/* "tstress: <what>: PARKs woken .., value changed .., late timeouts .., other .." */
void ts_print_stats(const char *what, const struct ts_stats *st);

/*
 * Waits until *w holds want, PARKing (TS_WAIT_NS each) while it holds anything else,
 * counting outcomes in *st; with pub, each timeout is judged by ts_lost_wakeup. Gives
 * up after 3 timeouts or a PARK error: 1 when it got want.
 */
int ts_park_until(uint32_t *w, uint32_t want, const struct ts_pub *pub, struct ts_stats *st);

/* Stores `value` in *slot, UNPARKs one waiter of it, records the publish in *pub. */
void ts_publish(uint32_t *slot, struct ts_pub *pub, uint32_t value);

/*
 * The lost wake-up detector (main.c): a PARK issued after t0 timed out while waiting
 * for `want`; 1 when pub says the wake for want was already done (it woke one, or
 * finished before the PARK's deadline), 0 for slowness (not published yet, or late).
 */
int ts_lost_wakeup(const struct ts_pub *pub, uint32_t want, uint64_t t0);

struct capos_thread;

#define TS_JOIN_BOUND_MS 30000u

/* Joins t[0..n) (NULL entries count as failures): 1 when every join succeeded with
 * exit code 0. With `finished` (raised by each thread as it ends, for threads whose
 * waits are not bounded: mutex re-locks), first waits at most TS_JOIN_BOUND_MS for it
 * to reach n, and joins nothing (0, a line printed) if it does not. */
int ts_join_all(struct capos_thread **t, uint32_t n, volatile uint32_t *finished);

#define TS_CH 8u /* threads of the chain */

/*
 * Starts the chain (main.c): TS_CH threads into t[0..TS_CH) passing a token for
 * `turns` turns in all (UINT32_MAX: on and on, the killed child's), raising *progress
 * (if not NULL) at each. Errors: capos_thread_create's (the threads made so far run).
 */
int ts_chain_start(uint32_t turns, volatile uint32_t *progress, struct capos_thread **t);

/* Starts n threads that allocate, check and free without end (heap.c; the killed
 * child's). Errors: capos_thread_create's. */
int ts_heap_churn(uint32_t n);

/* The parts (main.c: counter and chain; wake.c; heap.c; hostile.c). */
void ts_test_unpark_n(void);
void ts_test_cond_chain(void);
void ts_test_heap(void);
void ts_test_hostile(void);
void ts_test_kill(void);
int ts_child_main(void);
void ts_test_crowd(void);
int ts_crowd_main(void); /* crowd.c: the crowd child's main */

#endif
