/*
 * Frame-pointer backtraces (kernel/arch.h arch_backtrace). The kernel is built with
 * -fno-omit-frame-pointer, so every frame starts with [saved rbp][return address];
 * boot.S zeroes rbp before kmain so the chain ends. The walk itself is fpwalk.c
 * (pure, host-tested): frame pointers are checked before each dereference (kernel
 * half, 8-byte aligned, strictly increasing, bounded depth), so a corrupt stack ends
 * the walk instead of faulting again. A plausible but unmapped frame still faults;
 * the trap handler's nested-fault path then ends the run at once.
 */
#include <arch/fpwalk.h>
#include <arch/memlayout.h>
#include <kernel/arch.h>
#include <kernel/ksyms.h>
#include <kernel/log.h>

#include <capos/error.h>

#define BACKTRACE_MAX_DEPTH 32

static bool kernel_frame_read(void *ctx, uint64_t addr, uint64_t out[2])
{
	(void)ctx;
	const volatile uint64_t *frame = (const volatile uint64_t *)(uintptr_t)addr;
	out[0] = frame[0];
	out[1] = frame[1];
	return true;
}

/*
 * Return addresses point after the call; look up rip - 1 for frames > 0 so a call that
 * ends a function is attributed to it, but print the address itself.
 */
static void print_frame(const char *subsys, int depth, uint64_t rip)
{
	const char *name;
	uint64_t off;
	uint64_t probe = depth > 0 ? rip - 1 : rip;
	if (ksyms_resolve(probe, &name, &off) == CAPOS_OK)
		klog(subsys, "  #%-2d 0x%016llx %s+0x%llx", depth, (unsigned long long)rip, name,
		     (unsigned long long)(off + (rip - probe)));
	else
		klog(subsys, "  #%-2d 0x%016llx ?", depth, (unsigned long long)rip);
}

void arch_backtrace(const char *subsys, uint64_t rip, uint64_t rbp)
{
	static const struct fpwalk_mem kernel_stack = {
		.read = kernel_frame_read,
		.lo = DIRECT_MAP_BASE,
		.hi = UINT64_MAX,
	};
	uint64_t pcs[BACKTRACE_MAX_DEPTH];
	bool truncated;
	size_t n = fpwalk(rip, rbp, &kernel_stack, pcs, BACKTRACE_MAX_DEPTH, &truncated);
	klog(subsys, "backtrace:");
	for (size_t i = 0; i < n; i++)
		print_frame(subsys, (int)i, pcs[i]);
	if (truncated)
		klog(subsys, "  ... (truncated at %d frames)", BACKTRACE_MAX_DEPTH);
}
