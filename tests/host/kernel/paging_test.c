/*
 * Host tests of the x86_64 page-table builder (kernel/arch/x86_64/paging.c) and the
 * kernel address-space policy (kernel/mm/kmap.c), over a fake frame source whose
 * "physical" frames are host buffers. The raw entries are checked too (NX, W, G,
 * PCD/PWT, PS bits), not only what the walker reports back.
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/frame.h>
#include <kernel/kmap.h>

#define FAKE_FRAMES 256
#define FAKE_BASE 0x40000000ull /* fake physical address of frame 0 */

struct fake_src {
	_Alignas(4096) uint64_t frames[FAKE_FRAMES][512];
	unsigned used;
	unsigned limit;
};

static int fake_alloc(void *ctx, uint64_t *phys)
{
	struct fake_src *f = ctx;

	if (f->used >= f->limit)
		return CAPOS_ERR_NO_MEMORY;
	memset(f->frames[f->used], 0xcc, 4096); /* garbage: the builder must zero */
	*phys = FAKE_BASE + (uint64_t)f->used++ * 4096;
	return CAPOS_OK;
}

static void *fake_virt(void *ctx, uint64_t phys)
{
	struct fake_src *f = ctx;
	uint64_t i = (phys - FAKE_BASE) / 4096;

	if (phys < FAKE_BASE || i >= f->used || (phys & 0xfff))
		abort(); /* the builder followed a bad pointer */
	return f->frames[i];
}

static struct fake_src *src_new(unsigned limit)
{
	struct fake_src *f = aligned_alloc(4096, sizeof(*f));

	memset(f, 0, sizeof(*f));
	f->limit = limit;
	return f;
}

static int as_new(struct arch_aspace *as, struct fake_src *f, bool nx)
{
	struct arch_pt_source s = { fake_alloc, fake_virt, f };

	return arch_mm_create(as, &s, nx);
}

/* Raw leaf entry for va (4 KiB or 2 MiB), or 0. */
static uint64_t raw_leaf(struct fake_src *f, const struct arch_aspace *as, uint64_t va)
{
	uint64_t *t = fake_virt(f, as->root_phys);

	for (int l = 3; l >= 0; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];

		if (!(e & 1))
			return 0;
		if (l == 0 || (e & 0x80))
			return e;
		t = fake_virt(f, e & 0x000ffffffffff000ull);
	}
	return 0;
}

/* Overwrites the raw 4 KiB leaf entry for va (its page table must exist). */
static void raw_leaf_set(struct fake_src *f, const struct arch_aspace *as, uint64_t va, uint64_t v)
{
	uint64_t *t = fake_virt(f, as->root_phys);

	for (int l = 3; l > 0; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];

		t = fake_virt(f, e & 0x000ffffffffff000ull);
	}
	t[(va >> 12) & 511] = v;
}

#define NX (1ull << 63)
#define KVA 0xffffffff80000000ull

TEST(paging_map_query_4k_flags_and_raw_bits)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	uint64_t pa, e;
	unsigned fl;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA + 0x100000, 0x100000, 0x3000, ARCH_MM_EXEC), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA + 0x103000, 0x103000, 0x1000, 0), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA + 0x104000, 0x104000, 0x1000, ARCH_MM_WRITE), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x101234, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0x101234);
	CHECK_EQ(fl, ARCH_MM_EXEC);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x103000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, 0);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x104008, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_WRITE);
	e = raw_leaf(f, &as, KVA + 0x100000);
	CHECK_UEQ(e & (NX | 0x1ff), 0x101); /* P, G; no W, no NX, no U */
	e = raw_leaf(f, &as, KVA + 0x104000);
	CHECK_UEQ(e & (NX | 0x1ff), NX | 0x103);
	CHECK_UEQ(e & 0x000ffffffffff000ull, 0x104000);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x105000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, 0x0000800000000000ull, &pa, &fl), CAPOS_ERR_INVALID);
	/* 4 tables: PML4, PDPT, PD, PT */
	CHECK_EQ(f->used, 4);
	free(f);
}

/* ARCH_MM_OBJECT (a MemoryObject's frame) is a software bit: kept in the entry (bit
 * 9), reported by query, and changes nothing the MMU sees. */
