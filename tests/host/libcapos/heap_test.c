/*
 * Host tests of libcapos's program break (lib/libcapos/heap.c, unmodified): growth
 * and shrink return the old break, the window is exact at both ends, and hostile
 * increments (past the limit, below the base, INTPTR_MIN/MAX, wrapping windows)
 * fail with the exact status and leave the break unchanged.
 */
#include "test.h"

#include <libcapos/heap.h>

#include <capos/error.h>
#include <stdint.h>

static _Alignas(16) unsigned char heap_mem[4096];

TEST(heap_grow_and_shrink)
{
	struct capos_heap h;
	void *old = NULL;

	CHECK_EQ(capos_heap_init(&h, heap_mem, sizeof(heap_mem)), CAPOS_OK);
	CHECK_EQ(capos_heap_sbrk(&h, 0, &old), CAPOS_OK);
	CHECK(old == heap_mem);
	CHECK_EQ(capos_heap_sbrk(&h, 100, &old), CAPOS_OK);
	CHECK(old == heap_mem);
	CHECK_EQ(capos_heap_sbrk(&h, 28, &old), CAPOS_OK);
	CHECK(old == heap_mem + 100);
	CHECK_EQ(capos_heap_sbrk(&h, -128, &old), CAPOS_OK);
	CHECK(old == heap_mem + 128);
	CHECK_UEQ(h.brk, (uintptr_t)heap_mem);
}

TEST(heap_exact_limit)
{
	struct capos_heap h;
	void *old;

	CHECK_EQ(capos_heap_init(&h, heap_mem, sizeof(heap_mem)), CAPOS_OK);
	CHECK_EQ(capos_heap_sbrk(&h, sizeof(heap_mem), &old), CAPOS_OK);
	CHECK_EQ(capos_heap_sbrk(&h, 1, &old), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(capos_heap_sbrk(&h, 0, &old), CAPOS_OK);
	CHECK(old == heap_mem + sizeof(heap_mem));
	CHECK_EQ(capos_heap_sbrk(&h, -(intptr_t)sizeof(heap_mem), &old), CAPOS_OK);
	CHECK_EQ(capos_heap_sbrk(&h, -1, &old), CAPOS_ERR_INVALID);
	CHECK_UEQ(h.brk, (uintptr_t)heap_mem);
}

TEST(heap_hostile_increments_leave_break_unchanged)
{
	struct capos_heap h;
	void *old = (void *)1;

	CHECK_EQ(capos_heap_init(&h, heap_mem, sizeof(heap_mem)), CAPOS_OK);
	CHECK_EQ(capos_heap_sbrk(&h, 64, &old), CAPOS_OK);
	old = (void *)1;
	CHECK_EQ(capos_heap_sbrk(&h, INTPTR_MAX, &old), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(capos_heap_sbrk(&h, INTPTR_MIN, &old), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_heap_sbrk(&h, -65, &old), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_heap_sbrk(&h, (intptr_t)sizeof(heap_mem) - 63, &old), CAPOS_ERR_NO_MEMORY);
	CHECK(old == (void *)1);
	CHECK_UEQ(h.brk, (uintptr_t)heap_mem + 64);
}

TEST(heap_hostile_window_wraps)
{
	struct capos_heap h = { 0 };

	CHECK_EQ(capos_heap_init(&h, (void *)(UINTPTR_MAX - 100), 200), CAPOS_ERR_OVERFLOW);
	CHECK_EQ(capos_heap_init(&h, (void *)(UINTPTR_MAX - 100), 100), CAPOS_OK);
}
