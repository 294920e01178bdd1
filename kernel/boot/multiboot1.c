/*
 * Multiboot1 information parser, for QEMU's direct kernel load (`-kernel`), which
 * speaks Multiboot1 only. Unlike Multiboot2 the info structure holds physical
 * pointers (command line, module list, memory map), so every read goes through a
 * caller-supplied accessor that refuses ranges outside readable memory; each
 * structure is validated and copied into a struct boot_info (kernel/bootinfo.h).
 * Multiboot1 gives no RSDP (rsdp_len stays 0; the platform code scans the BIOS area).
 * Reference: the Multiboot 0.6.96 specification, section 3.3 (boot information).
 */
#include "bootinfo_priv.h"

#include <capos/error.h>

/* Offsets in the info structure and the flag bits that validate them. */
#define MB1_INFO_SIZE 52u /* through mmap_addr */
#define MB1_FLAGS 0
#define MB1_CMDLINE 16
#define MB1_MODS_COUNT 20
#define MB1_MODS_ADDR 24
#define MB1_MMAP_LENGTH 44
#define MB1_MMAP_ADDR 48
#define MB1_FLAG_CMDLINE (1u << 2)
#define MB1_FLAG_MODS (1u << 3)
#define MB1_FLAG_MMAP (1u << 6)

#define MB1_MOD_SIZE 16u       /* mod_start, mod_end, string, reserved */
#define MB1_MMAP_ENTRY_MIN 20u /* base, length, type (after the size field) */
#define MB1_MMAP_MAX_BYTES 65536u

struct mb1_reader {
	boot_phys_read_fn *read;
	void *ctx;
};

/* Reads `len` bytes at phys, or NULL if not readable or the range wraps. */
static const uint8_t *mb1_read(const struct mb1_reader *rd, uint64_t phys, size_t len)
{
	if (len == 0 || phys + (len - 1) < phys)
		return NULL;
	return rd->read(rd->ctx, phys, len);
}

/* Copies a NUL-terminated string at phys into dst[cap], byte by byte so a string
 * ending just before unreadable memory is still accepted. Records its range. */
static int mb1_string(const struct mb1_reader *rd, struct boot_info *bi, uint64_t phys, char *dst,
		      size_t cap)
{
	for (size_t i = 0; i < cap; i++) {
		const uint8_t *c = mb1_read(rd, phys + i, 1);

		if (!c)
			return CAPOS_ERR_BOOT_BAD_POINTER;
		dst[i] = (char)*c;
		if (*c == 0)
			return boot_add_range(bi, phys, i + 1);
	}
	return CAPOS_ERR_BOOT_CMDLINE_TOO_LONG;
}

static int mb1_mmap(const struct mb1_reader *rd, struct boot_info *bi, const uint8_t *info)
{
	uint32_t len = boot_rd32(info + MB1_MMAP_LENGTH);
	uint64_t addr = boot_rd32(info + MB1_MMAP_ADDR);
	const uint8_t *m;
	uint32_t off = 0;
	int err;

	if (!(boot_rd32(info + MB1_FLAGS) & MB1_FLAG_MMAP) || len == 0)
		return CAPOS_ERR_BOOT_MEMORY_MAP;
	if (len > MB1_MMAP_MAX_BYTES)
		return CAPOS_ERR_BOOT_BAD_SIZE;
	m = mb1_read(rd, addr, len);
	if (!m)
		return CAPOS_ERR_BOOT_BAD_POINTER;
	/* Invariant: off < len is the start of an entry's size field. */
	while (off < len) {
		uint32_t size;

		if (len - off < 4)
			return CAPOS_ERR_BOOT_BAD_TAG;
		size = boot_rd32(m + off);
		if (size < MB1_MMAP_ENTRY_MIN)
			return CAPOS_ERR_BOOT_ENTRY_SIZE;
		if (size > len - off - 4)
			return CAPOS_ERR_BOOT_BAD_TAG;
		err = boot_add_region(bi, boot_rd64(m + off + 4), boot_rd64(m + off + 12),
				      boot_rd32(m + off + 20));
		if (err)
			return err;
		off += 4 + size;
	}
	return boot_add_range(bi, addr, len);
}

static int mb1_module(const struct mb1_reader *rd, struct boot_info *bi, const uint8_t *info)
{
	uint32_t count = boot_rd32(info + MB1_MODS_COUNT);
	uint64_t addr = boot_rd32(info + MB1_MODS_ADDR);
	const uint8_t *mod;
	uint64_t start, end;
	int err;

	if (!(boot_rd32(info + MB1_FLAGS) & MB1_FLAG_MODS) || count == 0)
		return CAPOS_ERR_BOOT_NO_MODULE;
	if (count > 1)
		return CAPOS_ERR_BOOT_TOO_MANY_MODULES;
	mod = mb1_read(rd, addr, MB1_MOD_SIZE);
	if (!mod)
		return CAPOS_ERR_BOOT_BAD_POINTER;
	start = boot_rd32(mod);
	end = boot_rd32(mod + 4);
	if (start > end)
		return CAPOS_ERR_BOOT_BAD_MODULE;
	err = boot_add_range(bi, addr, MB1_MOD_SIZE);
	if (err)
		return err;
	bi->module_count = 1;
	bi->module.start = start;
	bi->module.end = end;
	return mb1_string(rd, bi, boot_rd32(mod + 8), bi->module.cmdline,
			  sizeof(bi->module.cmdline));
}

int mb1_parse(boot_phys_read_fn *read, void *ctx, uint64_t info_phys, struct boot_info *out)
{
	const struct mb1_reader rd = { read, ctx };
	const uint8_t *info;
	int err;

	boot_info_reset(out, 1);
	info = mb1_read(&rd, info_phys, MB1_INFO_SIZE);
	if (!info)
		return CAPOS_ERR_BOOT_BAD_POINTER;
	err = boot_add_range(out, info_phys, MB1_INFO_SIZE);
	if (err)
		return err;
	err = mb1_mmap(&rd, out, info);
	if (err)
		return err;
	if (boot_rd32(info + MB1_FLAGS) & MB1_FLAG_CMDLINE) {
		err = mb1_string(&rd, out, boot_rd32(info + MB1_CMDLINE), out->cmdline,
				 sizeof(out->cmdline));
		if (err)
			return err;
	}
	return mb1_module(&rd, out, info);
}
