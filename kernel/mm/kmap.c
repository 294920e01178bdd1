/*
 * Kernel address-space policy: maps the kernel image section by section with its
 * own permissions (text R-X, rodata R--, data/bss RW- NX; W^X is enforced here),
 * leaves stack guard pages unmapped, and maps all physical memory the firmware
 * describes at the direct-map base, read-write and never executable. No identity
 * mapping and nothing executable outside text. Pure C over the arch_mm_* contract.
 */
#include <kernel/kmap.h>

#include <capos/error.h>
#include <kernel/frame.h>

static uint64_t page_down(uint64_t v)
{
	return v & ~(FRAME_SIZE - 1);
}

static uint64_t page_up_clip(uint64_t v)
{
	return v >= FRAME_PHYS_LIMIT ? FRAME_PHYS_LIMIT : (v + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
}

/* Inserts [s, e) into the sorted array v[0..n) by start; returns the new n. */
static uint32_t insert_sorted(struct boot_range *v, uint32_t n, uint64_t s, uint64_t e)
{
	uint32_t j = n;

	for (; j > 0 && v[j - 1].start > s; j--)
		v[j] = v[j - 1];
	v[j] = (struct boot_range){ s, e };
	return n + 1;
}

uint32_t kmap_direct_ranges(const struct boot_info *bi, struct boot_range *out)
{
	struct boot_range v[KMAP_DIRECT_MAX];
	uint32_t n = 0, m = 0;

	n = insert_sorted(v, n, 0, FRAME_LOW_RESERVED);
	for (uint32_t i = 0; i < bi->mmap_count && i < BOOT_MMAP_MAX; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		uint64_t s = page_down(r->base), e;

		if (r->length == 0 || s >= FRAME_PHYS_LIMIT)
			continue;
		e = r->length > FRAME_PHYS_LIMIT - r->base ? FRAME_PHYS_LIMIT
							   : page_up_clip(r->base + r->length);
		n = insert_sorted(v, n, s, e);
	}
	/* Invariant: out[0..m) is sorted, disjoint and not adjacent. */
	for (uint32_t i = 0; i < n; i++) {
		if (m > 0 && v[i].start <= out[m - 1].end) {
			if (v[i].end > out[m - 1].end)
				out[m - 1].end = v[i].end;
			continue;
		}
		out[m++] = v[i];
	}
	return m;
}

static bool is_guard(const struct kmap_layout *l, uint64_t va)
{
	for (uint32_t i = 0; i < l->nguards; i++)
		if (l->guards[i] == va)
			return true;
	return false;
}

static int check_layout(const struct kmap_layout *l)
{
	if (l->nsections == 0 || l->nsections > KMAP_SECTIONS_MAX || l->nguards > KMAP_GUARDS_MAX)
		return CAPOS_ERR_INVALID;
	for (uint32_t i = 0; i < l->nsections; i++) {
		const struct kmap_section *s = &l->sections[i];

		if ((s->start | s->end) & (FRAME_SIZE - 1))
			return CAPOS_ERR_ALIGNMENT;
		if (s->end < s->start || s->start < l->image_offset)
			return CAPOS_ERR_INVALID;
		if ((s->flags & ARCH_MM_WRITE) && (s->flags & ARCH_MM_EXEC))
			return CAPOS_ERR_INVALID;
	}
	for (uint32_t i = 0; i < l->nguards; i++)
		if (l->guards[i] & (FRAME_SIZE - 1))
			return CAPOS_ERR_ALIGNMENT;
	return CAPOS_OK;
}

/* Maps one section as runs of pages between guard pages. */
static int map_section(struct arch_aspace *as, const struct kmap_layout *l,
		       const struct kmap_section *s, uint64_t *mapped)
{
	uint64_t run = s->start;
	int err;

	/* Invariant: [s->start, run) is mapped except guard pages. */
	for (uint64_t va = s->start; va <= s->end; va += FRAME_SIZE) {
		if (va < s->end && !is_guard(l, va))
			continue;
		if (va > run) {
			err = arch_mm_map(as, run, run - l->image_offset, va - run, s->flags);
			if (err)
				return err;
			*mapped += va - run;
		}
		run = va + FRAME_SIZE;
	}
	return CAPOS_OK;
}

int kmap_build(struct arch_aspace *as, const struct kmap_layout *l, struct kmap_stats *st)
{
	struct boot_range direct[KMAP_DIRECT_MAX];
	int err = check_layout(l);

	*st = (struct kmap_stats){ 0 };
	if (err)
		return err;
	for (uint32_t i = 0; i < l->nsections; i++) {
		err = map_section(as, l, &l->sections[i], &st->image_bytes);
		if (err)
			return err;
	}
	st->direct_ranges = kmap_direct_ranges(l->bi, direct);
	for (uint32_t i = 0; i < st->direct_ranges; i++) {
		uint64_t len = direct[i].end - direct[i].start;

		err = arch_mm_map(as, l->direct_base + direct[i].start, direct[i].start, len,
				  ARCH_MM_WRITE | ARCH_MM_LARGE);
		if (err)
			return err;
		st->direct_bytes += len;
	}
	return CAPOS_OK;
}
