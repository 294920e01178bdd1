/*
 * Memory self-tests selected by the kernel command line (`selftest=<name>`): each
 * deliberately breaks one rule the memory core enforces and must end in the matching
 * report from the trap handler or the heap (never in "[mm] selftest: error"). They
 * prove in the running kernel what the host tests prove of the table contents: guard
 * pages, per-section permissions, NX, the removed identity map and the heap's
 * corruption checks are live. The QEMU suite tests/qemu/kmem_tests.py runs them.
 */
#include <kernel/mm.h>

#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/log.h>
#include <kernel/panic.h>

/* Writes into the page below the boot stack: a not-present #PF (CR2 in the page). */
static _Noreturn void mm_selftest_stack_guard(void)
{
	uint64_t guard;

	if (arch_mm_image_guards(&guard, 1) != 1)
		arch_halt_forever();
	klog("mm", "selftest: writing to the boot stack guard page at %#llx",
	     (unsigned long long)guard);
	*(volatile uint64_t *)(uintptr_t)(guard + FRAME_SIZE - 8) = 0xdead;
	klog("mm", "selftest: error: guard page write did not fault");
	arch_debug_exit(ARCH_EXIT_FAILURE);
}

/* Frees a block twice, or overruns one by a byte: the heap must panic. */
static _Noreturn void mm_selftest_heap(bool overflow)
{
	uint8_t *p = kmalloc(40);

	klog("mm", "selftest: heap %s", overflow ? "overflow by one byte" : "double free");
	if (!p)
		panic("selftest: kmalloc(40) failed");
	if (overflow)
		p[40] = 0;
	else
		kfree(p);
	kfree(p);
	klog("mm", "selftest: error: heap corruption went undetected");
	arch_debug_exit(ARCH_EXIT_FAILURE);
}

/* Writes to a .rodata object: W^X / CR0.WP must turn it into a #PF. */
static _Noreturn void mm_selftest_write_rodata(void)
{
	static const uint64_t ro_probe = 0x5eed;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)&ro_probe;

	klog("mm", "selftest: writing to read-only data at %#llx",
	     (unsigned long long)(uintptr_t)p);
	*p = 0;
	klog("mm", "selftest: error: write to read-only data did not fault");
	arch_debug_exit(ARCH_EXIT_FAILURE);
}

/* Calls a `ret` placed in .data: NX must turn the fetch into a #PF. */
static _Noreturn void mm_selftest_exec_data(void)
{
	static uint8_t ret_insn[16] = { 0xc3 };
	void (*fn)(void) = (void (*)(void))(uintptr_t)ret_insn;

	klog("mm", "selftest: executing from writable data at %#llx",
	     (unsigned long long)(uintptr_t)ret_insn);
	fn();
	klog("mm", "selftest: error: instruction fetch from data did not fault");
	arch_debug_exit(ARCH_EXIT_FAILURE);
}

/* Reads the kernel's load address through the old identity map: must be gone. */
static _Noreturn void mm_selftest_identity(void)
{
	volatile const uint64_t *p = (volatile const uint64_t *)(uintptr_t)KERNEL_PHYS_BASE;

	klog("mm", "selftest: reading the identity-mapped address %#llx",
	     (unsigned long long)KERNEL_PHYS_BASE);
	(void)*p;
	klog("mm", "selftest: error: identity map still present");
	arch_debug_exit(ARCH_EXIT_FAILURE);
}

void mm_selftest(const char *cmdline)
{
	if (cmdline_value_is(cmdline, "selftest", "identity"))
		mm_selftest_identity();
	if (cmdline_value_is(cmdline, "selftest", "write-rodata"))
		mm_selftest_write_rodata();
	if (cmdline_value_is(cmdline, "selftest", "exec-data"))
		mm_selftest_exec_data();
	if (cmdline_value_is(cmdline, "selftest", "stackguard"))
		mm_selftest_stack_guard();
	if (cmdline_value_is(cmdline, "selftest", "heap-double-free"))
		mm_selftest_heap(false);
	if (cmdline_value_is(cmdline, "selftest", "heap-overflow"))
		mm_selftest_heap(true);
}
