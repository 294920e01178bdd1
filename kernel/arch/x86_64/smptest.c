/*
 * SMP self-tests (arch_smp_selftest, selftest=ipi|oneshot|appanic; docs/smp.md).
 * They use the private test vector VEC_IPI_TEST: its handler counts the IPI in the
 * receiving CPU's struct arch_cpu, answers an AP's IPI with one back to the BSP (the
 * round trip), and in the appanic test logs spam lines and panics on AP 1. Waits are
 * bounded by the clock, so a lost IPI or a dead timer fails the test instead of
 * hanging it. Lock legend: [A] atomic counters in struct arch_cpu.
 */
#include <arch/platform.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/panic.h>

#define SMPTEST_WAIT_NS 1000000000ull  /* any single wait */
#define SMPTEST_ONESHOT_NS 30000000ull /* one-shot deadline: 30 ms ahead */
#define SMPTEST_QUIET_NS 60000000ull   /* then 60 ms without another interrupt */
#define SMPTEST_SETTLE_NS 10000000ull  /* 10 ms for stray IPIs to arrive */
#define SMPTEST_SPAM_LINES 3000u
#define SMPTEST_PANIC_AFTER 40u /* AP 1's lines before it panics */

/* Wait (spinning; interrupts on or off) until *ctr >= target; false after SMPTEST_WAIT_NS. */
static bool smptest_wait(volatile uint32_t *ctr, uint32_t target)
{
	uint64_t end = arch_clock_ns() + SMPTEST_WAIT_NS;

	while (__atomic_load_n(ctr, __ATOMIC_ACQUIRE) < target)
		if (arch_clock_ns() > end)
			return false;
	return true;
}

static uint32_t smptest_spamming; /* [A] CPUs that have logged their first spam line */

/* Spam lines while the other CPUs do the same; AP 1 panics part-way (appanic), once
 * every CPU has logged (bounded wait): on a busy host AP 1 could otherwise write its 40
 * lines before another vCPU thread ran at all, and the panic would then race nobody. */
static void smptest_spam(struct arch_cpu *c)
{
	for (uint32_t k = 0; k < SMPTEST_SPAM_LINES; k++) {
		if (c->test_panic && k == SMPTEST_PANIC_AFTER) {
			(void)smptest_wait(&smptest_spamming, arch_cpu_online_count());
			panic("selftest appanic: cpu %u panics on purpose", c->index);
		}
		klog("smp", "selftest appanic: cpu %u line %u 0123456789abcdefghijklmnopqrstuvwxyz",
		     c->index, k);
		if (k == 0)
			__atomic_fetch_add(&smptest_spamming, 1, __ATOMIC_ACQ_REL);
	}
}

void smptest_ipi_irq(struct arch_trap_frame *tf)
{
	struct arch_cpu *c = smp_this_cpu();

	(void)tf;
	__atomic_fetch_add(&c->test_ipis, 1, __ATOMIC_ACQ_REL);
	lapic_eoi();
	if (c->test_spam)
		smptest_spam(c);
	else if (c->index != 0) {
		/* The answer of the round trip. Same-vector IPIs arriving together at the BSP
		 * coalesce in its IRR, so the count of answers is kept here, per AP. */
		__atomic_fetch_add(&c->test_acks, 1, __ATOMIC_ACQ_REL);
		(void)arch_ipi_send(0, VEC_IPI_TEST);
	}
}

static int smptest_fail(const char *what, int err)
{
	klog("smp", "selftest: error: %s (%s)", what, capos_error_name(err));
	return CAPOS_ERR_SMP_SELFTEST;
}

/* The typed refusals of the IPI API. */
static int smptest_ipi_refusals(uint32_t n)
{
	if (arch_ipi_send(n, VEC_IPI_TEST) != CAPOS_ERR_SMP_NO_CPU ||
	    arch_ipi_send(UINT32_MAX, VEC_IPI_TEST) != CAPOS_ERR_SMP_NO_CPU)
		return smptest_fail("ipi to a CPU that is not online not refused", CAPOS_OK);
	if (arch_ipi_send(0, 31) != CAPOS_ERR_OUT_OF_RANGE ||
	    arch_ipi_send(0, 256) != CAPOS_ERR_OUT_OF_RANGE ||
	    arch_ipi_send_others(2) != CAPOS_ERR_OUT_OF_RANGE)
		return smptest_fail("exception vector or vector > 255 not refused", CAPOS_OK);
	return CAPOS_OK;
}

/* One round trip BSP -> cpu i -> BSP; `us` receives its duration. */
static int smptest_round_trip(uint32_t i, uint64_t *us)
{
	struct arch_cpu *b = smp_cpu(0), *c = smp_cpu(i);
	uint32_t bb = b->test_ipis, cb = c->test_ipis;
	uint64_t t0 = arch_clock_ns();
	int err = arch_ipi_send(i, VEC_IPI_TEST);

	if (err != CAPOS_OK)
		return smptest_fail("ipi send", err);
	/* cpu 0 itself: the self-IPI is the whole trip */
	if (!smptest_wait(&c->test_ipis, cb + 1) ||
	    (i != 0 && !smptest_wait(&b->test_ipis, bb + 1)))
		return smptest_fail("ipi not received or not answered in time", CAPOS_OK);
	*us = (arch_clock_ns() - t0) / 1000;
	return CAPOS_OK;
}

