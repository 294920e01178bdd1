/*
 * Kernel memory spent on a process's behalf (kernel/mm/kcharge.c; docs/resources.md
 * "Kernel memory"). Two ways in, both charged to a ledger's LEDGER_KERNEL_BYTES class:
 *
 * - charged blocks: kcharge_alloc / kcharge_free. A 16-byte record in front of the
 *   payload names the ledger (with a reference, ledger_get) and the bytes charged, so
 *   the free releases the right charge into a live ledger even after the process that
 *   paid has been reaped (an endpoint, facet or revocation node other processes still
 *   hold). A NULL ledger gives an uncharged block with the same record (kernel-owned
 *   objects of the same type).
 * - charged records: kcharge_take / kcharge_give, for memory whose allocation is
 *   managed elsewhere (the IPC record cache reuses blocks across calls, kernel stacks
 *   are frames): the caller stores the ledger and the byte count and gives them back.
 *   The _noref variants skip the ledger reference, for records that never outlive the
 *   paying process unless their owner takes one (IPC records: kernel/proc/kipc.c takes
 *   it when a call is orphaned); they keep the IPC fast path short.
 *
 * The charge is the block's whole footprint in the heap (heap_block_cost of payload +
 * record: its slot or its page run), so the quota bounds real kernel memory.
 *
 * The reserve: every request made on a process's behalf first checks that the system
 * keeps more than `reserve_frames` free frames after it; below that watermark it fails
 * with CAPOS_ERR_KERNEL_LOW_MEMORY and the frames left stay for the kernel's own needs
 * (kernel-internal allocations are unchecked; teardown never allocates). User frames
 * (page tables, mapped pages, kernel stacks) pass the same check (frame_alloc_user).
 *
 * The pool type and its functions are pure (host-tested in
 * tests/host/kernel/kcharge_test.c over a fake heap and free-frame count); the kernel
 * uses one global pool over its heap and frame allocator through the functions at the
 * end (kernel/mm/mm.c). Lock legend: [H] the heap's lock once SMP lands (one CPU
 * today: interrupts off); [I] set by kcharge_init.
 */
#ifndef KERNEL_KCHARGE_H
#define KERNEL_KCHARGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/heap.h>
#include <kernel/ledger.h>

/* Default watermark: 256 free frames (1 MiB) stay for the kernel, or an eighth of the
 * frames free at boot when that is less (a machine with under 8 MiB free).
 * `kreserve=N` on the kernel command line sets N frames instead (docs/resources.md). */
#define KCHARGE_RESERVE_FRAMES 256u
#define KCHARGE_RESERVE_SHARE 8u

static inline uint64_t kcharge_default_reserve(uint64_t free_at_boot)
{
	uint64_t share = free_at_boot / KCHARGE_RESERVE_SHARE;

	return share < KCHARGE_RESERVE_FRAMES ? share : KCHARGE_RESERVE_FRAMES;
}
#define KCHARGE_RESERVE_MAX (1u << 20) /* kreserve= above this is refused (4 GiB) */
#define KCHARGE_MAGIC 0x4b434847u      /* "KCHG": a live charged block */
#define KCHARGE_HDR 16u		       /* the record in front of the payload */

struct kcharge_pool {
	struct heap *heap;		    /* [I] blocks come from here */
	uint64_t (*free_frames)(void *ctx); /* [I] free frames of the system right now */
	void *ctx;			    /* [I] free_frames' argument */
	uint64_t reserve_frames;	    /* [I] the watermark */
	uint64_t live_blocks;		    /* [H] blocks from kcharge_alloc not yet freed */
	uint64_t charged_bytes; /* [H] bytes charged to ledgers now (blocks + records) */
	uint64_t refused_low;	/* [H] requests refused at the reserve */
	uint64_t refused_quota; /* [H] requests refused by a ledger's limit */
};

/* Sets up kp over heap h; free_frames(ctx) reports free frames. */
void kcharge_init(struct kcharge_pool *kp, struct heap *h, uint64_t (*free_frames)(void *ctx),
		  void *ctx, uint64_t reserve_frames);

/* Bytes a charged block of `size` payload bytes costs its ledger (0: refused size). */
uint64_t kcharge_cost(const struct kcharge_pool *kp, size_t size);

