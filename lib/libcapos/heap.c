/*
 * Program-break arithmetic behind sbrk (see libcapos/heap.h). Every bound is checked
 * without overflow: an increment is compared against the room left, never added
 * first. The window's ends are page-aligned, so page_up(brk) never passes limit.
 */
#include <libcapos/heap.h>

#include <capos/error.h>
#include <capos/layout.h>

#define HEAP_PAGE ((uintptr_t)CAPOS_PAGE_SIZE)

static uintptr_t heap_page_up(uintptr_t a)
{
	return (a + HEAP_PAGE - 1) & ~(HEAP_PAGE - 1);
}

int capos_heap_init(struct capos_heap *heap, uintptr_t base, size_t size)
{
	if ((base | size) & (HEAP_PAGE - 1))
		return CAPOS_ERR_ALIGNMENT;
	if (base + size < base)
		return CAPOS_ERR_OVERFLOW;
	heap->base = base;
	heap->brk = base;
	heap->mapped = base;
	heap->limit = base + size;
	return CAPOS_OK;
}

int capos_heap_plan(const struct capos_heap *heap, intptr_t incr, struct capos_heap_change *c)
{
	uintptr_t cur = heap->brk, want;

	if (incr >= 0) {
		if ((uintptr_t)incr > heap->limit - cur)
			return CAPOS_ERR_NO_MEMORY;
		c->new_brk = cur + (uintptr_t)incr;
	} else {
		/* -(incr + 1) + 1 avoids negating INTPTR_MIN. */
		uintptr_t dec = (uintptr_t)(-(incr + 1)) + 1;

		if (dec > cur - heap->base)
			return CAPOS_ERR_INVALID;
		c->new_brk = cur - dec;
	}
	want = heap_page_up(c->new_brk);
	c->map_addr = heap->mapped;
	c->map_size = want > heap->mapped ? want - heap->mapped : 0;
	c->unmap_addr = want;
	c->unmap_size = want < heap->mapped ? heap->mapped - want : 0;
	return CAPOS_OK;
}

uintptr_t capos_heap_commit(struct capos_heap *heap, const struct capos_heap_change *c)
{
	uintptr_t old = heap->brk;

	heap->brk = c->new_brk;
	heap->mapped = heap_page_up(c->new_brk);
	return old;
}
