/*
 * libcapos program break: the memory newlib's malloc grows through `sbrk`.
 *
 * A heap is a page-aligned window [base, limit) with a break in between; the pages
 * [base, mapped) are backed, and the runtime keeps mapped == page_up(brk) exactly: a
 * growth maps only the pages the new break reaches into, a shrink unmaps the whole
 * pages it leaves. In a capOS process the window is CAPOS_USER_HEAP_BASE..END and the
 * pages come from the "vm" VirtualMemory cap (lib/libcapos/heap_vm.c, explicit hints,
 * so the heap stays contiguous). The arithmetic here is pure, so tests/host/libcapos
 * checks it on the host.
 */
#ifndef LIBCAPOS_HEAP_H
#define LIBCAPOS_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct capos_heap {
	uintptr_t base;	  /* first byte of the window; the break never goes below it */
	uintptr_t brk;	  /* current break: [base, brk) is handed out */
	uintptr_t mapped; /* [base, mapped) is backed; always page_up(brk) */
	uintptr_t limit;  /* one past the last byte the break may reach */
};

/* What moving the break needs: at most one of the two page ranges is non-empty. */
struct capos_heap_change {
	uintptr_t new_brk;
	uintptr_t map_addr, map_size;	  /* pages to back before the break moves */
	uintptr_t unmap_addr, unmap_size; /* whole pages to release after it moved */
};

/*
 * Start an empty heap (nothing mapped) over [base, base + size).
 * Errors: CAPOS_ERR_ALIGNMENT (base or size not a page multiple), CAPOS_ERR_OVERFLOW
 * (the window wraps).
 */
int capos_heap_init(struct capos_heap *heap, uintptr_t base, size_t size);

/*
 * Plan moving the break by `incr` bytes (negative shrinks) without changing the heap.
 * Errors: CAPOS_ERR_NO_MEMORY (would pass limit), CAPOS_ERR_INVALID (below base).
 */
int capos_heap_plan(const struct capos_heap *heap, intptr_t incr, struct capos_heap_change *c);

/* Apply a planned change once its pages are mapped; returns the old break. */
uintptr_t capos_heap_commit(struct capos_heap *heap, const struct capos_heap_change *c);

/*
 * Back [addr, addr + size) (page-aligned, inside the heap window) with zeroed
 * read-write pages at exactly that address / release them. In a capOS process:
 * VirtualMemory.map with hint = addr / unmap on the "vm" cap of the CapSet. Alone in
 * their object so the Linux test shim can replace them.
 * Errors: CAPOS_ERR_NOT_FOUND or CAPOS_ERR_CAP_WRONG_INTERFACE (no "vm" VirtualMemory
 * cap), the refusal's code (CAPOS_ERR_QUOTA_FRAMES or CAPOS_ERR_QUOTA_VIRTUAL when a
 * quota is spent, CAPOS_ERR_RING_QUOTA when no frame is left, CAPOS_ERR_VMR_OVERLAP when
 * the range is taken), CAPOS_ERR_INVALID (the kernel answered another address).
 */
int capos_heap_pages_map(uint64_t addr, uint64_t size);
int capos_heap_pages_unmap(uint64_t addr, uint64_t size);

#endif
