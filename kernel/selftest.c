/*
 * Running the boot self-tests (kernel/selftest.h): announce the expected report, then
 * raise the fault. A fault test that comes back means the fault never happened (or a
 * handler returned into it), which is reported as a panic with no "[trap]" lines.
 */
#include <kernel/selftest.h>

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
		selftest_fault(ARCH_FAULT_TEST_STACK, "stack", "vector 8 #DF, cr2 in the guard page");
		break;
	}
	panic("selftest %d: unknown kind", (int)k);
}
