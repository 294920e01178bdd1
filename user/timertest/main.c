/*
 * timertest: init of the Timer.sleep test manifest (system/tests/timer.capnp), driven
 * by tests/qemu/timer_tests.py. It holds a Console, a Timer and a ProcessSpawner and
 * checks Timer.sleep / Timer.sleepUntil (kernel/cap/timer.c, kernel/proc/ksleep.c):
 *   sleep        sleep(30 ms) returns after at least 30 ms by Timer.now
 *   sleep-until  sleepUntil(now + 20 ms) returns with Timer.now past the deadline
 *   order        sleeps of 40 ms and 10 ms queued in that order complete 10 ms first
 *   at-once      sleep(0) and sleepUntil(1 ns) complete in the cap_enter that submits
 *                them (no blocking)
 *   nanosleep    newlib's nanosleep(25 ms) (over Timer.sleep) sleeps at least 25 ms
 *   range        sleep(2^64 - 1), sleep(2^63), sleepUntil(2^63), sleepUntil(2^64 - 1):
 *                CAPOS_ERR_TIMER_SLEEP_RANGE (invalidArgument) at once, nothing parked
 *   room         a sleep into an 8-byte result buffer: RING_RESULT_TOO_SMALL needing
 *                16, into the read-only CapSet page: RING_RESULT_FAULT, both at once
 *   limit        KSLEEP_MAX_PER_PROC (8) sleeps pending, a 9th: CAPOS_ERR_TIMER_SLEEP_LIMIT
 *                (overloaded) at once; the 8 complete; then a sleep works again
 *   killed       a child parked in Timer.sleep(10 s) is killed: wait says (-1, killed)
 *                and the kernel cancels its sleep (COM1)
 *   exited       a child that queues Timer.sleep(10 s) and exits without waiting: its
 *                sleep is cancelled, wait says (49, not killed)
 *   killed-poll  a child parked in Timer.sleep(10 s) killed, then ProcessHandle.wait
 *                polled with non-blocking cap_enter only (so this thread never switches
 *                away): it answers (-1, killed) within TT_POLLS polls (the kill's
 *                system-call exit frees the victim, not only this CPU's next switch)
 *   far          a child blocked in cap_enter(1, 2^64 - 3 ns) with Timer.sleepUntil(2^63 - 1)
 *                queued (deadlines whose TSC value wrapped in 64 bits, which livelocked
 *                a CPU in early one-shots) while this process sleeps 10 x 20 ms and
 *                spins: every sleep ends, timer interrupts keep coming, the child is
 *                killed (wait: -1, killed) and its sleep cancelled
 *   tickless     a 500 ms sleep with nothing else to run: the CPUs take at most
 *                TT_TICKLESS_MAX timer interrupts (SystemStatus.summary), where 100 Hz
 *                ticks would be 50 per CPU: idle CPUs stop their tick (tickless idle,
 *                docs/scheduler.md) and CPU 0's one-shot ends the sleep
 * One COM2 line per check; the kernel's end-of-boot check (frames, kernel objects,
 * timer sleeps back at their baselines) is judged by the test from COM1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/spawn.h>
#include <schema/capos.capnp.h>

#define TT_MS 1000000ull
#define TT_MAX_SLEEPS 8u /* KSLEEP_MAX_PER_PROC in kernel/include/kernel/kring.h */
#define TT_SLOTS 12u	 /* SQEs one batch queues at most */
#define TT_CHILD_EXITED 49
#define TT_IDLE_MS 500u
#define TT_POLLS 20000u /* non-blocking cap_enters killed-poll waits for the answer */
#define TT_FAR_NAPS 10
#define TT_FAR_NAP_MS 20u
/* Timer interrupts a tickless system may take in an idle sleep: the one-shot at its
 * deadline, the tick of the CPU that runs us before it blocks and after it wakes, and
 * slack for a host that descheduled a vCPU mid-way (100 Hz ticks: 50 per CPU). */
#define TT_TICKLESS_MAX(cpus) (2ull * (cpus) + 4)

/* One queued Timer CALL: its framed params and result buffer stay live until its CQE. */
struct tt_slot {
	uint64_t params[4];
	uint64_t res[16];
};

static struct capos_ring_client *tt_ring;
static uint32_t tt_timer, tt_spawner, tt_status;
static struct tt_slot tt_slots[TT_SLOTS];
static uint64_t tt_next_ud = 1;
static int tt_failed;

