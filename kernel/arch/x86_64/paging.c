/*
 * x86_64 4-level page tables: building, querying and tearing down mappings in a
 * tree of PML4/PDPT/PD/PT tables. Pure table manipulation over a frame source
 * (struct arch_pt_source), with no privileged instruction, so host tests build real
 * tables in ordinary memory and walk them; the hardware side (CR3, INVLPG, EFER)
 * is in mmu.c. Leaves are 4 KiB pages, or 2 MiB pages where the caller allows it and
 * va/pa/size line up. Intermediate entries are permissive (present, writable, user
 * if the leaf is); the leaf carries the real permission.
 */
#include <kernel/arch.h>

#include <capos/error.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_SW_OBJECT (1ull << 9) /* available to software: ARCH_MM_OBJECT */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PT_ENTRIES 512
#define PAGE_4K 0x1000ull
#define PAGE_2M 0x200000ull
#define PHYS_MAX (1ull << 52)
#define UPPER_HALF 0xffff800000000000ull

static unsigned pt_index(uint64_t va, int level) /* level 3 = PML4 ... 0 = PT */
{
	return (unsigned)(va >> (12 + 9 * level)) & (PT_ENTRIES - 1);
}

static bool canonical(uint64_t va)
{
	return va < 0x0000800000000000ull || va >= UPPER_HALF;
}

static uint64_t *table_at(const struct arch_aspace *as, uint64_t phys)
{
	return as->src.to_virt(as->src.ctx, phys);
}

/* Leaf entry for pa with ARCH_MM_* flags. */
static uint64_t leaf_pte(const struct arch_aspace *as, uint64_t va, uint64_t pa, unsigned flags,
			 bool large)
{
	uint64_t pte = pa | PTE_P;

	if (flags & ARCH_MM_WRITE)
		pte |= PTE_W;
	if (flags & ARCH_MM_USER)
		pte |= PTE_U;
	if (flags & ARCH_MM_UNCACHED)
		pte |= PTE_PCD | PTE_PWT;
	if (!(flags & ARCH_MM_EXEC) && as->nx)
		pte |= PTE_NX;
	if (va >= UPPER_HALF)
		pte |= PTE_G;
	if (large)
		pte |= PTE_PS;
	if (flags & ARCH_MM_OBJECT)
		pte |= PTE_SW_OBJECT;
	return pte;
}

static unsigned pte_flags(uint64_t pte, bool large)
{
	unsigned f = 0;

	if (pte & PTE_W)
		f |= ARCH_MM_WRITE;
	if (!(pte & PTE_NX))
		f |= ARCH_MM_EXEC;
	if (pte & PTE_U)
		f |= ARCH_MM_USER;
	if (pte & PTE_PCD)
		f |= ARCH_MM_UNCACHED;
	if (large)
		f |= ARCH_MM_LARGE;
	if (pte & PTE_SW_OBJECT)
		f |= ARCH_MM_OBJECT;
	return f;
}

/* Allocates a zeroed table frame. */
static int table_new(struct arch_aspace *as, uint64_t *phys)
{
	uint64_t *t;
	int err = as->src.alloc(as->src.ctx, phys);

	if (err)
		return err;
	t = table_at(as, *phys);
	for (int i = 0; i < PT_ENTRIES; i++)
		t[i] = 0;
	return CAPOS_OK;
}

int arch_mm_create(struct arch_aspace *as, const struct arch_pt_source *src, bool nx)
{
	as->src = *src;
	as->nx = nx;
	return table_new(as, &as->root_phys);
}

/*
 * The leaf entry slot for va at `level` (0 = 4 KiB, 1 = 2 MiB), creating missing
 * tables when `create`. NULL with *err set when absent (MM_NOT_MAPPED), blocked by
 * a larger leaf above (MM_ALREADY_MAPPED) or out of frames.
 */
static uint64_t *walk(struct arch_aspace *as, uint64_t va, int level, bool create, unsigned flags,
		      int *err)
{
	uint64_t *t = table_at(as, as->root_phys);

	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[pt_index(va, l)];
		uint64_t phys;

		if (*e & PTE_P) {
			if (*e & PTE_PS) {
				*err = CAPOS_ERR_MM_ALREADY_MAPPED;
				return NULL;
			}
			if (flags & ARCH_MM_USER)
				*e |= PTE_U; /* a user leaf needs U on every level */
		} else {
			if (!create) {
				*err = CAPOS_ERR_MM_NOT_MAPPED;
				return NULL;
			}
			*err = table_new(as, &phys);
			if (*err)
				return NULL;
			*e = phys | PTE_P | PTE_W | ((flags & ARCH_MM_USER) ? PTE_U : 0);
		}
		t = table_at(as, *e & PTE_ADDR);
	}
	return &t[pt_index(va, level)];
}

