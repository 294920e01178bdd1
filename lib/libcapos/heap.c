/*
 * Program-break arithmetic behind sbrk (see libcapos/heap.h). Every bound is checked
 * without overflow: an increment is compared against the room left, never added
 * first.
 */
#include <libcapos/heap.h>

#include <capos/error.h>

int capos_heap_init(struct capos_heap *heap, void *base, size_t size)
{
	uintptr_t b = (uintptr_t)base;

	if (b + size < b)
		return CAPOS_ERR_OVERFLOW;
	heap->base = b;
	heap->brk = b;
	heap->limit = b + size;
	return CAPOS_OK;
}

int capos_heap_sbrk(struct capos_heap *heap, intptr_t incr, void **old)
{
	uintptr_t cur = heap->brk;

	if (incr >= 0) {
		if ((uintptr_t)incr > heap->limit - cur)
			return CAPOS_ERR_NO_MEMORY;
		heap->brk = cur + (uintptr_t)incr;
	} else {
		/* -(incr + 1) + 1 avoids negating INTPTR_MIN. */
		uintptr_t dec = (uintptr_t)(-(incr + 1)) + 1;

		if (dec > cur - heap->base)
			return CAPOS_ERR_INVALID;
		heap->brk = cur - dec;
	}
	*old = (void *)cur;
	return CAPOS_OK;
}