static void tt_check(const char *step, int ok)
{
	printf("timertest: %s: %s\n", step, ok ? "ok" : "FAILED");
	if (!ok)
		tt_failed = 1;
}

static uint64_t tt_now(void)
{
	uint64_t ns = 0;

	if (capos_timer_now(tt_timer, &ns) != CAPOS_OK)
		tt_failed = 1;
	return ns;
}

/* Queues (does not submit) a sleep/sleepUntil CALL from slot i; its user_data. A
 * non-zero res_addr replaces the slot's result buffer (res_len bytes). */
static uint64_t tt_queue(uint32_t i, int sleep, uint64_t v, uint64_t res_addr, uint32_t res_len)
{
	struct tt_slot *s = &tt_slots[i];
	struct capos_sqe *sqe;
	uint16_t method = sleep ? capos_Timer_METHOD_sleep : capos_Timer_METHOD_sleepUntil;
	uint32_t plen = 0;

	if (capos_timer_sleep_params(method, v, s->params, sizeof(s->params), &plen) ||
	    capos_ring_get_sqe(tt_ring, &sqe) != CAPOS_OK) {
		tt_failed = 1;
		return 0;
	}
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = CAPOS_OP_CALL;
	sqe->cap = tt_timer;
	sqe->interface_id = capos_Timer_TYPE_ID;
	sqe->method = method;
	sqe->addr = (uint64_t)(uintptr_t)s->params;
	sqe->len = plen;
	sqe->result_addr = res_addr ? res_addr : (uint64_t)(uintptr_t)s->res;
	sqe->result_len = res_addr ? res_len : sizeof(s->res);
	sqe->user_data = tt_next_ud++;
	return sqe->user_data;
}

/* Waits for ud's CQE; its status, or for a CapException its own status (*type = its
 * type, else -1). */
static int tt_reap(uint32_t i, uint64_t ud, struct capos_cqe *cqe, int *type)
{
	int err = capos_ring_wait(tt_ring, ud, CAPOS_TIMEOUT_INFINITE, cqe);

	*type = -1;
	if (err)
		return err;
	if (cqe->status == CAPOS_ERR_RING_EXCEPTION)
		return capos_exception_status(tt_slots[i].res, cqe->result_len, type);
	return cqe->status;
}

/* Drain-only cap_enter (never blocks): how many CQEs are ready. */
static int64_t tt_drain(void)
{
	capos_ring_submit(tt_ring);
	return capos_ring_enter(tt_ring, 0, 0);
}

static void tt_test_sleep(void)
{
	uint64_t t0 = tt_now();
	int err = capos_timer_sleep(tt_timer, 30 * TT_MS);
	uint64_t t1 = tt_now();

	printf("timertest: sleep 30 ms -> %s\n", capos_error_name(err));
	tt_check("sleep lasted at least 30 ms by Timer.now",
		 err == CAPOS_OK && t1 - t0 >= 30 * TT_MS);
	uint64_t deadline = tt_now() + 20 * TT_MS;
	err = capos_timer_sleep_until(tt_timer, deadline);
	t1 = tt_now();
	printf("timertest: sleepUntil(now + 20 ms) -> %s\n", capos_error_name(err));
	tt_check("sleepUntil returned past its deadline", err == CAPOS_OK && t1 >= deadline);
}

/* 40 ms queued before 10 ms: the CQ holds 10 ms's completion first. */
static void tt_test_order(void)
{
	struct capos_cqe ca, cb;
	int ta, tb;
	uint64_t t0 = tt_now();
	uint64_t ua = tt_queue(0, 1, 40 * TT_MS, 0, 0), ub = tt_queue(1, 1, 10 * TT_MS, 0, 0);
	int64_t n;
	uint64_t first = 0, second = 0;

	capos_ring_submit(tt_ring);
	n = capos_ring_enter(tt_ring, 2, CAPOS_TIMEOUT_INFINITE);
	if (n >= 2) {
		first = tt_ring->ring->cq[tt_ring->cq_head & CAPOS_RING_CQ_MASK].user_data;
		second = tt_ring->ring->cq[(tt_ring->cq_head + 1) & CAPOS_RING_CQ_MASK].user_data;
	}
	int sa = tt_reap(0, ua, &ca, &ta), sb = tt_reap(1, ub, &cb, &tb);
	uint64_t t1 = tt_now();

	printf("timertest: order: 40 ms then 10 ms queued; completed %s first (%s, %s)\n",
	       first == ub && second == ua ? "10 ms" : "40 ms", capos_error_name(sb),
	       capos_error_name(sa));
	tt_check("order", n >= 2 && first == ub && second == ua && sa == 0 && sb == 0 &&
				  ca.result_len == 16 && t1 - t0 >= 40 * TT_MS);
}

