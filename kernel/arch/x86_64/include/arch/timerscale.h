/*
 * One-shot timer arithmetic (timer.c arch_timer_set_oneshot): nanoseconds to TSC or
 * LAPIC-count units, saturating instead of wrapping, and the clamp that keeps an
 * armed one-shot at most TIMER_ONESHOT_MAX_NS ahead. Pure arithmetic, host-tested
 * (tests/host/kernel/timerscale_test.c).
 *
 * Why: a deadline near 2^64 ns (cap_enter with a huge timeout, a PARK deadline,
 * Timer.sleepUntil) times the TSC frequency does not fit 64 bits; a wrapped TSC
 * deadline lies in the past, fires at once, and re-arming the same wrapped value
 * livelocked the CPU in timer interrupts. Clamped, a far deadline costs one early
 * interrupt per TIMER_ONESHOT_MAX_NS, re-armed for the remainder.
 */
#ifndef ARCH_TIMERSCALE_H
#define ARCH_TIMERSCALE_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_NS_PER_S 1000000000ull
#define TIMER_ONESHOT_MAX_NS TIMER_NS_PER_S /* furthest a one-shot is armed ahead */

/* ceil(v * num / den), or UINT64_MAX when that does not fit 64 bits.
 * Preconditions: 0 < den <= 2^30, num <= 2^34 (the remainder times num fits). */
static inline uint64_t timer_scale_up(uint64_t v, uint64_t num, uint64_t den)
{
	uint64_t hi, lo = (v % den * num + den - 1) / den, r;

	if (__builtin_mul_overflow(v / den, num, &hi) || __builtin_add_overflow(hi, lo, &r))
		return UINT64_MAX;
	return r;
}

/* The instant to arm a one-shot for `deadline_ns` at `now_ns`: the deadline itself,
 * but at most TIMER_ONESHOT_MAX_NS ahead (the early interrupt re-arms for the rest). */
static inline uint64_t timer_oneshot_target(uint64_t deadline_ns, uint64_t now_ns)
{
	uint64_t cap;

	if (__builtin_add_overflow(now_ns, TIMER_ONESHOT_MAX_NS, &cap))
		cap = UINT64_MAX;
	return deadline_ns < cap ? deadline_ns : cap;
}

/* LAPIC initial count for a one-shot due at `deadline_ns` seen at `now_ns` with a
 * timer of `hz` counts per second: at least 1, at most 0xffffffff, never more than
 * TIMER_ONESHOT_MAX_NS of counts. Precondition: hz < 2^34. */
static inline uint32_t timer_lapic_count(uint64_t deadline_ns, uint64_t now_ns, uint64_t hz)
{
	uint64_t target = timer_oneshot_target(deadline_ns, now_ns);
	uint64_t n = target > now_ns ? timer_scale_up(target - now_ns, hz, TIMER_NS_PER_S) : 1;

	if (n == 0)
		return 1;
	return n > 0xffffffffu ? 0xffffffffu : (uint32_t)n;
}

/* TSC-deadline value for a one-shot due at `deadline_ns` seen at `now_ns` with a TSC
 * of `hz` ticks per second (clock 0 = TSC 0): never more than TIMER_ONESHOT_MAX_NS
 * ahead of now, so it cannot wrap into the past. Precondition: hz < 2^34. */
static inline uint64_t timer_tsc_deadline(uint64_t deadline_ns, uint64_t now_ns, uint64_t hz)
{
	return timer_scale_up(timer_oneshot_target(deadline_ns, now_ns), hz, TIMER_NS_PER_S);
}

#endif
