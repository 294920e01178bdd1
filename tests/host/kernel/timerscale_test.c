/*
 * Host tests of the one-shot timer arithmetic (kernel/arch/x86_64/include/arch/
 * timerscale.h): ns -> TSC / LAPIC units exact (rounded up) against 128-bit
 * arithmetic where the result fits, saturated where it does not (the old 64-bit
 * scaling wrapped there: a deadline past ~194 years at 3 GHz became a TSC value in
 * the past), and every armed one-shot at most TIMER_ONESHOT_MAX_NS ahead and never
 * at or before now for a future deadline.
 */
#include "test.h"

#include <arch/timerscale.h>

typedef unsigned __int128 u128;

static u128 exact_up(uint64_t v, uint64_t num, uint64_t den)
{
	return ((u128)v * num + den - 1) / den;
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t sat(u128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

TEST(timerscale_exact_or_saturated)
{
	static const uint64_t hz[] = { 1000000ull,    1000000000ull, 2599096580ull,
				       3000000000ull, 5000000000ull, 1ull << 34 };
	static const uint64_t edge[] = { 0,
					 1,
					 999999999ull,
					 1000000000ull,
					 6148914691236517205ull,
					 (1ull << 63) - 1,
					 UINT64_MAX - 2,
					 UINT64_MAX };
	uint64_t s = 0x9e3779b97f4a7c15ull;

	for (unsigned h = 0; h < sizeof(hz) / sizeof(hz[0]); h++) {
		for (unsigned e = 0; e < sizeof(edge) / sizeof(edge[0]); e++)
			CHECK_UEQ(timer_scale_up(edge[e], hz[h], TIMER_NS_PER_S),
				  sat(exact_up(edge[e], hz[h], TIMER_NS_PER_S)));
		for (int i = 0; i < 100000; i++) {
			uint64_t v = rnd(&s) >> (rnd(&s) & 63);

			CHECK_UEQ(timer_scale_up(v, hz[h], TIMER_NS_PER_S),
				  sat(exact_up(v, hz[h], TIMER_NS_PER_S)));
		}
	}
	/* the wrap the old v / den * num made: 2^64 - 3 ns at 3 GHz */
	CHECK_UEQ(timer_scale_up(UINT64_MAX - 2, 3000000000ull, TIMER_NS_PER_S), UINT64_MAX);
}

TEST(timerscale_target_clamped)
{
	const uint64_t now = 5000000000ull;

	CHECK_UEQ(timer_oneshot_target(now + 10, now), now + 10);
	CHECK_UEQ(timer_oneshot_target(now - 10, now), now - 10); /* past: fires at once */
	CHECK_UEQ(timer_oneshot_target(UINT64_MAX - 2, now), now + TIMER_ONESHOT_MAX_NS);
	CHECK_UEQ(timer_oneshot_target((1ull << 63) - 1, now), now + TIMER_ONESHOT_MAX_NS);
	CHECK_UEQ(timer_oneshot_target(UINT64_MAX, UINT64_MAX - 5), UINT64_MAX);
}

/* Far deadlines: the TSC value stays one second ahead of now (never wrapped into the
 * past), the LAPIC count is one second of counts; near ones are exact. */
TEST(timerscale_far_deadlines_arm_ahead_of_now)
{
	static const uint64_t far[] = { UINT64_MAX, UINT64_MAX - 2, (1ull << 63) - 1,
					6200000000000000000ull };
	static const uint64_t hz[] = { 1000000000ull, 2599096580ull, 3000000000ull, 4500000000ull };
	uint64_t s = 12345;

	for (unsigned h = 0; h < sizeof(hz) / sizeof(hz[0]); h++) {
		for (int i = 0; i < 1000; i++) {
			uint64_t now = rnd(&s) >> 4; /* up to ~36 years of uptime */
			uint64_t now_tsc = (uint64_t)exact_up(now, hz[h], TIMER_NS_PER_S);

			for (unsigned f = 0; f < sizeof(far) / sizeof(far[0]); f++) {
				uint64_t t = timer_tsc_deadline(far[f], now, hz[h]);

				CHECK(t > now_tsc);
				CHECK(t - now_tsc <= hz[h] + 1);
				CHECK_EQ(timer_lapic_count(far[f], now, hz[h] / 4),
					 (uint32_t)(hz[h] / 4));
			}
			CHECK_UEQ(timer_tsc_deadline(now + 1000, now, hz[h]),
				  (uint64_t)exact_up(now + 1000, hz[h], TIMER_NS_PER_S));
		}
	}
	/* LAPIC: a past deadline is 1 count, never 0 (0 stops the timer); a huge rate
	 * (>1 GHz, where the old code wrapped) is capped at the register's width */
	CHECK_EQ(timer_lapic_count(10, 20, 1000000000ull), 1);
	CHECK_EQ(timer_lapic_count(20, 20, 1000000000ull), 1);
	CHECK_EQ(timer_lapic_count(21, 20, 1000000000ull), 1);
	CHECK_EQ(timer_lapic_count(UINT64_MAX - 2, 0, 5000000000ull), 0xffffffffu);
	CHECK_EQ(timer_lapic_count(1000, 0, 1000000000ull), 1000);
}
