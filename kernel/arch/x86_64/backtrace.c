/*
 * Frame-pointer backtraces (kernel/arch.h arch_backtrace). The kernel is built with
 * -fno-omit-frame-pointer, so every frame starts with [saved rbp][return address];
 * boot.S zeroes rbp before kmain so the chain ends. Frame pointers are checked before
 * each dereference (kernel half, 8-byte aligned, strictly increasing, bounded depth)
 * so a corrupt stack ends the walk instead of faulting again.
 */
#include <arch/memlayout.h>
#include <kernel/arch.h>
#include <kernel/ksyms.h>
#include <kernel/log.h>

#include <capos/error.h>

#define BACKTRACE_MAX_DEPTH 32

static bool frame_pointer_plausible(uint64_t rbp, uint64_t prev)
{
	return rbp >= DIRECT_MAP_BASE && (rbp & 7) == 0 && rbp > prev &&
	       rbp <= UINT64_MAX - 16;
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
		klog(subsys, "  #%-2d 0x%016llx %s+%#llx", depth, (unsigned long long)rip, name,
		     (unsigned long long)(off + (rip - probe)));
	else
		klog(subsys, "  #%-2d 0x%016llx ?", depth, (unsigned long long)rip);
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
