/*
 * Host tests of the user-address-space primitives kproc added to the x86_64 page-table
 * code (kernel/arch/x86_64/paging.c): arch_mm_share_kernel, arch_mm_populate and
 * arch_mm_destroy_user, over a fake frame source whose frames are host buffers. They
 * check that teardown reports every user leaf exactly once, frees every user table and
 * the root exactly once, and never touches the shared kernel tables.
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/arch.h>

#define FAKE_FRAMES 64
#define FAKE_BASE 0x40000000ull

struct fake_src {
	_Alignas(4096) uint64_t frames[FAKE_FRAMES][512];
	unsigned used;		     /* frames handed out */
	unsigned freed[FAKE_FRAMES]; /* times each frame was reported freed */
	unsigned leaves;	     /* leaf reports */
	uint64_t leaf_bytes;
	uint64_t leaf_va[16], leaf_pa[16];
};

static int fake_alloc(void *ctx, uint64_t *phys)
{
	struct fake_src *f = ctx;

	if (f->used >= FAKE_FRAMES)
		return CAPOS_ERR_NO_MEMORY;
	memset(f->frames[f->used], 0xcc, 4096);
	*phys = FAKE_BASE + (uint64_t)f->used++ * 4096;
	return CAPOS_OK;
}

static void *fake_virt(void *ctx, uint64_t phys)
{
	struct fake_src *f = ctx;
	uint64_t i = (phys - FAKE_BASE) / 4096;

	if (phys < FAKE_BASE || i >= f->used || (phys & 0xfff))
		abort();
	return f->frames[i];
}

static void on_leaf(void *ctx, uint64_t va, uint64_t pa, uint64_t size)
{
	struct fake_src *f = ctx;

	if (f->leaves < 16) {
		f->leaf_va[f->leaves] = va;
		f->leaf_pa[f->leaves] = pa;
	}
	f->leaves++;
	f->leaf_bytes += size;
}

static void on_table(void *ctx, uint64_t phys)
{
	struct fake_src *f = ctx;
	uint64_t i = (phys - FAKE_BASE) / 4096;

	if (phys < FAKE_BASE || i >= f->used)
		abort();
	f->freed[i]++;
}

static struct fake_src *src_new(void)
{
	struct fake_src *f = aligned_alloc(4096, sizeof(*f));

	memset(f, 0, sizeof(*f));
	return f;
}

static void as_new(struct arch_aspace *as, struct fake_src *f)
{
	struct arch_pt_source s = { fake_alloc, fake_virt, f };

	if (arch_mm_create(as, &s, true) != CAPOS_OK)
		abort();
}

