/*
 * User address spaces (kernel/proc/vm.c): per-process page tables whose upper half is
 * shared with the kernel and whose lower half is private. Every frame the space holds
 * (page tables and user pages) is charged to the owner's ledger and returned by
 * vm_destroy(). Permissions: read is implied, W^X is enforced, user pages are never
 * executable unless asked and never writable and executable at once.
 * Lock legend: [P] owned by the process; one CPU for now.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/cpumask.h>
#include <kernel/frame.h>
#include <kernel/ledger.h>

struct vmr_table;

#define VM_PROT_WRITE 0x1u
#define VM_PROT_EXEC 0x2u

struct vm_space {
	struct arch_aspace as; /* [P] tables; root_phys 0 once destroyed */
	struct ledger *ledger; /* [P] where frames are charged */
	uint64_t user_pages;   /* [P] user pages mapped */
	uint64_t table_frames; /* [P] table frames (root included) */
	/* [P] last user-writable page vm_copy_out translated (0: none) and its direct-map
	 * address; dropped by every vm_unmap / vm_protect / vm_destroy, so it never
	 * outlives the mapping it caches (vm_map never replaces a mapping). */
	uint64_t wcache_va;
	uint8_t *wcache_ptr;
	struct vmr_table *regions; /* [P] VirtualMemory's region table (kernel/vmres.h);
				      NULL until first used */
	/* [P] the owner's MemoryObject mappings (struct memmap list, kernel/memobj.h), which
	 * share the anonymous window with the region table; NULL for a space no process
	 * owns (boot smoke test) */
	const struct list *object_maps;
	/* [A] CPUs that have this space loaded (vm_activate), so an unmap knows whose TLBs
	 * to shoot down (kernel/tlb.h) */
	cpumask_t resident;
};

/*
 * Creates an empty user space sharing the kernel half, charged to `l`.
 * Errors: CAPOS_ERR_QUOTA_FRAMES (the ledger's frame quota), CAPOS_ERR_NO_MEMORY (no
 * frame left), CAPOS_ERR_KERNEL_LOW_MEMORY (free frames at the kernel reserve,
 * kernel/kcharge.h; so for every frame below).
 */
int vm_create(struct vm_space *vm, struct ledger *l);

/*
 * Maps fresh zeroed pages at [va, va + size) with VM_PROT_* `prot`, then copies `len`
 * bytes of `data` (may be NULL with len 0) to the start. va and size page-aligned,
 * len <= size. All or nothing for the pages; page-table frames created on the way
 * stay (charged) until vm_destroy().
 * Errors: CAPOS_ERR_ALIGNMENT, CAPOS_ERR_INVALID (size 0, len > size, W+X, unknown
 * prot bits), CAPOS_ERR_BAD_ADDRESS (range outside the user half),
 * CAPOS_ERR_MM_ALREADY_MAPPED, CAPOS_ERR_QUOTA_FRAMES (the ledger's frame quota),
 * CAPOS_ERR_NO_MEMORY (no frame left), CAPOS_ERR_KERNEL_LOW_MEMORY.
 */
int vm_map(struct vm_space *vm, uint64_t va, uint64_t size, unsigned prot, const void *data,
	   size_t len);

/*
 * Unmaps [va, va + size) and frees its frames (TLB entries dropped when the space
 * is live). Errors: CAPOS_ERR_ALIGNMENT, CAPOS_ERR_INVALID, CAPOS_ERR_BAD_ADDRESS,
 * CAPOS_ERR_MM_NOT_MAPPED, CAPOS_ERR_MEMOBJ_OBJECT_MAPPING (a page belongs to a
 * MemoryObject mapping); checked before anything changes.
 */
int vm_unmap(struct vm_space *vm, uint64_t va, uint64_t size);

/*
 * Changes the permissions of the mapped pages [va, va + size) to `prot` (W^X still
 * holds), dropping stale TLB entries when the space is live. All or nothing.
 * Errors: CAPOS_ERR_ALIGNMENT, CAPOS_ERR_INVALID (size 0, W+X, unknown bits),
 * CAPOS_ERR_BAD_ADDRESS, CAPOS_ERR_MM_NOT_MAPPED, CAPOS_ERR_MEMOBJ_OBJECT_MAPPING
 * (checked before anything changes).
 */
int vm_protect(struct vm_space *vm, uint64_t va, uint64_t size, unsigned prot);