TEST(paging_object_bit_round_trips)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	uint64_t pa;
	unsigned fl;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA + 0x100000, 0x100000, 0x1000, ARCH_MM_WRITE | ARCH_MM_OBJECT),
		 CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA + 0x101000, 0x101000, 0x1000, ARCH_MM_WRITE), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x100000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_WRITE | ARCH_MM_OBJECT);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x101000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_WRITE);
	CHECK_UEQ(raw_leaf(f, &as, KVA + 0x100000) & (NX | 0xfff), NX | 0x303);
	free(f);
}

TEST(paging_user_leaf_sets_user_on_every_level)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	uint64_t *t;
	unsigned fl;
	uint64_t pa;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	/* a supervisor page first creates the tables without U ... */
	CHECK_EQ(arch_mm_map(&as, 0x400000, 0x9000, 0x1000, 0), CAPOS_OK);
	/* ... then a user page beside it must still be reachable from user mode */
	CHECK_EQ(arch_mm_map(&as, 0x401000, 0xa000, 0x1000, ARCH_MM_USER | ARCH_MM_WRITE),
		 CAPOS_OK);
	t = fake_virt(f, as.root_phys);
	for (int l = 3; l > 0; l--) {
		uint64_t e = t[(0x401000ull >> (12 + 9 * l)) & 511];

		CHECK_UEQ(e & 4, 4);
		t = fake_virt(f, e & 0x000ffffffffff000ull);
	}
	CHECK_UEQ(t[1] & 7, 7);
	CHECK_UEQ(t[0] & 4, 0);
	CHECK_EQ(arch_mm_query(&as, 0x401000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_USER | ARCH_MM_WRITE);
	free(f);
}

TEST(paging_nx_off_when_cpu_lacks_it)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;

	CHECK_EQ(as_new(&as, f, false), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA, 0, 0x1000, ARCH_MM_WRITE), CAPOS_OK);
	CHECK_UEQ(raw_leaf(f, &as, KVA) & NX, 0);
	free(f);
}

TEST(paging_large_pages_and_uncached)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	const uint64_t dm = 0xffff800000000000ull;
	uint64_t pa, e;
	unsigned fl;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	/* 1 MiB .. 6 MiB + 4 KiB: 4K head, 2M pages, 4K tail */
	CHECK_EQ(arch_mm_map(&as, dm + 0x100000, 0x100000, 0x501000, ARCH_MM_WRITE | ARCH_MM_LARGE),
		 CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, dm + 0x1ff000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_WRITE);
	CHECK_EQ(arch_mm_query(&as, dm + 0x312345, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0x312345);
	CHECK_EQ(fl, ARCH_MM_WRITE | ARCH_MM_LARGE);
	CHECK_UEQ(raw_leaf(f, &as, dm + 0x400000) & 0x80, 0x80);
	CHECK_EQ(arch_mm_query(&as, dm + 0x600fff, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_WRITE);
	CHECK_EQ(arch_mm_query(&as, dm + 0x601000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	/* misaligned pa: no large page even if va is 2M-aligned */
	CHECK_EQ(arch_mm_map(&as, dm + 0x40000000, 0x1000, 0x400000, ARCH_MM_WRITE | ARCH_MM_LARGE),
		 CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, dm + 0x40000000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_WRITE);
	CHECK_EQ(arch_mm_map(&as, 0xffffff0000000000ull, 0xfee00000, 0x1000,
			     ARCH_MM_WRITE | ARCH_MM_UNCACHED),
		 CAPOS_OK);
	e = raw_leaf(f, &as, 0xffffff0000000000ull);
	CHECK_UEQ(e & 0x18, 0x18);
	free(f);
}

TEST(paging_map_hostile_arguments)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	unsigned used;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	used = f->used;
	CHECK_EQ(arch_mm_map(&as, KVA + 1, 0, 0x1000, 0), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(arch_mm_map(&as, KVA, 0x10, 0x1000, 0), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(arch_mm_map(&as, KVA, 0, 0x1001, 0), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(arch_mm_map(&as, KVA, 0, 0, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_map(&as, 0xfffffffffffff000ull, 0, 0x2000, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_map(&as, 0x0000900000000000ull, 0, 0x1000, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_map(&as, 0x00007ffffffff000ull, 0, 0x2000, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_map(&as, KVA, 1ull << 52, 0x1000, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_map(&as, KVA, 0, 0x1000, ARCH_MM_USER), CAPOS_ERR_INVALID);
	CHECK_EQ(f->used, used); /* nothing allocated by rejected calls */
	free(f);
}

TEST(paging_overlap_rejected_before_any_change)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	uint64_t pa;
	unsigned fl;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA + 0x5000, 0x5000, 0x1000, 0), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA, 0x100000, 0x10000, ARCH_MM_WRITE),
		 CAPOS_ERR_MM_ALREADY_MAPPED);
	CHECK_EQ(arch_mm_query(&as, KVA, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x5000, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0x5000);
	/* a 4K map inside an existing 2M page */
	CHECK_EQ(arch_mm_map(&as, KVA + 0x200000, 0x200000, 0x200000, ARCH_MM_LARGE), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA + 0x201000, 0x9000, 0x1000, 0), CAPOS_ERR_MM_ALREADY_MAPPED);
	free(f);
}

TEST(paging_unmap)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	uint64_t pa;
	unsigned fl;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA, 0, 0x4000, ARCH_MM_WRITE), CAPOS_OK);
	CHECK_EQ(arch_mm_unmap(&as, KVA + 0x1000, 0x1000), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x1000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x2000, &pa, &fl), CAPOS_OK);
	/* range with a hole: nothing changes */
	CHECK_EQ(arch_mm_unmap(&as, KVA, 0x3000), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, KVA, &pa, &fl), CAPOS_OK);
	/* remap the hole */
	CHECK_EQ(arch_mm_map(&as, KVA + 0x1000, 0x7000, 0x1000, 0), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x1000, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0x7000);
	/* 2M pages: whole only */
	CHECK_EQ(arch_mm_map(&as, KVA + 0x400000, 0x400000, 0x400000, ARCH_MM_LARGE), CAPOS_OK);
	CHECK_EQ(arch_mm_unmap(&as, KVA + 0x401000, 0x1000), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(arch_mm_unmap(&as, KVA + 0x400000, 0x200000), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x400000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x600000, &pa, &fl), CAPOS_OK);
	/* a large map where a (now empty) page table hangs falls back to 4K */
	CHECK_EQ(arch_mm_unmap(&as, KVA, 0x4000), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA, 0, 0x200000, ARCH_MM_LARGE), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x1ff000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, 0);
	free(f);
}

