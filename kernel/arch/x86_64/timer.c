/*
 * Time base: calibrates the LAPIC timer and the TSC against a reference clock (the
 * HPET main counter if present, else PIT channel 2), then runs the LAPIC timer
 * periodically at ARCH_TIMER_HZ and counts ticks.
 *
 * Calibration measures windows of CALIB_WINDOW_MS (8 ms) until CALIB_SAMPLES (5) are
 * undisturbed, and keeps the median of each frequency. Every rate comes from the
 * reference ticks that actually elapsed, summed read by read, never from the intended
 * window length, so a slow host (QEMU TCG on a shared machine) stretches a window
 * without biasing it. Each endpoint reads the reference and the LAPIC counter between
 * two TSC reads; a window whose endpoint took too long (the vCPU was descheduled
 * mid-read) or with a gap between reference reads long enough to hide a wrap of the
 * 16-bit PIT counter is rejected and measured again (calib_window_eval decides). Loops are
 * bounded and fail with CAPOS_ERR_TIMER_CALIBRATION rather than hang.
 *
 * Every CPU runs its own LAPIC timer with the BSP's calibration (timer_start_ap) and
 * counts its ticks in its struct arch_cpu; arch_timer_ticks() is the BSP's count. The
 * tick hook (the scheduler) runs on the boot CPU only until the scheduler takes the
 * APs. One-shot mode (arch_timer_set_oneshot): TSC-deadline when CPUID offers it,
 * else a LAPIC count-down; an interrupt that arrives before the deadline (the two
 * clocks' calibrations differ slightly) re-arms for the rest instead of being
 * delivered, so the hook never sees an early deadline.
 *
 * Lock legend: [I] written once during boot before interrupts are enabled;
 * [T] written only by the timer interrupt on the BSP; [C] per CPU (struct arch_cpu).
 */
#include <arch/calib.h>
#include <arch/io.h>
#include <arch/platform.h>
#include <arch/smp.h>
#include <arch/timer.h>
#include <arch/timerscale.h>
#include <arch/trap.h>
#include <capos/error.h>
#include <kernel/arch.h>

#define CALIB_SAMPLES TIMER_CALIB_SAMPLES
_Static_assert(CALIB_SAMPLES <= CALIB_MAX_SAMPLES, "calib_median bound");
#define CALIB_WINDOW_MS TIMER_CALIB_WINDOW_MS
#define CALIB_MAX_POLLS 20000000u /* far beyond any window's poll count; hang guard */

#define CALIB_MAX_WINDOWS (8 * CALIB_SAMPLES) /* disturbed windows are measured again */

/* A reference clock: a counter counting up modulo mask + 1 at hz. */
struct ref_clock {
	uint64_t (*read)(void);
	uint64_t mask;
	uint64_t hz;
};

static struct timer_calibration timer_cal; /* [I] */
static arch_tick_hook_fn *timer_tick_hook; /* [I] kproc: the scheduler's tick */
static volatile uint64_t timer_tick_count; /* [T] */
static volatile bool timer_stopped;	   /* [I] set by arch_timer_stop */

static void calib_point_read(const struct ref_clock *rc, struct calib_point *p)
{
	p->tsc_before = cpu_rdtsc();
	p->ref = rc->read();
	p->lapic = lapic_timer_current();
	p->tsc_after = cpu_rdtsc();
}

/* Add one poll interval: `gap` TSC ticks in which the reference advanced `adv`. */
static void calib_account(struct calib_window *w, uint64_t gap, uint64_t adv)
{
	w->ref_ticks += adv;
	if (gap > w->max_gap) {
		w->max_gap = gap;
		w->gap_ref = adv;
	}
}

/*
 * Measure one window of about CALIB_WINDOW_MS: poll the reference, summing its
 * advance read by read (so a short counter may wrap many times) and recording the
 * longest TSC gap between reads, which calib_window_eval uses to reject a window in
 * which a wrap could have gone unseen.
 */
