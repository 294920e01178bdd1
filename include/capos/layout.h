/*
 * capOS ABI v1: the fixed user virtual address map of every process (x86_64, 4-level
 * paging, 47-bit user half). Shared by the kernel (which maps these pages and checks
 * user pointers against these bounds), the userspace runtime and host tools (the ELF
 * validator, the manifest tool). Addresses are ABI: a program may rely on them, but
 * the runtime should prefer the values handed over in the entry registers
 * (include/capos/syscall.h), which stay correct when a later ABI revision moves a
 * region.
 *
 *   0x0000_0000_0000_0000 .. 0x0000_0000_003F_FFFF  null guard: never mapped
 *   0x0000_0000_0040_0000 .. 0x0000_3FFF_FFFF_FFFF  ELF image region (PT_LOAD only)
 *   0x0000_4000_0000_0000 .. 0x0000_7FFE_FFFF_FFFF  anonymous memory (VirtualMemory);
 *     0x0000_6000_0000_0000 .. 0x0000_6FFF_FFFF_FFFF  in it: the runtime's heap window
 *   0x0000_7FFF_0000_0000 .. 0x0000_7FFF_BFFF_FFFF  stacks; thread 0 tops out at
 *                                                   CAPOS_USER_STACK_TOP
 *   0x0000_7FFF_C000_0000 .. 0x0000_7FFF_CFFF_FFFF  reserved for TLS blocks
 *   0x0000_7FFF_D000_0000 .. 0x0000_7FFF_DFFF_FFFF  ring pages, one per thread, each
 *                                                   followed by an unmapped guard page
 *   0x0000_7FFF_FFFF_E000                           CapSet page (read-only)
 *   0x0000_7FFF_FFFF_F000 .. 0x0000_7FFF_FFFF_FFFF  never mapped (SYSRET guard page)
 *
 * The last user page is never mapped: SYSRET to a non-canonical return address (the
 * instruction after a SYSCALL in the last page) faults in ring 0 on Intel CPUs. Hence
 * CAPOS_USER_END, the exclusive upper bound every user range is checked against, is
 * one page below the canonical limit.
 */
#ifndef CAPOS_LAYOUT_H
#define CAPOS_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#define CAPOS_PAGE_SIZE 0x1000ULL

/* [CAPOS_USER_BASE, CAPOS_USER_END): every address a user range may touch. */
#define CAPOS_USER_BASE 0x0000000000400000ULL
#define CAPOS_USER_END 0x00007FFFFFFFF000ULL
/* Highest byte a valid user range may include. */
#define CAPOS_USER_LAST (CAPOS_USER_END - 1)

/* [CAPOS_USER_IMAGE_BASE, CAPOS_USER_IMAGE_END): where PT_LOAD segments may lie. */
#define CAPOS_USER_IMAGE_BASE CAPOS_USER_BASE
#define CAPOS_USER_IMAGE_END 0x0000400000000000ULL

/* [CAPOS_USER_ANON_BASE, CAPOS_USER_ANON_END): VirtualMemory.map places pages here. */
#define CAPOS_USER_ANON_BASE 0x0000400000000000ULL
#define CAPOS_USER_ANON_END 0x00007FFF00000000ULL

/*
 * The C runtime's heap window inside the anonymous region (a runtime convention, not
 * a kernel rule): libcapos's sbrk maps pages here with explicit VirtualMemory.map
 * hints so the heap stays contiguous. The kernel's hint-less placements start at
 * CAPOS_USER_ANON_BASE and would need 32 TiB to reach it; a collision is refused
 * (explicit hints never replace a mapping) and sbrk reports ENOMEM.
 */
#define CAPOS_USER_HEAP_BASE 0x0000600000000000ULL
#define CAPOS_USER_HEAP_END 0x0000700000000000ULL

/*
 * Thread 0's stack: CAPOS_USER_STACK_SIZE bytes mapped below CAPOS_USER_STACK_TOP at
 * process start. Nothing is ever mapped in the CAPOS_USER_STACK_RESERVE bytes below
 * the top beyond what the stack uses, so an overflow faults on an unmapped guard.
 */