/* A "kernel" space with one mapping in the upper half, and a user space sharing it. */
TEST(share_kernel_copies_upper_half_only)
{
	struct fake_src *f = src_new();
	struct arch_aspace k, u;
	uint64_t pa;
	unsigned fl;

	as_new(&k, f);
	CHECK_EQ(arch_mm_map(&k, 0xffffffff80100000ull, 0x100000, 0x1000, ARCH_MM_EXEC), 0);
	as_new(&u, f);
	arch_mm_share_kernel(&u, &k);
	CHECK_EQ(arch_mm_query(&u, 0xffffffff80100000ull, &pa, &fl), 0);
	CHECK_UEQ(pa, 0x100000);
	CHECK_UEQ(fl, ARCH_MM_EXEC);
	/* user mappings stay private */
	CHECK_EQ(arch_mm_map(&u, 0x400000, 0x200000, 0x1000, ARCH_MM_USER), 0);
	CHECK_EQ(arch_mm_query(&k, 0x400000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	free(f);
}

TEST(populate_builds_tables_so_map_allocates_nothing)
{
	struct fake_src *f = src_new();
	struct arch_aspace k;
	uint64_t va = 0xfffffe0000000000ull;

	as_new(&k, f);
	CHECK_EQ(arch_mm_populate(&k, va, 40 * 4096), 0);
	unsigned after_populate = f->used;
	CHECK_EQ(after_populate, 4); /* root + PDPT + PD + PT */
	CHECK_EQ(arch_mm_map(&k, va + 4096, 0x300000, 4096, ARCH_MM_WRITE), 0);
	CHECK_EQ(arch_mm_map(&k, va + 39 * 4096, 0x301000, 4096, ARCH_MM_WRITE), 0);
	CHECK_EQ(f->used, after_populate);
	CHECK_EQ(arch_mm_unmap(&k, va + 4096, 4096), 0);
	/* nothing mapped by populate itself */
	uint64_t pa;
	unsigned fl;
	CHECK_EQ(arch_mm_query(&k, va, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	free(f);
}

TEST(populate_rejects_bad_ranges)
{
	struct fake_src *f = src_new();
	struct arch_aspace k;

	as_new(&k, f);
	CHECK_EQ(arch_mm_populate(&k, 0x1001, 4096), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(arch_mm_populate(&k, 0x1000, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_populate(&k, 0x0000800000000000ull, 4096), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_populate(&k, 0x00007ffffffff000ull, 0x2000), CAPOS_ERR_INVALID);
	free(f);
}

TEST(destroy_reports_every_user_frame_once_and_spares_kernel_tables)
{
	struct fake_src *f = src_new();
	struct arch_aspace k, u;

	as_new(&k, f);
	CHECK_EQ(arch_mm_map(&k, 0xffffffff80100000ull, 0x100000, 0x1000, 0), 0);
	unsigned kernel_frames = f->used; /* root, PDPT, PD, PT of the kernel */
	as_new(&u, f);
	arch_mm_share_kernel(&u, &k);
	/* two 4 KiB pages in one PT, one far away (new PDPT), one 2 MiB page */
	CHECK_EQ(arch_mm_map(&u, 0x400000, 0x1000000, 0x2000, ARCH_MM_USER | ARCH_MM_EXEC), 0);
	CHECK_EQ(arch_mm_map(&u, 0x7ffffff00000ull - 0x1000, 0x2000000, 0x1000,
			     ARCH_MM_USER | ARCH_MM_WRITE),
		 0);
	CHECK_EQ(arch_mm_map(&u, 0x40000000, 0x4000000, 0x200000,
			     ARCH_MM_USER | ARCH_MM_WRITE | ARCH_MM_LARGE),
		 0);
	unsigned total = f->used;
	arch_mm_destroy_user(&u, &(struct arch_mm_teardown_ops){ on_leaf, on_table, f });
	CHECK_UEQ(u.root_phys, 0);
	CHECK_EQ(f->leaves, 4); /* 3 small pages + 1 large */
	CHECK_UEQ(f->leaf_bytes, 3 * 0x1000 + 0x200000);
	for (unsigned i = 0; i < f->leaves; i++) {
		if (f->leaf_va[i] == 0x401000)
			CHECK_UEQ(f->leaf_pa[i], 0x1001000);
		if (f->leaf_va[i] == 0x40000000)
			CHECK_UEQ(f->leaf_pa[i], 0x4000000);
	}
	for (unsigned i = 0; i < total; i++)
		CHECK_EQ(f->freed[i], i < kernel_frames ? 0 : 1);
	/* the kernel space is intact */
	uint64_t pa;
	unsigned fl;
	CHECK_EQ(arch_mm_query(&k, 0xffffffff80100000ull, &pa, &fl), 0);
	CHECK_UEQ(pa, 0x100000);
	free(f);
}

TEST(destroy_of_an_empty_space_frees_only_the_root)
{
	struct fake_src *f = src_new();
	struct arch_aspace k, u;

	as_new(&k, f);
	CHECK_EQ(arch_mm_map(&k, 0xffff800000000000ull, 0, 0x200000, ARCH_MM_LARGE), 0);
	as_new(&u, f);
	arch_mm_share_kernel(&u, &k);
	unsigned root = (unsigned)((u.root_phys - FAKE_BASE) / 4096);
	arch_mm_destroy_user(&u, &(struct arch_mm_teardown_ops){ on_leaf, on_table, f });
	CHECK_EQ(f->leaves, 0);
	for (unsigned i = 0; i < f->used; i++)
		CHECK_EQ(f->freed[i], i == root ? 1 : 0);
	free(f);
}
