/*
 * ELF64 executable validation (kernel/proc/elf.c). The kernel loads only static,
 * non-PIE x86_64 executables (ET_EXEC); elf_validate() checks every field the loader
 * relies on in an untrusted image and produces a bounded plan: the segments to map
 * (page ranges, file bytes to copy, permissions with W^X), the entry point and the
 * TLS template. It reads nothing outside [bytes, bytes + len) and never trusts a size
 * or offset without an overflow-safe bound. Section headers are never read.
 *
 * Pure code: compiled unmodified for the kernel, host tests and the fuzz target.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stdbool.h>
#include <stdint.h>

/* Limits of what the loader accepts (beyond them: typed errors, never truncation). */
#define ELF_MAX_PHNUM 64u	       /* program headers */
#define ELF_MAX_SEGMENTS 16u	       /* non-empty PT_LOAD segments */
#define ELF_SEG_MAX_MEMSZ (1ull << 30) /* 1 GiB per segment; frames are charged too */
#define ELF_TLS_MAX_MEMSZ (1ull << 20) /* 1 MiB TLS block */
#define ELF_TLS_MAX_ALIGN 4096ull

/* Segment permissions in the plan (mapping flags; reading is implied by W or X on
 * x86_64, which has no write-only or execute-only pages). */
#define ELF_PROT_R 1u
#define ELF_PROT_W 2u
#define ELF_PROT_X 4u

/* One mapping: pages [map_start, map_end) get `prot`; bytes [vaddr, vaddr + filesz)
 * come from file [file_offset, file_offset + filesz); every other byte is zero. */
struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t file_offset;
	uint64_t filesz;
	uint64_t map_start; /* vaddr rounded down to a page */
	uint64_t map_end;   /* vaddr + memsz rounded up to a page */
	uint32_t prot;	    /* ELF_PROT_*; never both W and X */
};

/* The PT_TLS initialisation image: filesz bytes at file_offset (== vaddr in the
 * image), then memsz - filesz zero bytes, aligned to `align`. */
struct elf_tls {
	uint64_t vaddr;
	uint64_t file_offset;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align; /* power of two, 1..ELF_TLS_MAX_ALIGN */
};

struct elf_image {
	uint64_t entry; /* inside an executable segment's file-backed bytes */
	uint32_t nsegs; /* 1..ELF_MAX_SEGMENTS, in program header order */
	bool has_tls;
	struct elf_segment segs[ELF_MAX_SEGMENTS];
	struct elf_tls tls; /* valid when has_tls */
};

/*
 * Validates the static executable in bytes[0..len) and fills *out (unspecified on
 * error). The checks, in order, and their errors (include/capos/error.h, ELF block):
 * header: TRUNCATED, BAD_MAGIC, BAD_CLASS, BAD_DATA, BAD_VERSION (ident), BAD_OSABI,
 * BAD_TYPE, BAD_MACHINE, BAD_VERSION (e_version), BAD_HEADER_SIZE, BAD_PHNUM,
 * PH_BOUNDS; then per program header: BAD_SEGMENT_TYPE, DYNAMIC, EXEC_STACK, and for
 * PT_LOAD SEG_SIZE, SEG_FILE_BOUNDS, SEG_ALIGN, SEG_ADDRESS, SEG_PERMS, WX,
 * TOO_MANY_SEGMENTS, and for PT_TLS BAD_TLS; then over the whole set: NO_SEGMENTS,
 * SEG_OVERLAP, BAD_TLS (template not inside a loaded segment), BAD_ENTRY.
 */
int elf_validate(const void *bytes, uint64_t len, struct elf_image *out);

#endif
