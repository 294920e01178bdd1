/*
 * libcapos program break: the memory newlib's malloc grows through `sbrk`.
 *
 * A heap is a window [base, limit) with a break in between. Today the window is a
 * static arena in .bss (CAPOS_STATIC_HEAP_SIZE); once the VirtualMemory cap is reachable
 * over the ring, `limit` becomes the end of a reserved address range and growth maps
 * anonymous pages into it. The arithmetic here does not change with that, and it is
 * pure so that tests/host/libcapos can check it on the host.
 */
#ifndef LIBCAPOS_HEAP_H
#define LIBCAPOS_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct capos_heap {
	uintptr_t base;	 /* first byte of the window; the break never goes below it */
	uintptr_t brk;	 /* current break: [base, brk) is handed out */
	uintptr_t limit; /* one past the last byte the break may reach */
};

/* Start an empty heap over [base, base + size). Errors: CAPOS_ERR_OVERFLOW if it wraps. */
int capos_heap_init(struct capos_heap *heap, void *base, size_t size);

/*
 * Move the break by `incr` bytes (negative shrinks) and return the old break in *old.
 * On error nothing changes. Errors: CAPOS_ERR_NO_MEMORY (would pass limit),
 * CAPOS_ERR_INVALID (would drop below base).
 */
int capos_heap_sbrk(struct capos_heap *heap, intptr_t incr, void **old);

#endif
