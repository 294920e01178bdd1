/*
 * libcapos thread-local storage helpers (x86_64 TLS variant II; the TCB layout and
 * the placement arithmetic are ABI: include/capos/tls.h, docs/abi.md §3).
 *
 * Thread 0's block is built by the kernel's loader, which enters the program with the
 * FS base at the TCB; crt0 only arms the canary. These pure functions lay out a block
 * in caller-provided memory the same way, for threads a runtime creates later (their
 * FS base comes from ThreadSpawner.spawn(fsBase) / ThreadControl.setFsBase) and for
 * the Linux test shim (tests/user/linux_shim.c); tests/host/libcapos checks them.
 */
#ifndef LIBCAPOS_TLS_H
#define LIBCAPOS_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <capos/tls.h>

/* Upper bounds these helpers accept for PT_TLS (the kernel's loader: 1 MiB, 4 KiB). */
#define CAPOS_TLS_MAX_SIZE (64u * 1024u) /* p_memsz */
#define CAPOS_TLS_MAX_ALIGN 4096u	 /* p_align */

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

/*
 * Thread 0's TCB. On capOS (lib/libcapos/tcb.c) the kernel's loader built it and the
 * FS base points at it at entry: this reads the self pointer at %fs:0 (no FSGSBASE
 * instruction). Kept alone in its object so the Linux test shim can supply one that
 * lays the block out itself. NULL if there is none (the shim refused PT_TLS).
 */
struct capos_tcb *capos_tls_thread0(void);

#endif