static int calib_measure(const struct ref_clock *rc, struct calib_window *w)
{
	uint64_t target = rc->hz / 1000 * CALIB_WINDOW_MS;

	lapic_timer_start_free();
	calib_point_read(rc, &w->start);
	uint64_t prev = w->start.ref, last = w->start.tsc_after;
	w->ref_mask = rc->mask;
	w->ref_ticks = w->max_gap = w->gap_ref = 0;
	for (uint32_t polls = 0; w->ref_ticks < target; polls++) {
		if (polls == CALIB_MAX_POLLS)
			return CAPOS_ERR_TIMER_CALIBRATION;
		uint64_t t = cpu_rdtsc(), cur = rc->read();
		calib_account(w, t - last, calib_ref_advance(prev, cur, rc->mask));
		prev = cur;
		last = t;
	}
	calib_point_read(rc, &w->end);
	calib_account(w, w->end.tsc_before - last, calib_ref_advance(prev, w->end.ref, rc->mask));
	return CAPOS_OK;
}

/* Collect CALIB_SAMPLES undisturbed windows, measuring at most CALIB_MAX_WINDOWS. */
static int calib_collect(const struct ref_clock *rc)
{
	uint32_t good = 0, windows = 0;

	while (good < CALIB_SAMPLES) {
		struct calib_window w;
		if (windows++ == CALIB_MAX_WINDOWS)
			return CAPOS_ERR_TIMER_CALIBRATION;
		int err = calib_measure(rc, &w);
		if (err != CAPOS_OK)
			return err;
		err = calib_window_eval(&w, rc->hz, &timer_cal.samples_lapic_hz[good],
					&timer_cal.samples_tsc_hz[good]);
		if (err == CAPOS_ERR_TIMER_DISTURBED) {
			timer_cal.disturbed++;
			continue;
		}
		if (err != CAPOS_OK)
			return CAPOS_ERR_TIMER_CALIBRATION;
		good++;
	}
	return CAPOS_OK;
}

int timer_calibrate(enum timer_ref ref, uint64_t ref_hz)
{
	struct ref_clock rc = { .read = pit_counter, .mask = 0xffff, .hz = ref_hz };

	if (ref == TIMER_REF_HPET)
		rc = (struct ref_clock){ .read = hpet_counter,
					 .mask = hpet_counter_mask(),
					 .hz = ref_hz };
	else
		pit_free_run_start();
	timer_cal.disturbed = 0;
	int err = calib_collect(&rc);
	lapic_timer_stop();
	if (ref == TIMER_REF_PIT)
		pit_stop();
	if (err != CAPOS_OK)
		return err;

	timer_cal.ref = ref;
	timer_cal.ref_hz = ref_hz;
	timer_cal.lapic_hz = calib_median(timer_cal.samples_lapic_hz, CALIB_SAMPLES);
	timer_cal.tsc_hz = calib_median(timer_cal.samples_tsc_hz, CALIB_SAMPLES);
	/* The periodic count must be >= 1 and fit the 32-bit initial-count register. */
	if (timer_cal.lapic_hz < ARCH_TIMER_HZ || timer_cal.lapic_hz / ARCH_TIMER_HZ > 0xffffffffu)
		return CAPOS_ERR_TIMER_CALIBRATION;
	return CAPOS_OK;
}

const struct timer_calibration *timer_calibration(void)
{
	return &timer_cal;
}

/* A one-shot interrupt before its deadline: arm again for the rest; true if so. */
static bool timer_oneshot_early(struct arch_cpu *c)
{
	if (!c->oneshot || arch_clock_ns() >= c->oneshot_deadline)
		return false;
	arch_timer_set_oneshot(c->oneshot_deadline);
	return true;
}

