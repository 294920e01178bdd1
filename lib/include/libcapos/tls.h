/*
 * libcapos thread-local storage and thread control block (x86_64 TLS variant II).
 *
 * ABI v1 (docs/abi.md §3): TLS is the runtime's job. The process starts with FS base
 * 0; crt0 finds PT_TLS (validated by the kernel's loader) through __ehdr_start,
 * places one TLS block followed by a `struct capos_tcb` in memory it owns (the
 * initial stack for thread 0), copies the initialisation image and points the FS base
 * at the TCB with `wrfsbase` (the kernel enables CR4.FSGSBASE and saves/restores the
 * base per thread). Layout, as the x86_64 psABI and every toolchain expect:
 *
 *     [ .tdata image | .tbss zeroes | pad ][ struct capos_tcb (64 bytes) ]
 *     ^ tp - offset                        ^ tp = FS base, %fs:0 == tp
 *
 * Local-exec accesses compile to `%fs:-offset+x` and address computations read the
 * self pointer at %fs:0; code compiled for glibc-style targets (Debian's static
 * archives) reads its stack canary at %fs:0x28, which the TCB provides.
 * The functions here are pure and host-tested; a thread-spawn helper will use them
 * on memory from VirtualMemory.
 */
#ifndef LIBCAPOS_TLS_H
#define LIBCAPOS_TLS_H

#include <stddef.h>
#include <stdint.h>

/* Upper bounds the runtime accepts for PT_TLS (the block lives on the initial stack). */
#define CAPOS_TLS_MAX_SIZE (64u * 1024u) /* p_memsz */
#define CAPOS_TLS_MAX_ALIGN 4096u	 /* p_align */

struct capos_tcb {
	struct capos_tcb *self; /* 0x00: %fs:0 holds the thread pointer itself (psABI) */
	uint64_t reserved0[4];	/* 0x08: dtv and friends in other libcs; unused, zero */
	uint64_t stack_guard;	/* 0x28: canary for code that reads %fs:0x28 */
	uint64_t reserved1[2];	/* 0x30: zero; keeps the TCB at 64 bytes */
};
_Static_assert(offsetof(struct capos_tcb, self) == 0x00, "psABI: %fs:0 is the TCB self pointer");
_Static_assert(offsetof(struct capos_tcb, stack_guard) == 0x28, "canary at %fs:0x28");
_Static_assert(sizeof(struct capos_tcb) == 64, "TCB size");

/* What PT_TLS says (field names follow Elf64_Phdr). */
struct capos_tls_image {
	uintptr_t vaddr; /* p_vaddr: initialisation image (.tdata) */
	uint64_t filesz; /* p_filesz: bytes to copy from the image */
	uint64_t memsz;	 /* p_memsz: block size; the tail beyond filesz is zeroed */
	uint64_t align;	 /* p_align: 0 or a power of two */
};

/* Where the block goes relative to the thread pointer, and how much memory it needs. */
struct capos_tls_plan {
	size_t offset;	  /* tp - block start */
	size_t tp_align;  /* alignment of tp (>= p_align and >= TCB alignment) */
	size_t area_size; /* bytes an unaligned area must have to hold block + TCB */
};

/*
 * Validate a PT_TLS description and compute its placement. A program without PT_TLS
 * passes an all-zero image and still gets a TCB.
 * Errors: CAPOS_ERR_INVALID (filesz > memsz, align not a power of two),
 * CAPOS_ERR_OUT_OF_RANGE (memsz or align above the limits above),
 * CAPOS_ERR_OVERFLOW (image end wraps the address space).
 */
int capos_tls_plan(const struct capos_tls_image *img, struct capos_tls_plan *plan);

/*
 * Lay out block + TCB inside [area, area + area_size): copy the image, zero the rest,
 * fill the TCB (self pointer, `guard` at 0x28) and return the thread pointer in *tp.
 * Does not touch the FS base. Preconditions: `plan` came from capos_tls_plan(img).
 * Errors: CAPOS_ERR_BUFFER_TOO_SMALL (area smaller than plan->area_size or it wraps).
 */
int capos_tls_install(const struct capos_tls_image *img, const struct capos_tls_plan *plan,
		      void *area, size_t area_size, uint64_t guard, struct capos_tcb **tp);

/*
 * Read PT_TLS from an ELF64 image in memory (`ehdr` = its ELF header; the caller
 * vouches that header and program headers are mapped, as for the running program's
 * own __ehdr_start). No PT_TLS gives an all-zero image.
 */
void capos_tls_find_image(const void *ehdr, struct capos_tls_image *img);

#endif
