/*
 * Time base: calibrates the LAPIC timer and the TSC against a reference clock (the
 * HPET main counter if present, else PIT channel 2), then runs the LAPIC timer
 * periodically at ARCH_TIMER_HZ and counts ticks.
 *
 * Calibration takes CALIB_SAMPLES windows of CALIB_WINDOW_MS each (5 x 8 ms) and keeps the
 * median of each frequency. Every rate is computed from the reference ticks that
 * actually elapsed (read at both ends), never from the intended window length, so a
 * slow or preempted host (QEMU TCG on a shared machine) stretches a window without
 * biasing the result; the median discards windows in which the vCPU was descheduled
 * between reading the reference and the counters (up to two of five). Polling loops are bounded by an
 * iteration count and fail with CAPOS_ERR_TIMER_CALIBRATION instead of hanging.
 *
 * Lock legend: [I] written once during boot before interrupts are enabled;
 * [T] written only by the timer interrupt on the BSP (single CPU for now).
 */
#include <arch/calib.h>
#include <arch/io.h>
#include <arch/platform.h>
#include <arch/timer.h>
#include <capos/error.h>
#include <kernel/arch.h>

#define CALIB_SAMPLES TIMER_CALIB_SAMPLES
_Static_assert(CALIB_SAMPLES <= CALIB_MAX_SAMPLES, "calib_median bound");
#define CALIB_WINDOW_MS TIMER_CALIB_WINDOW_MS
#define CALIB_MAX_POLLS 20000000u /* far beyond any window's poll count; hang guard */

struct calib_sample {
	uint64_t tsc;      /* TSC ticks in the window */
	uint64_t lapic;    /* LAPIC timer (divide-by-16) ticks in the window */
	uint64_t ref;      /* reference clock ticks in the window */
};

static struct timer_calibration timer_cal;  /* [I] */
static volatile uint64_t timer_tick_count;  /* [T] */

/* One window measured on the HPET main counter. */
static int calib_window_hpet(uint64_t hpet_hz, struct calib_sample *s)
{
	uint64_t mask = hpet_counter_mask();
	uint64_t target = hpet_hz / 1000 * CALIB_WINDOW_MS;
	uint64_t h0 = hpet_counter(), t0 = cpu_rdtsc();
	uint32_t l0 = lapic_timer_current();
	uint64_t h;
	uint32_t polls = 0;

	do {
		if (++polls > CALIB_MAX_POLLS)
			return CAPOS_ERR_TIMER_CALIBRATION;
		h = hpet_counter();
	} while (((h - h0) & mask) < target);
	uint64_t t1 = cpu_rdtsc();
	uint32_t l1 = lapic_timer_current();

	*s = (struct calib_sample){ .tsc = t1 - t0, .lapic = l0 - l1, .ref = (h - h0) & mask };
	return CAPOS_OK;
}

/* One window measured as a PIT channel-2 one-shot of exactly `ref` input clocks. */
static int calib_window_pit(struct calib_sample *s)
{
	uint16_t count = (uint16_t)(PIT_HZ / 1000 * CALIB_WINDOW_MS);
	uint32_t polls = 0;

	pit_oneshot_start(count);
	uint64_t t0 = cpu_rdtsc();
	uint32_t l0 = lapic_timer_current();
	while (!pit_oneshot_done())
		if (++polls > CALIB_MAX_POLLS)
			return CAPOS_ERR_TIMER_CALIBRATION;
	uint64_t t1 = cpu_rdtsc();
	uint32_t l1 = lapic_timer_current();

	*s = (struct calib_sample){ .tsc = t1 - t0, .lapic = l0 - l1, .ref = count };
	return CAPOS_OK;
}

/* Measure one window against `ref` and turn it into the two frequencies. */
static int calib_one(enum timer_ref ref, uint64_t ref_hz, uint64_t *lapic_hz, uint64_t *tsc_hz)
{
	struct calib_sample s;

	lapic_timer_start_free();
	int err = ref == TIMER_REF_HPET ? calib_window_hpet(ref_hz, &s) : calib_window_pit(&s);
	if (err == CAPOS_OK)
		err = calib_rate(s.lapic, ref_hz, s.ref, lapic_hz);
	if (err == CAPOS_OK)
		err = calib_rate(s.tsc, ref_hz, s.ref, tsc_hz);
	return err == CAPOS_OK ? CAPOS_OK : CAPOS_ERR_TIMER_CALIBRATION;
}

int timer_calibrate(enum timer_ref ref, uint64_t ref_hz)
{
	uint64_t *lapic_hz = timer_cal.samples_lapic_hz, *tsc_hz = timer_cal.samples_tsc_hz;

	for (int i = 0; i < CALIB_SAMPLES; i++) {
		int err = calib_one(ref, ref_hz, &lapic_hz[i], &tsc_hz[i]);
		if (err != CAPOS_OK) {
			lapic_timer_stop();
			return err;
		}
	}
	lapic_timer_stop();

	timer_cal.ref = ref;
	timer_cal.ref_hz = ref_hz;
	timer_cal.lapic_hz = calib_median(lapic_hz, CALIB_SAMPLES);
	timer_cal.tsc_hz = calib_median(tsc_hz, CALIB_SAMPLES);
	/* The periodic count must be >= 1 and fit the 32-bit initial-count register. */
	if (timer_cal.lapic_hz < ARCH_TIMER_HZ || timer_cal.lapic_hz / ARCH_TIMER_HZ > 0xffffffffu)
		return CAPOS_ERR_TIMER_CALIBRATION;
	return CAPOS_OK;
}

const struct timer_calibration *timer_calibration(void)
{
	return &timer_cal;
}

static void timer_irq(struct arch_trap_frame *tf)
{
	(void)tf;
	timer_tick_count = timer_tick_count + 1;
	lapic_eoi();
}

int timer_start_periodic(void)
{
	int err = arch_irq_register(VEC_TIMER, timer_irq);
	if (err != CAPOS_OK)
		return err;
	lapic_timer_start_periodic(VEC_TIMER, (uint32_t)(timer_cal.lapic_hz / ARCH_TIMER_HZ));
	return CAPOS_OK;
}

void arch_timer_stop(void)
{
	lapic_timer_stop();
}

uint64_t arch_timer_ticks(void)
{
	return timer_tick_count;
}

uint32_t arch_timer_hz(void)
{
	return ARCH_TIMER_HZ;
}

uint64_t arch_tsc_hz(void)
{
	return timer_cal.tsc_hz;
}

int arch_timer_wait_ticks(uint64_t ticks, uint32_t timeout_ms)
{
	uint64_t start = timer_tick_count, target = start + ticks;
	uint64_t deadline = cpu_rdtsc() + timer_cal.tsc_hz / 1000 * timeout_ms;

	/* Spin until a first tick proves the timer alive: hlt on a dead timer never wakes. */
	while (ticks > 0 && timer_tick_count == start) {
		if (cpu_rdtsc() > deadline)
			return CAPOS_ERR_TIMER_NO_TICKS;
		cpu_pause();
	}
	/* The periodic timer is running: sleep between ticks (idle host, free under icount). */
	while (timer_tick_count < target) {
		cpu_hlt();
		if (timer_tick_count < target && cpu_rdtsc() > deadline)
			return CAPOS_ERR_TIMER_NO_TICKS;
	}
	return CAPOS_OK;
}
