/*
 * panic(): print the reason and a backtrace, then end the run with the failure status
 * (kernel/panic.h). A second panic while one is in progress (e.g. a fault while
 * printing the backtrace) skips straight to the exit so the run can never hang.
 */
#include <kernel/panic.h>

#include <kernel/arch.h>
#include <kernel/log.h>

#include <stdarg.h>
#include <stdbool.h>

static bool panicking;

/* rip == 0: no backtrace (the caller printed its own). */
static _Noreturn void panic_common(uint64_t rip, uint64_t rbp, const char *fmt, va_list ap)
{
	arch_irq_disable();
	if (panicking) {
		klog("panic", "nested panic; exiting");
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	panicking = true;
	vklog("panic", fmt, ap);
	if (rip != 0)
		arch_backtrace("panic", rip, rbp);
	klog("panic", "halting (status %#x)", ARCH_EXIT_FAILURE);
	arch_debug_exit(ARCH_EXIT_FAILURE);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_common((uint64_t)(uintptr_t)__builtin_return_address(0),
		     *(uint64_t *)__builtin_frame_address(0), fmt, ap);
}

_Noreturn void panic_no_backtrace(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_common(0, 0, fmt, ap);
}

bool panic_in_progress(void)
{
	return panicking;
}
