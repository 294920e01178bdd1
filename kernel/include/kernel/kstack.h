/*
 * Kernel stacks for threads (kernel/proc/kstack.c): KSTACK_PAGES pages mapped in a
 * dedicated kernel window with an unmapped guard page below each, so an overflow
 * faults (then #DF on its IST stack) instead of corrupting a neighbour. The window's
 * page tables are built once by kstack_init(), before any user space copies the
 * kernel half, so creating and freeing stacks never allocates or frees table frames.
 * The window has kstack_window_slots() slots (at most KSTACK_SLOTS), which bounds the
 * threads alive at once machine-wide; what bounds them in practice is each process's
 * thread quota and kernel-byte charge (docs/resources.md).
 * Lock legend: [K] the kernel lock (kstack_init: boot CPU, before the APs run).
 */
#ifndef KERNEL_KSTACK_H
#define KERNEL_KSTACK_H

#include <stdint.h>

#define KSTACK_PAGES 4
#define KSTACK_SIZE (KSTACK_PAGES * 4096ull)
#define KSTACK_SLOTS 4096			 /* the window's largest size, in stacks */
#define KSTACK_FRAMES_PER_SLOT 8		 /* free frames at boot per window slot */
#define KSTACK_WINDOW_BASE 0xFFFFFE0000000000ull /* PML4 slot 508 */

struct kstack {
	uint64_t top;		       /* first byte above the stack (16-aligned) */
	uint64_t frames[KSTACK_PAGES]; /* physical frames, lowest page first */
	int slot;		       /* window slot, -1 when not allocated */
};

/*
 * The window's size for a machine with `free_frames` free frames at boot, capped at
 * `max` (1..KSTACK_SLOTS): one slot per KSTACK_FRAMES_PER_SLOT frames (a thread takes
 * at least that many: its kernel stack, extended state, ring page and user stack),
 * rounded up to a multiple of 64, at least 64, then at most `max`. So a small machine
 * spends few frames on the window's tables (one for 64 slots) and a 32 MiB one already
 * has the whole window.
 */
unsigned kstack_window_slots(uint64_t free_frames, unsigned max);

/*
 * Reads `threads=N` from the kernel command line: at most N (1..KSTACK_SLOTS) threads
 * alive at once machine-wide (the window's cap; without it, KSTACK_SLOTS). Call before
 * kstack_init. Errors: CAPOS_ERR_INVALID (not a number in range).
 */
int kstack_configure(const char *cmdline);

/* Sizes the window from frame_free_count() and the threads= cap and builds its page
 * tables. Call once after mm_init. Errors: arch_mm_populate(). */
int kstack_init(void);

/* Allocates and maps a stack. Errors: CAPOS_ERR_NO_MEMORY (frames or slots). */
int kstack_alloc(struct kstack *ks);

/* Unmaps a stack and frees its frames; it must not be in use. */
void kstack_free(struct kstack *ks);

/* Stacks in use now. */
unsigned kstack_in_use(void);

#endif
