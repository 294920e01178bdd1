/*
 * Kernel memory interface: physical <-> virtual through the direct map, the frame
 * allocator (kernel/frame.h), the kernel heap (kernel/heap.h), device mappings, and
 * mm_init(), which kmain calls once the boot information is parsed. Kernel-only
 * (uses the x86_64 memory layout); pure parts live in frame.h, heap.h, kmap.h.
 * Owned by kmem.
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>

#include <arch/memlayout.h>
#include <kernel/bootinfo.h>
#include <kernel/frame.h>
#include <kernel/heap.h>

/* Device (MMIO) mappings live in this window of the kernel half. */
#define MM_MMIO_BASE 0xFFFFFF0000000000ull
#define MM_MMIO_SIZE (1ull << 30)

/* Direct-map address of physical `phys` (mapped if the memory map lists it). */
static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)(DIRECT_MAP_BASE + phys);
}

/* Physical address of a direct-map or kernel-image address. */
static inline uint64_t virt_to_phys(const void *p)
{
	uint64_t va = (uint64_t)(uintptr_t)p;

	return va >= KERNEL_VMA ? va - KERNEL_VMA : va - DIRECT_MAP_BASE;
}

/*
 * Brings up memory: builds the frame pool from bi (prints the `[mm] memory:` line),
 * builds and loads the final kernel page tables (no identity map from here on),
 * then the heap. Fills bi->kernel from the linker symbols first.
 * Errors: frame_plan()'s, kmap_build()'s, CAPOS_ERR_NO_MEMORY.
 */
int mm_init(struct boot_info *bi);

/*
 * Kernel heap (kernel/mm/heap.c over whole frames through the direct map). kmalloc:
 * 16-byte-aligned block, NULL for size 0, sizes over HEAP_MAX_ALLOC, or exhaustion.
 * kfree(NULL) is a no-op; a double free, overrun or foreign pointer panics with the
 * typed error (debug builds). kzalloc: zeroed kmalloc.
 */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

/* Heap statistics (live blocks, bytes, pages), for tests and the boot report. */
const struct heap *mm_heap(void);

/*
 * Maps the device registers at [phys, phys + size) uncached, read-write, never
 * executable, at a fresh address in the MMIO window; *out points at `phys`.
 * Errors: CAPOS_ERR_INVALID (size 0 or range wraps), CAPOS_ERR_UNSUPPORTED (before
 * mm_init), CAPOS_ERR_MM_NO_VIRT (window full), arch_mm_map()'s errors.
 */
int mm_map_mmio(uint64_t phys, uint64_t size, volatile void **out);

/*
 * Pointer to [phys, phys + len) through the direct map, after checking every page
 * is mapped (for firmware tables such as ACPI's). Errors: CAPOS_ERR_INVALID (wrap),
 * CAPOS_ERR_MM_NOT_MAPPED.
 */
int mm_direct_range(uint64_t phys, uint64_t len, const void **out);

/*
 * Runs the memory self-test named by the kernel command line's `selftest=` value,
 * if it is one of kmem's: "stackguard" (write to the boot stack's guard page: the
 * trap handler must report a #PF), "write-rodata" and "exec-data" (a write to
 * .rodata and a call into .data must each be a #PF: per-section permissions and NX
 * in force), "identity" (a read through the boot identity map must be a #PF),
 * "heap-double-free", "heap-overflow" (the heap must panic with the typed error).
 * Returns only if the name is not kmem's; a self-test that does not fault ends the
 * run with the failure status. (kernel/mm/selftest.c)
 */
void mm_selftest(const char *cmdline);

/*
 * kproc: the kernel's own address space (NULL before the final tables are live).
 * User spaces copy its upper half (arch_mm_share_kernel); the kernel-stack window maps
 * into it. Callers flush TLB entries they change.
 */
struct arch_aspace *mm_kernel_aspace(void);

#endif