/* sleep(0) and sleepUntil(1 ns): done in the cap_enter that runs them. */
static void tt_test_at_once(void)
{
	struct capos_cqe c0, c1;
	int t0, t1;
	uint64_t u0 = tt_queue(0, 1, 0, 0, 0), u1 = tt_queue(1, 0, 1, 0, 0);
	int64_t n = tt_drain();
	int s0 = tt_reap(0, u0, &c0, &t0), s1 = tt_reap(1, u1, &c1, &t1);

	printf("timertest: at-once: sleep(0) -> %s, sleepUntil(1 ns) -> %s, %lld ready "
	       "without blocking\n",
	       capos_error_name(s0), capos_error_name(s1), (long long)n);
	tt_check("at-once", n == 2 && s0 == 0 && s1 == 0 && c0.result_len == 16);
}

static void tt_test_nanosleep(void)
{
	const struct timespec req = { .tv_sec = 0, .tv_nsec = 25 * (long)TT_MS };
	uint64_t t0 = tt_now();
	int r = nanosleep(&req, NULL);
	uint64_t t1 = tt_now();

	printf("timertest: nanosleep(25 ms) -> %d\n", r);
	tt_check("nanosleep lasted at least 25 ms", r == 0 && t1 - t0 >= 25 * TT_MS);
}

/* One sleep (sleep != 0) or sleepUntil of v, refused at once: its status and type. */
static void tt_hostile(const char *what, int sleep, uint64_t v, uint64_t res_addr, uint32_t res_len,
		       int want, int want_type, uint32_t want_len)
{
	struct capos_cqe c;
	int type;
	uint64_t ud = tt_queue(0, sleep, v, res_addr, res_len);
	int64_t n = tt_drain();
	int st = tt_reap(0, ud, &c, &type);
	int len_ok = want_len == 0 || c.result_len == want_len;

	printf("timertest: hostile %s -> %s (type %d)%s\n", what, capos_error_name(st), type,
	       n == 1 && st == want && type == want_type && len_ok ? ", at once: ok" : ": FAILED");
	if (n != 1 || st != want || type != want_type || !len_ok)
		tt_failed = 1;
}

static void tt_test_hostile(void)
{
	const int inv = capos_ExceptionType_invalidArgument, range = CAPOS_ERR_TIMER_SLEEP_RANGE;
	uint64_t small[1];

	tt_hostile("sleep(2^64-1)", 1, UINT64_MAX, 0, 0, range, inv, 0);
	tt_hostile("sleep(2^63)", 1, 1ull << 63, 0, 0, range, inv, 0);
	tt_hostile("sleepUntil(2^63)", 0, 1ull << 63, 0, 0, range, inv, 0);
	tt_hostile("sleepUntil(2^64-1)", 0, UINT64_MAX, 0, 0, range, inv, 0);
	tt_hostile("sleep into 8 bytes", 1, 10 * TT_MS, (uint64_t)(uintptr_t)small, sizeof(small),
		   CAPOS_ERR_RING_RESULT_TOO_SMALL, -1, 16);
	tt_hostile("sleep into the read-only CapSet", 1, 10 * TT_MS, capos_boot.capset, 64,
		   CAPOS_ERR_RING_RESULT_FAULT, -1, 0);
}

/* TT_MAX_SLEEPS pending, one more refused at once; then they complete and a sleep
 * works again. */
static void tt_test_limit(void)
{
	uint64_t ud[TT_MAX_SLEEPS + 1];
	struct capos_cqe c;
	int type, extra, ok = 1;

	for (uint32_t i = 0; i <= TT_MAX_SLEEPS; i++)
		ud[i] = tt_queue(i, 1, 50 * TT_MS, 0, 0);
	int64_t n = tt_drain();
	extra = tt_reap(TT_MAX_SLEEPS, ud[TT_MAX_SLEEPS], &c, &type);
	printf("timertest: limit: %u sleeps pending, one more -> %s (type %d), %lld ready\n",
	       TT_MAX_SLEEPS, capos_error_name(extra), type, (long long)n);
	for (uint32_t i = 0; i < TT_MAX_SLEEPS; i++) {
		int t, st = tt_reap(i, ud[i], &c, &t);

		ok = ok && st == CAPOS_OK;
	}
	int again = capos_timer_sleep(tt_timer, 1 * TT_MS);
	printf("timertest: limit: the %u completed %s; a sleep after -> %s\n", TT_MAX_SLEEPS,
	       ok ? "CAPOS_OK" : "with errors", capos_error_name(again));
	tt_check("limit", n == 1 && extra == CAPOS_ERR_TIMER_SLEEP_LIMIT &&
				  type == capos_ExceptionType_overloaded && ok &&
				  again == CAPOS_OK);
}

