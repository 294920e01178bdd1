/*
 * panic(): print the reason and a backtrace, then end the run with the failure status
 * (kernel/panic.h). A second panic on the same CPU while one is in progress (e.g. a
 * fault while printing the backtrace) skips straight to the exit so the run can never
 * hang. SMP: the first CPU to panic owns the report; it takes the log
 * (klog_panic_enter: no line of another CPU is cut), stops every other CPU with an NMI
 * (arch_cpu_stop_others) and only then prints, so the report is not interleaved. A CPU
 * that panics while another one's report is under way halts and waits to be stopped.
 *
 * Lock legend: [A] atomic.
 */
#include <kernel/panic.h>

#include <kernel/arch.h>
#include <kernel/log.h>

#include <stdarg.h>
#include <stdbool.h>

#define PANIC_NO_CPU UINT32_MAX

static uint32_t panic_cpu = PANIC_NO_CPU; /* [A] the CPU whose panic is being reported */

/* rip == 0: no backtrace (the caller printed its own). */
static _Noreturn void panic_common(uint64_t rip, uint64_t rbp, const char *fmt, va_list ap)
{
	uint32_t me, expected = PANIC_NO_CPU;

	arch_irq_disable();
	me = arch_cpu_index();
	if (!__atomic_compare_exchange_n(&panic_cpu, &expected, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (expected != me)
			arch_halt_forever(); /* the other CPU's report stops this one */
		klog("panic", "nested panic; exiting");
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	klog_panic_enter();
	uint32_t others = arch_cpu_online_count() - 1, stopped = arch_cpu_stop_others();
	vklog("panic", fmt, ap);
	if (others > 0)
		klog("panic", "on cpu %u; %u of %u other cpus stopped", me, stopped, others);
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
	return __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE) != PANIC_NO_CPU;
}
