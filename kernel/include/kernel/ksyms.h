/*
 * The kernel's embedded symbol table ("ksyms blob") and its lookup. tools/ksyms reads
 * the linked kernel's ELF .symtab and writes the blob; kernel.mk links it into the
 * .ksyms section, placed last in the image (see kernel.ld). Backtraces turn return
 * addresses into "function+offset" with it.
 *
 * Blob layout (little-endian, 8-byte aligned):
 *   struct ksyms_header
 *   struct ksyms_entry[count]     sorted by strictly ascending addr
 *   char strtab[strtab_size]      NUL-terminated names; last byte is NUL
 *
 * ksyms_lookup.c (pure, host-tested) validates and searches a blob; ksyms.c binds the
 * kernel's own blob. The format is shared with the host tool, hence fixed-width types.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#define KSYMS_MAGIC 0x4D59534Bu /* "KSYM" */
#define KSYMS_VERSION 1u

struct ksyms_header {
	uint32_t magic;	      /* KSYMS_MAGIC */
	uint32_t version;     /* KSYMS_VERSION */
	uint32_t count;	      /* number of entries */
	uint32_t strtab_size; /* bytes of string table after the entries */
};

struct ksyms_entry {
	uint64_t addr;	   /* symbol start address */
	uint32_t size;	   /* bytes covered; 0 = unknown (up to the next symbol) */
	uint32_t name_off; /* offset of the NUL-terminated name in strtab */
};

_Static_assert(sizeof(struct ksyms_header) == 16, "ksyms header layout");
_Static_assert(sizeof(struct ksyms_entry) == 16, "ksyms entry layout");

/* A validated view of a blob (pointers into it). */
struct ksyms_table {
	const struct ksyms_entry *entries;
	uint32_t count;
	const char *strtab;
	uint32_t strtab_size;
};

/*
 * Validate the blob of `len` bytes at `blob` and fill `out`. Errors:
 * CAPOS_ERR_ALIGNMENT (blob not 8-byte aligned), CAPOS_ERR_KSYMS_TRUNCATED (shorter
 * than its header or than header + entries + strtab), CAPOS_ERR_KSYMS_BAD_MAGIC,
 * CAPOS_ERR_KSYMS_VERSION, CAPOS_ERR_KSYMS_TRAILING (bytes after the strtab),
 * CAPOS_ERR_KSYMS_UNSORTED (addresses not strictly ascending),
 * CAPOS_ERR_KSYMS_BAD_NAME (name offset outside the strtab, or strtab not
 * NUL-terminated). On error `out` is unchanged.
 */
int ksyms_open(const void *blob, size_t len, struct ksyms_table *out);

/*
 * Find the symbol containing `addr`: the entry with the greatest start <= addr, if
 * addr is within its size (size 0 counts as unbounded). Sets *name and *offset.
 * Errors: CAPOS_ERR_NOT_FOUND (empty table, addr below the first symbol, or past the
 * end of the containing symbol's size).
 */
int ksyms_lookup(const struct ksyms_table *t, uint64_t addr, const char **name, uint64_t *offset);

/*
 * The kernel's own table (validated on first use). Returns CAPOS_OK and *out, or the
 * validation error (e.g. the first-stage link's empty section: TRUNCATED).
 */
int ksyms_kernel_table(const struct ksyms_table **out);

/* ksyms_lookup() on the kernel's own table. */
int ksyms_resolve(uint64_t addr, const char **name, uint64_t *offset);

#endif
