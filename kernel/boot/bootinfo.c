/*
 * Parser-independent parts of the normalized boot information (kernel/bootinfo.h):
 * the bounded appends both Multiboot parsers use, the exactly-one-module rule and
 * the module-inside-RAM cross-check. Pure C, compiled for the kernel and for host
 * tests alike.
 */
#include "bootinfo_priv.h"

#include <capos/error.h>

void boot_info_reset(struct boot_info *bi, uint32_t protocol)
{
	uint8_t *p = (uint8_t *)bi;

	for (size_t i = 0; i < sizeof(*bi); i++)
		p[i] = 0;
	bi->protocol = protocol;
}

int boot_copy_string(char *dst, size_t cap, const uint8_t *src, size_t srclen)
{
	size_t n = 0;

	while (n < srclen && src[n] != 0)
		n++;
	if (n == srclen)
		return CAPOS_ERR_BOOT_BAD_TAG;
	if (n >= cap)
		return CAPOS_ERR_BOOT_CMDLINE_TOO_LONG;
	for (size_t i = 0; i <= n; i++)
		dst[i] = (char)src[i];
	return CAPOS_OK;
}

int boot_add_region(struct boot_info *bi, uint64_t base, uint64_t length, uint32_t type)
{
	if (length != 0 && base + (length - 1) < base)
		return CAPOS_ERR_BOOT_MEMORY_MAP;
	if (bi->mmap_count == BOOT_MMAP_MAX)
		return CAPOS_ERR_BOOT_TOO_MANY_ENTRIES;
	bi->mmap[bi->mmap_count++] = (struct boot_mem_region){ base, length, type };
	return CAPOS_OK;
}

int boot_add_range(struct boot_info *bi, uint64_t start, uint64_t len)
{
	if (start + len < start)
		return CAPOS_ERR_BOOT_BAD_SIZE;
	if (bi->range_count == BOOT_RANGES_MAX)
		return CAPOS_ERR_BOOT_TOO_MANY_ENTRIES;
	bi->ranges[bi->range_count++] = (struct boot_range){ start, start + len };
	return CAPOS_OK;
}

int boot_add_module(struct boot_info *bi, uint64_t start, uint64_t end, const uint8_t *cmdline,
		    size_t cmdline_len)
{
	int err;

	if (start > end)
		return CAPOS_ERR_BOOT_BAD_MODULE;
	bi->module_count++;
	if (bi->module_count > 1)
		return CAPOS_OK; /* counted; boot_check_module_count() rejects */
	err = boot_copy_string(bi->module.cmdline, sizeof(bi->module.cmdline), cmdline,
			       cmdline_len);
	if (err)
		return err;
	bi->module.start = start;
	bi->module.end = end;
	return CAPOS_OK;
}

int boot_check_module_count(const struct boot_info *bi)
{
	if (bi->module_count == 0)
		return CAPOS_ERR_BOOT_NO_MODULE;
	if (bi->module_count > 1)
		return CAPOS_ERR_BOOT_TOO_MANY_MODULES;
	return CAPOS_OK;
}

/* The available entry containing `addr`, or NULL. */
static const struct boot_mem_region *available_at(const struct boot_info *bi, uint64_t addr)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];

		if (r->type == BOOT_MEM_AVAILABLE && r->length != 0 && addr >= r->base &&
		    addr - r->base < r->length)
			return r;
	}
	return NULL;
}

int boot_info_check_module(const struct boot_info *bi)
{
	uint64_t pos = bi->module.start;

	if (bi->module.start > bi->module.end)
		return CAPOS_ERR_BOOT_BAD_MODULE;
	/* Invariant: [module.start, pos) is covered by available entries. */
	while (pos < bi->module.end) {
		const struct boot_mem_region *r = available_at(bi, pos);

		if (!r)
			return CAPOS_ERR_BOOT_BAD_MODULE;
		if (r->base + (r->length - 1) >= bi->module.end - 1)
			return CAPOS_OK;
		pos = r->base + r->length;
	}
	return CAPOS_OK;
}

uint32_t mb2_declared_size(const void *info)
{
	return boot_rd32(info);
}

const char *boot_mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_AVAILABLE:
		return "available";
	case BOOT_MEM_RESERVED:
		return "reserved";
	case BOOT_MEM_ACPI_RECLAIMABLE:
		return "acpi-reclaimable";
	case BOOT_MEM_ACPI_NVS:
		return "acpi-nvs";
	case BOOT_MEM_BAD:
		return "bad";
	}
	return "unknown";
}
