/*
 * Time hooks over the "timer" cap (interface Timer) and cap_enter timeouts:
 *   clock_gettime(CLOCK_MONOTONIC)  Timer.now: nanoseconds since boot, never backwards
 *   clock_gettime(CLOCK_REALTIME), gettimeofday, time
 *                                   the same clock: with no RTC or time service the
 *                                   wall-clock epoch is the boot (1970-01-01T00:00:00Z
 *                                   = boot), documented in docs/userspace.md
 *   clock_getres                    1 ns for both clocks (Timer.now counts ns)
 *   clock_settime                   EPERM (no cap grants setting the clock)
 *   CPU-time clocks                 EINVAL (the kernel accounts no CPU time yet)
 *   times                           return value: CLK_TCK ticks since boot; tms_utime:
 *                                   ticks since the process's first times()/clock()
 *                                   call (wall time: an upper bound of CPU time, which
 *                                   is not accounted), the other fields 0
 *   nanosleep, usleep, sleep        Timer.sleep on the "timer" cap: the CALL completes
 *                                   when the deadline passes (its own CQE, so other
 *                                   completions arriving meanwhile neither cut the
 *                                   sleep short nor are lost); requests beyond
 *                                   TIME_SLEEP_MAX_NS sleep that long. Without a
 *                                   "timer" cap: cap_enter(CAPOS_RING_CQ_ENTRIES, ns),
 *                                   a timed wait for completions (docs/abi.md §2)
 * A process without a "timer" cap gets ENOSYS from the clock functions.
 */
#include "hooks.h"

#include <libcapos/kcaps.h>
#include <libcapos/sys.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <errno.h>
#include <schema/capos.capnp.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define TIME_NS_PER_S 1000000000ull
#define TIME_SLEEP_MAX_NS (1ull << 62) /* ~146 years: Timer.sleep's range holds it */

static uint32_t time_timer_cap; /* 0 until looked up */
static uint64_t time_times_era; /* first times() reading, ns + 1 (0: not yet) */

/* Monotonic ns since boot, or -1 with errno set. */
static int time_now(uint64_t *ns)
{
	int err = capos_kcap_find("timer", capos_Timer_TYPE_ID, &time_timer_cap);

	if (err != CAPOS_OK)
		return capos_hook_fail(ENOSYS);
	err = capos_timer_now(time_timer_cap, ns);
	return err == CAPOS_OK ? 0 : capos_hook_fail(capos_hook_errno(err));
}

static int time_known_clock(clockid_t id)
{
	return id == CLOCK_MONOTONIC || id == CLOCK_REALTIME;
}

int clock_gettime(clockid_t id, struct timespec *tp)
{
	uint64_t ns;

	if (!time_known_clock(id))
		return capos_hook_fail(EINVAL);
	if (time_now(&ns) != 0)
		return -1;
	tp->tv_sec = (time_t)(ns / TIME_NS_PER_S);
	tp->tv_nsec = (long)(ns % TIME_NS_PER_S);
	return 0;
}

int clock_getres(clockid_t id, struct timespec *res)
{
	if (!time_known_clock(id))
		return capos_hook_fail(EINVAL);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

int clock_settime(clockid_t id, const struct timespec *tp)
{
	(void)tp;
	return capos_hook_fail(time_known_clock(id) ? EPERM : EINVAL);
}

int gettimeofday(struct timeval *tv, void *tz)
{
	uint64_t ns;

	(void)tz;
	if (time_now(&ns) != 0)
		return -1;
	if (tv) {
		tv->tv_sec = (time_t)(ns / TIME_NS_PER_S);
		tv->tv_usec = (suseconds_t)(ns % TIME_NS_PER_S / 1000u);
	}
	return 0;
}

clock_t times(struct tms *buf)
{
	const uint64_t ns_per_tick = TIME_NS_PER_S / CLK_TCK;
	uint64_t ns;

	if (time_now(&ns) != 0)
		return (clock_t)-1;
	if (time_times_era == 0)
		time_times_era = ns + 1;
	if (buf) {
		buf->tms_utime = (clock_t)((ns + 1 - time_times_era) / ns_per_tick);
		buf->tms_stime = buf->tms_cutime = buf->tms_cstime = 0;
	}
	return (clock_t)(ns / ns_per_tick);
}

/* Block for `ns` nanoseconds: Timer.sleep when the process holds a "timer", else a
 * cap_enter timeout. 0, or -1 with errno (EINTR: the CQ was full of completions nobody
 * reaped, so the cap_enter wait could not block). */
static int time_sleep_ns(uint64_t ns)
{
	int64_t r;

	if (ns == 0)
		return 0;
	if (capos_kcap_find("timer", capos_Timer_TYPE_ID, &time_timer_cap) == CAPOS_OK) {
		int err = capos_timer_sleep(time_timer_cap,
					    ns < TIME_SLEEP_MAX_NS ? ns : TIME_SLEEP_MAX_NS);

		return err == CAPOS_OK ? 0 : capos_hook_fail(capos_hook_errno(err));
	}
	r = capos_sys_cap_enter(CAPOS_RING_CQ_ENTRIES, ns);
	if (r < 0)
		return capos_hook_fail(capos_hook_errno(r));
	return r < CAPOS_RING_CQ_ENTRIES ? 0 : capos_hook_fail(EINTR);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	uint64_t ns;

	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= (long)TIME_NS_PER_S)
		return capos_hook_fail(EINVAL);
	if ((uint64_t)req->tv_sec > (CAPOS_TIMEOUT_INFINITE - 1u) / TIME_NS_PER_S - 1u)
		ns = CAPOS_TIMEOUT_INFINITE - 1u; /* saturate just below "no timeout" */
	else
		ns = (uint64_t)req->tv_sec * TIME_NS_PER_S + (uint64_t)req->tv_nsec;
	if (time_sleep_ns(ns) != 0) {
		if (rem)
			*rem = *req; /* not known how much of it passed: the whole request */
		return -1;
	}
	return 0;
}

int usleep(useconds_t us)
{
	return time_sleep_ns((uint64_t)us * 1000u);
}

unsigned sleep(unsigned s)
{
	return time_sleep_ns((uint64_t)s * TIME_NS_PER_S) == 0 ? 0 : s;
}
