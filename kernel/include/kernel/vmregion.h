/*
 * VirtualMemory's region table (kernel/proc/vmregion.c): which parts of a process's
 * anonymous window are reserved, and in what state. Pure bookkeeping over byte
 * ranges, no frames and no page tables, so tests/host/kernel/vmregion_test.c checks
 * it on the host; kernel/proc/vmres.c keeps the page tables and the ledger in step.
 *
 * A page of the window is in exactly one state: free (in no entry), reserved (address
 * space only), committed (backed by a zero-filled frame) or guard (reserved, never
 * committable, any access faults). The table holds the non-free pages as sorted,
 * non-overlapping [start, end) entries; it is always normalized: no empty entry and
 * no two touching entries in the same state, so its size only depends on the pages'
 * states, never on the history of calls that set them.
 *
 * The bookkeeping's memory is bounded: at most VMR_MAX entries per process. A change
 * that would need more fails with CAPOS_ERR_VMR_TOO_MANY before anything changes.
 * Lock legend: [P] owned by the process (one CPU today: interrupts off).
 */
#ifndef KERNEL_VMREGION_H
#define KERNEL_VMREGION_H

#include <stdbool.h>
#include <stdint.h>

/* Entries per process: 256 disjoint runs of one state (24 bytes each; the table is
 * 6 KiB, allocated on first use and charged to the process). A libcapos thread stack
 * with a guard page takes two, so PROFILE_MAX_THREADS (64) guarded threads fit. */
#define VMR_MAX 256u

enum vmr_state {
	VMR_FREE,      /* not in the table: no reservation */
	VMR_RESERVED,  /* address space only; commit may back it */
	VMR_COMMITTED, /* backed by frames, mapped with the permissions commit/map gave */
	VMR_GUARD,     /* reserved for good: commit refuses it, any access faults */
	VMR_STATE_COUNT
};

/* Masks of states for vmr_bytes. */
#define VMR_BIT(s) (1u << (s))
#define VMR_ANY_RESERVED (VMR_BIT(VMR_RESERVED) | VMR_BIT(VMR_COMMITTED) | VMR_BIT(VMR_GUARD))

struct vmr_entry {
	uint64_t start; /* first byte */
	uint64_t end;	/* one past the last byte; start < end */
	uint32_t state; /* enum vmr_state, never VMR_FREE */
};

struct vmr_table {
	uint32_t count;		     /* [P] entries in use, <= VMR_MAX */
	struct vmr_entry e[VMR_MAX]; /* [P] sorted by start; normalized (see above) */
};

/* An empty table (every page free). */
void vmr_init(struct vmr_table *t);

/*
 * Bytes of [a, b) whose state is in `mask` (VMR_BIT(...) values; VMR_BIT(VMR_FREE)
 * counts the bytes no entry covers). a <= b.
 */
uint64_t vmr_bytes(const struct vmr_table *t, uint64_t a, uint64_t b, unsigned mask);

/* Bytes the table covers in any state (what the process has reserved). */
uint64_t vmr_total(const struct vmr_table *t);

/*
 * Whether vmr_set(t, a, b, s) would fit: CAPOS_OK, CAPOS_ERR_VMR_TOO_MANY (the
 * normalized result needs more than VMR_MAX entries) or CAPOS_ERR_INVALID (a >= b or
 * an unknown state). Changes nothing.
 */
int vmr_set_check(const struct vmr_table *t, uint64_t a, uint64_t b, enum vmr_state s);

/*
 * Puts every byte of [a, b) in state s (VMR_FREE removes it), splitting and merging
 * entries so the table stays normalized. Errors: vmr_set_check's, and then nothing
 * changed.
 */
int vmr_set(struct vmr_table *t, uint64_t a, uint64_t b, enum vmr_state s);

/*
 * First fit for a kernel-chosen address: the lowest address in [lo, hi) where `size`
 * bytes are free with `gap` free bytes on either side (so two placements never touch
 * and a stray access past either end faults). All arguments multiples of the caller's
 * page size, size > 0. Errors: CAPOS_ERR_VMR_NO_SPACE.
 */
int vmr_find_free(const struct vmr_table *t, uint64_t lo, uint64_t hi, uint64_t size, uint64_t gap,
		  uint64_t *out);

/* The index of the first entry that ends after a (t->count if none): where a search
 * of [a, ...) starts. */
uint32_t vmr_first_after(const struct vmr_table *t, uint64_t a);

/* Whether the table is sorted, disjoint and normalized (debug checks and host tests). */
bool vmr_valid(const struct vmr_table *t);

#endif
