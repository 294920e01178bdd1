/*
 * Kernel heap core (kernel/mm/heap.c): power-of-two size classes carved from single
 * pages (slabs), larger blocks as whole page runs. Pure: pages come from, and
 * corruption reports go to, caller-supplied hooks, so host tests drive it over
 * malloc'd pages and observe every detection; the kernel wires it to the frame
 * allocator and panic() (kmalloc/kfree in kernel/mm.h). Owned by kmem.
 *
 * Debug mode (on unless CAPOS_NDEBUG) adds: a redzone after every block, filled
 * and checked on free (overflow); a state word per block (double free, bad
 * pointer); poisoning of freed blocks, checked when reused (write after free).
 */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_PAGE 4096u
#define HEAP_ALIGN 16u
#define HEAP_CLASSES 6		    /* slots of 32, 64, ..., 1024 bytes */
#define HEAP_MAX_ALLOC (1ull << 30) /* larger requests fail (NULL) */

#ifdef CAPOS_NDEBUG
#define HEAP_DEBUG_DEFAULT false
#else
#define HEAP_DEBUG_DEFAULT true
#endif

struct heap_ops {
	/* npages contiguous, page-aligned pages; 0 or a capos error. */
	int (*pages_alloc)(void *ctx, size_t npages, void **out);
	void (*pages_free)(void *ctx, void *pages, size_t npages);
	/* Corruption report: err is CAPOS_ERR_HEAP_*. The kernel panics; if the hook
	 * returns, the heap leaves the block alone and the call reports err. */
	void (*fault)(void *ctx, int err, const void *ptr, const char *what);
	void *ctx;
};

struct heap_slab;

/* Lock legend: none yet; one CPU uses the heap until SMP adds a lock. */
struct heap {
	struct heap_ops ops;
	bool debug;				 /* redzones, poisoning, state checks */
	struct heap_slab *partial[HEAP_CLASSES]; /* slabs with a free slot, per class */
	uint64_t bytes_in_use;			 /* requested bytes outstanding */
	uint64_t blocks_in_use;			 /* live blocks */
	uint64_t pages_in_use;			 /* pages held (slabs + runs) */
};

void heap_init(struct heap *h, const struct heap_ops *ops, bool debug);

/*
 * A block of at least `size` bytes, 16-byte aligned, or NULL when size is 0, larger
 * than HEAP_MAX_ALLOC, or memory is exhausted. Reports CAPOS_ERR_HEAP_USE_AFTER_FREE
 * through the fault hook if a reused slot's poison was disturbed.
 */
void *heap_alloc(struct heap *h, size_t size);

/* heap_alloc() then zero the block. */
void *heap_zalloc(struct heap *h, size_t size);

/*
 * Frees a block from heap_alloc(); NULL is a no-op. Returns 0, or (after reporting
 * through the fault hook) CAPOS_ERR_HEAP_DOUBLE_FREE, CAPOS_ERR_HEAP_OVERFLOW
 * (redzone or header overwritten) or CAPOS_ERR_HEAP_BAD_POINTER (not a block start).
 * In non-debug mode only the pointer checks run.
 */
int heap_free(struct heap *h, void *p);

/*
 * Bytes of heap pages a block of `size` bytes occupies: its whole slot (header and
 * redzone included) or its whole page run; 0 when heap_alloc would refuse the size.
 * What kernel/mm/kcharge.c charges a ledger for a block.
 */
size_t heap_block_cost(const struct heap *h, size_t size);

/* Usable size of a live block (its requested size), or 0 if p is not one. */
size_t heap_block_size(const struct heap *h, const void *p);

#endif
