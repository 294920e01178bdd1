/*
 * Multiboot2 information parser (GRUB's `multiboot2` path). Walks the tag list of
 * the structure the loader left in memory, validating the total size, every tag's
 * size against the space left and against what its type needs, string
 * termination, memory map entry geometry and the end tag, and copies the result
 * into a struct boot_info (kernel/bootinfo.h). Pure: reads only the given bytes,
 * never follows pointers, never writes outside *out. Unknown tags are skipped.
 * Reference: the Multiboot2 specification, section 3.6 (boot information format).
 */
#include "bootinfo_priv.h"

#include <capos/error.h>

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

#define MB2_HEADER_SIZE 8u	/* total_size, reserved */
#define MB2_TAG_HEADER 8u	/* type, size */
#define MB2_MMAP_ENTRY_MIN 24u	/* base, length, type, reserved */
#define MB2_INFO_MAX (1u << 20) /* no sane loader writes more */
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u

/* Parser state beyond struct boot_info: which unique tags were seen. */
struct mb2_state {
	struct boot_info *bi;
	bool seen_cmdline, seen_mmap, seen_acpi_old, seen_acpi_new;
};

static int mb2_cmdline(struct mb2_state *st, const uint8_t *p, uint32_t len)
{
	if (st->seen_cmdline)
		return CAPOS_ERR_BOOT_DUPLICATE_TAG;
	st->seen_cmdline = true;
	return boot_copy_string(st->bi->cmdline, sizeof(st->bi->cmdline), p, len);
}

static int mb2_module(struct mb2_state *st, const uint8_t *p, uint32_t len)
{
	if (len < 9) /* mod_start, mod_end, at least the NUL */
		return CAPOS_ERR_BOOT_BAD_TAG;
	return boot_add_module(st->bi, boot_rd32(p), boot_rd32(p + 4), p + 8, len - 8);
}

static int mb2_mmap(struct mb2_state *st, const uint8_t *p, uint32_t len)
{
	uint32_t esize, count;
	int err;

	if (st->seen_mmap)
		return CAPOS_ERR_BOOT_DUPLICATE_TAG;
	st->seen_mmap = true;
	if (len < 8)
		return CAPOS_ERR_BOOT_BAD_TAG;
	esize = boot_rd32(p);
	if (esize < MB2_MMAP_ENTRY_MIN || esize % 8 != 0 || esize > 4096)
		return CAPOS_ERR_BOOT_ENTRY_SIZE;
	if ((len - 8) % esize != 0)
		return CAPOS_ERR_BOOT_BAD_TAG;
	count = (len - 8) / esize;
	if (count > BOOT_MMAP_MAX)
		return CAPOS_ERR_BOOT_TOO_MANY_ENTRIES;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = p + 8 + (size_t)i * esize;

		err = boot_add_region(st->bi, boot_rd64(e), boot_rd64(e + 8), boot_rd32(e + 16));
		if (err)
			return err;
	}
	return CAPOS_OK;
}

static void mb2_copy_rsdp(struct boot_info *bi, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		bi->rsdp[i] = p[i];
	bi->rsdp_len = n;
}

/* ACPI 1.0 (20-byte) or 2.0+ (36-byte) RSDP copy; the newer one wins. */
static int mb2_acpi(struct mb2_state *st, uint32_t type, const uint8_t *p, uint32_t len)
{
	bool is_new = type == MB2_TAG_ACPI_NEW;
	bool *seen = is_new ? &st->seen_acpi_new : &st->seen_acpi_old;
	uint32_t need = is_new ? RSDP_V2_LEN : RSDP_V1_LEN;

	if (*seen)
		return CAPOS_ERR_BOOT_DUPLICATE_TAG;
	*seen = true;
	if (len < need)
		return CAPOS_ERR_BOOT_BAD_TAG;
	if (is_new || !st->seen_acpi_new)
		mb2_copy_rsdp(st->bi, p, need);
	return CAPOS_OK;
}

/* Dispatches one tag's payload (p, len) by type. */
static int mb2_tag(struct mb2_state *st, uint32_t type, const uint8_t *p, uint32_t len)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		return mb2_cmdline(st, p, len);
	case MB2_TAG_MODULE:
		return mb2_module(st, p, len);
	case MB2_TAG_MMAP:
		return mb2_mmap(st, p, len);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return mb2_acpi(st, type, p, len);
	}
	return CAPOS_OK;
}

/* Walks the tags of a structure whose total size has been validated. */
static int mb2_walk(struct mb2_state *st, const uint8_t *base, uint32_t total)
{
	uint32_t off = MB2_HEADER_SIZE;
	int err;

	/* Invariant: off is 8-aligned and off <= total + 7. */
	for (;;) {
		uint32_t type, size;

		if (off > total || total - off < MB2_TAG_HEADER)
			return CAPOS_ERR_BOOT_NO_END_TAG;
		type = boot_rd32(base + off);
		size = boot_rd32(base + off + 4);
		if (size < MB2_TAG_HEADER || size > total - off)
			return CAPOS_ERR_BOOT_BAD_TAG;
		if (type == MB2_TAG_END)
			return size == MB2_TAG_HEADER ? CAPOS_OK : CAPOS_ERR_BOOT_BAD_TAG;
		err = mb2_tag(st, type, base + off + MB2_TAG_HEADER, size - MB2_TAG_HEADER);
		if (err)
			return err;
		off += (size + 7u) & ~7u;
	}
}

int mb2_parse(const void *info, size_t avail, uint64_t info_phys, struct boot_info *out)
{
	struct mb2_state st = { .bi = out };
	uint32_t total;
	int err;

	boot_info_reset(out, 2);
	if (((uintptr_t)info & 7) != 0 || (info_phys & 7) != 0)
		return CAPOS_ERR_BOOT_MISALIGNED;
	if (avail < MB2_HEADER_SIZE)
		return CAPOS_ERR_BOOT_BAD_SIZE;
	total = boot_rd32(info);
	if (total < MB2_HEADER_SIZE + MB2_TAG_HEADER || total > avail || total > MB2_INFO_MAX)
		return CAPOS_ERR_BOOT_BAD_SIZE;
	err = mb2_walk(&st, info, total);
	if (err)
		return err;
	if (!st.seen_mmap || out->mmap_count == 0)
		return CAPOS_ERR_BOOT_MEMORY_MAP;
	err = boot_add_range(out, info_phys, total);
	if (err)
		return err;
	return boot_check_module_count(out);
}