/* Spawns spawnchild as `name` with one kernel Timer granted as `grant`; the handle in
 * *handle. */
static int tt_spawn(const char *name, const char *grant, uint32_t *handle)
{
	const struct capos_spawn_grant g = { .name = grant, .kernel = capos_KernelCapSource_timer };
	const struct capos_spawn_req req = { "spawnchild", name, NULL, &g, 1, NULL };

	return capos_spawn(tt_ring, tt_spawner, &req, handle);
}

/* A child parked in Timer.sleep(10 s) killed; a child that exits with a sleep queued. */
static void tt_test_death(void)
{
	uint32_t h = 0, h2 = 0;
	int64_t code = 0, code2 = 0;
	int killed = 0, killed2 = 1;
	int err = tt_spawn("napper", "tsleep", &h);

	if (err == CAPOS_OK)
		err = capos_timer_sleep(tt_timer, 50 * TT_MS); /* the child parks meanwhile */
	if (err == CAPOS_OK)
		err = capos_process_kill(tt_ring, h);
	if (err == CAPOS_OK)
		err = capos_process_wait(tt_ring, h, &code, &killed);
	printf("timertest: killed: child parked in Timer.sleep killed -> %s, code %lld killed "
	       "%d\n",
	       capos_error_name(err), (long long)code, killed);
	tt_check("killed", err == CAPOS_OK && code == -1 && killed);
	err = tt_spawn("submitter", "tsubmit", &h2);
	if (err == CAPOS_OK)
		err = capos_process_wait(tt_ring, h2, &code2, &killed2);
	printf("timertest: exited: child exited with a sleep queued -> %s, code %lld killed %d\n",
	       capos_error_name(err), (long long)code2, killed2);
	tt_check("exited", err == CAPOS_OK && code2 == TT_CHILD_EXITED && !killed2);
}

/* ProcessHandle.wait on h kept in flight and polled with non-blocking cap_enter (at
 * most TT_POLLS), then waited for without a bound if it has not answered; *polls says
 * how many polls it took (TT_POLLS + 1 if they did not suffice). */
static int tt_wait_polled(uint32_t h, uint32_t *polls, int64_t *code, int *killed)
{
	static uint64_t res[16];
	const uint64_t ud = 0x6b696c6cu; /* "kill" */
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	int err = capos_ring_get_sqe(tt_ring, &sqe);

	if (err)
		return err;
	memset(sqe, 0, sizeof(*sqe));
	capos_ring_prep_call(sqe, h, capos_ProcessHandle_TYPE_ID, capos_ProcessHandle_METHOD_wait,
			     NULL, 0, res, sizeof(res));
	sqe->user_data = ud;
	capos_ring_submit(tt_ring);
	err = CAPOS_ERR_RING_TIMED_OUT;
	for (*polls = 0; *polls < TT_POLLS && err == CAPOS_ERR_RING_TIMED_OUT; ++*polls)
		err = capos_ring_wait(tt_ring, ud, 0, &cqe); /* one cap_enter(1, 0): never blocks */
	if (err == CAPOS_ERR_RING_TIMED_OUT) {
		*polls = TT_POLLS + 1;
		err = capos_ring_wait(tt_ring, ud, CAPOS_TIMEOUT_INFINITE, &cqe); /* collect it */
	}
	return err ? err : capos_process_wait_results(&cqe, res, sizeof(res), code, killed);
}

/* A child parked in Timer.sleep killed while this thread, alone on its CPU, only polls:
 * the victim must be freed and the wait answered without this thread switching away. */
