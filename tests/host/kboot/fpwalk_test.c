/*
 * Host tests of the frame-pointer walker (kernel/arch/x86_64/fpwalk.c) on fabricated
 * stacks at kernel-like addresses: a well-formed chain, and hostile chains that must
 * end the walk in bounded time without reading outside the stack (cycles, self loops,
 * descending or misaligned frame pointers, frames outside the bounds or straddling
 * the top, unreadable memory, depth overflow).
 */
#include "test.h"

#include <arch/fpwalk.h>

#define STACK_BASE 0xffffffff80110000ull
#define STACK_WORDS 64

static uint64_t stack[STACK_WORDS];
static int reads;

static bool fake_read(void *ctx, uint64_t addr, uint64_t out[2])
{
	(void)ctx;
	reads++;
	if (addr < STACK_BASE || addr + 16 > STACK_BASE + sizeof(stack) || (addr & 7))
		return false;
	size_t i = (size_t)(addr - STACK_BASE) / 8;
	out[0] = stack[i];
	out[1] = stack[i + 1];
	return true;
}

static const struct fpwalk_mem mem = {
	.read = fake_read,
	.lo = STACK_BASE,
	.hi = STACK_BASE + sizeof(stack),
};

/* Frame at word index w: saved rbp -> frame at word `next` (or 0), return address. */
static void frame(unsigned w, int next, uint64_t ret)
{
	stack[w] = next < 0 ? 0 : STACK_BASE + 8 * (uint64_t)next;
	stack[w + 1] = ret;
}

static uint64_t at(unsigned w)
{
	return STACK_BASE + 8 * (uint64_t)w;
}

static void reset(void)
{
	memset(stack, 0, sizeof(stack));
	reads = 0;
}

TEST(fpwalk_well_formed_chain)
{
	reset();
	frame(4, 10, 0x1111);
	frame(10, 20, 0x2222);
	frame(20, -1, 0x3333);
	uint64_t pcs[8];
	bool trunc = true;
	CHECK_EQ(fpwalk(0xAAAA, at(4), &mem, pcs, 8, &trunc), 4);
	CHECK(!trunc);
	CHECK_UEQ(pcs[0], 0xAAAA);
	CHECK_UEQ(pcs[1], 0x1111);
	CHECK_UEQ(pcs[2], 0x2222);
	CHECK_UEQ(pcs[3], 0x3333);
}

TEST(fpwalk_null_rbp_gives_only_rip)
{
	reset();
	uint64_t pcs[4];
	bool trunc;
	CHECK_EQ(fpwalk(0xAAAA, 0, &mem, pcs, 4, &trunc), 1);
	CHECK_EQ(reads, 0);
}

TEST(fpwalk_zero_return_address_ends_chain)
{
	reset();
	frame(4, 10, 0x1111);
	frame(10, 20, 0);
	uint64_t pcs[8];
	bool trunc;
	CHECK_EQ(fpwalk(0xAAAA, at(4), &mem, pcs, 8, &trunc), 2);
}

TEST(fpwalk_cycle_and_self_loop_stop)
{
	reset();
	frame(4, 10, 0x1111);
	frame(10, 4, 0x2222); /* back down: a cycle */
	uint64_t pcs[32];
	bool trunc;
	CHECK_EQ(fpwalk(0xAAAA, at(4), &mem, pcs, 32, &trunc), 3);
	CHECK(!trunc);
	reset();
	frame(6, 6, 0x1111); /* points at itself */
	CHECK_EQ(fpwalk(0xAAAA, at(6), &mem, pcs, 32, &trunc), 2);
	CHECK(reads <= 2);
}

TEST(fpwalk_misaligned_rbp_not_read)
{
	reset();
	frame(4, 10, 0x1111);
	stack[4] = at(10) + 3;
	uint64_t pcs[8];
	bool trunc;
	CHECK_EQ(fpwalk(0xAAAA, at(4), &mem, pcs, 8, &trunc), 2);
	CHECK_EQ(reads, 1);
	reset();
	CHECK_EQ(fpwalk(0xAAAA, at(4) + 4, &mem, pcs, 8, &trunc), 1);
	CHECK_EQ(reads, 0);
}

TEST(fpwalk_out_of_bounds_frames_not_read)
{
	reset();
	uint64_t pcs[8];
	bool trunc;
	CHECK_EQ(fpwalk(0xAAAA, STACK_BASE - 16, &mem, pcs, 8, &trunc), 1);
	CHECK_EQ(fpwalk(0xAAAA, 0x00007fffffffe000ull, &mem, pcs, 8, &trunc), 1);
	/* a frame whose second word would lie past the top */
	CHECK_EQ(fpwalk(0xAAAA, STACK_BASE + sizeof(stack) - 8, &mem, pcs, 8, &trunc), 1);
	CHECK_EQ(reads, 0);
	const struct fpwalk_mem tiny = { .read = fake_read, .lo = 0, .hi = 8 };
	CHECK_EQ(fpwalk(0xAAAA, 0, &tiny, pcs, 8, &trunc), 1);
	CHECK_EQ(fpwalk(0xAAAA, 8, &tiny, pcs, 8, &trunc), 1); /* hi < 16: no wrap */
	CHECK_EQ(reads, 0);
}

static bool failing_read(void *ctx, uint64_t addr, uint64_t out[2])
{
	(void)ctx;
	(void)addr;
	(void)out;
	reads++;
	return false;
}

TEST(fpwalk_unreadable_frame_stops)
{
	reset();
	const struct fpwalk_mem m = { .read = failing_read,
				      .lo = STACK_BASE,
				      .hi = STACK_BASE + sizeof(stack) };
	uint64_t pcs[8];
	bool trunc;
	CHECK_EQ(fpwalk(0xAAAA, at(4), &m, pcs, 8, &trunc), 1);
	CHECK_EQ(reads, 1);
}

TEST(fpwalk_depth_limit_truncates)
{
	reset();
	for (unsigned w = 0; w + 2 < STACK_WORDS; w += 2)
		frame(w, (int)w + 2, 0x1000 + w);
	frame(STACK_WORDS - 2, -1, 0x9999);
	uint64_t pcs[5];
	bool trunc = false;
	CHECK_EQ(fpwalk(0xAAAA, at(0), &mem, pcs, 5, &trunc), 5);
	CHECK(trunc);
	CHECK_UEQ(pcs[4], 0x1000 + 6);
	uint64_t all[64];
	CHECK_EQ(fpwalk(0xAAAA, at(0), &mem, all, 64, &trunc), 1 + STACK_WORDS / 2);
	CHECK(!trunc);
}
