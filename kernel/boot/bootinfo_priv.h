/*
 * Helpers shared by the Multiboot1 and Multiboot2 parsers (kernel/boot/): byte-wise
 * little-endian reads that never assume alignment, bounded string copies and the
 * bounded appends into struct boot_info. Private to kernel/boot/.
 */
#ifndef KERNEL_BOOT_BOOTINFO_PRIV_H
#define KERNEL_BOOT_BOOTINFO_PRIV_H

#include <kernel/bootinfo.h>

static inline uint32_t boot_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t boot_rd64(const uint8_t *p)
{
	return (uint64_t)boot_rd32(p) | (uint64_t)boot_rd32(p + 4) << 32;
}

/* Zeroes *bi and sets the protocol; the parsers start from this. */
void boot_info_reset(struct boot_info *bi, uint32_t protocol);

/*
 * Copies the NUL-terminated string in src[0..srclen) into dst (cap bytes).
 * Errors: CAPOS_ERR_BOOT_BAD_TAG (no NUL within srclen),
 * CAPOS_ERR_BOOT_CMDLINE_TOO_LONG (does not fit in cap).
 */
int boot_copy_string(char *dst, size_t cap, const uint8_t *src, size_t srclen);

/*
 * Appends a memory map entry. Errors: CAPOS_ERR_BOOT_TOO_MANY_ENTRIES,
 * CAPOS_ERR_BOOT_MEMORY_MAP (base + length wraps past 2^64).
 */
int boot_add_region(struct boot_info *bi, uint64_t base, uint64_t length, uint32_t type);

/* Records a loader structure range. Errors: CAPOS_ERR_BOOT_TOO_MANY_ENTRIES,
 * CAPOS_ERR_BOOT_BAD_SIZE (wraps). */
int boot_add_range(struct boot_info *bi, uint64_t start, uint64_t len);

/*
 * Counts a module and stores the first one. Errors: CAPOS_ERR_BOOT_BAD_MODULE
 * (start > end), CAPOS_ERR_BOOT_CMDLINE_TOO_LONG / _BAD_TAG from the string copy.
 */
int boot_add_module(struct boot_info *bi, uint64_t start, uint64_t end, const uint8_t *cmdline,
		    size_t cmdline_len);

/* Final exactly-one-module rule. Errors: CAPOS_ERR_BOOT_NO_MODULE,
 * CAPOS_ERR_BOOT_TOO_MANY_MODULES. */
int boot_check_module_count(const struct boot_info *bi);

#endif
