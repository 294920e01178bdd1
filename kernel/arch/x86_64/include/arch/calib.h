/*
 * Pure arithmetic of timer calibration (calib.c): turning counts measured over a
 * reference-clock window into a frequency, and picking the median of the windows.
 * No hardware access, so it is host-tested (tests/host/kernel/calib_test.c). Owned by
 * kplat.
 */
#ifndef ARCH_CALIB_H
#define ARCH_CALIB_H

#include <stddef.h>
#include <stdint.h>

/*
 * Frequency of a counter that advanced `delta` ticks while a reference clock of
 * `ref_hz` advanced `ref_ticks`: delta * ref_hz / ref_ticks, rounded down, in *hz.
 * Errors: CAPOS_ERR_INVALID (ref_ticks or ref_hz 0, or delta 0: a counter that did not
 * move is not a measurement), CAPOS_ERR_OVERFLOW (delta * ref_hz exceeds 64 bits).
 */
int calib_rate(uint64_t delta, uint64_t ref_hz, uint64_t ref_ticks, uint64_t *hz);

/*
 * Median of `n` (1..CALIB_MAX_SAMPLES) values; for even n the lower middle value.
 * `v` is left unchanged. Returns 0 for n outside that range.
 */
#define CALIB_MAX_SAMPLES 15
uint64_t calib_median(const uint64_t *v, size_t n);

#endif