/*
 * Finds the leaf mapping va: its entry, with *level 0 (4 KiB) or 1 (2 MiB). When va
 * is unmapped returns NULL with *level the level whose entry was absent, so callers
 * can skip the whole region that entry would cover.
 */
static uint64_t *find_leaf(const struct arch_aspace *as, uint64_t va, int *level)
{
	uint64_t *t = table_at(as, as->root_phys);

	for (int l = 3; l >= 0; l--) {
		uint64_t *e = &t[pt_index(va, l)];

		*level = l;
		if (!(*e & PTE_P))
			return NULL;
		if (l == 0 || (*e & PTE_PS))
			return e; /* 1 GiB leaves are never created here */
		t = table_at(as, *e & PTE_ADDR);
	}
	return NULL;
}

static int check_range(uint64_t va, uint64_t pa, uint64_t size)
{
	if ((va | pa | size) & (PAGE_4K - 1))
		return CAPOS_ERR_ALIGNMENT;
	if (size == 0 || va + (size - 1) < va || pa >= PHYS_MAX || size > PHYS_MAX - pa)
		return CAPOS_ERR_INVALID;
	if (!canonical(va) || !canonical(va + (size - 1)) ||
	    (va < UPPER_HALF) != (va + (size - 1) < UPPER_HALF))
		return CAPOS_ERR_INVALID;
	return CAPOS_OK;
}

/* Does any page of [va, va + size) have a mapping? Skips absent subtrees whole. */
static bool any_mapped(const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	uint64_t end = va + (size - 1);

	/* Invariant: nothing in [original va, va) is mapped. */
	for (;;) {
		int level;
		uint64_t span;

		if (find_leaf(as, va, &level))
			return true;
		span = 1ull << (12 + 9 * level);
		if (end - va < span - (va & (span - 1)))
			return false;
		va = (va & ~(span - 1)) + span;
	}
}

static bool use_large(uint64_t va, uint64_t pa, uint64_t left, unsigned flags)
{
	return (flags & ARCH_MM_LARGE) && ((va | pa) & (PAGE_2M - 1)) == 0 && left >= PAGE_2M;
}

int arch_mm_map(struct arch_aspace *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	int err = check_range(va, pa, size);
	uint64_t off = 0;

	if (err)
		return err;
	if ((flags & ARCH_MM_USER) && va >= UPPER_HALF)
		return CAPOS_ERR_INVALID;
	if (any_mapped(as, va, size))
		return CAPOS_ERR_MM_ALREADY_MAPPED;
	/* Invariant: [va, va + off) is mapped as requested. */
	while (off < size) {
		bool large = use_large(va + off, pa + off, size - off, flags);
		uint64_t *e = walk(as, va + off, large ? 1 : 0, true, flags, &err);

		if (!e)
			return err;
		if (large && (*e & PTE_P)) { /* a page table hangs here: use 4 KiB */
			large = false;
			e = walk(as, va + off, 0, true, flags, &err);
			if (!e)
				return err;
		}
		*e = leaf_pte(as, va + off, pa + off, flags, large);
		off += large ? PAGE_2M : PAGE_4K;
	}
	return CAPOS_OK;
}

int arch_mm_unmap(struct arch_aspace *as, uint64_t va, uint64_t size)
{
	int err = check_range(va, 0, size);
	uint64_t off;

	if (err)
		return err;
	for (off = 0; off < size; off += PAGE_4K) {
		int level;
		uint64_t *e = find_leaf(as, va + off, &level);

		if (!e)
			return CAPOS_ERR_MM_NOT_MAPPED;
		if (level == 1 && (((va + off) & (PAGE_2M - 1)) || size - off < PAGE_2M))
			return CAPOS_ERR_ALIGNMENT;
		if (level == 1)
			off += PAGE_2M - PAGE_4K;
	}
	for (off = 0; off < size;) {
		int level;
		uint64_t *e = find_leaf(as, va + off, &level);

		*e = 0;
		off += level == 1 ? PAGE_2M : PAGE_4K;
	}
	return CAPOS_OK;
}

/*
 * Decode half of arch_mm_protect(): every page of [va, va + size) is mapped, a 2 MiB
 * page lies wholly inside, and no leaf changes its user bit. Changes nothing.
 */
