/*
 * Arch-private half of the time base (timer.c): calibration against a reference
 * clock and the periodic LAPIC tick. The portable half is the arch_timer_* block of
 * kernel/arch.h. Owned by kplat.
 */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <stdint.h>

#define TIMER_CALIB_SAMPLES 5
#define TIMER_CALIB_WINDOW_MS 8

enum timer_ref {
	TIMER_REF_HPET,
	TIMER_REF_PIT,
};

/* Result of timer_calibrate(); frequencies in Hz. */
struct timer_calibration {
	enum timer_ref ref; /* the reference clock used */
	uint64_t ref_hz;    /* its frequency */
	uint64_t lapic_hz;  /* LAPIC timer input after divide-by-16, median */
	uint64_t tsc_hz;    /* TSC, median */
	uint64_t samples_lapic_hz[TIMER_CALIB_SAMPLES]; /* every window, for the log */
	uint64_t samples_tsc_hz[TIMER_CALIB_SAMPLES];
	uint32_t disturbed; /* windows rejected and measured again */
};

static inline const char *timer_ref_name(enum timer_ref ref)
{
	return ref == TIMER_REF_HPET ? "hpet" : "pit";
}

/*
 * Measure the LAPIC timer and TSC frequencies against `ref` (running at `ref_hz`;
 * for TIMER_REF_HPET the counter must already be started by hpet_start). Needs the
 * local APIC initialised; interrupts may be on or off (nothing here interrupts).
 * Errors: CAPOS_ERR_TIMER_CALIBRATION (reference not advancing within the poll bound,
 * more than 7 x TIMER_CALIB_SAMPLES disturbed windows,
 * a counter that did not move, ref_hz of 0, a product overflowing 64 bits, or a LAPIC
 * rate too low/high for ARCH_TIMER_HZ).
 */
int timer_calibrate(enum timer_ref ref, uint64_t ref_hz);
const struct timer_calibration *timer_calibration(void);

/*
 * Register the tick handler on VEC_TIMER and start the LAPIC timer periodically at
 * ARCH_TIMER_HZ. Precondition: timer_calibrate succeeded. Errors: those of
 * arch_irq_register.
 */
int timer_start_periodic(void);

#endif
