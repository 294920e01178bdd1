/*
 * Host tests of the kernel-stack allocator (kernel/proc/kstack.c) over recording stubs
 * of the page-table and frame primitives: the window's size follows the free memory at
 * boot (64 slots at least, KSTACK_SLOTS at most); every slot of the window can be taken and
 * the next is CAPOS_ERR_NO_MEMORY; slots are distinct, lowest-free first and reused
 * after a free (also in a word below the scan's hint); the guard page below a stack is
 * never mapped; a frame or map failure part-way unmaps and frees exactly the pages it
 * had mapped, with every page shot down before its frame goes back, and leaves the slot
 * free; the frame count returns to its start.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/kstack.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/tlb.h>

#include "../test.h"

#define STRIDE (KSTACK_SIZE + FRAME_SIZE)
#define WINDOW_PAGES ((uint64_t)KSTACK_SLOTS * (KSTACK_PAGES + 1))
#define FRAME0 0x100000ull
#define FRAMES_MAX (8ull * KSTACK_SLOTS * KSTACK_PAGES) /* more than these tests take */

/* ---- the model behind the stubs: one byte per page of the window */
static uint8_t *mapped;		     /* page i of the window is mapped */
static uint8_t *flushed;	     /* page i was shot down since it was last mapped */
static uint64_t frames_out;	     /* frames handed out and not yet freed */
static uint64_t next_frame = FRAME0; /* the next frame's address: never reused */
static uint64_t *frame_page;	     /* frame i: 1 + the window page it is mapped at, or 0 */
static unsigned unflushed_frees;     /* frames freed while their page was not shot down */
static long frame_fail_after;	     /* frame_alloc fails after this many more (-1: never) */
static long map_fail_after;	     /* arch_mm_map fails after this many more (-1: never) */
static uint64_t populated_bytes;     /* what kstack_init asked arch_mm_populate for */
static int fake_aspace;

struct arch_aspace *mm_kernel_aspace(void)
{
	return (struct arch_aspace *)&fake_aspace;
}

static uint64_t page_of(uint64_t va)
{
	return (va - KSTACK_WINDOW_BASE) / FRAME_SIZE;
}

int arch_mm_populate(struct arch_aspace *as, uint64_t va, uint64_t size)
{
	if (as != mm_kernel_aspace() || va != KSTACK_WINDOW_BASE)
		return CAPOS_ERR_INVALID;
	populated_bytes = size;
	return CAPOS_OK;
}

static uint64_t frame_index(uint64_t pa)
{
	uint64_t i = (pa - FRAME0) / FRAME_SIZE;

	if (pa < FRAME0 || i >= FRAMES_MAX)
		abort();
	return i;
}

int arch_mm_map(struct arch_aspace *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	if (as != mm_kernel_aspace() || size != FRAME_SIZE || flags != ARCH_MM_WRITE ||
	    va < KSTACK_WINDOW_BASE || page_of(va) >= WINDOW_PAGES || mapped[page_of(va)])
		return CAPOS_ERR_INVALID;
	if (map_fail_after == 0)
		return CAPOS_ERR_NO_MEMORY;
	if (map_fail_after > 0)
		map_fail_after--;
	mapped[page_of(va)] = 1;
	flushed[page_of(va)] = 0;
	frame_page[frame_index(pa)] = 1 + page_of(va);
	return CAPOS_OK;
}

int arch_mm_unmap(struct arch_aspace *as, uint64_t va, uint64_t size)
{
	if (as != mm_kernel_aspace() || size != FRAME_SIZE || !mapped[page_of(va)])
		return CAPOS_ERR_MM_NOT_MAPPED;
	mapped[page_of(va)] = 0;
	return CAPOS_OK;
}

void tlb_flush_kernel_page(uint64_t va)
{
	flushed[page_of(va)] = 1;
}

int frame_alloc(uint64_t *phys)
{
	if (frame_fail_after == 0)
		return CAPOS_ERR_NO_MEMORY;
	if (frame_fail_after > 0)
		frame_fail_after--;
	*phys = next_frame;
	next_frame += FRAME_SIZE;
	frames_out++;
	return CAPOS_OK;
}

uint64_t frame_free_count(void)
{
	return 1ull << 20; /* 4 GiB free: the whole window */
}

int frame_free(uint64_t phys)
{
	uint64_t page = frame_page[frame_index(phys)];

	if (page != 0 && (mapped[page - 1] || !flushed[page - 1]))
		unflushed_frees++;
	frame_page[frame_index(phys)] = 0;
	frames_out--;
	return CAPOS_OK;
}

