/*
 * MemoryObject and FrameAllocator (kernel/cap/memobj.c, kernel/cap/framealloc.c) and
 * the bookkeeping of object mappings (kernel/cap/memmap.c).
 *
 * A MemoryObject is a set of zero-filled frames charged, when allocated, to the
 * allocating process's ledger (LEDGER_FRAMES, counted in ledger.object_frames too); the
 * object holds a reference on that ledger, so it may outlive the process and still
 * release its charge into a live ledger. Every cap table entry AND every mapping holds
 * one kobj reference: the frames are scrubbed, freed and uncharged when the last of
 * both goes, in either order. Physical addresses never leave the kernel.
 *
 * A mapping maps some of the object's pages into one process's address space with the
 * page-table software bit ARCH_MM_OBJECT, so the anonymous-memory paths (vm_unmap,
 * vm_protect through VirtualMemory) refuse to touch it and never free its frames.
 * Each process keeps its mappings on a list (struct process.memmaps); proc_free drops
 * them (memobj_unmap_all) before the address space is destroyed. Page-table frames
 * the mapping needs are charged to the mapper's ledger, as for anonymous memory.
 *
 * memmap.c is pure (host-tested in tests/host/kernel/memmap_test.c): range checks,
 * lookups and kernel-chosen placement over a list of mappings.
 *
 * Lock legend: [I] set at creation, immutable; [P] owned by the process whose list
 * holds the mapping (one CPU today: interrupts off); [a] atomic (the kobj count).
 */
#ifndef KERNEL_MEMOBJ_H
#define KERNEL_MEMOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/kcall.h>
#include <kernel/kobj.h>
#include <kernel/ledger.h>
#include <kernel/list.h>

#define MEMOBJ_MAX_PAGES 1024u /* pages per object (4 MiB): CAPOS_ERR_MEMOBJ_PAGES above */
#define MEMOBJ_MAPS_MAX 64u    /* object mappings per process: CAPOS_ERR_MEMOBJ_TOO_MANY_MAPS */
/* Kernel-chosen mapping addresses (hint 0) come from this window of the anonymous
 * region (a kernel convention, not ABI): first fit, one unmapped guard page after
 * each mapping. VirtualMemory's own hint-less placements start at the region base. */
#define MEMOBJ_WINDOW_BASE 0x0000500000000000ull
#define MEMOBJ_WINDOW_END 0x0000600000000000ull
#define MEMOBJ_PAGE 4096ull

/* Protection bits of a mapping (read is implied), as VM_PROT_* of kernel/vm.h. */
#define MEMOBJ_PROT_WRITE 0x1u
#define MEMOBJ_PROT_EXEC 0x2u

struct memobj {
	struct kobj k;	       /* KOBJ_MEMORY_OBJECT; refs = caps + mappings + transient */
	struct ledger *ledger; /* [I] pays `pages` LEDGER_FRAMES (a ledger reference) */
	uint64_t pages;	       /* [I] frames owned */
	bool contiguous;       /* [I] frames physically contiguous (frame_alloc_contig) */
	uint32_t maps;	       /* [P] live mappings in every address space */
	uint32_t wmaps;	       /* [P] of them writable (object-wide W^X, memmap_check_wx) */
	uint32_t xmaps;	       /* [P] of them executable */
	uint64_t frames[];     /* [I] physical address of page i; never shown to users */
};

/* One mapping of an object in one process's address space. */
struct memmap {
	struct list_node link; /* [P] on the process's memmaps list */
	struct memobj *obj;    /* [P] the mapped object (one kobj reference) */
	uint64_t va;	       /* [P] first mapped address (page-aligned) */
	uint64_t offset;       /* [P] first object page mapped */
	uint64_t pages;	       /* [P] pages mapped */
	unsigned prot;	       /* [P] MEMOBJ_PROT_* */
};

/* ---- pure bookkeeping (memmap.c) ---- */

/*
 * Checks that pages [offset, offset + pages) lie inside an object of obj_pages pages,
 * without overflow. Errors: CAPOS_ERR_MEMOBJ_RANGE (pages 0, offset at or past the
 * end, or the range runs past it).
 */
