/*
 * Normalized boot information. The boot loader hands the kernel either a
 * Multiboot2 information structure (GRUB, the ISO path) or a Multiboot1 one (QEMU's
 * direct `-kernel` load). Both parsers (kernel/boot/multiboot2.c, multiboot1.c) are
 * pure functions that validate the loader's data completely and copy what the
 * kernel needs into one `struct boot_info`, so nothing later reads loader memory:
 * the memory map, the single boot module (its physical range and command line),
 * the kernel command line, a copy of the ACPI RSDP, and the physical ranges the
 * loader's structures occupy (reserved by the frame allocator until it starts).
 *
 * Every array is bounded; more input than fits is a typed error, never a silent
 * truncation. Owned by kmem. Relies on nothing but <capos/error.h>.
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_MAGIC_MB2 0x36d76289u /* %eax after a Multiboot2 loader */
#define BOOT_MAGIC_MB1 0x2badb002u /* %eax after a Multiboot1 loader */

#define BOOT_MMAP_MAX 128	 /* memory map entries kept */
#define BOOT_CMDLINE_MAX 512	 /* kernel command line incl. NUL */
#define BOOT_MOD_CMDLINE_MAX 128 /* module command line incl. NUL */
#define BOOT_RANGES_MAX 8	 /* loader structure ranges */
#define BOOT_RSDP_MAX 36	 /* ACPI 2.0 RSDP size */

/* Memory map entry types (the Multiboot / E820 numbering). */
enum boot_mem_type {
	BOOT_MEM_AVAILABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIMABLE = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mem_region {
	uint64_t base;	 /* physical start */
	uint64_t length; /* bytes; may be 0 (kept as given, ignored by users) */
	uint32_t type;	 /* enum boot_mem_type, or a loader value (treated as reserved) */
};

/* A physical byte range [start, end). */
struct boot_range {
	uint64_t start;
	uint64_t end;
};

struct boot_module {
	uint64_t start;			    /* physical, inclusive */
	uint64_t end;			    /* physical, exclusive */
	char cmdline[BOOT_MOD_CMDLINE_MAX]; /* NUL-terminated */
};

struct boot_info {
	uint32_t protocol;		/* 1 or 2 (Multiboot version) */
	char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated, "" if none */
	uint32_t mmap_count;		/* valid entries in mmap[] */
	struct boot_mem_region mmap[BOOT_MMAP_MAX];
	uint32_t module_count;			   /* always 1 after a successful parse */
	struct boot_module module;		   /* the boot module (manifest.bin) */
	uint8_t rsdp[BOOT_RSDP_MAX];		   /* copy of the RSDP, rsdp_len bytes */
	uint32_t rsdp_len;			   /* 0: loader gave none; 20 (v1) or 36 (v2) */
	uint32_t range_count;			   /* valid entries in ranges[] */
	struct boot_range ranges[BOOT_RANGES_MAX]; /* loader structures (info, mmap, ...) */
	struct boot_range kernel;		   /* kernel image; filled by the caller */
};

/*
 * Read accessor for physical memory, used by the Multiboot1 parser, whose info
 * structure points to other physical structures. Returns a pointer through which
 * `len` bytes at `phys` can be read, or NULL when that range is not readable (the
 * parser then fails with CAPOS_ERR_BOOT_BAD_POINTER).
 */
typedef const void *boot_phys_read_fn(void *ctx, uint64_t phys, size_t len);

/*
 * Size in bytes the Multiboot2 info at `info` declares (its first field), so the
 * caller can make that many bytes readable before calling mb2_parse().
 * Precondition: 8 bytes at `info` are readable.
 */
uint32_t mb2_declared_size(const void *info);

/*
 * Parses a Multiboot2 information structure of `avail` readable bytes at `info`
 * (physical address `info_phys`, recorded as a loader range) into `out`.
 * Errors: CAPOS_ERR_BOOT_MISALIGNED (info or a tag not 8-aligned),
 * CAPOS_ERR_BOOT_BAD_SIZE (total size < 16 or > avail), CAPOS_ERR_BOOT_BAD_TAG
 * (tag shorter than its type needs, zero size, running past the end, string not
 * terminated, mmap tag not a whole number of entries), CAPOS_ERR_BOOT_NO_END_TAG,
 * CAPOS_ERR_BOOT_DUPLICATE_TAG (second cmdline, mmap or same-version ACPI tag),
 * CAPOS_ERR_BOOT_ENTRY_SIZE, CAPOS_ERR_BOOT_TOO_MANY_ENTRIES,
 * CAPOS_ERR_BOOT_BAD_MODULE (start > end), CAPOS_ERR_BOOT_CMDLINE_TOO_LONG,
 * CAPOS_ERR_BOOT_MEMORY_MAP (no mmap tag), CAPOS_ERR_BOOT_NO_MODULE,
 * CAPOS_ERR_BOOT_TOO_MANY_MODULES. On error `out` is unspecified.
 */
int mb2_parse(const void *info, size_t avail, uint64_t info_phys, struct boot_info *out);

/*
 * Parses a Multiboot1 information structure at physical `info_phys`, reading all
 * loader memory through `read`. Requires the memory map (flag 6); the command line
 * (flag 2) is optional; modules (flag 3) must list exactly one.
 * Errors: CAPOS_ERR_BOOT_BAD_POINTER, CAPOS_ERR_BOOT_MEMORY_MAP,
 * CAPOS_ERR_BOOT_BAD_TAG (mmap entry size field too small or entries running past
 * mmap_length), CAPOS_ERR_BOOT_TOO_MANY_ENTRIES, CAPOS_ERR_BOOT_BAD_MODULE,
 * CAPOS_ERR_BOOT_CMDLINE_TOO_LONG, CAPOS_ERR_BOOT_NO_MODULE,
 * CAPOS_ERR_BOOT_TOO_MANY_MODULES, CAPOS_ERR_BOOT_BAD_SIZE (range overflows).
 */
int mb1_parse(boot_phys_read_fn *read, void *ctx, uint64_t info_phys, struct boot_info *out);

/*
 * Cross-checks a parsed boot_info against its own memory map: the module must lie
 * entirely inside AVAILABLE memory (a loader never places it elsewhere; a module
 * reaching past RAM or 4 GiB is a hostile or broken map).
 * Errors: CAPOS_ERR_BOOT_BAD_MODULE.
 */
int boot_info_check_module(const struct boot_info *bi);

/* Human-readable name of a memory map type ("available", "reserved", ...). */
const char *boot_mem_type_name(uint32_t type);

#endif