static int protect_check(const struct arch_aspace *as, uint64_t va, uint64_t size, unsigned flags)
{
	/* Invariant: [va, va + off) passed. */
	for (uint64_t off = 0; off < size; off += PAGE_4K) {
		int level;
		uint64_t *e = find_leaf(as, va + off, &level);

		if (!e)
			return CAPOS_ERR_MM_NOT_MAPPED;
		if (!(*e & PTE_U) != !(flags & ARCH_MM_USER))
			return CAPOS_ERR_INVALID;
		if (level == 1 && (((va + off) & (PAGE_2M - 1)) || size - off < PAGE_2M))
			return CAPOS_ERR_ALIGNMENT;
		if (level == 1)
			off += PAGE_2M - PAGE_4K;
	}
	return CAPOS_OK;
}

int arch_mm_protect(struct arch_aspace *as, uint64_t va, uint64_t size, unsigned flags)
{
	int err = check_range(va, 0, size);

	if (err == CAPOS_OK)
		err = protect_check(as, va, size, flags & ~ARCH_MM_LARGE);
	if (err)
		return err;
	/* Invariant: the leaves of [va, va + off) carry `flags`, their frames unchanged. */
	for (uint64_t off = 0; off < size;) {
		int level;
		uint64_t *e = find_leaf(as, va + off, &level);
		bool large = level == 1;
		uint64_t keep = *e & (PTE_A | PTE_D), frame = *e & PTE_ADDR;

		/* One store: a walk on another CPU sees the old entry or the new one, both
		 * present (an unmap-then-map would show it a hole). */
		__atomic_store_n(
			e, leaf_pte(as, va + off, frame, flags & ~ARCH_MM_LARGE, large) | keep,
			__ATOMIC_RELEASE);
		off += large ? PAGE_2M : PAGE_4K;
	}
	return CAPOS_OK;
}

int arch_mm_query(const struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *flags)
{
	int level;
	uint64_t *e;

	if (!canonical(va))
		return CAPOS_ERR_INVALID;
	e = find_leaf(as, va, &level);
	if (!e)
		return CAPOS_ERR_MM_NOT_MAPPED;
	if (level == 1) {
		*pa = (*e & PTE_ADDR & ~(PAGE_2M - 1)) | (va & (PAGE_2M - 1));
		*flags = pte_flags(*e, true);
	} else {
		*pa = (*e & PTE_ADDR) | (va & (PAGE_4K - 1));
		*flags = pte_flags(*e, false);
	}
	return CAPOS_OK;
}

/* ---- kproc: shared kernel half, pre-built kernel tables, user-half teardown ---- */

int arch_mm_populate(struct arch_aspace *as, uint64_t va, uint64_t size)
{
	int err = check_range(va, 0, size);

	if (err)
		return err;
	/* Invariant: every page of [va, va + off) has its PT in place. */
	for (uint64_t off = 0; off < size; off += PAGE_4K) {
		if (!walk(as, va + off, 0, true, 0, &err))
			return err;
	}
	return CAPOS_OK;
}

void arch_mm_share_kernel(struct arch_aspace *dst, const struct arch_aspace *src)
{
	uint64_t *d = table_at(dst, dst->root_phys);
	const uint64_t *s = table_at(src, src->root_phys);

	for (int i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		d[i] = s[i];
}

/* Frees the subtree under table `phys` at `level` (2 = PDPT ... 0 = PT). */
static void teardown_table(struct arch_aspace *as, uint64_t phys, int level, uint64_t base,
			   const struct arch_mm_teardown_ops *ops)
{
	uint64_t *t = table_at(as, phys);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i], va = base + ((uint64_t)i << (12 + 9 * level));

		if (!(e & PTE_P))
			continue;
		if (level == 0 || (e & PTE_PS)) {
			uint64_t span = level == 0 ? PAGE_4K : PAGE_2M;

			ops->leaf(ops->ctx, va, e & PTE_ADDR & ~(span - 1), span);
		} else {
			teardown_table(as, e & PTE_ADDR, level - 1, va, ops);
		}
		t[i] = 0;
	}
	ops->table(ops->ctx, phys);
}

void arch_mm_destroy_user(struct arch_aspace *as, const struct arch_mm_teardown_ops *ops)
{
	uint64_t *root = table_at(as, as->root_phys);

	for (unsigned i = 0; i < PT_ENTRIES / 2; i++) {
		if (root[i] & PTE_P)
			teardown_table(as, root[i] & PTE_ADDR, 2, (uint64_t)i << 39, ops);
		root[i] = 0;
	}
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		root[i] = 0; /* shared kernel tables: not ours to free */
	ops->table(ops->ctx, as->root_phys);
	as->root_phys = 0;
}
