/*
 * Host tests of libcapos's program break (lib/libcapos/heap.c, unmodified): growth
 * and shrink return the old break and plan exactly the pages to map or unmap (no
 * frame wasted: mapped == page_up(brk) after every step), the window is exact at both
 * ends, and hostile increments (past the limit, below the base, INTPTR_MIN/MAX) and
 * windows (unaligned, wrapping) fail with the exact status and change nothing. The
 * window is a plain address range: nothing here touches memory.
 */
#include "test.h"

#include <libcapos/heap.h>

#include <capos/error.h>
#include <stdint.h>

#define PG 4096u
#define BASE ((uintptr_t)0x600000000000u)

/* plan + commit as sbrk does when the pages come; returns the plan's status. */
static int heap_move(struct capos_heap *h, intptr_t incr, struct capos_heap_change *c,
		     uintptr_t *old)
{
	int err = capos_heap_plan(h, incr, c);

	if (err == CAPOS_OK)
		*old = capos_heap_commit(h, c);
	return err;
}

TEST(heap_grow_maps_exact_pages)
{
	struct capos_heap h;
	struct capos_heap_change c;
	uintptr_t old = 0;

	CHECK_EQ(capos_heap_init(&h, BASE, 16 * PG), CAPOS_OK);
	CHECK_EQ(heap_move(&h, 0, &c, &old), CAPOS_OK);
	CHECK_UEQ(old, BASE);
	CHECK_UEQ(c.map_size | c.unmap_size, 0);
	CHECK_EQ(heap_move(&h, 100, &c, &old), CAPOS_OK); /* first byte: one page */
	CHECK_UEQ(old, BASE);
	CHECK_UEQ(c.map_addr, BASE);
	CHECK_UEQ(c.map_size, PG);
	CHECK_UEQ(c.unmap_size, 0);
	CHECK_EQ(heap_move(&h, PG - 100, &c, &old), CAPOS_OK); /* fills the page: nothing */
	CHECK_UEQ(old, BASE + 100);
	CHECK_UEQ(c.map_size, 0);
	CHECK_EQ(heap_move(&h, 2 * PG + 1, &c, &old), CAPOS_OK); /* 3 more pages */
	CHECK_UEQ(c.map_addr, BASE + PG);
	CHECK_UEQ(c.map_size, 3 * PG);
	CHECK_UEQ(h.mapped, BASE + 4 * PG);
	CHECK_UEQ(h.brk, BASE + 3 * PG + 1);
}

TEST(heap_shrink_unmaps_whole_pages)
{
	struct capos_heap h;
	struct capos_heap_change c;
	uintptr_t old = 0;

	CHECK_EQ(capos_heap_init(&h, BASE, 16 * PG), CAPOS_OK);
	CHECK_EQ(heap_move(&h, 5 * PG + 10, &c, &old), CAPOS_OK);
	CHECK_UEQ(c.map_size, 6 * PG);
	CHECK_EQ(heap_move(&h, -5, &c, &old), CAPOS_OK); /* still inside page 5: keep it */
	CHECK_UEQ(c.unmap_size, 0);
	CHECK_UEQ(h.mapped, BASE + 6 * PG);
	CHECK_EQ(heap_move(&h, -(intptr_t)(2 * PG), &c, &old), CAPOS_OK);
	CHECK_UEQ(c.map_size, 0);
	CHECK_UEQ(c.unmap_addr, BASE + 4 * PG);
	CHECK_UEQ(c.unmap_size, 2 * PG);
	CHECK_EQ(heap_move(&h, -(intptr_t)(h.brk - BASE), &c, &old), CAPOS_OK);
	CHECK_UEQ(c.unmap_addr, BASE);
	CHECK_UEQ(c.unmap_size, 4 * PG);
	CHECK_UEQ(h.brk, BASE);
	CHECK_UEQ(h.mapped, BASE);
}

TEST(heap_exact_limit)
{
	struct capos_heap h;
	struct capos_heap_change c;
	uintptr_t old = 0;

	CHECK_EQ(capos_heap_init(&h, BASE, 4 * PG), CAPOS_OK);
	CHECK_EQ(heap_move(&h, 4 * PG, &c, &old), CAPOS_OK);
	CHECK_UEQ(c.map_size, 4 * PG);
	CHECK_EQ(capos_heap_plan(&h, 1, &c), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(heap_move(&h, -(intptr_t)(4 * PG), &c, &old), CAPOS_OK);
	CHECK_EQ(capos_heap_plan(&h, -1, &c), CAPOS_ERR_INVALID);
	CHECK_UEQ(h.brk, BASE);
}

TEST(heap_hostile_increments_leave_break_unchanged)
{
	struct capos_heap h;
	struct capos_heap_change c;
	uintptr_t old = 0;

	CHECK_EQ(capos_heap_init(&h, BASE, 4 * PG), CAPOS_OK);
	CHECK_EQ(heap_move(&h, 64, &c, &old), CAPOS_OK);
	CHECK_EQ(capos_heap_plan(&h, INTPTR_MAX, &c), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(capos_heap_plan(&h, INTPTR_MIN, &c), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_heap_plan(&h, -65, &c), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_heap_plan(&h, (intptr_t)(4 * PG) - 63, &c), CAPOS_ERR_NO_MEMORY);
	CHECK_UEQ(h.brk, BASE + 64);
	CHECK_UEQ(h.mapped, BASE + PG);
}

TEST(heap_hostile_windows)
{
	struct capos_heap h = { 0 };

	CHECK_EQ(capos_heap_init(&h, UINTPTR_MAX - 2 * PG + 1, 4 * PG), CAPOS_ERR_OVERFLOW);
	CHECK_EQ(capos_heap_init(&h, BASE + 16, 4 * PG), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(capos_heap_init(&h, BASE, 4 * PG + 1), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(capos_heap_init(&h, UINTPTR_MAX - 2 * PG + 1, PG), CAPOS_OK);
}
