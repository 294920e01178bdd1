/*
 * Thread 0's TLS block, as the kernel's ELF loader builds it (kernel/proc/tls.c).
 * x86_64 TLS variant II with the libcapos TCB (lib/include/libcapos/tls.h is the
 * reference; tests/host/kproc/tls_test.c checks this code against it):
 *
 *     [ .tdata image | .tbss zeroes | pad ][ TCB, 64 bytes: word 0 = tp ]
 *     ^ block = tp - offset                 ^ tp = FS base at entry
 *
 * offset = memsz rounded so that tp - offset is congruent to p_vaddr modulo p_align;
 * tp is aligned to max(p_align, 16). Pure arithmetic, host-tested.
 */
#ifndef KERNEL_TLS_H
#define KERNEL_TLS_H

#include <stdint.h>

#define TLS_TCB_SIZE 64u

struct tls_layout {
	uint64_t block;    /* user address of the block (image copied here) */
	uint64_t tp;       /* thread pointer = TCB address = FS base */
	uint64_t offset;   /* tp - block */
	uint64_t map_size; /* bytes to map from `base`, page-rounded */
};

/*
 * Places a TLS block for PT_TLS (vaddr, memsz, align: power of two <= 4096, memsz
 * bounded by the ELF validator) in an area starting at page-aligned `base`.
 * Errors: CAPOS_ERR_INVALID (align, with 0 read as 1, not a power of two or > 4096),
 * CAPOS_ERR_OVERFLOW (the layout would wrap).
 */
int tls_layout(uint64_t vaddr, uint64_t memsz, uint64_t align, uint64_t base,
	       struct tls_layout *out);

#endif