/* Protection changes in place: same frame, new W/NX bits, the entry never absent
 * (one store), accessed/dirty kept; refused before any change when a page of the
 * range is absent, a 2 MiB page is cut or the user bit would change. */
TEST(paging_protect_in_place)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	uint64_t pa, before[3];
	unsigned fl, used;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, 0x400000, 0x9000, 0x3000, ARCH_MM_USER | ARCH_MM_WRITE),
		 CAPOS_OK);
	used = f->used;
	CHECK_EQ(arch_mm_protect(&as, 0x401000, 0x2000, ARCH_MM_USER), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, 0x401000, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0xa000);
	CHECK_EQ(fl, ARCH_MM_USER);
	CHECK_UEQ(raw_leaf(f, &as, 0x402000), NX | 0xb000 | 0x5); /* P, U; no W */
	CHECK_EQ(arch_mm_query(&as, 0x400000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_USER | ARCH_MM_WRITE); /* outside the range: untouched */
	/* back to RW, then executable; accessed and dirty survive */
	raw_leaf_set(f, &as, 0x401000, raw_leaf(f, &as, 0x401000) | 0x60);
	CHECK_EQ(arch_mm_protect(&as, 0x401000, 0x1000, ARCH_MM_USER | ARCH_MM_WRITE), CAPOS_OK);
	CHECK_UEQ(raw_leaf(f, &as, 0x401000), NX | 0xa000 | 0x67);
	CHECK_EQ(arch_mm_protect(&as, 0x401000, 0x1000, ARCH_MM_USER | ARCH_MM_EXEC), CAPOS_OK);
	CHECK_UEQ(raw_leaf(f, &as, 0x401000), 0xa000 | 0x65);
	CHECK_EQ(f->used, used); /* no table allocated */
	/* hostile: a hole at the end, a user-bit change, bad ranges; nothing changes */
	for (int i = 0; i < 3; i++)
		before[i] = raw_leaf(f, &as, 0x400000 + (uint64_t)i * 0x1000);
	CHECK_EQ(arch_mm_protect(&as, 0x400000, 0x4000, ARCH_MM_USER), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_protect(&as, 0x3ff000, 0x2000, ARCH_MM_USER), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_protect(&as, 0x400000, 0x3000, ARCH_MM_WRITE), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_protect(&as, 0x400800, 0x1000, ARCH_MM_USER), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(arch_mm_protect(&as, 0x400000, 0, ARCH_MM_USER), CAPOS_ERR_INVALID);
	CHECK_EQ(arch_mm_protect(&as, 0x0000900000000000ull, 0x1000, 0), CAPOS_ERR_INVALID);
	for (int i = 0; i < 3; i++)
		CHECK_UEQ(raw_leaf(f, &as, 0x400000 + (uint64_t)i * 0x1000), before[i]);
	free(f);
}

/* 2 MiB leaves: protected whole (PS and frame kept), never split. */
TEST(paging_protect_large_pages)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	const uint64_t dm = 0xffff800000000000ull;
	uint64_t pa, e;
	unsigned fl;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, dm + 0x1ff000, 0x1ff000, 0x201000, ARCH_MM_WRITE | ARCH_MM_LARGE),
		 CAPOS_OK);
	e = raw_leaf(f, &as, dm + 0x200000);
	CHECK_EQ(arch_mm_protect(&as, dm + 0x200000, 0x1000, 0), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(arch_mm_protect(&as, dm + 0x1ff000, 0x1ff000, 0), CAPOS_ERR_ALIGNMENT);
	CHECK_UEQ(raw_leaf(f, &as, dm + 0x200000), e);
	CHECK_EQ(arch_mm_protect(&as, dm + 0x1ff000, 0x201000, ARCH_MM_LARGE), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, dm + 0x212345, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0x212345);
	CHECK_EQ(fl, ARCH_MM_LARGE);
	CHECK_UEQ(raw_leaf(f, &as, dm + 0x200000), (e & ~2ull));
	CHECK_EQ(arch_mm_query(&as, dm + 0x1ff000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, 0);
	free(f);
}

TEST(paging_out_of_table_frames)
{
	struct fake_src *f = src_new(3);
	struct arch_aspace as;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(arch_mm_map(&as, KVA, 0, 0x1000, 0), CAPOS_ERR_NO_MEMORY);
	f->limit = 0;
	CHECK_EQ(as_new(&as, f, true), CAPOS_ERR_NO_MEMORY);
	free(f);
}

/* ---- kernel address-space policy ---- */

static const struct boot_mem_region qemu128[] = {
	{ 0, 0x9fc00, 1 },	    { 0x9fc00, 0x400, 2 },     { 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 }, { 0x7fe0000, 0x20000, 2 }, { 0xfffc0000, 0x40000, 2 },
};

static struct boot_info kbi;

static void layout(struct kmap_layout *l)
{
	memset(&kbi, 0, sizeof(kbi));
	memcpy(kbi.mmap, qemu128, sizeof(qemu128));
	kbi.mmap_count = 6;
	memset(l, 0, sizeof(*l));
	l->image_offset = KVA;
	l->sections[0] =
		(struct kmap_section){ "text", KVA + 0x100000, KVA + 0x110000, ARCH_MM_EXEC };
	l->sections[1] = (struct kmap_section){ "rodata", KVA + 0x110000, KVA + 0x118000, 0 };
	l->sections[2] =
		(struct kmap_section){ "data", KVA + 0x118000, KVA + 0x130000, ARCH_MM_WRITE };
	l->nsections = 3;
	l->guards[0] = KVA + 0x120000;
	l->nguards = 1;
	l->direct_base = 0xffff800000000000ull;
	l->bi = &kbi;
}

TEST(kmap_direct_ranges_merge)
{
	struct boot_range r[KMAP_DIRECT_MAX];
	uint32_t n;

	memset(&kbi, 0, sizeof(kbi));
	memcpy(kbi.mmap, qemu128, sizeof(qemu128));
	kbi.mmap_count = 6;
	n = kmap_direct_ranges(&kbi, r);
	CHECK_EQ(n, 2);
	CHECK_UEQ(r[0].start, 0);
	CHECK_UEQ(r[0].end, 0x8000000);
	CHECK_UEQ(r[1].start, 0xfffc0000);
	CHECK_UEQ(r[1].end, 0x100000000ull);
	/* hostile: unaligned, zero-length, overlapping, beyond the limit */
	kbi.mmap[0] = (struct boot_mem_region){ 0x10000123, 0x10, 1 };
	kbi.mmap[1] = (struct boot_mem_region){ 0x20000000, 0, 1 };
	kbi.mmap[2] = (struct boot_mem_region){ 0x10000000, 0x2000, 2 };
	kbi.mmap[3] = (struct boot_mem_region){ FRAME_PHYS_LIMIT - 0x1000, 0x100000, 1 };
	kbi.mmap[4] = (struct boot_mem_region){ 0xfffffffffffff000ull, 0x1000, 1 };
	kbi.mmap_count = 5;
	n = kmap_direct_ranges(&kbi, r);
	CHECK_EQ(n, 3);
	CHECK_UEQ(r[0].end, 0x100000);
	CHECK_UEQ(r[1].start, 0x10000000);
	CHECK_UEQ(r[1].end, 0x10002000);
	CHECK_UEQ(r[2].start, FRAME_PHYS_LIMIT - 0x1000);
	CHECK_UEQ(r[2].end, FRAME_PHYS_LIMIT);
}

TEST(kmap_builds_kernel_space)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	struct kmap_layout l;
	struct kmap_stats st;
	uint64_t pa;
	unsigned fl;
	const uint64_t dm = 0xffff800000000000ull;

	layout(&l);
	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	CHECK_EQ(kmap_build(&as, &l, &st), CAPOS_OK);
	CHECK_UEQ(st.image_bytes, 0x30000 - 0x1000);
	CHECK_UEQ(st.direct_bytes, 0x8000000 + 0x40000);
	CHECK_EQ(st.direct_ranges, 2);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x100000, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0x100000);
	CHECK_EQ(fl, ARCH_MM_EXEC);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x117fff, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, 0);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x118000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl, ARCH_MM_WRITE);
	CHECK_UEQ(raw_leaf(f, &as, KVA + 0x118000) & NX, NX);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x120000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x121000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, KVA + 0x130000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, KVA + 0xff000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	/* no identity map, nothing in the lower half */
	CHECK_EQ(arch_mm_query(&as, 0x100000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, 0, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	/* direct map: RAM and firmware ranges, RW NX, large pages inside */
	CHECK_EQ(arch_mm_query(&as, dm + 0x7ffffff, &pa, &fl), CAPOS_OK);
	CHECK_UEQ(pa, 0x7ffffff);
	CHECK_EQ(fl, ARCH_MM_WRITE | ARCH_MM_LARGE);
	CHECK_EQ(arch_mm_query(&as, dm + 0xb8000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(fl & ~ARCH_MM_LARGE, ARCH_MM_WRITE);
	CHECK_EQ(arch_mm_query(&as, dm + 0xfffff000, &pa, &fl), CAPOS_OK);
	CHECK_EQ(arch_mm_query(&as, dm + 0x8000000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(arch_mm_query(&as, dm + 0xfee00000, &pa, &fl), CAPOS_ERR_MM_NOT_MAPPED);
	/* the only executable pages are text's */
	for (uint64_t va = KVA + 0x100000; va < KVA + 0x130000; va += 0x1000)
		if (arch_mm_query(&as, va, &pa, &fl) == CAPOS_OK)
			CHECK((fl & ARCH_MM_EXEC) == 0 || va < KVA + 0x110000);
	for (uint64_t p = 0; p < 0x8000000; p += 0x200000) {
		CHECK_EQ(arch_mm_query(&as, dm + p, &pa, &fl), CAPOS_OK);
		CHECK_EQ(fl & ARCH_MM_EXEC, 0);
	}
	free(f);
}

TEST(kmap_rejects_bad_layouts)
{
	struct fake_src *f = src_new(FAKE_FRAMES);
	struct arch_aspace as;
	struct kmap_layout l;
	struct kmap_stats st;

	CHECK_EQ(as_new(&as, f, true), CAPOS_OK);
	layout(&l);
	l.sections[0].flags = ARCH_MM_EXEC | ARCH_MM_WRITE; /* W^X */
	CHECK_EQ(kmap_build(&as, &l, &st), CAPOS_ERR_INVALID);
	layout(&l);
	l.sections[1].start += 0x10;
	CHECK_EQ(kmap_build(&as, &l, &st), CAPOS_ERR_ALIGNMENT);
	layout(&l);
	l.guards[0] += 8;
	CHECK_EQ(kmap_build(&as, &l, &st), CAPOS_ERR_ALIGNMENT);
	layout(&l);
	l.nsections = 0;
	CHECK_EQ(kmap_build(&as, &l, &st), CAPOS_ERR_INVALID);
	layout(&l);
	l.sections[2].end = l.sections[2].start - 0x1000;
	CHECK_EQ(kmap_build(&as, &l, &st), CAPOS_ERR_INVALID);
	layout(&l);
	l.sections[1].start = KVA + 0x10f000; /* overlaps text */
	CHECK_EQ(kmap_build(&as, &l, &st), CAPOS_ERR_MM_ALREADY_MAPPED);
	free(f);
}
