/*
 * Calibration arithmetic (arch/calib.h). Pure: used by timer.c in the kernel and
 * compiled unchanged into the host test tests/host/kernel/calib_test.c.
 */
#include <arch/calib.h>
#include <capos/error.h>

#include <stdbool.h>

int calib_rate(uint64_t delta, uint64_t ref_hz, uint64_t ref_ticks, uint64_t *hz)
{
	uint64_t product;

	if (delta == 0 || ref_hz == 0 || ref_ticks == 0)
		return CAPOS_ERR_INVALID;
	if (__builtin_mul_overflow(delta, ref_hz, &product))
		return CAPOS_ERR_OVERFLOW;
	*hz = product / ref_ticks;
	return CAPOS_OK;
}

static uint64_t calib_mid(const struct calib_point *p)
{
	return p->tsc_before + (p->tsc_after - p->tsc_before) / 2;
}

/*
 * Whether the longest gap of `w` (window length `tsc`) may span half a wrap or more.
 * The rest of the window, where every tick was seen, is the ruler that converts the
 * gap's TSC length into reference ticks.
 */
static bool calib_gap_may_wrap(const struct calib_window *w, uint64_t tsc)
{
	uint64_t gap_in_ref;

	if (w->max_gap >= tsc || w->gap_ref >= w->ref_ticks)
		return true; /* no ruler left */
	uint64_t rest_tsc = tsc - w->max_gap, rest_ref = w->ref_ticks - w->gap_ref;
	if (__builtin_mul_overflow(w->max_gap, rest_ref, &gap_in_ref))
		return true;
	return gap_in_ref / rest_tsc >= (w->ref_mask >> 1) + 1;
}

int calib_window_eval(const struct calib_window *w, uint64_t ref_hz, uint64_t *lapic_hz,
		      uint64_t *tsc_hz)
{
	uint64_t tsc = calib_mid(&w->end) - calib_mid(&w->start);
	uint64_t edge = w->start.tsc_after - w->start.tsc_before;
	uint64_t edge_end = w->end.tsc_after - w->end.tsc_before;

	if (tsc == 0 || calib_mid(&w->end) < calib_mid(&w->start))
		return CAPOS_ERR_INVALID;
	if (edge_end > edge)
		edge = edge_end;
	if (edge > tsc / CALIB_EDGE_DIVISOR)
		return CAPOS_ERR_TIMER_DISTURBED;
	if (w->ref_mask < ref_hz && calib_gap_may_wrap(w, tsc))
		return CAPOS_ERR_TIMER_DISTURBED;
	int err = calib_rate((uint32_t)(w->start.lapic - w->end.lapic), ref_hz, w->ref_ticks,
			     lapic_hz);
	if (err == CAPOS_OK)
		err = calib_rate(tsc, ref_hz, w->ref_ticks, tsc_hz);
	return err;
}

uint64_t calib_median(const uint64_t *v, size_t n)
{
	uint64_t s[CALIB_MAX_SAMPLES];

	if (n == 0 || n > CALIB_MAX_SAMPLES)
		return 0;
	/* Insertion sort of a private copy; n is tiny. Invariant: s[0..i) is sorted. */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		for (; j > 0 && s[j - 1] > v[i]; j--)
			s[j] = s[j - 1];
		s[j] = v[i];
	}
	return s[(n - 1) / 2];
}