static void timer_irq(struct arch_trap_frame *tf)
{
	struct arch_cpu *c = smp_this_cpu();

	/*
	 * A stopped timer counts nothing: a tick latched in the LAPIC before the stop (the
	 * vCPU ran with interrupts off past a period) is delivered once they come back on,
	 * and counting it would pass it off as a live timer (arch_timer_wait_ticks would
	 * then halt forever).
	 */
	if (timer_stopped || timer_oneshot_early(c)) {
		lapic_eoi();
		return;
	}
	c->ticks = c->ticks + 1;
	c->last_irq_ns = arch_clock_ns();
	if (c->index == 0)
		timer_tick_count = timer_tick_count + 1;
	lapic_eoi();
	/* After the EOI: the hook may switch threads and not come back for a while. */
	if (timer_tick_hook)
		timer_tick_hook((tf->cs & 3) != 0);
}

void arch_timer_set_tick_hook(arch_tick_hook_fn *fn)
{
	timer_tick_hook = fn;
}

int timer_start_periodic(void)
{
	int err = arch_irq_register(VEC_TIMER, timer_irq);
	if (err != CAPOS_OK)
		return err;
	arch_timer_set_periodic();
	smp_this_cpu()->timer_on = true;
	return CAPOS_OK;
}

void timer_start_ap(void)
{
	arch_timer_set_periodic();
	smp_this_cpu()->timer_on = true;
}

void arch_timer_set_periodic(void)
{
	smp_this_cpu()->oneshot = false;
	lapic_timer_start_periodic(VEC_TIMER, (uint32_t)(timer_cal.lapic_hz / ARCH_TIMER_HZ));
}

void arch_timer_set_off(void)
{
	smp_this_cpu()->oneshot = false;
	lapic_timer_stop();
}

int arch_timer_set_oneshot(uint64_t deadline_ns)
{
	struct arch_cpu *c = smp_this_cpu();
	unsigned long flags;

	if (timer_cal.lapic_hz == 0 || timer_cal.tsc_hz == 0 || !c->timer_on)
		return CAPOS_ERR_SMP_NOT_READY;
	flags = arch_irq_save();
	c->oneshot = true;
	c->oneshot_deadline = deadline_ns;
	/* Armed at most TIMER_ONESHOT_MAX_NS ahead, saturating: a far deadline fires
	 * early once a second and timer_oneshot_early re-arms for the rest. */
	if (lapic_tsc_deadline())
		lapic_timer_start_deadline(
			VEC_TIMER,
			timer_tsc_deadline(deadline_ns, arch_clock_ns(), timer_cal.tsc_hz));
	else
		lapic_timer_start_oneshot(VEC_TIMER, timer_lapic_count(deadline_ns, arch_clock_ns(),
								       timer_cal.lapic_hz));
	arch_irq_restore(flags);
	return CAPOS_OK;
}

bool arch_timer_tsc_deadline(void)
{
	return lapic_tsc_deadline();
}

uint64_t arch_timer_ticks_cpu(uint32_t cpu_index)
{
	if (cpu_index >= ARCH_MAX_CPUS || !smp_cpu(cpu_index)->timer_on)
		return 0;
	return smp_cpu(cpu_index)->ticks;
}

void arch_timer_stop(void)
{
	timer_stopped = true;
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
	uint64_t start = timer_tick_count, target = start + ticks, seen = start;
	uint64_t window = timer_cal.tsc_hz / 1000 * timeout_ms;
	uint64_t deadline = cpu_rdtsc() + window;

	/* Spin until a first tick proves the timer alive: hlt on a dead timer never wakes. */
	while (ticks > 0 && timer_tick_count == start) {
		if (cpu_rdtsc() > deadline)
			return CAPOS_ERR_TIMER_NO_TICKS;
		cpu_pause();
	}
	/* The periodic timer is running: sleep between ticks (idle host, free under icount). */
	while (timer_tick_count < target) {
		cpu_hlt();
		/* Bound the gap between ticks, not all of them: a live timer on a vCPU the host
		 * starves (2-9 of 10 ticks in 2 s at load 11-13 on the project host) keeps
		 * going; a dead one stops the wait after one window. */
		if (timer_tick_count != seen) {
			seen = timer_tick_count;
			deadline = cpu_rdtsc() + window;
		} else if (cpu_rdtsc() > deadline) {
			return CAPOS_ERR_TIMER_NO_TICKS;
		}
	}
	return CAPOS_OK;
}
