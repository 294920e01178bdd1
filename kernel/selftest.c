/*
 * Running the boot self-tests (kernel/selftest.h): announce the expected report, then
 * raise the fault. A fault test that comes back means the fault never happened (or a
 * handler returned into it), which is reported as a panic with no "[trap]" lines.
 * The nmi test instead waits for an NMI raised from outside and returns once the
 * handler has reported it.
 */
#include <kernel/selftest.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/panic.h>

static void selftest_fault(enum arch_fault_test t, const char *what, const char *expect)
{
	klog("selftest", "%s: touching %#llx, expect %s", what,
	     (unsigned long long)arch_fault_test_address(t), expect);
	arch_fault_test(t);
	panic("selftest %s: no fault was raised", what);
}

/*
 * Wait, halting between timer ticks, until arch_nmi_count() moves or
 * SELFTEST_NMI_WAIT_TICKS pass. The "waiting" line is the harness's cue to inject the
 * NMI; the handler itself prints the "[trap] nmi ..." report.
 */
static void selftest_nmi(void)
{
	uint64_t before = arch_nmi_count(), ticks = 0;
	int err = CAPOS_OK;
	klog("selftest", "nmi: waiting up to %u ticks for an NMI (QEMU monitor: nmi)",
	     (unsigned)SELFTEST_NMI_WAIT_TICKS);
	arch_irq_enable();
	while (err == CAPOS_OK && arch_nmi_count() == before && ticks < SELFTEST_NMI_WAIT_TICKS) {
		err = arch_timer_wait_ticks(1, 1000);
		ticks++;
	}
	arch_irq_disable();
	if (err != CAPOS_OK)
		panic("selftest nmi: timer: %s after %llu ticks", capos_error_name(err),
		      (unsigned long long)ticks);
	if (arch_nmi_count() == before)
		panic("selftest nmi: %s after %llu ticks",
		      capos_error_name(CAPOS_ERR_SELFTEST_NO_NMI), (unsigned long long)ticks);
	klog("selftest", "nmi: %llu handled within %llu ticks; continuing",
	     (unsigned long long)(arch_nmi_count() - before), (unsigned long long)ticks);
}

void selftest_run(enum selftest_kind k)
{
	switch (k) {
	case SELFTEST_NONE:
		return;
	case SELFTEST_PF:
		selftest_fault(ARCH_FAULT_TEST_PF, "pf", "vector 14 #PF");
		break;
	case SELFTEST_GP:
		selftest_fault(ARCH_FAULT_TEST_GP, "gp", "vector 13 #GP");
		break;
	case SELFTEST_DF:
		selftest_fault(ARCH_FAULT_TEST_DF, "df", "vector 8 #DF");
		break;
	case SELFTEST_STACK:
		selftest_fault(ARCH_FAULT_TEST_STACK, "stack",
			       "vector 8 #DF, cr2 in the guard page");
		break;
	case SELFTEST_NMI:
		selftest_nmi();
		return;
	}
	panic("selftest %d: unknown kind", (int)k);
}
