/*
 * The live capability ring (kernel/proc/kring.c): the cap_enter system call over a
 * thread's ring page (docs/abi.md §2, §4) with kcall_exec as the executor, each
 * process's CALL scratch, and the kernel capability objects with their real backends
 * (kernel/proc/kgrant.c: Console -> COM2, Timer -> arch_clock_ns, BootPackage -> the
 * boot module, VirtualMemory -> the process's own address space and frame quota).
 *
 * Lock legend: [S] scheduler state (boot CPU, interrupts off); the ring is only ever
 * drained by its own thread, in its own cap_enter.
 */
#ifndef KERNEL_KRING_H
#define KERNEL_KRING_H

#include <stddef.h>
#include <stdint.h>

struct process;

/* Per-process scratch bounds of a CALL (docs/abi.md §4.7 steps 8 and 11). The params
 * bound holds a maximal Console.write (4096 bytes + framing) with room to spare. */
#define KRING_PARAMS_SCRATCH 8192u
#define KRING_RESULTS_SCRATCH 4096u

/*
 * Allocates p's CALL scratch and kcall environment (kernel heap, not the frame
 * ledger). Called by proc_create. Errors: CAPOS_ERR_NO_MEMORY.
 */
int kring_proc_init(struct process *p);

/* Frees what kring_proc_init allocated (NULL-safe; idempotent). */
void kring_proc_free(struct process *p);

/*
 * cap_enter(min_complete, timeout_ns) for the calling thread: the argument check,
 * ring_drain with kcall_exec, then, when fewer than min_complete CQEs are ready and
 * timeout_ns != 0, block until enough are ready or the deadline (now + timeout_ns;
 * CAPOS_TIMEOUT_INFINITE: none) passes. Returns the ready count (below min_complete
 * after a timeout: not an error) or CAPOS_ERR_RING_BAD_ARGUMENT / _RING_CORRUPT /
 * _RING_CQ_OVERFLOW (docs/abi.md §2).
 */
int64_t kring_cap_enter(uint64_t min_complete, uint64_t timeout_ns);

/* Which kernel objects kring_grant_std gives (bit set). */
#define KGRANT_CONSOLE 0x1u
#define KGRANT_TIMER 0x2u
#define KGRANT_BOOTPKG 0x4u
#define KGRANT_VM 0x8u
#define KGRANT_ALL 0xFu
#define KGRANT_SPAWNER 0x10u /* ProcessSpawner over the boot module (kring_grant only) */

struct capos_capset_page;

/*
 * Grants one kernel object: creates an object of `kind` (exactly one KGRANT_* bit,
 * KGRANT_SPAWNER included),
 * inserts a cap for it into p's table and appends (name[0..len), its interface, the
 * cap id) to `page` (built with capset_init; map it with proc_map_capset once
 * complete). The name comes from an untrusted manifest and is validated by
 * capset_add; if it is refused, the cap is released again, so table and page stay
 * as they were. `boot`/`size` back BootPackage and ProcessSpawner (ignored for other
 * kinds).
 * Errors: CAPOS_ERR_INVALID (kind), CAPOS_ERR_NO_MEMORY, captab_insert()'s
 * (CAP_TABLE_FULL), capset_add()'s (CAPSET_BAD_NAME, CAPSET_DUPLICATE, CAPSET_FULL).
 */
int kring_grant(struct process *p, struct capos_capset_page *page, unsigned kind, const char *name,
		size_t len, const uint8_t *boot, uint64_t size);

/*
 * Creates the kernel objects in `which`, inserts one cap for each into p's cap table
 * and maps p's CapSet page naming them "console", "timer", "boot" and "vm". `boot`
 * (size bytes, kernel-mapped, lives for the whole run) backs BootPackage. Call before
 * p's first thread starts. Errors: CAPOS_ERR_NO_MEMORY, captab_insert()'s,
 * capset_add()'s, proc_map_capset()'s; on error caps already inserted stay in the
 * table (released with the process).
 */
int kring_grant_std(struct process *p, unsigned which, const uint8_t *boot, uint64_t size);

#endif
