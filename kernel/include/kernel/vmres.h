/*
 * VirtualMemory over a process's address space (kernel/proc/vmres.c): reservations,
 * commit/decommit, guard ranges and anonymous map/unmap/protect in the anonymous
 * window [CAPOS_USER_ANON_BASE, CAPOS_USER_ANON_END), kept in the space's region
 * table (kernel/vmregion.h) and its page tables (kernel/vm.h) in step:
 *   - reserve takes address space only; map = reserve + commit in one step;
 *   - committed pages are mapped, zero-filled frames; reserved and guard pages are
 *     never mapped, so any access to them faults (the process is killed);
 *   - every byte reserved (by reserve or map, guard included) is charged to the
 *     ledger's LEDGER_VIRTUAL until unmap or the space's end; every committed page
 *     is charged to LEDGER_FRAMES (by vm_map) until decommit, unmap or the end;
 *   - the region table itself (one charged block, kernel/kcharge.h, at most VMR_MAX
 *     entries) is made on first use and charged to LEDGER_KERNEL_BYTES until
 *     vmres_destroy.
 * Every operation checks everything (range states, table room, quotas) before it
 * changes anything, and fails whole. Ranges arrive page-aligned, non-empty and inside
 * the anonymous window (kernel/cap/vmcap.c checks; vmres re-checks the window).
 * Lock legend: [P] owned by the process; one CPU for now.
 */
#ifndef KERNEL_VMRES_H
#define KERNEL_VMRES_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/vm.h>

/* Free bytes kept on either side of a kernel-chosen placement: none, so consecutive
 * placements touch and share one table entry (a runtime mapping page after page must not
 * run out of entries before it runs out of memory); guard() gives a range its guard. */
#define VMRES_PLACEMENT_GAP 0

/*
 * Reserves `size` bytes of address space at `hint` (0: the kernel chooses the lowest
 * free range of the window outside the C heap's window, CAPOS_USER_HEAP_BASE..END,
 * right after the range below it); the address in *addr. Nothing is mapped.
 * Errors: CAPOS_ERR_VMR_OVERLAP (an explicit hint overlaps a reservation or mapping
 * made through VirtualMemory: never relocated), CAPOS_ERR_VMR_NO_SPACE (no free range
 * that large), CAPOS_ERR_VMR_TOO_MANY (region table full), CAPOS_ERR_QUOTA_VIRTUAL,
 * CAPOS_ERR_OUT_OF_RANGE (outside the window), kzalloc_charged's
 * CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY or CAPOS_ERR_NO_MEMORY
 * (the region table could not be made).
 */
int vmres_reserve(struct vm_space *vm, uint64_t hint, uint64_t size, uint64_t *addr);

/*
 * Reserves and commits in one step (VirtualMemory.map): zero-filled pages with VM_PROT_*
 * `prot` at `hint` or a kernel-chosen address, as vmres_reserve. Errors: vmres_reserve's
 * and vm_map's (CAPOS_ERR_QUOTA_FRAMES, CAPOS_ERR_NO_MEMORY: no frame left; CAPOS_ERR_MM_ALREADY_MAPPED:
 * a page the region table does not know is mapped there; CAPOS_ERR_INVALID: W+X).
 */
int vmres_map(struct vm_space *vm, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr);

/*
 * Backs [addr, addr + size) with zero-filled frames mapped with `prot`. Every page must
 * be reserved and not yet committed (commit is not idempotent: a runtime that commits
 * twice has lost track, and the error says so).
 * Errors: CAPOS_ERR_VMR_NOT_RESERVED (a page outside every reservation),
 * CAPOS_ERR_VMR_GUARD, CAPOS_ERR_VMR_COMMITTED, CAPOS_ERR_VMR_TOO_MANY, vm_map's.
 */
int vmres_commit(struct vm_space *vm, uint64_t addr, uint64_t size, unsigned prot);

/*
 * Frees the frames of the committed pages in [addr, addr + size); the range stays
 * reserved (and charged to LEDGER_VIRTUAL) and any access to it faults until it is
 * committed again (zero-filled again). Idempotent: pages already decommitted are
 * skipped, so a runtime may decommit whole spans without tracking them page by page.
 * Errors: CAPOS_ERR_VMR_NOT_RESERVED, CAPOS_ERR_VMR_GUARD, CAPOS_ERR_VMR_TOO_MANY.
 */
int vmres_decommit(struct vm_space *vm, uint64_t addr, uint64_t size);

/*
 * Makes [addr, addr + size) of a reservation a guard range: never committable, any
 * access faults. Guard pages stay reserved (charged) until unmapped. Pages already guard
 * are accepted; committed pages are refused (decommit them first).
 * Errors: CAPOS_ERR_VMR_NOT_RESERVED, CAPOS_ERR_VMR_COMMITTED, CAPOS_ERR_VMR_TOO_MANY.
 */
int vmres_guard(struct vm_space *vm, uint64_t addr, uint64_t size);

/*
 * Releases [addr, addr + size) whatever its pages' states (reserved, committed, guard):
 * frames freed, the address space and its LEDGER_VIRTUAL charge returned. The range may
 * be part of a reservation or span several.
 * Errors: CAPOS_ERR_MM_NOT_MAPPED (a page was never reserved or mapped through
 * VirtualMemory), CAPOS_ERR_VMR_TOO_MANY (unmapping the middle of a range splits it).
 */
int vmres_unmap(struct vm_space *vm, uint64_t addr, uint64_t size);

/*
 * Changes the permissions of committed pages (vm_protect). Errors: CAPOS_ERR_VMR_GUARD,
 * CAPOS_ERR_MM_NOT_MAPPED (a page free or reserved but not committed), vm_protect's.
 */
int vmres_protect(struct vm_space *vm, uint64_t addr, uint64_t size, unsigned prot);

/*
 * Whether [va, va + size) of the anonymous window is free: no page reserved, committed
 * or guard in the region table and none in a MemoryObject mapping (vm->object_maps).
 * Everything mapped in the window is one of the two, so this one check serves both
 * mappers (VirtualMemory hints, MemoryObject.map). Pure lookup; size > 0, no wrap.
 */
bool vmres_range_free(const struct vm_space *vm, uint64_t va, uint64_t size);

/*
 * Ends the region table with its space (called by vm_destroy, which frees the frames):
 * returns every LEDGER_VIRTUAL byte and the table's LEDGER_KERNEL_BYTES. Idempotent.
 */
void vmres_destroy(struct vm_space *vm);

#endif
