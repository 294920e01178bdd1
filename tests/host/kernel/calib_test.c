/* Host tests of the timer-calibration arithmetic (kernel/arch/x86_64/calib.c). */
#include "test.h"

#include <arch/calib.h>
#include <capos/error.h>

TEST(calib_rate_exact)
{
	uint64_t hz = 0;
	/* 625000 LAPIC ticks while a 100 MHz HPET advanced 1e6 ticks (10 ms): 62.5 MHz */
	CHECK_EQ(calib_rate(625000, 100000000, 1000000, &hz), CAPOS_OK);
	CHECK_UEQ(hz, 62500000);
	/* a stretched window (host preempted): same rate from the elapsed reference */
	CHECK_EQ(calib_rate(6250000, 100000000, 10000000, &hz), CAPOS_OK);
	CHECK_UEQ(hz, 62500000);
	/* PIT: 11930 clocks = 9.998 ms at 1193182 Hz; TSC at 2.6 GHz */
	CHECK_EQ(calib_rate(25995000, 1193182, 11930, &hz), CAPOS_OK);
	CHECK_UEQ(hz, 25995000ull * 1193182 / 11930);
}

TEST(calib_rate_hostile)
{
	uint64_t hz = 77;
	CHECK_EQ(calib_rate(1, 100, 0, &hz), CAPOS_ERR_INVALID);
	CHECK_EQ(calib_rate(0, 100, 5, &hz), CAPOS_ERR_INVALID);
	CHECK_EQ(calib_rate(1, 0, 5, &hz), CAPOS_ERR_INVALID);
	CHECK_EQ(calib_rate(1ull << 40, 1ull << 30, 1, &hz), CAPOS_ERR_OVERFLOW);
	CHECK_EQ(calib_rate(UINT64_MAX, 2, UINT64_MAX, &hz), CAPOS_ERR_OVERFLOW);
	CHECK_UEQ(hz, 77); /* untouched on error */
	CHECK_EQ(calib_rate(UINT64_MAX, 1, UINT64_MAX, &hz), CAPOS_OK);
	CHECK_UEQ(hz, 1);
}

TEST(calib_median_discards_outlier)
{
	uint64_t v3[] = { 62680300, 62513774, 62512949 }; /* first window: cold TB cache */
	CHECK_UEQ(calib_median(v3, 3), 62513774);
	uint64_t w[] = { 9, 1, 5 };
	CHECK_UEQ(calib_median(w, 3), 5);
	CHECK_UEQ(w[0], 9); /* input unchanged */
	uint64_t e[] = { 4, 1, 3, 2 };
	CHECK_UEQ(calib_median(e, 4), 2);
	uint64_t one[] = { 42 };
	CHECK_UEQ(calib_median(one, 1), 42);
	uint64_t same[] = { 7, 7, 7, 7, 7 };
	CHECK_UEQ(calib_median(same, 5), 7);
}

TEST(calib_median_bad_count)
{
	uint64_t v[CALIB_MAX_SAMPLES + 1] = { 1 };
	CHECK_UEQ(calib_median(v, 0), 0);
	CHECK_UEQ(calib_median(v, CALIB_MAX_SAMPLES + 1), 0);
	CHECK_UEQ(calib_median(v, CALIB_MAX_SAMPLES), 0); /* 15 values, 14 of them 0 */
}