void klog(const char *sub, const char *fmt, ...)
{
	(void)sub, (void)fmt;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

/* ---- helpers */

static struct kstack stacks[KSTACK_SLOTS + 1];

/* Sets the model up once and clears the injected failures. The allocator's statics
 * persist across tests, so every test frees what it took. */
static void model_reset(void)
{
	if (mapped == NULL) {
		mapped = calloc(WINDOW_PAGES, 1);
		flushed = calloc(WINDOW_PAGES, 1);
		frame_page = calloc(FRAMES_MAX, sizeof(*frame_page));
		if (mapped == NULL || flushed == NULL || frame_page == NULL)
			abort();
		if (kstack_init() != CAPOS_OK)
			abort();
	}
	frame_fail_after = map_fail_after = -1;
}

static uint64_t mapped_pages(void)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < WINDOW_PAGES; i++)
		n += mapped[i];
	return n;
}

/* Stack s occupies its slot's pages 1..KSTACK_PAGES; page 0 (the guard) is unmapped. */
static bool stack_in_place(const struct kstack *s)
{
	uint64_t first = (uint64_t)s->slot * (KSTACK_PAGES + 1);

	if (s->slot < 0 || mapped[first])
		return false;
	for (unsigned i = 1; i <= KSTACK_PAGES; i++)
		if (!mapped[first + i])
			return false;
	return s->top == KSTACK_WINDOW_BASE + (uint64_t)s->slot * STRIDE + STRIDE;
}

static void free_all(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		kstack_free(&stacks[i]);
}

TEST(window_size_follows_memory_and_the_cap)
{
	CHECK_EQ(kstack_window_slots(0, KSTACK_SLOTS), 64);
	CHECK_EQ(kstack_window_slots(496, KSTACK_SLOTS), 64); /* -m 2M */
	CHECK_EQ(kstack_window_slots(64 * KSTACK_FRAMES_PER_SLOT, KSTACK_SLOTS), 64);
	CHECK_EQ(kstack_window_slots(65 * KSTACK_FRAMES_PER_SLOT, KSTACK_SLOTS), 128);
	CHECK_EQ(kstack_window_slots(4033 * KSTACK_FRAMES_PER_SLOT, KSTACK_SLOTS), KSTACK_SLOTS);
	CHECK_EQ(kstack_window_slots(32768, KSTACK_SLOTS), KSTACK_SLOTS); /* -m 128M */
	CHECK_EQ(kstack_window_slots(UINT64_MAX, KSTACK_SLOTS), KSTACK_SLOTS);
	CHECK_EQ(kstack_window_slots(UINT64_MAX, 100), 100); /* threads=100: exact */
	CHECK_EQ(kstack_window_slots(0, 10), 10);
	CHECK_EQ(kstack_window_slots(UINT64_MAX, KSTACK_SLOTS + 1), KSTACK_SLOTS);
}

TEST(threads_parameter)
{
	CHECK_EQ(kstack_configure("utest=many"), CAPOS_OK); /* absent: no cap */
	CHECK_EQ(kstack_configure("threads=0"), CAPOS_ERR_INVALID);
	CHECK_EQ(kstack_configure("threads=4097"), CAPOS_ERR_INVALID);
	CHECK_EQ(kstack_configure("threads=ten"), CAPOS_ERR_INVALID);
	CHECK_EQ(kstack_configure("threads=-1"), CAPOS_ERR_INVALID);
	CHECK_EQ(kstack_configure("threads=4096"), CAPOS_OK); /* kstack_init reads it later */
}

TEST(init_populates_the_whole_window)
{
	model_reset();
	CHECK_UEQ(populated_bytes, (uint64_t)KSTACK_SLOTS * STRIDE);
}