int memmap_check_range(uint64_t obj_pages, uint64_t offset, uint64_t pages);

/*
 * Checks an explicit map address: page-aligned, and [hint, hint + pages pages) inside
 * the anonymous region (CAPOS_USER_ANON_BASE .. END), without overflow.
 * Errors: CAPOS_ERR_ALIGNMENT, CAPOS_ERR_OUT_OF_RANGE.
 */
int memmap_check_hint(uint64_t hint, uint64_t pages);

/* The mapping of `obj` on `maps` that starts exactly at va, or NULL. */
struct memmap *memmap_find(const struct list *maps, const struct memobj *obj, uint64_t va);

/* True when a mapping on `maps` overlaps [va, va + size) (size in bytes, > 0). */
bool memmap_overlaps(const struct list *maps, uint64_t va, uint64_t size);

/* The highest end address of the mappings on `maps` that overlap [va, va + size), or
 * 0 when none does (a mapping never ends at 0). */
uint64_t memmap_overlap_end(const struct list *maps, uint64_t va, uint64_t size);

/*
 * Object-wide W^X: no page of `obj` may be writable through one mapping and executable
 * through another, in any address space. Checks protection `prot` (MEMOBJ_PROT_*) for
 * a new mapping (self NULL) or for changing mapping `self` of obj, against obj's
 * writable/executable mapping counts. Errors: CAPOS_ERR_VM_WX.
 */
int memmap_check_wx(const struct memobj *obj, unsigned prot, const struct memmap *self);

/* Mappings of `obj` on `maps` (MemoryInfo.mappings); all mappings when obj is NULL. */
uint32_t memmap_count(const struct list *maps, const struct memobj *obj);

/*
 * First fit for `size` bytes (> 0, page multiple) at or above `from` in [from, end),
 * keeping one unmapped guard page after every mapping on `maps` and after the new one.
 * Errors: CAPOS_ERR_MEMOBJ_NO_SPACE (no such gap).
 */
int memmap_place(const struct list *maps, uint64_t from, uint64_t end, uint64_t size,
		 uint64_t *out);

/* ---- kernel objects (memobj.c, framealloc.c) ---- */

/*
 * Allocates a MemoryObject of `pages` zero-filled frames (physically contiguous when
 * asked) charged to `l` (LEDGER_FRAMES); the object holds a reference on l. One kobj
 * reference goes to the caller. Errors: CAPOS_ERR_MEMOBJ_PAGES (0 or above
 * MEMOBJ_MAX_PAGES), CAPOS_ERR_QUOTA_FRAMES (l cannot pay the frames),
 * CAPOS_ERR_QUOTA_KERNEL_MEMORY (l cannot pay the object's kernel memory: struct and
 * frame list), CAPOS_ERR_KERNEL_LOW_MEMORY (the kernel's reserve), CAPOS_ERR_NO_MEMORY
 * (out of frames or heap); nothing is charged on error.
 */
int memobj_create(struct ledger *l, uint64_t pages, bool contiguous, struct memobj **out);

/*
 * Drops every MemoryObject mapping of process `proc` (struct process *): unmaps the
 * pages (frames untouched) and puts each mapping's object reference, which may free
 * the object. Called by proc_free before the address space is destroyed.
 */
void memobj_unmap_all(void *proc);

/* Objects and mappings alive now (leak checks of the boot tests). */
uint32_t memobj_live_count(void);
uint32_t memobj_maps_live(void);

extern const struct kcall_iface kmemobj_iface;
extern const struct kcall_iface kframealloc_iface;

/* A new FrameAllocator object (kgrant), its kernel memory charged to `l` (the grantee);
 * one reference to the caller. Errors: kzalloc_charged's (CAPOS_ERR_QUOTA_KERNEL_MEMORY,
 * CAPOS_ERR_KERNEL_LOW_MEMORY, CAPOS_ERR_NO_MEMORY). */
int framealloc_create(struct ledger *l, struct kobj **out);

#endif
