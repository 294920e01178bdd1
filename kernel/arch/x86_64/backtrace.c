/*
 * Frame-pointer backtraces (kernel/arch.h arch_backtrace). The kernel is built with
 * -fno-omit-frame-pointer, so every frame starts with [saved rbp][return address];
 * boot.S zeroes rbp before kmain so the chain ends. Frame pointers are checked before
 * each dereference (kernel half, 8-byte aligned, strictly increasing, bounded depth)
 * so a corrupt stack ends the walk instead of faulting again.
 */
#include <arch/memlayout.h>
#include <kernel/arch.h>
#include <kernel/log.h>

#define BACKTRACE_MAX_DEPTH 32

static bool frame_pointer_plausible(uint64_t rbp, uint64_t prev)
{
	return rbp >= DIRECT_MAP_BASE && (rbp & 7) == 0 && rbp > prev &&
	       rbp <= UINT64_MAX - 16;
}

static void print_frame(const char *subsys, int depth, uint64_t rip)
{
	klog(subsys, "  #%-2d %#018llx", depth, (unsigned long long)rip);
}

void arch_backtrace(const char *subsys, uint64_t rip, uint64_t rbp)
{
	klog(subsys, "backtrace:");
	print_frame(subsys, 0, rip);
	uint64_t prev = 0;
	for (int depth = 1; depth < BACKTRACE_MAX_DEPTH; depth++) {
		if (!frame_pointer_plausible(rbp, prev))
			return;
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = frame[1];
		if (ret == 0)
			return;
		print_frame(subsys, depth, ret);
		prev = rbp;
		rbp = frame[0];
	}
	klog(subsys, "  ... (truncated at %d frames)", BACKTRACE_MAX_DEPTH);
}
