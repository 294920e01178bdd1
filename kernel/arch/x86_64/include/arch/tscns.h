/*
 * TSC ticks to nanoseconds by one multiply and one shift (arch_clock_ns, proc.c), so
 * the clock the scheduler reads at every switch costs no division. Pure arithmetic,
 * host-tested (tests/host/kernel/tscns_test.c).
 *
 * ns = (tsc * mult) >> TSCNS_SHIFT, 128-bit product, with
 * mult = ceil(10^9 * 2^TSCNS_SHIFT / hz) computed once per TSC frequency (tscns_mult).
 * Rounding mult up keeps the result at or above the exact floor(tsc * 10^9 / hz) and
 * at most (tsc >> TSCNS_SHIFT) + 1 ns above it (under 80 ns after a day at 1 GHz), so
 * a deadline converted to TSC ticks exactly (rounded up) has passed on this clock when
 * the TSC reaches it. Monotonic in tsc.
 */
#ifndef ARCH_TSCNS_H
#define ARCH_TSCNS_H

#include <stdint.h>

#define TSCNS_SHIFT 40
#define TSCNS_HZ_MIN 1000000ull	  /* 1 MHz: mult stays below 2^51 */
#define TSCNS_HZ_MAX (1ull << 44) /* about 17.6 THz: (r << 20) below stays in 64 bits */
#define TSCNS_NS_PER_S 1000000000ull

/* mult for a TSC of `hz` ticks per second; 0 when hz is outside
 * TSCNS_HZ_MIN..TSCNS_HZ_MAX (not calibrated, or absurd). No 128-bit division: the
 * 2^40 is applied in two halves of 2^20. */
static inline uint64_t tscns_mult(uint64_t hz)
{
	if (hz < TSCNS_HZ_MIN || hz > TSCNS_HZ_MAX)
		return 0;
	uint64_t a = TSCNS_NS_PER_S << (TSCNS_SHIFT / 2); /* 10^9 * 2^20 < 2^50 */
	uint64_t q = a / hz, r = a % hz;

	return (q << (TSCNS_SHIFT / 2)) + ((r << (TSCNS_SHIFT / 2)) + hz - 1) / hz;
}

/* Nanoseconds for `tsc` ticks at the frequency `mult` was made for (the result is
 * exact to the bounds above while tsc * 10^9 / hz fits 64 bits: 584 years at 1 GHz). */
static inline uint64_t tscns_to_ns(uint64_t tsc, uint64_t mult)
{
	__extension__ typedef unsigned __int128 tscns_u128;

	return (uint64_t)(((tscns_u128)tsc * mult) >> TSCNS_SHIFT);
}

#endif
