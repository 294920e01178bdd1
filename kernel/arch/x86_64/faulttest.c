/*
 * Deliberate CPU faults for the kernel self-tests (kernel/selftest.c): each function
 * raises one exception in a way chosen so the report is predictable (vector, error
 * code, CR2). They return only if the fault did not happen, which the caller treats as
 * a test failure.
 */
#include <kernel/arch.h>

extern char boot_stack_guard[];

/* Canonical lower-half address (~14 TiB) never mapped in kernel context: above the
 * early identity map, below anything user space will get soon. */
#define FAULTTEST_UNMAPPED 0x00000DEAD0000000ull
#define FAULTTEST_NONCANON 0x8000000000000000ull

uint64_t arch_fault_test_address(enum arch_fault_test t)
{
	switch (t) {
	case ARCH_FAULT_TEST_PF:
		return FAULTTEST_UNMAPPED;
	case ARCH_FAULT_TEST_GP:
		return FAULTTEST_NONCANON;
	case ARCH_FAULT_TEST_DF:
		return FAULTTEST_UNMAPPED + 0x1000;
	case ARCH_FAULT_TEST_STACK:
		return (uint64_t)(uintptr_t)boot_stack_guard;
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

/*
 * Stack overflow: recurse until the boot stack runs into its guard page (unmapped by
 * kmem's final tables). The push into the guard raises #PF, whose delivery needs the
 * same exhausted stack, so it escalates to #DF on the IST stack. The depth bound
 * (far beyond the 16 KiB stack) keeps the recursion well-defined C.
 */
static __attribute__((noinline)) uint64_t fault_stack_recurse(uint64_t depth)
{
	volatile uint8_t pad[256];
	pad[0] = (uint8_t)depth;
	if (depth >= 1000000)
		return pad[0];
	return fault_stack_recurse(depth + 1) + pad[0];
}

static void fault_stack_overflow(void)
{
	(void)fault_stack_recurse(0);
}

void arch_fault_test(enum arch_fault_test t)
{
	switch (t) {
	case ARCH_FAULT_TEST_PF:
		fault_page();
		break;
	case ARCH_FAULT_TEST_GP:
		fault_general_protection();
		break;
	case ARCH_FAULT_TEST_DF:
		fault_double();
		break;
	case ARCH_FAULT_TEST_STACK:
		fault_stack_overflow();
		break;
	}
}
