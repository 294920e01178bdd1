/*
 * x86_64 virtual memory layout constants shared by boot.S, the linker script
 * (preprocessed) and C code. Owned by kboot; kmem builds the final page tables from
 * these same values. 4-level paging, 48-bit canonical addresses:
 *
 *   0x0000000000000000 .. 0x00007FFFFFFFFFFF  user space (lower half); identity map
 *                                            of phys 0..4 GiB only during early boot
 *   0xFFFF800000000000 ..                    DIRECT_MAP_BASE: all physical memory
 *   0xFFFFFFFF80000000 ..                    KERNEL_VMA: kernel image (phys 0 + x)
 *
 * The kernel is loaded at physical KERNEL_PHYS_BASE (1 MiB) and linked at
 * KERNEL_VMA + KERNEL_PHYS_BASE.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#ifdef __ASSEMBLER__
#define MEMLAYOUT_U64(x) x
#else
#define MEMLAYOUT_U64(x) x##ULL
#endif

#define KERNEL_VMA MEMLAYOUT_U64(0xFFFFFFFF80000000)
#define KERNEL_PHYS_BASE MEMLAYOUT_U64(0x100000)
#define DIRECT_MAP_BASE MEMLAYOUT_U64(0xFFFF800000000000)
#define PAGE_SIZE MEMLAYOUT_U64(0x1000)
/* Early boot tables map this much physical memory at 0 and at DIRECT_MAP_BASE. */
#define BOOT_IDENTITY_LIMIT MEMLAYOUT_U64(0x100000000)

/* Kernel stack sizes (bytes); each stack has an unmapped guard page below it. */
#define BOOT_STACK_SIZE MEMLAYOUT_U64(0x4000)
#define IST_STACK_SIZE MEMLAYOUT_U64(0x2000)

#endif