static int smptest_broadcast(uint32_t n)
{
	uint32_t acks[ARCH_MAX_CPUS], bsp = smp_cpu(0)->test_ipis;

	for (uint32_t i = 0; i < n; i++)
		acks[i] = smp_cpu(i)->test_acks;
	int err = arch_ipi_send_others(VEC_IPI_TEST);
	if (err != CAPOS_OK)
		return smptest_fail("broadcast", err);
	for (uint32_t i = 1; i < n; i++)
		if (!smptest_wait(&smp_cpu(i)->test_acks, acks[i] + 1))
			return smptest_fail("broadcast not received and answered", CAPOS_OK);
	/* At least one answer arrived (answers may coalesce), and on one CPU none. */
	if (n > 1 && !smptest_wait(&smp_cpu(0)->test_ipis, bsp + 1))
		return smptest_fail("no answer to the broadcast reached the sender", CAPOS_OK);
	uint64_t settle = arch_clock_ns() + SMPTEST_SETTLE_NS;
	while (arch_clock_ns() < settle)
		arch_cpu_relax();
	if (smp_cpu(0)->test_ipis > bsp + (n - 1))
		return smptest_fail("the sender received its own broadcast", CAPOS_OK);
	return CAPOS_OK;
}

static int smptest_ipi(void)
{
	uint32_t n = arch_cpu_online_count();
	uint64_t us;
	int err = smptest_ipi_refusals(n);

	arch_irq_enable();
	for (uint32_t i = 1; err == CAPOS_OK && i < n; i++)
		if (smp_check_stacks(i) != CAPOS_OK)
			err = smptest_fail("an AP stack or guard page is wrong", CAPOS_OK);
	for (uint32_t i = 0; err == CAPOS_OK && i < n; i++) {
		err = smptest_round_trip(i, &us);
		if (err == CAPOS_OK)
			klog("smp", "selftest ipi: cpu %u (apic id %u) round trip %llu us", i,
			     arch_cpu_apic_id(i), (unsigned long long)us);
	}
	if (err == CAPOS_OK)
		err = smptest_broadcast(n);
	arch_irq_disable();
	if (err == CAPOS_OK)
		klog("smp",
		     "selftest ipi: ok: %u round trips, broadcast to %u other cpus answered, "
		     "bad index and vector refused, ap stacks guarded",
		     n, n - 1);
	return err;
}

/* Wait (interrupts on) for this CPU's next timer interrupt after `ticks`. */
static bool smptest_wait_tick(struct arch_cpu *c, uint64_t ticks)
{
	uint64_t end = arch_clock_ns() + SMPTEST_WAIT_NS;

	while (c->ticks == ticks)
		if (arch_clock_ns() > end)
			return false;
	return true;
}

static int smptest_oneshot(void)
{
	struct arch_cpu *c = smp_this_cpu();
	uint64_t deadline = arch_clock_ns() + SMPTEST_ONESHOT_NS, t0 = c->ticks;
	int err = arch_timer_set_oneshot(deadline);

	if (err != CAPOS_OK)
		return smptest_fail("arm", err);
	arch_irq_enable();
	bool fired = smptest_wait_tick(c, t0);
	uint64_t at = c->last_irq_ns, quiet_end = arch_clock_ns() + SMPTEST_QUIET_NS;
	while (arch_clock_ns() < quiet_end)
		arch_cpu_relax();
	uint64_t after_quiet = c->ticks;
	/* A deadline in the past fires at once. */
	err = arch_timer_set_oneshot(arch_clock_ns() - 1);
	bool past_fired = err == CAPOS_OK && smptest_wait_tick(c, after_quiet);
	arch_timer_set_periodic();
	int tick_err = arch_timer_wait_ticks(3, 1000);
	arch_irq_disable();
	if (!fired || at < deadline)
		return smptest_fail(fired ? "one-shot fired before its deadline"
					  : "one-shot never fired",
				    CAPOS_OK);
	if (after_quiet != t0 + 1)
		return smptest_fail("more than one interrupt in one-shot mode", CAPOS_OK);
	if (!past_fired)
		return smptest_fail("past deadline did not fire", err);
	if (tick_err != CAPOS_OK)
		return smptest_fail("periodic tick did not resume", tick_err);
	klog("smp",
	     "selftest oneshot: ok: fired %llu us after its deadline (%s), none before it, "
	     "1 interrupt in %llu ms, past deadline fired at once, periodic tick resumed",
	     (unsigned long long)(at - deadline) / 1000,
	     arch_timer_tsc_deadline() ? "tsc-deadline" : "lapic count",
	     (unsigned long long)(SMPTEST_QUIET_NS / 1000000));
	return CAPOS_OK;
}

static int smptest_appanic(void)
{
	uint32_t n = arch_cpu_online_count();

	if (n < 2)
		return smptest_fail("appanic needs 2 CPUs", CAPOS_ERR_SMP_NO_CPU);
	for (uint32_t i = 0; i < n; i++)
		smp_cpu(i)->test_spam = true;
	smp_cpu(1)->test_panic = true;
	klog("smp", "selftest appanic: every cpu logs, cpu 1 panics after %u lines",
	     SMPTEST_PANIC_AFTER);
	int err = arch_ipi_send_others(VEC_IPI_TEST);
	if (err != CAPOS_OK)
		return smptest_fail("appanic broadcast", err);
	smptest_spam(smp_cpu(0)); /* the panic stops this loop with an NMI */
	return smptest_fail("appanic: no panic stopped the boot CPU", CAPOS_OK);
}

static bool smptest_name_is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int arch_smp_selftest(const char *name)
{
	if (smptest_name_is(name, "ipi"))
		return smptest_ipi();
	if (smptest_name_is(name, "oneshot"))
		return smptest_oneshot();
	if (smptest_name_is(name, "appanic"))
		return smptest_appanic();
	return CAPOS_ERR_INVALID;
}
