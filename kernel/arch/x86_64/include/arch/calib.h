/*
 * Pure arithmetic and judgement of timer calibration (calib.c): accumulating a
 * wrapping reference counter, deciding whether a measured window was disturbed (the
 * vCPU descheduled while reading an endpoint, or long enough between two reference
 * reads that the counter could have wrapped unseen), turning a window into
 * frequencies, and the median of the windows. No hardware access, so it is
 * host-tested (tests/host/kernel/calib_test.c). Owned by kplat.
 */
#ifndef ARCH_CALIB_H
#define ARCH_CALIB_H

#include <stddef.h>
#include <stdint.h>

/* An endpoint of a window: the reference and the LAPIC counter read between two TSC
 * reads, so the endpoint's own duration is known. */
struct calib_point {
	uint64_t tsc_before;
	uint64_t ref;	/* reference counter (counting up, wraps at its mask) */
	uint32_t lapic; /* LAPIC current count (counting down) */
	uint64_t tsc_after;
};

/* One measured window. */
struct calib_window {
	struct calib_point start, end;
	uint64_t ref_mask;  /* the reference counts modulo ref_mask + 1 */
	uint64_t ref_ticks; /* reference ticks start..end, summed poll by poll */
	uint64_t max_gap;   /* largest TSC interval between consecutive reference reads */
	uint64_t gap_ref;   /* reference advance seen across that interval */
};

/*
 * An endpoint wider than 1/CALIB_EDGE_DIVISOR of the window disturbs it. Within an
 * endpoint the LAPIC and reference reads may be up to one endpoint apart, so each
 * endpoint can skew the LAPIC rate by up to 1/CALIB_EDGE_DIVISOR and a window by twice
 * that: 256 bounds an accepted window's error at 0.78%, inside the 1% the boot tests
 * demand even on a loaded host (128 allowed 1.56%, and a loaded CI machine found it).
 */
#define CALIB_EDGE_DIVISOR 256

/* Ticks a counter counting up modulo mask+1 advanced from `prev` to `cur`. */
static inline uint64_t calib_ref_advance(uint64_t prev, uint64_t cur, uint64_t mask)
{
	return (cur - prev) & mask;
}

/*
 * Frequency of a counter that advanced `delta` ticks while a reference clock of
 * `ref_hz` advanced `ref_ticks`: delta * ref_hz / ref_ticks, rounded down, in *hz.
 * Errors: CAPOS_ERR_INVALID (ref_ticks or ref_hz 0, or delta 0: a counter that did not
 * move is not a measurement), CAPOS_ERR_OVERFLOW (delta * ref_hz exceeds 64 bits).
 */
int calib_rate(uint64_t delta, uint64_t ref_hz, uint64_t ref_ticks, uint64_t *hz);

/*
 * Judge window `w` measured against a reference of `ref_hz` and compute the LAPIC and
 * TSC frequencies. TSC instants are endpoint midpoints. A window is disturbed when an
 * endpoint took longer than 1/CALIB_EDGE_DIVISOR of it (the vCPU was descheduled
 * mid-read), or, for a reference that wraps in under a second (the PIT's 16 bits),
 * when its longest gap between reads lasted half a wrap or more as timed by the rest
 * of the window: a whole wrap could hide in it. Long gaps on a wide counter (HPET)
 * are harmless, since every tick is still counted.
 * Errors: CAPOS_ERR_TIMER_DISTURBED (the caller measures another window),
 * CAPOS_ERR_INVALID / CAPOS_ERR_OVERFLOW (as calib_rate: nothing moved, time went
 * backwards, or absurd values).
 */
int calib_window_eval(const struct calib_window *w, uint64_t ref_hz, uint64_t *lapic_hz,
		      uint64_t *tsc_hz);

/*
 * Median of `n` (1..CALIB_MAX_SAMPLES) values; for even n the lower middle value.
 * `v` is left unchanged. Returns 0 for n outside that range.
 */
#define CALIB_MAX_SAMPLES 15
uint64_t calib_median(const uint64_t *v, size_t n);

#endif