TEST(every_slot_then_no_memory)
{
	model_reset();
	for (unsigned i = 0; i < KSTACK_SLOTS; i++) {
		CHECK_EQ(kstack_alloc(&stacks[i]), CAPOS_OK);
		CHECK_EQ(stacks[i].slot, (int)i); /* lowest free first: all distinct */
		CHECK(stack_in_place(&stacks[i]));
	}
	CHECK_EQ(kstack_in_use(), KSTACK_SLOTS);
	CHECK_UEQ(frames_out, (uint64_t)KSTACK_SLOTS * KSTACK_PAGES);
	CHECK_EQ(kstack_alloc(&stacks[KSTACK_SLOTS]), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(stacks[KSTACK_SLOTS].slot, -1);
	CHECK_UEQ(frames_out, (uint64_t)KSTACK_SLOTS * KSTACK_PAGES); /* nothing taken */
	free_all(KSTACK_SLOTS);
	CHECK_EQ(kstack_in_use(), 0);
	CHECK_UEQ(frames_out, 0);
	CHECK_UEQ(mapped_pages(), 0);
	CHECK_EQ(unflushed_frees, 0);
}

/* threads=100: the window ends inside its second bitmap word. */
TEST(a_cap_inside_a_bitmap_word)
{
	model_reset();
	CHECK_EQ(kstack_configure("threads=100"), CAPOS_OK);
	CHECK_EQ(kstack_init(), CAPOS_OK);
	CHECK_UEQ(populated_bytes, 100 * STRIDE);
	for (unsigned i = 0; i < 100; i++)
		CHECK_EQ(kstack_alloc(&stacks[i]), CAPOS_OK);
	CHECK_EQ(kstack_alloc(&stacks[100]), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(stacks[100].slot, -1);
	kstack_free(&stacks[42]);
	CHECK_EQ(kstack_alloc(&stacks[42]), CAPOS_OK);
	CHECK_EQ(stacks[42].slot, 42);
	free_all(100);
	CHECK_EQ(kstack_configure("threads=4096"), CAPOS_OK);
	CHECK_EQ(kstack_init(), CAPOS_OK); /* the whole window again, for the next tests */
	CHECK_UEQ(frames_out, 0);
}

TEST(freed_slots_are_reused_lowest_first)
{
	const unsigned n = 200; /* past the first bitmap words */

	model_reset();
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(kstack_alloc(&stacks[i]), CAPOS_OK);
	kstack_free(&stacks[150]);
	kstack_free(&stacks[3]); /* in a word below the one freed first */
	CHECK_EQ(stacks[3].slot, -1);
	CHECK_EQ(kstack_in_use(), n - 2);
	CHECK_EQ(kstack_alloc(&stacks[3]), CAPOS_OK);
	CHECK_EQ(stacks[3].slot, 3);
	CHECK_EQ(kstack_alloc(&stacks[150]), CAPOS_OK);
	CHECK_EQ(stacks[150].slot, 150);
	CHECK_EQ(kstack_alloc(&stacks[n]), CAPOS_OK);
	CHECK_EQ(stacks[n].slot, (int)n);
	kstack_free(&stacks[n]);
	free_all(n);
	kstack_free(&stacks[0]); /* a second free of a freed stack is a no-op */
	CHECK_EQ(kstack_in_use(), 0);
	CHECK_UEQ(frames_out, 0);
	CHECK_EQ(unflushed_frees, 0);
}

/* A failure at page k of a new stack (frame or map) leaves nothing behind. */
static void check_failure_at(unsigned k, bool map)
{
	struct kstack s;

	model_reset();
	CHECK_EQ(kstack_alloc(&stacks[0]), CAPOS_OK); /* slot 0 in use: the new one is 1 */
	if (map)
		map_fail_after = k;
	else
		frame_fail_after = k;
	CHECK_EQ(kstack_alloc(&s), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(s.slot, -1);
	CHECK_EQ(kstack_in_use(), 1);
	CHECK_UEQ(frames_out, KSTACK_PAGES);
	CHECK_UEQ(mapped_pages(), KSTACK_PAGES);
	for (unsigned i = 0; i < k; i++) /* every page it had mapped was shot down */
		CHECK(flushed[(KSTACK_PAGES + 1) + 1 + i]);
	model_reset();
	CHECK_EQ(kstack_alloc(&s), CAPOS_OK); /* the slot was not lost */
	CHECK_EQ(s.slot, 1);
	kstack_free(&s);
	kstack_free(&stacks[0]);
	CHECK_UEQ(frames_out, 0);
	CHECK_EQ(unflushed_frees, 0);
}

TEST(frame_failure_part_way_undoes_everything)
{
	for (unsigned k = 0; k < KSTACK_PAGES && !test_failed(); k++)
		check_failure_at(k, false);
}

TEST(map_failure_part_way_undoes_everything)
{
	for (unsigned k = 0; k < KSTACK_PAGES && !test_failed(); k++)
		check_failure_at(k, true);
}