static void tt_test_killed_poll(void)
{
	uint32_t h = 0, polls = 0;
	int64_t code = 0;
	int killed = 0;
	int err = tt_spawn("napper2", "tsleep", &h);

	if (err == CAPOS_OK)
		err = capos_timer_sleep(tt_timer, 50 * TT_MS); /* the child parks meanwhile */
	if (err == CAPOS_OK)
		err = capos_process_kill(tt_ring, h);
	if (err == CAPOS_OK)
		err = tt_wait_polled(h, &polls, &code, &killed);
	printf("timertest: killed-poll: wait polled without blocking -> %s, code %lld killed %d, "
	       "%s\n",
	       capos_error_name(err), (long long)code, killed,
	       polls <= TT_POLLS ? "answered within the polls" : "NOT answered within the polls");
	tt_check("killed-poll",
		 err == CAPOS_OK && code == -1 && killed && polls >= 1 && polls <= TT_POLLS);
	if (h)
		(void)capos_ring_release(tt_ring, h);
}

/* Far deadlines in a child blocked on another CPU (an idle one at -smp 2/4): the
 * system stays live, the child dies cleanly. */
static void tt_test_far(void)
{
	struct capos_system_summary a, b;
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0, slept = 0, ea = capos_system_summary(tt_status, &a);
	int err = tt_spawn("farsleeper", "tfar", &h);

	for (int i = 0; err == CAPOS_OK && i < TT_FAR_NAPS; i++) {
		uint64_t t0 = tt_now();

		err = capos_timer_sleep(tt_timer, TT_FAR_NAP_MS * TT_MS);
		slept += err == CAPOS_OK && tt_now() - t0 >= TT_FAR_NAP_MS * TT_MS;
		for (volatile uint32_t spin = 0; spin < 1000000u; spin++)
			;
	}
	int eb = capos_system_summary(tt_status, &b);
	if (err == CAPOS_OK)
		err = capos_process_kill(tt_ring, h);
	if (err == CAPOS_OK)
		err = capos_process_wait(tt_ring, h, &code, &killed);
	printf("timertest: far: %d of %d sleeps ended on time, %llu timer interrupts in %llu ms "
	       "beside a child with far deadlines; child killed -> %s, code %lld killed %d\n",
	       slept, TT_FAR_NAPS, (unsigned long long)(b.timer_interrupts - a.timer_interrupts),
	       (unsigned long long)((b.uptime_ns - a.uptime_ns) / TT_MS), capos_error_name(err),
	       (long long)code, killed);
	tt_check("far deadlines",
		 ea == CAPOS_OK && eb == CAPOS_OK && err == CAPOS_OK && slept == TT_FAR_NAPS &&
			 b.timer_interrupts > a.timer_interrupts && code == -1 && killed);
}

/* Tickless idle: timer interrupts on all CPUs across an idle sleep of TT_IDLE_MS. */
static void tt_test_tickless(void)
{
	struct capos_system_summary a, b;
	int ea = capos_system_summary(tt_status, &a);
	int err = capos_timer_sleep(tt_timer, TT_IDLE_MS * TT_MS);
	int eb = capos_system_summary(tt_status, &b);
	uint64_t irqs = b.timer_interrupts - a.timer_interrupts;
	uint64_t ms = (b.uptime_ns - a.uptime_ns) / TT_MS;

	printf("timertest: tickless: %llu timer interrupts on %u cpus in a %llu ms idle sleep "
	       "(a ticking system takes %u per cpu)\n",
	       (unsigned long long)irqs, (unsigned)a.cpus, (unsigned long long)ms, TT_IDLE_MS / 10);
	tt_check("tickless idle", ea == CAPOS_OK && eb == CAPOS_OK && err == CAPOS_OK &&
					  ms >= TT_IDLE_MS && irqs >= 1 &&
					  irqs <= TT_TICKLESS_MAX(a.cpus));
}

int main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;

	if (capos_ring_self(&tt_ring) ||
	    capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &tt_timer) ||
	    capos_capset_lookup(cs, "spawner", capos_ProcessSpawner_TYPE_ID, &tt_spawner) ||
	    capos_capset_lookup(cs, "status", capos_SystemStatus_TYPE_ID, &tt_status))
		return 2;
	printf("timertest: start (pid %u)\n", (unsigned)capos_boot.pid);
	tt_test_sleep();
	tt_test_order();
	tt_test_at_once();
	tt_test_nanosleep();
	tt_test_hostile();
	tt_test_limit();
	tt_test_death();
	tt_test_killed_poll();
	tt_test_far();
	tt_test_tickless();
	printf("timertest: done, exiting %d\n", tt_failed);
	return tt_failed;
}
