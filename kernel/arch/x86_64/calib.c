/*
 * Calibration arithmetic (arch/calib.h). Pure: used by timer.c in the kernel and
 * compiled unchanged into the host test tests/host/kernel/calib_test.c.
 */
#include <arch/calib.h>
#include <capos/error.h>

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
