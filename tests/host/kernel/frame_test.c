/*
 * Host tests of the physical frame allocator (kernel/mm/frame.c): exact counts for
 * a QEMU-like map, exhaustion, reserved-beats-available over overlapping, unsorted,
 * duplicate and zero-length entries, clipping beyond the supported range, and the
 * typed errors of every bad free (double, reserved, unaligned, out of range).
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/frame.h>

struct fx {
	struct boot_info bi;
	struct frame_plan plan;
	struct frame_pool pool;
	void *storage;
};

static void fx_map(struct fx *f, const struct boot_mem_region *r, uint32_t n)
{
	memset(&f->bi, 0, sizeof(f->bi));
	f->bi.protocol = 2;
	for (uint32_t i = 0; i < n; i++)
		f->bi.mmap[i] = r[i];
	f->bi.mmap_count = n;
	f->bi.kernel = (struct boot_range){ 0x100000, 0x300000 };
	f->bi.module_count = 1;
	f->bi.module = (struct boot_module){ .start = 0x400000, .end = 0x400800 };
	f->bi.range_count = 1;
	f->bi.ranges[0] = (struct boot_range){ 0x10000, 0x10400 };
}

static int fx_build(struct fx *f, uint64_t limit)
{
	int err = frame_plan(&f->bi, limit, &f->plan);

	if (err)
		return err;
	free(f->storage);
	f->storage = calloc(1, f->plan.map_bytes);
	frame_pool_init(&f->pool, &f->plan, &f->bi, f->storage);
	return CAPOS_OK;
}

static void fx_done(struct fx *f)
{
	free(f->storage);
	f->storage = NULL;
}

static const struct boot_mem_region qemu128[] = {
	{ 0, 0x9fc00, 1 },	    { 0x9fc00, 0x400, 2 },     { 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 }, { 0x7fe0000, 0x20000, 2 }, { 0xfffc0000, 0x40000, 2 },
};

static bool in_range(uint64_t p, uint64_t s, uint64_t e)
{
	return p + FRAME_SIZE > s && p < e;
}

TEST(frame_qemu_map_exact_counts)
{
	static struct fx f;

	fx_map(&f, qemu128, 6);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_OK);
	CHECK_UEQ(f.plan.nframes, 0x7fe0000 >> 12);
	CHECK_UEQ(f.plan.map_bytes, 8192);
	CHECK_UEQ(f.plan.map_phys, 0x300000); /* right after the kernel image */
	CHECK_UEQ(f.plan.total_bytes, 0xa0000 + (0x8000000 - 0xf0000) + 0x40000);
	CHECK_UEQ(f.plan.ignored_bytes, 0);
	CHECK_UEQ(f.pool.usable_frames, 0x9f + 0x7ee0);
	/* minus kernel (512), module (1), bitmaps (2); low memory was never usable */
	CHECK_UEQ(f.pool.free_frames, 0x7ee0 - 512 - 1 - 2);
	CHECK_UEQ(f.pool.managed_frames, f.pool.free_frames);
	fx_done(&f);
}

TEST(frame_exhaust_and_refill)
{
	static struct fx f;
	static uint64_t got[40000];
	uint64_t n = 0, p, before;

	fx_map(&f, qemu128, 6);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_OK);
	before = f.pool.free_frames;
	while (frame_pool_alloc(&f.pool, 0, &p) == CAPOS_OK) {
		CHECK(n < 40000);
		CHECK_UEQ(p & 0xfff, 0);
		CHECK(p >= 0x100000 && p < 0x7fe0000);
		CHECK(!in_range(p, 0x100000, 0x300000)); /* kernel */
		CHECK(!in_range(p, 0x400000, 0x400800)); /* module */
		CHECK(!in_range(p, f.plan.map_phys, f.plan.map_phys + f.plan.map_bytes));
		CHECK(!frame_pool_is_free(&f.pool, p));
		got[n++] = p;
	}
	CHECK_UEQ(n, before);
	CHECK_UEQ(f.pool.free_frames, 0);
	CHECK_EQ(frame_pool_alloc(&f.pool, 0, &p), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(frame_pool_alloc_contig(&f.pool, 2, &p), CAPOS_ERR_NO_MEMORY);
	for (uint64_t i = 0; i < n; i++)
		CHECK_EQ(frame_pool_free(&f.pool, got[i], 1), CAPOS_OK);
	CHECK_UEQ(f.pool.free_frames, before);
	/* all distinct: a second free of each is a double free */
	for (uint64_t i = 0; i < n; i += 97)
		CHECK_EQ(frame_pool_free(&f.pool, got[i], 1), CAPOS_ERR_FRAME_DOUBLE_FREE);
	CHECK_UEQ(f.pool.free_frames, before);
	fx_done(&f);
}

