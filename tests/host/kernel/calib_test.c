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

/* A window as the kernel measures it: 8 ms of a 100 MHz reference, TSC at 2.6 GHz,
 * LAPIC at 62.5 MHz, 2 us endpoints, 1 us between reference reads. */
static struct calib_window clean_window(void)
{
	struct calib_window w = {
		.start = { .tsc_before = 1000000,
			   .ref = 5,
			   .lapic = 0xffffffffu,
			   .tsc_after = 1005200 },
		.end = { .tsc_before = 1000000 + 20800000,
			 .ref = 5 + 800000,
			 .lapic = 0xffffffffu - 500000,
			 .tsc_after = 1000000 + 20805200 },
		.ref_mask = UINT64_MAX,
		.ref_ticks = 800000,
		.max_gap = 2600,
		.gap_ref = 100,
	};
	return w;
}

TEST(calib_window_clean)
{
	struct calib_window w = clean_window();
	uint64_t lapic = 0, tsc = 0;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_OK);
	CHECK_UEQ(lapic, 62500000);
	CHECK_UEQ(tsc, 2600000000ull);
	/* a window stretched to 80 ms by a slow host, with short gaps: still exact */
	w.end.tsc_before = w.start.tsc_before + 208000000;
	w.end.tsc_after = w.end.tsc_before + 5200;
	w.ref_ticks = 8000000;
	w.end.lapic = 0xffffffffu - 5000000;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_OK);
	CHECK_UEQ(lapic, 62500000);
	CHECK_UEQ(tsc, 2600000000ull);
}

TEST(calib_window_lapic_counter_wraps)
{
	struct calib_window w = clean_window();
	uint64_t lapic = 0, tsc = 0;
	w.start.lapic = 100000; /* down-counter passes through 0 to 0xffffffff - 399999 */
	w.end.lapic = (uint32_t)(100000u - 500000u);
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_OK);
	CHECK_UEQ(lapic, 62500000);
}

TEST(calib_window_disturbed_endpoint)
{
	struct calib_window w = clean_window();
	uint64_t lapic = 0, tsc = 0;
	/* the vCPU was descheduled for 1 ms while reading the end point */
	w.end.tsc_after = w.end.tsc_before + 2600000;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_ERR_TIMER_DISTURBED);
	w = clean_window();
	w.start.tsc_after = w.start.tsc_before + 2600000;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_ERR_TIMER_DISTURBED);
	CHECK_UEQ(lapic, 0); /* outputs untouched */
}

/* An endpoint of ~38 us in an 8 ms window could skew the rate by ~0.5%: refused. */
TEST(calib_window_edge_bound_keeps_error_under_one_percent)
{
	struct calib_window w = clean_window();
	uint64_t lapic = 0, tsc = 0;
	w.end.tsc_after = w.end.tsc_before + 100000; /* 20.8M / 208: between 1/256 and 1/128 */
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_ERR_TIMER_DISTURBED);
	w = clean_window();
	w.end.tsc_after = w.end.tsc_before + 80000; /* just under 1/256: accepted */
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_OK);
}

/* PIT windows: 2.6 GHz TSC, 1193182 Hz reference counting modulo 65536 (55 ms). */
static struct calib_window pit_window(uint64_t total_tsc, uint64_t gap_tsc, uint64_t gap_ref,
				      uint64_t ref_ticks)
{
	struct calib_window w = clean_window();
	w.end.tsc_before = w.start.tsc_before + total_tsc;
	w.end.tsc_after = w.end.tsc_before + 5200;
	w.end.lapic = (uint32_t)(w.start.lapic - total_tsc / 2600 * 62500 / 1000000);
	w.ref_mask = 0xffff;
	w.max_gap = gap_tsc;
	w.gap_ref = gap_ref;
	w.ref_ticks = ref_ticks;
	return w;
}

TEST(calib_window_gap_could_hide_a_wrap)
{
	uint64_t lapic = 0, tsc = 0;
	/* 8 ms polled (9544 ticks seen) plus one 60 ms stall in which 71591 ticks passed
	 * but only 71591 - 65536 = 6055 were seen: ref_ticks is short by a whole wrap. */
	struct calib_window w = pit_window(176800000, 156000000, 6055, 9544 + 6055);
	CHECK_EQ(calib_window_eval(&w, 1193182, &lapic, &tsc), CAPOS_ERR_TIMER_DISTURBED);
	/* a stall of about half a wrap (27.5 ms) is already too long */
	w = pit_window(20800000 + 71500000, 71500000, 32768, 9544 + 32768);
	CHECK_EQ(calib_window_eval(&w, 1193182, &lapic, &tsc), CAPOS_ERR_TIMER_DISTURBED);
	/* no ruler left: the gap is the whole window */
	w = pit_window(20800000, 20800000, 9544, 9544);
	CHECK_EQ(calib_window_eval(&w, 1193182, &lapic, &tsc), CAPOS_ERR_TIMER_DISTURBED);
	CHECK_UEQ(tsc, 0);
}

TEST(calib_window_harmless_gaps_accepted)
{
	uint64_t lapic = 0, tsc = 0;
	/* PIT, a 10 ms stall (11932 ticks, well under a wrap): counted, so exact */
	struct calib_window w = pit_window(46800000, 26000000, 11932, 9544 + 11932);
	CHECK_EQ(calib_window_eval(&w, 1193182, &lapic, &tsc), CAPOS_OK);
	CHECK(tsc > 2599000000ull && tsc < 2601000000ull);
	/* HPET (64-bit): even a 50 ms stall cannot hide a wrap */
	w = clean_window();
	w.end.tsc_before = w.start.tsc_before + 150800000; /* 58 ms */
	w.end.tsc_after = w.end.tsc_before + 5200;
	w.end.lapic = w.start.lapic - 3625000;
	w.ref_ticks = 5800000;
	w.max_gap = 130000000;
	w.gap_ref = 5000000;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_OK);
	CHECK_UEQ(lapic, 62500000);
	CHECK_UEQ(tsc, 2600000000ull);
}

TEST(calib_window_nothing_moved)
{
	struct calib_window w = clean_window();
	uint64_t lapic = 0, tsc = 0;
	w.end = w.start;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_ERR_INVALID);
	w = clean_window();
	w.ref_ticks = 0;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_ERR_INVALID);
	w = clean_window();
	w.end.lapic = w.start.lapic; /* LAPIC timer not running */
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_ERR_INVALID);
	w = clean_window();
	w.end.tsc_before = 10; /* TSC went backwards */
	w.end.tsc_after = 20;
	CHECK_EQ(calib_window_eval(&w, 100000000, &lapic, &tsc), CAPOS_ERR_INVALID);
}

TEST(calib_ref_advance_wraps)
{
	CHECK_UEQ(calib_ref_advance(10, 25, 0xffff), 15);
	CHECK_UEQ(calib_ref_advance(0xfff0, 0x0010, 0xffff), 0x20);
	CHECK_UEQ(calib_ref_advance(5, 5, 0xffff), 0);
	CHECK_UEQ(calib_ref_advance(UINT64_MAX - 1, 3, UINT64_MAX), 5);
	CHECK_UEQ(calib_ref_advance(0xfffffff0ull, 0x10, 0xffffffffull), 0x20);
}