/*
 * Writes len bytes into the space's pages at va through the direct map, whatever the
 * pages' user permissions (the loader fills read-only and executable pages this way).
 * Errors: CAPOS_ERR_BAD_ADDRESS (outside the user window), CAPOS_ERR_MM_NOT_MAPPED (a
 * page is missing; the bytes before it are written).
 */
int vm_write(struct vm_space *vm, uint64_t va, const void *src, size_t len);

/*
 * Checked copy into another (or the current) address space: writes len bytes of the
 * kernel buffer src at va, page by page through the direct map, and only into pages
 * that are mapped user-accessible and writable (the checks copy_to_user relies on the
 * MMU for), whether or not the space is loaded. Used to complete ring operations of
 * threads that are not running (kernel/proc/kring.c).
 * Errors: CAPOS_ERR_BAD_ADDRESS (range outside the user window, or a page missing,
 * supervisor-only or read-only; the bytes before it are written).
 */
int vm_copy_out(struct vm_space *vm, uint64_t va, const void *src, size_t len);

/*
 * vm_copy_out with the source in the current process's user memory at usrc (read with
 * copy_from_user, one page-sized piece at a time: a single copy between two spaces).
 * Errors: CAPOS_ERR_BAD_ADDRESS (destination, as vm_copy_out), CAPOS_ERR_OUT_OF_RANGE
 * (the source range is not readable user memory of the current process).
 */
int vm_copy_out_user(struct vm_space *vm, uint64_t va, uint64_t usrc, size_t len);

/*
 * Fast path of vm_copy_out for a range inside the page it translated last (IPC writes
 * into the same receive buffer again and again): copies and returns true; false when
 * the cache does not cover [va, va + len) (then call vm_copy_out). The cache only
 * holds a page that was user-writable when translated and is dropped by every
 * unmap/protect/destroy of the space, so this is as checked as vm_copy_out.
 */
static inline bool vm_copy_out_cached(struct vm_space *vm, uint64_t va, const void *src, size_t len)
{
	uint64_t off = va & (FRAME_SIZE - 1);

	if (vm->wcache_va == 0 || va - off != vm->wcache_va || len > FRAME_SIZE - off)
		return false;
	__builtin_memcpy(vm->wcache_ptr + off, src, len);
	return true;
}

/* Frees every frame of the space (user pages, tables, root) and ends its region table
 * (vmres_destroy). It must not be loaded (switch to another space first). */
void vm_destroy(struct vm_space *vm);

/*
 * Boot smoke test: builds a space, checks map/unmap/protect, W^X, the quota, the shared
 * kernel half and query flags, destroys it and checks every frame came back. Logs
 * "[proc] vm smoke ok: ..." or "[proc] vm smoke: error: ...".
 * Errors: CAPOS_ERR_INVALID (a check failed), vm_create()'s.
 */
int vm_smoke(void);

/*
 * MemoryObject mappings (kernel/memobj.h): frames the space maps but does not own.
 * vm_map_frames maps frames[0..n) at va with VM_PROT_* `prot`, marked ARCH_MM_OBJECT
 * so vm_unmap/vm_protect refuse them (CAPOS_ERR_MEMOBJ_OBJECT_MAPPING) and nothing
 * here frees them; page-table frames it needs are charged to the space's ledger and
 * stay until vm_destroy. All or nothing. Errors: CAPOS_ERR_ALIGNMENT,
 * CAPOS_ERR_INVALID (n 0 or too large, W+X, unknown bits), CAPOS_ERR_BAD_ADDRESS,
 * CAPOS_ERR_MEMOBJ_OVERLAP (a page of the range is mapped), CAPOS_ERR_QUOTA_FRAMES
 * (a table frame past the ledger's quota), CAPOS_ERR_NO_MEMORY (no frame left).
 * vm_unmap_frames / vm_protect_frames undo / re-flag such a mapping; the caller
 * guarantees [va, va + n pages) is one (a kernel bug otherwise: panic).
 */
int vm_map_frames(struct vm_space *vm, uint64_t va, const uint64_t *frames, uint64_t n,
		  unsigned prot);
void vm_unmap_frames(struct vm_space *vm, uint64_t va, uint64_t n);
void vm_protect_frames(struct vm_space *vm, uint64_t va, uint64_t n, unsigned prot);

/* Load this space / the kernel's own space into CR3 (no-op if already loaded). */
void vm_activate(struct vm_space *vm);
void vm_activate_kernel(void);

#endif
