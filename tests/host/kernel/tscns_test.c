/*
 * Host tests of the TSC-to-ns scaling (kernel/arch/x86_64/include/arch/tscns.h)
 * against the exact floor(tsc * 10^9 / hz) in 128-bit arithmetic: never below it, at
 * most (tsc >> TSCNS_SHIFT) + 1 above it, monotonic, and mult 0 for a frequency
 * outside the supported range.
 */
#include "test.h"

#include <arch/tscns.h>

typedef unsigned __int128 u128;

static uint64_t exact_ns(uint64_t tsc, uint64_t hz)
{
	return (uint64_t)((u128)tsc * TSCNS_NS_PER_S / hz);
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Checks tscns_to_ns against exact_ns at `tsc` for `hz`; returns whether it held. */
static int scaled_ok(uint64_t tsc, uint64_t hz)
{
	uint64_t m = tscns_mult(hz), got = tscns_to_ns(tsc, m), want = exact_ns(tsc, hz);

	return m != 0 && got >= want && got - want <= (tsc >> TSCNS_SHIFT) + 1;
}

TEST(tscns_exact_rates)
{
	/* 1 GHz (the icount guest) and 2^k-friendly rates scale exactly. */
	CHECK_UEQ(tscns_mult(1000000000ull), 1ull << TSCNS_SHIFT);
	CHECK_UEQ(tscns_to_ns(123456789012345ull, tscns_mult(1000000000ull)), 123456789012345ull);
	CHECK_UEQ(tscns_to_ns(4000000000ull, tscns_mult(2000000000ull)), 2000000000ull);
	CHECK_UEQ(tscns_to_ns(0, tscns_mult(2600000000ull)), 0);
}

TEST(tscns_bounds_against_exact)
{
	/* Calibrated rates seen on real and emulated machines, then random ones. */
	static const uint64_t rates[] = { 999999375ull, 1000000624ull, 2593906000ull, 3392294000ull,
					  1000000ull,	TSCNS_HZ_MAX,  4999999999ull, 1193182ull };
	uint64_t s = 0x9e3779b97f4a7c15ull;
	int bad = 0;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t hz = rates[i];
		/* up to a day of ticks, plus edges */
		uint64_t day = hz * 86400ull;

		bad += !scaled_ok(0, hz) + !scaled_ok(1, hz) + !scaled_ok(hz - 1, hz);
		bad += !scaled_ok(hz, hz) + !scaled_ok(day, hz);
		for (int k = 0; k < 20000; k++)
			bad += !scaled_ok(rnd(&s) % (day + 1), hz);
	}
	for (int k = 0; k < 20000; k++) {
		uint64_t hz = TSCNS_HZ_MIN + rnd(&s) % (20000000000ull - TSCNS_HZ_MIN);

		bad += !scaled_ok(rnd(&s) % (hz * 3600ull * 24 * 30), hz); /* a month */
	}
	CHECK_EQ(bad, 0);
}

TEST(tscns_monotonic)
{
	uint64_t m = tscns_mult(2593906000ull), prev = 0;
	uint64_t s = 42;
	int backwards = 0;

	for (uint64_t t = 0; t < 200000; t++) {
		uint64_t ns = tscns_to_ns(t * 7919 + rnd(&s) % 7919, m);

		backwards += ns < prev;
		prev = ns;
	}
	CHECK_EQ(backwards, 0);
}

TEST(tscns_out_of_range_rates)
{
	CHECK_UEQ(tscns_mult(0), 0);
	CHECK_UEQ(tscns_mult(TSCNS_HZ_MIN - 1), 0);
	CHECK_UEQ(tscns_mult(TSCNS_HZ_MAX + 1), 0);
	CHECK_UEQ(tscns_mult(UINT64_MAX), 0);
	CHECK(tscns_mult(TSCNS_HZ_MIN) != 0);
	CHECK(tscns_mult(TSCNS_HZ_MAX) != 0);
}
