/*
 * Deliberate CPU faults for the kernel self-tests (kernel/selftest.c): each function
 * raises one exception in a way chosen so the report is predictable (vector, error
 * code, CR2). They return only if the fault did not happen, which the caller treats as
 * a test failure.
 */
#include <kernel/arch.h>

/* Canonical lower-half address (~14 TiB) never mapped in kernel context: above the
 * early identity map, below anything user space will get soon. */
#define FAULTTEST_UNMAPPED   0x00000DEAD0000000ull
#define FAULTTEST_NONCANON   0x8000000000000000ull

uint64_t arch_fault_test_address(enum arch_fault_test t)
{
	switch (t) {
	case ARCH_FAULT_TEST_PF: return FAULTTEST_UNMAPPED;
	case ARCH_FAULT_TEST_GP: return FAULTTEST_NONCANON;
	case ARCH_FAULT_TEST_DF: return FAULTTEST_UNMAPPED + 0x1000;
	}
	return 0;
}

/* #PF: write to an unmapped page; error code 0x2 (not present, write, kernel). */
static void fault_page(void)
{
	*(volatile uint64_t *)(uintptr_t)FAULTTEST_UNMAPPED = 0xC0FFEE;
}

/* #GP(0): a load from a non-canonical address. */
static void fault_general_protection(void)
{
	(void)*(volatile uint64_t *)(uintptr_t)FAULTTEST_NONCANON;
}

/*
 * #DF: point RSP at an unmapped page and push. The push raises #PF, delivering that
 * #PF needs the same unusable stack, so the CPU escalates to a double fault, which the
 * IDT sends to its own IST stack. Without the IST (or with a broken #DF handler) this
 * would triple-fault and reset the machine.
 */
static void fault_double(void)
{
	__asm__ volatile("movq %0, %%rsp\n\t"
			 "pushq $0"
			 :
			 : "r"(FAULTTEST_UNMAPPED + 0x1000)
			 : "memory");
}

void arch_fault_test(enum arch_fault_test t)
{
	switch (t) {
	case ARCH_FAULT_TEST_PF: fault_page(); break;
	case ARCH_FAULT_TEST_GP: fault_general_protection(); break;
	case ARCH_FAULT_TEST_DF: fault_double(); break;
	}
}