TEST(frame_bad_frees_are_typed)
{
	static struct fx f;
	uint64_t p, before;

	fx_map(&f, qemu128, 6);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_OK);
	CHECK_EQ(frame_pool_alloc(&f.pool, 0, &p), CAPOS_OK);
	before = f.pool.free_frames;
	CHECK_EQ(frame_pool_free(&f.pool, p + 8, 1), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(frame_pool_free(&f.pool, p, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(frame_pool_free(&f.pool, 0x200000, 1), CAPOS_ERR_FRAME_NOT_MANAGED); /* kernel */
	CHECK_EQ(frame_pool_free(&f.pool, 0x400000, 1), CAPOS_ERR_FRAME_NOT_MANAGED); /* module */
	CHECK_EQ(frame_pool_free(&f.pool, 0x8000, 1), CAPOS_ERR_FRAME_NOT_MANAGED); /* trampoline */
	CHECK_EQ(frame_pool_free(&f.pool, f.plan.map_phys, 1), CAPOS_ERR_FRAME_NOT_MANAGED);
	CHECK_EQ(frame_pool_free(&f.pool, 0x8000000, 1), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(frame_pool_free(&f.pool, 0xfffffffffffff000ull, 1), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(frame_pool_free(&f.pool, p, UINT64_MAX), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_UEQ(f.pool.free_frames, before);
	CHECK_EQ(frame_pool_free(&f.pool, p, 1), CAPOS_OK);
	CHECK_EQ(frame_pool_free(&f.pool, p, 1), CAPOS_ERR_FRAME_DOUBLE_FREE);
	CHECK_UEQ(f.pool.free_frames, before + 1);
	fx_done(&f);
}

TEST(frame_contig_alloc_and_atomic_free)
{
	static struct fx f;
	uint64_t p, q, before;

	fx_map(&f, qemu128, 6);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_OK);
	before = f.pool.free_frames;
	CHECK_EQ(frame_pool_alloc_contig(&f.pool, 0, &p), CAPOS_ERR_INVALID);
	CHECK_EQ(frame_pool_alloc_contig(&f.pool, 300, &p), CAPOS_OK);
	for (uint64_t i = 0; i < 300; i++) {
		CHECK(!frame_pool_is_free(&f.pool, p + i * FRAME_SIZE));
		CHECK(!in_range(p + i * FRAME_SIZE, 0x400000, 0x400800));
	}
	CHECK_UEQ(f.pool.free_frames, before - 300);
	/* freeing a run that includes a free frame changes nothing */
	CHECK_EQ(frame_pool_free(&f.pool, p + 299 * FRAME_SIZE, 1), CAPOS_OK);
	CHECK_EQ(frame_pool_free(&f.pool, p, 300), CAPOS_ERR_FRAME_DOUBLE_FREE);
	CHECK_UEQ(f.pool.free_frames, before - 299);
	CHECK_EQ(frame_pool_free(&f.pool, p, 299), CAPOS_OK);
	CHECK_UEQ(f.pool.free_frames, before);
	CHECK_EQ(frame_pool_alloc_contig(&f.pool, before + 1, &q), CAPOS_ERR_NO_MEMORY);
	fx_done(&f);
}

TEST(frame_alloc_below_limit)
{
	static struct fx f;
	static const struct boot_mem_region two[] = { { 0x100000, 0xff00000, 1 },
						      { 0x100000000ull, 0x40000000, 1 } };
	uint64_t p;
	int n = 0;

	fx_map(&f, two, 2);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_OK);
	CHECK(f.plan.map_phys + f.plan.map_bytes <= 1ull << 32);
	CHECK_UEQ(f.plan.nframes, (0x100000000ull + 0x40000000) >> 12);
	while (frame_pool_alloc(&f.pool, 0x800000, &p) == CAPOS_OK) {
		CHECK(p + FRAME_SIZE <= 0x800000);
		n++;
	}
	CHECK(n > 0);
	CHECK_EQ(frame_pool_alloc(&f.pool, 0x800000, &p), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(frame_pool_alloc(&f.pool, 0, &p), CAPOS_OK); /* plenty above */
	fx_done(&f);
}

/* Every frame's state in a pool, for comparing pools built from permuted maps. */
static bool same_pool(const struct frame_pool *a, const struct frame_pool *b)
{
	if (a->nframes != b->nframes || a->free_frames != b->free_frames)
		return false;
	return memcmp(a->free_map, b->free_map, a->nwords * 8) == 0 &&
	       memcmp(a->managed_map, b->managed_map, a->nwords * 8) == 0;
}

static const struct boot_mem_region hostile[] = {
	{ 0x2000000, 0x1000000, 1 }, /* 32..48 MiB available */
	{ 0x100000, 0x3f00000, 1 },  /* 1..64 MiB available, overlaps the first */
	{ 0x2800123, 0x10, 2 },	     /* 16 reserved bytes inside both: one frame lost */
	{ 0x3000000, 0x0, 2 },	     /* zero-length reserved: ignored */
	{ 0x3800000, 0x0, 1 },	     /* zero-length available: ignored */
	{ 0x100000, 0x3f00000, 1 },  /* exact duplicate */
	{ 0x3ff0800, 0x20000, 3 },   /* ACPI across the top edge, unaligned */
	{ 0x1000001, 0x1ffe, 1 },    /* available with unaligned edges, inside */
	{ 0x5000000, 0x1000, 4 },    /* reserved beyond all available: harmless */
	{ 0x4000000, 0xfff, 1 },     /* available, less than one whole frame */
};
#define HOSTILE_N (sizeof(hostile) / sizeof(hostile[0]))

TEST(frame_hostile_map_reserved_wins)
{
	static struct fx f;
	uint64_t expect;

	fx_map(&f, hostile, HOSTILE_N);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_OK);
	/* usable: 1 MiB .. 0x3ff0000 minus the frame at 0x2800000 */
	expect = ((0x3ff0000 - 0x100000) >> 12) - 1;
	CHECK_UEQ(f.pool.usable_frames, expect);
	CHECK(!frame_pool_is_free(&f.pool, 0x2800000));
	CHECK(frame_pool_is_free(&f.pool, 0x27ff000));
	CHECK(frame_pool_is_free(&f.pool, 0x2801000));
	CHECK(frame_pool_is_free(&f.pool, 0x3000000));
	CHECK(frame_pool_is_free(&f.pool, 0x3fef000));
	CHECK(!frame_pool_is_free(&f.pool, 0x3ff0000));
	CHECK(!frame_pool_is_free(&f.pool, 0x4000000));
	CHECK_UEQ(f.plan.nframes, 0x4000000 >> 12);
	CHECK_EQ(frame_pool_free(&f.pool, 0x2800000, 1), CAPOS_ERR_FRAME_NOT_MANAGED);
	fx_done(&f);
}

TEST(frame_hostile_map_order_independent)
{
	static struct fx a, b;
	static struct boot_mem_region perm[HOSTILE_N];

	fx_map(&a, hostile, HOSTILE_N);
	CHECK_EQ(fx_build(&a, 1ull << 32), CAPOS_OK);
	for (unsigned rot = 1; rot < HOSTILE_N; rot++) {
		for (unsigned i = 0; i < HOSTILE_N; i++)
			perm[i] = hostile[(HOSTILE_N - 1 - i + rot) % HOSTILE_N];
		fx_map(&b, perm, HOSTILE_N);
		CHECK_EQ(fx_build(&b, 1ull << 32), CAPOS_OK);
		CHECK_UEQ(b.plan.map_phys, a.plan.map_phys);
		CHECK(same_pool(&a.pool, &b.pool));
	}
	fx_done(&a);
	fx_done(&b);
}

TEST(frame_entries_beyond_supported_range)
{
	static struct fx f;
	static const struct boot_mem_region far[] = {
		{ 0x100000, 0x7f00000, 1 },
		{ FRAME_PHYS_LIMIT - 0x200000, 0x400000, 1 }, /* straddles the limit */
		{ 0x200000000000ull, 0x100000000ull, 1 },     /* 32 TiB: beyond */
		{ 0xfffffffffffff000ull, 0x1000, 1 },	      /* last frame of 2^64 */
	};

	fx_map(&f, far, 4);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_OK);
	CHECK_UEQ(f.plan.nframes, FRAME_PHYS_LIMIT >> 12);
	CHECK_UEQ(f.plan.ignored_bytes, 0x200000 + 0x100000000ull + 0x1000);
	CHECK(frame_pool_is_free(&f.pool, FRAME_PHYS_LIMIT - 0x1000));
	CHECK_EQ(frame_pool_free(&f.pool, FRAME_PHYS_LIMIT, 1), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_UEQ(f.pool.usable_frames, (0x7f00000 + 0x200000) >> 12);
	fx_done(&f);
}

TEST(frame_no_usable_memory)
{
	static struct fx f;
	static const struct boot_mem_region none[] = { { 0, 0x100000, 2 }, { 0x100000, 0, 1 } };
	static const struct boot_mem_region tiny[] = { { 0x100000, 0x800, 1 } };

	fx_map(&f, none, 2);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_ERR_BOOT_MEMORY_MAP);
	fx_map(&f, tiny, 1);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_ERR_BOOT_MEMORY_MAP);
	fx_map(&f, none, 0);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_ERR_BOOT_MEMORY_MAP);
}