#define CAPOS_USER_STACK_REGION 0x00007FFF00000000ULL
#define CAPOS_USER_STACK_TOP 0x00007FFFC0000000ULL
#define CAPOS_USER_STACK_SIZE 0x40000ULL     /* 256 KiB, mapped eagerly */
#define CAPOS_USER_STACK_RESERVE 0x800000ULL /* 8 MiB kept free below the top */

/* TLS blocks: the loader places thread 0's block + TCB at CAPOS_USER_TLS0_BASE
 * (include/capos/tls.h, one unmapped page above the stack top); the rest is reserved
 * for blocks of later threads. */
#define CAPOS_USER_TLS_BASE 0x00007FFFC0000000ULL
#define CAPOS_USER_TLS_END 0x00007FFFD0000000ULL

/* Ring page of thread t: CAPOS_USER_RING_BASE + t * CAPOS_USER_RING_STRIDE. */
#define CAPOS_USER_RING_BASE 0x00007FFFD0000000ULL
#define CAPOS_USER_RING_STRIDE 0x2000ULL /* ring page + unmapped guard page */
#define CAPOS_USER_RING_END 0x00007FFFE0000000ULL

/* The process's read-only CapSet page (include/capos/capset.h). */
#define CAPOS_USER_CAPSET 0x00007FFFFFFFE000ULL

/*
 * True when [addr, addr + len) is a non-empty range inside the user window, computed
 * without overflow. A zero-length range is judged by its start alone. The kernel's
 * checked copy helpers apply this before touching the page tables.
 */
static inline bool capos_user_range_ok(uint64_t addr, uint64_t len)
{
	if (addr < CAPOS_USER_BASE || addr >= CAPOS_USER_END)
		return false;
	return len <= CAPOS_USER_END - addr;
}

_Static_assert((CAPOS_USER_BASE & (CAPOS_PAGE_SIZE - 1)) == 0, "user base page aligned");
_Static_assert((CAPOS_USER_END & (CAPOS_PAGE_SIZE - 1)) == 0, "user end page aligned");
_Static_assert(CAPOS_USER_END == 0x0000800000000000ULL - CAPOS_PAGE_SIZE,
	       "last canonical user page stays unmapped");
_Static_assert(CAPOS_USER_IMAGE_END <= CAPOS_USER_ANON_BASE, "image below anon");
_Static_assert(CAPOS_USER_ANON_END <= CAPOS_USER_STACK_REGION, "anon below stacks");
_Static_assert(CAPOS_USER_ANON_BASE <= CAPOS_USER_HEAP_BASE &&
		       CAPOS_USER_HEAP_BASE < CAPOS_USER_HEAP_END &&
		       CAPOS_USER_HEAP_END <= CAPOS_USER_ANON_END,
	       "heap window inside the anonymous region");
_Static_assert(((CAPOS_USER_HEAP_BASE | CAPOS_USER_HEAP_END) & (CAPOS_PAGE_SIZE - 1)) == 0,
	       "heap window page aligned");
_Static_assert(CAPOS_USER_STACK_TOP - CAPOS_USER_STACK_RESERVE >= CAPOS_USER_STACK_REGION,
	       "stack reserve inside the stack region");
_Static_assert(CAPOS_USER_STACK_SIZE + CAPOS_PAGE_SIZE <= CAPOS_USER_STACK_RESERVE,
	       "room for a guard page below the initial stack");
_Static_assert(CAPOS_USER_STACK_TOP <= CAPOS_USER_TLS_BASE, "stacks below TLS");
_Static_assert(CAPOS_USER_TLS_END <= CAPOS_USER_RING_BASE, "TLS below rings");
_Static_assert(CAPOS_USER_RING_END <= CAPOS_USER_CAPSET, "rings below the CapSet");
_Static_assert(CAPOS_USER_CAPSET + CAPOS_PAGE_SIZE == CAPOS_USER_END,
	       "CapSet is the last mapped page");

#endif
