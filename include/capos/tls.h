/*
 * capOS ABI v1: the thread control block and TLS block placement of x86_64 TLS
 * variant II (docs/abi.md §3). The kernel's ELF loader builds thread 0's block from
 * the validated PT_TLS in the reserved TLS region and enters thread 0 with the FS base
 * pointing at the TCB; later threads get their FS base from ThreadSpawner.spawn(fsBase)
 * or ThreadControl.setFsBase, with blocks their runtime lays out the same way.
 *
 *     [ .tdata image | .tbss zeroes | pad ][ struct capos_tcb (64 bytes) ]
 *     ^ tp - offset                        ^ tp = FS base, %fs:0 == tp
 *
 * Local-exec accesses compile to `%fs:-offset+x`; address computations read the self
 * pointer at %fs:0; code compiled for glibc-style targets reads its stack canary at
 * %fs:0x28. The kernel writes the self pointer and leaves every other TCB word zero;
 * the runtime arms the canary word. Pure arithmetic, shared by the kernel, libcapos
 * and host tests; every size and offset is pinned below.
 */
#ifndef CAPOS_TLS_H
#define CAPOS_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <capos/layout.h>

struct capos_tcb {
	uint64_t self;	       /* 0x00: %fs:0 holds the thread pointer itself (psABI) */
	uint64_t reserved0[4]; /* 0x08: dtv and friends in other libcs; zero */
	uint64_t stack_guard;  /* 0x28: canary for code that reads %fs:0x28; runtime-owned */
	uint64_t reserved1[2]; /* 0x30: zero; keeps the TCB at 64 bytes */
};

#define CAPOS_TCB_SELF_OFFSET 0x00u
#define CAPOS_TCB_GUARD_OFFSET 0x28u
#define CAPOS_TCB_SIZE 64u
/* The thread pointer is aligned to at least this (and to PT_TLS p_align if larger). */
#define CAPOS_TLS_MIN_TP_ALIGN 16u

_Static_assert(offsetof(struct capos_tcb, self) == CAPOS_TCB_SELF_OFFSET,
	       "psABI: %fs:0 is the TCB self pointer");
_Static_assert(offsetof(struct capos_tcb, stack_guard) == CAPOS_TCB_GUARD_OFFSET,
	       "canary at %fs:0x28");
_Static_assert(sizeof(struct capos_tcb) == CAPOS_TCB_SIZE, "TCB size");

/*
 * Thread 0's TLS block and TCB: placed by the loader from CAPOS_USER_TLS0_BASE upward
 * (one unmapped page above the stack top), pages mapped read-write, non-executable,
 * charged to the process. ELF_TLS_MAX_MEMSZ + alignment keep it far inside the region.
 */
#define CAPOS_USER_TLS0_BASE (CAPOS_USER_TLS_BASE + CAPOS_PAGE_SIZE)

/*
 * Distance from the start of the block to the thread pointer for a PT_TLS of `memsz`
 * bytes at `vaddr` aligned to `align` (a power of two): the block ends at tp, rounded
 * so that (block start) ≡ vaddr (mod align), as linkers assume. Callers bound memsz
 * and align first (the loader: 1 MiB, 4 KiB), so nothing overflows.
 */
static inline uint64_t capos_tls_offset(uint64_t memsz, uint64_t vaddr, uint64_t align)
{
	return memsz + ((0 - memsz - vaddr) & (align - 1));
}

/* Alignment of the thread pointer: max(align, CAPOS_TLS_MIN_TP_ALIGN). */
static inline uint64_t capos_tls_tp_align(uint64_t align)
{
	return align > CAPOS_TLS_MIN_TP_ALIGN ? align : CAPOS_TLS_MIN_TP_ALIGN;
}

/* The lowest thread pointer whose block starts at or above `base`. */
static inline uint64_t capos_tls_tp(uint64_t base, uint64_t offset, uint64_t tp_align)
{
	return (base + offset + tp_align - 1) & ~(tp_align - 1);
}

#endif