TEST(frame_bitmap_needs_a_hole)
{
	static struct fx f;
	/* RAM only where the kernel and module sit, plus memory above the map limit */
	static const struct boot_mem_region tight[] = { { 0x100000, 0x200000, 1 },
							{ 0x400000, 0x1000, 1 },
							{ 0x100000000ull, 0x10000000, 1 } };

	fx_map(&f, tight, 3);
	CHECK_EQ(fx_build(&f, 1ull << 32), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(fx_build(&f, 0), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(fx_build(&f, 1ull << 33), CAPOS_OK);
	CHECK_UEQ(f.plan.map_phys, 0x100000000ull);
	CHECK(!frame_pool_is_free(&f.pool, 0x100000000ull));
	fx_done(&f);
}

static uint8_t global_store[1 << 16];

static void *global_to_virt(uint64_t phys)
{
	(void)phys;
	return global_store;
}

TEST(frame_global_pool)
{
	static struct fx f;
	struct frame_plan plan;
	uint64_t p, n;

	CHECK_EQ(frame_alloc(&p), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(frame_free(0x200000), CAPOS_ERR_FRAME_NOT_MANAGED);
	CHECK_UEQ(frame_free_count(), 0);
	CHECK(frame_global() == NULL);
	fx_map(&f, qemu128, 6);
	CHECK_EQ(frame_init(&f.bi, 1ull << 32, global_to_virt, &plan), CAPOS_OK);
	CHECK(plan.map_bytes <= sizeof(global_store));
	CHECK_EQ(frame_init(&f.bi, 1ull << 32, global_to_virt, NULL), CAPOS_ERR_EXISTS);
	n = frame_free_count();
	CHECK_UEQ(n, 0x7ee0 - 512 - 1 - 2);
	CHECK_EQ(frame_alloc(&p), CAPOS_OK);
	CHECK_UEQ(frame_free_count(), n - 1);
	CHECK_EQ(frame_free(p), CAPOS_OK);
	CHECK_EQ(frame_free(p), CAPOS_ERR_FRAME_DOUBLE_FREE);
	CHECK_EQ(frame_alloc_below(0x200000, &p), CAPOS_ERR_NO_MEMORY); /* all reserved */
	CHECK_EQ(frame_alloc_contig(4, &p), CAPOS_OK);
	CHECK_EQ(frame_free_contig(p, 4), CAPOS_OK);
	CHECK_UEQ(frame_free_count(), n);
	CHECK_UEQ(frame_global()->usable_frames, 0x9f + 0x7ee0);
}
