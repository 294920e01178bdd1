/*
 * Kernel address-space policy (kernel/mm/kmap.c): which ranges the final kernel
 * page tables map and with what permissions. Portable: it decides, the arch layer
 * (arch_mm_* in kernel/arch.h) writes the entries. Pure, so host tests build the
 * whole kernel address space over a fake frame source and walk it. Owned by kmem.
 */
#ifndef KERNEL_KMAP_H
#define KERNEL_KMAP_H

#include <kernel/arch.h>
#include <kernel/bootinfo.h>

#define KMAP_SECTIONS_MAX 8
#define KMAP_GUARDS_MAX 8
#define KMAP_DIRECT_MAX (BOOT_MMAP_MAX + 1)

/* One kernel image section: [start, end) virtual, page-aligned, ARCH_MM_* flags. */
struct kmap_section {
	const char *name;
	uint64_t start;
	uint64_t end;
	unsigned flags;
};

struct kmap_layout {
	uint64_t image_offset; /* virtual - physical for the image (KERNEL_VMA) */
	uint32_t nsections;
	struct kmap_section sections[KMAP_SECTIONS_MAX];
	uint32_t nguards;
	uint64_t guards[KMAP_GUARDS_MAX]; /* image pages left unmapped (stack guards) */
	uint64_t direct_base;		  /* DIRECT_MAP_BASE */
	const struct boot_info *bi;	  /* memory map for the direct map */
};

struct kmap_stats {
	uint64_t image_bytes;	/* image bytes mapped */
	uint64_t direct_bytes;	/* physical bytes in the direct map */
	uint32_t direct_ranges; /* ranges after merging */
};

/*
 * The physical ranges the direct map covers: every memory map entry of any type
 * (RAM, ACPI tables, firmware areas; MMIO holes are not listed and stay unmapped)
 * rounded out to 4 KiB and clipped to FRAME_PHYS_LIMIT, plus the first 1 MiB
 * (BIOS data and the RSDP scan area), sorted and merged. Returns the count.
 */
uint32_t kmap_direct_ranges(const struct boot_info *bi, struct boot_range *out);

/*
 * Builds the kernel address space into `as` (created empty by the caller):
 * each section at its permissions with 4 KiB pages except the guard pages, then the
 * direct map (RW, NX, 2 MiB pages where possible). Nothing else: no identity map.
 * Errors: CAPOS_ERR_ALIGNMENT (section or guard not page-aligned),
 * CAPOS_ERR_INVALID (empty layout, section end < start, a section both writable
 * and executable), CAPOS_ERR_MM_ALREADY_MAPPED (sections overlap), and
 * arch_mm_map()'s errors.
 */
int kmap_build(struct arch_aspace *as, const struct kmap_layout *l, struct kmap_stats *st);

#endif