/*
 * The reserve check: CAPOS_ERR_KERNEL_LOW_MEMORY (counted in refused_low) unless more
 * than reserve_frames free frames remain after `frames` more are taken. frames == 0
 * (a request that takes no new memory) always passes.
 */
int kcharge_reserve_check(struct kcharge_pool *kp, uint64_t frames);

/*
 * Charges `bytes` to l's LEDGER_KERNEL_BYTES and takes a reference on l, after the
 * reserve check for `frames` new frames. l == NULL: the reserve check only (nothing
 * charged, no reference). Errors: CAPOS_ERR_KERNEL_LOW_MEMORY,
 * CAPOS_ERR_QUOTA_KERNEL_MEMORY; nothing changes on error.
 */
int kcharge_take(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes, uint64_t frames);

/* Undoes kcharge_take(kp, l, bytes, ...): releases the bytes, drops the reference
 * (which may free l). l == NULL is a no-op. */
void kcharge_give(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes);

/* kcharge_take / kcharge_give without the ledger reference (l must stay alive until the
 * give: the caller holds a reference or knows the payer outlives the record). */
int kcharge_take_noref(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes, uint64_t frames);
void kcharge_give_noref(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes);

/*
 * A block of `size` bytes (16-byte aligned, zeroed if `zero`) charged to l (or
 * uncharged, l == NULL) in *out. Errors: CAPOS_ERR_INVALID (size 0 or over
 * HEAP_MAX_ALLOC - KCHARGE_HDR), kcharge_take's, CAPOS_ERR_NO_MEMORY (the heap
 * refused; the charge is undone). Nothing changes on error.
 */
int kcharge_alloc(struct kcharge_pool *kp, struct ledger *l, size_t size, bool zero, void **out);

/*
 * Frees a block from kcharge_alloc and gives its charge back to the ledger recorded
 * in it. NULL is a no-op. Errors: CAPOS_ERR_KERNEL_BAD_CHARGE (p has no live charge
 * record: a plain kmalloc block or a double free; nothing changes), the heap's
 * heap_free errors.
 */
int kcharge_free(struct kcharge_pool *kp, void *p);

/* The ledger a live charged block is charged to (NULL: uncharged or not a block). */
struct ledger *kcharge_owner(const void *p);

/* ---- the kernel's pool (kernel/mm/mm.c) ---- */

/* kcharge_alloc on the kernel heap, non-zeroed / zeroed. */
int kmalloc_charged(struct ledger *l, size_t size, void **out);
int kzalloc_charged(struct ledger *l, size_t size, void **out);

/* kcharge_free on the kernel heap; a block with no charge record panics (a kernel bug:
 * CAPOS_ERR_KERNEL_BAD_CHARGE). NULL is a no-op. */
void kfree_charged(void *p);

/* kcharge_take / kcharge_give on the kernel pool (records: see the header comment). */
int kmem_charge(struct ledger *l, uint64_t bytes, uint64_t frames);
void kmem_uncharge(struct ledger *l, uint64_t bytes);

/* The _noref variants on the kernel pool. */
int kmem_charge_noref(struct ledger *l, uint64_t bytes, uint64_t frames);
void kmem_uncharge_noref(struct ledger *l, uint64_t bytes);

/* What a block of `size` bytes from kmalloc costs (heap_block_cost on the kernel heap):
 * the charge of a record kept in a cache of kmalloc blocks. */
uint64_t kmem_block_cost(size_t size);

/* The reserve check on the kernel pool (see kcharge_reserve_check). */
int kmem_reserve_check(uint64_t frames);

/* One frame allocated on a process's behalf: the reserve check, then frame_alloc.
 * Errors: CAPOS_ERR_KERNEL_LOW_MEMORY, CAPOS_ERR_NO_MEMORY. */
int frame_alloc_user(uint64_t *phys);

/* The kernel pool's statistics (kinit's end-of-run report and leak check). */
const struct kcharge_pool *mm_kcharge(void);

/*
 * Sets the kernel pool's watermark from the command line's `kreserve=<frames>` (decimal)
 * if present. Call once, before the first process. Errors: CAPOS_ERR_INVALID (not a
 * number or over KCHARGE_RESERVE_MAX).
 */
int kmem_reserve_configure(const char *cmdline);

#endif
