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

#include <capos/ring.h>
#include <kernel/list.h>

struct kobj;
struct process;
struct thread;
struct ring_op;

/* Per-process scratch bounds of a CALL (docs/abi.md §4.7 steps 8 and 11). The params
 * bound holds a maximal Console.write (4096 bytes + framing) with room to spare. */
#define KRING_PARAMS_SCRATCH 8192u
#define KRING_RESULTS_SCRATCH 4096u

/*
 * Allocates p's CALL scratch and kcall environment (kernel heap, charged to p's
 * kernel bytes), charging KRING_PARAMS_SCRATCH + KRING_RESULTS_SCRATCH bytes to p's
 * LEDGER_RING_SCRATCH first (released by kring_proc_free). Called by proc_create.
 * Errors: CAPOS_ERR_QUOTA_RING_SCRATCH (nothing allocated), kzalloc_charged's
 * (CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY, CAPOS_ERR_NO_MEMORY).
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

/*
 * ---- Deferred completions (docs/kring.md "Deferred completions") ----
 *
 * A ring operation may complete later, from another context: an endpoint CALL waiting
 * for its RETURN, a RECV waiting for a call, ProcessHandle.wait. While its exec runs
 * (inside the owner's cap_enter) the handler calls kring_defer with a record it owns
 * (usually embedded in its own structure) and makes exec leave RING_STATUS_DEFERRED
 * (a kcall handler returns KCALL_DEFERRED; kring_defer sets the CQE status itself for
 * the ring-level paths). The op keeps its CQ credit (ring.in_flight), so the completion
 * can never find the CQ full. Later, from any kernel context, the completer writes
 * results with kring_pending_write / kring_pending_write_user (checked copies into the
 * owner's address space, whether or not it is loaded) and posts with kring_post or
 * kring_complete, which also wakes the owner (or hands the CPU straight to it, see
 * kring_cap_enter). When the owner thread dies first, every record still pending is
 * unlinked and its ops->cancel runs: nothing is ever posted into a dead process, and
 * the subsystem frees its record there.
 *
 * Lock legend: [S] scheduler state (single CPU, interrupts off).
 */
struct kring_pending;

struct kring_pending_ops {
	/* The owner died with p pending: forget p (drop it from the subsystem's queues
	 * and free its container). p is already unlinked from the owner; post nothing. */
	void (*cancel)(struct kring_pending *p);
};

struct kring_pending {
	struct list_node owner_link;	     /* [S] on the owner thread's pending list */
	struct thread *owner;		     /* [S] NULL once posted or cancelled */
	const struct kring_pending_ops *ops; /* [I] */
	uint64_t user_data;		     /* [I] the SQE's */
	uint64_t result_addr;		     /* [I] the SQE's result buffer (decode-checked */
	uint32_t result_len;		     /*     to lie in the user window), 0/0 if none */
	struct ledger *calls; /* [S] holds one LEDGER_CALLS unit of this ledger until posted
				 or cancelled (kring_defer_call), or NULL */
};

/*
 * Defers the ring operation being executed by the current thread's cap_enter: fills p
 * (owner, user_data, result buffer of the op), links it to the owner and sets the op's
 * CQE status to RING_STATUS_DEFERRED. Call only from inside an exec (a kcall handler or
 * the endpoint paths), at most once per op, and then do not fail the op: a handler that
 * defers must return KCALL_DEFERRED (checked; a mismatch panics).
 * Errors: CAPOS_ERR_INVALID (not inside an exec, or the op was already deferred).
 */
int kring_defer(struct kring_pending *p, const struct kring_pending_ops *ops);

/*
 * kring_defer for an exec that holds its op and CQE (the ring-level endpoint paths,
 * kernel/proc/kipc.c): op and cqe are the ones the current exec received (op is
 * checked against it), so neither is reloaded through kring_defer's bookkeeping. Same
 * contract; errors: CAPOS_ERR_INVALID (not the current exec's op, or already deferred).
 */
int kring_defer_op(struct kring_pending *p, const struct kring_pending_ops *ops,
		   const struct ring_op *op, struct capos_cqe *cqe);

/*
 * kring_defer for a call in flight from the current process (an endpoint CALL,
 * ProcessHandle.wait): the caller has reserved one LEDGER_CALLS unit of the current
 * process's ledger (kring_call_reserve); on success the record holds it and
 * kring_post / kring_thread_cancel release it, on error the caller still does.
 * Errors: kring_defer's.
 */
int kring_defer_call(struct kring_pending *p, const struct kring_pending_ops *ops);

/* kring_defer_call with the exec's own op and CQE (as kring_defer_op). */
int kring_defer_call_op(struct kring_pending *p, const struct kring_pending_ops *ops,
			const struct ring_op *op, struct capos_cqe *cqe);

/*
 * Reserves one LEDGER_CALLS unit of p's ledger for a call about to be deferred.
 * Errors: CAPOS_ERR_QUOTA_CALLS (the profile's outstandingCalls are all in flight).
 */
int kring_call_reserve(struct process *p);

/* Returns a unit kring_call_reserve took when the call was answered at once. */
void kring_call_unreserve(struct process *p);

/*
 * Writes len bytes of the kernel buffer src at offset off of p's result buffer, in the
 * owner's address space. Errors: CAPOS_ERR_RING_RESULT_TOO_SMALL (off + len beyond
 * result_len; nothing written), CAPOS_ERR_RING_RESULT_FAULT (a page is not mapped
 * user-writable any more). Precondition: p pending (owner != NULL).
 */
int kring_pending_write(struct kring_pending *p, uint32_t off, const void *src, uint32_t len);

/*
 * Same, copying from the current process's user memory at usrc (one copy between the
 * two spaces). Errors: as kring_pending_write, plus CAPOS_ERR_RING_PARAMS_FAULT (the
 * source range is not readable).
 */
int kring_pending_write_user(struct kring_pending *p, uint32_t off, uint64_t usrc, uint32_t len);

/*
 * Posts p's completion: cqe (status, result_len, call_id, badge, flags...) goes to the
 * owner's CQ with p's user_data, the credit is returned, p is unlinked (owner = NULL;
 * the caller may free it right after) and the owner is woken: when the current thread
 * is inside cap_enter and about to wait, it switches straight to the owner (direct
 * handoff, counted in sched_cpu.handoffs). Precondition: p pending.
 */
void kring_post(struct kring_pending *p, struct capos_cqe *cqe);

/*
 * Convenience: writes res[0..len) at offset 0 of p's buffer and posts status with
 * result_len = len; if the buffer is too small, posts CAPOS_ERR_RING_RESULT_TOO_SMALL
 * with result_len = len (bytes needed); a fault posts CAPOS_ERR_RING_RESULT_FAULT.
 * A status < 0 with len 0 posts just the status. Precondition: p pending.
 */
void kring_complete(struct kring_pending *p, int status, const void *res, uint32_t len);

/*
 * The thread is dying: cancels every operation it still has pending (ops->cancel on
 * each, in deferral order) and forgets it as a handoff target. Called by proc when a
 * process is killed or exits, before its threads can be reaped.
 */
void kring_thread_cancel(struct thread *t);

/* Initialises a new thread's pending list (proc_thread_start). */
void kring_thread_init(struct thread *t);

/* Which kernel objects kring_grant_std gives (bit set). */
#define KGRANT_CONSOLE 0x1u
#define KGRANT_TIMER 0x2u
#define KGRANT_BOOTPKG 0x4u
#define KGRANT_VM 0x8u
#define KGRANT_ALL 0xFu		     /* the four kring_grant_std names */
#define KGRANT_ENDPOINT 0x10u	     /* a fresh raw endpoint owned by p (kring_grant only) */
#define KGRANT_CAPMGR 0x20u	     /* CapabilityManager: kring_grant only (manifest source) */
#define KGRANT_SPAWNER 0x40u	     /* ProcessSpawner over the boot module (kring_grant only) */
#define KGRANT_FRAMES 0x80u	     /* FrameAllocator charging its caller (kring_grant only) */
#define KGRANT_TERMINAL 0x100u	     /* the TerminalSession singleton (kring_grant only) */
#define KGRANT_ENTROPY 0x200u	     /* EntropySource over the kernel CSPRNG (kring_grant only) */
#define KGRANT_SYSCONTROL 0x400u     /* SystemControl: shutdown (kring_grant only) */
#define KGRANT_SYSSTATUS 0x800u	     /* SystemStatus: summary (kring_grant only) */
#define KGRANT_THREADSPAWNER 0x1000u /* ThreadSpawner of the grantee (kernel/kthread.h) */
#define KGRANT_THREADCONTROL 0x2000u /* ThreadControl of the grantee (kernel/kthread.h) */
#define KGRANT_PARKSPACE 0x4000u     /* a private ParkSpace (kernel/kpark.h; kring_grant only) */
#define KGRANT_SHAREDPARK 0x8000u    /* an unbound SharedParkSpace (kring_grant only) */
#define KGRANT_SCHEDPOL 0x10000u     /* SchedulingPolicy over the caller's threads */
#define KGRANT_KINDS 0x1FFFFu	     /* every kind above: kring_grant takes exactly one */

/*
 * Creates the machine-wide object of `kind` (KGRANT_ENTROPY, KGRANT_SYSCONTROL or
 * KGRANT_SYSSTATUS; kernel/proc/ksys.c) charged to p, with one reference (the
 * caller's), and its interface id. Errors: CAPOS_ERR_INVALID (another kind), the
 * charged allocation's, the object's init errors.
 */
int ksys_create(unsigned kind, struct process *p, struct kobj **obj, uint64_t *iface);

struct capos_capset_page;

/*
 * The KGRANT_* kind kring_grant creates for a manifest/spawn KernelCapSource value
 * (schema/capos.capnp), or 0 when the kernel has no such object to grant. Callers
 * decide which sources they allow (init's manifest, a spawn request) before asking.
 */
unsigned kring_source_kind(uint16_t source);

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

/* Revocation nodes not yet freed, over all processes (leak check at shutdown). */
uint32_t kring_revoke_nodes_live(void);

/*
 * ---- Timer.sleep backend (kernel/proc/ksleep.c; docs/kring.md "Timer.sleep") ----
 *
 * A sleep that must wait is a deferred completion (above) on one global queue in
 * deadline order (equal deadlines: submission order); the timer tick completes every
 * sleep whose deadline has passed (empty results, status 0) and frees its record. A
 * process may have at most KSLEEP_MAX_PER_PROC sleeps pending; its dying threads'
 * sleeps are cancelled with nothing posted.
 *
 * Lock legend: [S] scheduler state (single CPU, interrupts off).
 */
#define KSLEEP_MAX_PER_PROC 8u

/*
 * The ktimer sleep backend (ktimer_set_sleep): parks the CALL being executed by the
 * current thread until the clock reaches deadline_ns. Returns KCALL_DEFERRED.
 * Errors: CAPOS_ERR_TIMER_SLEEP_LIMIT (the process has KSLEEP_MAX_PER_PROC pending),
 * CAPOS_ERR_NO_MEMORY, CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY (the
 * record is charged to the sleeper, kernel/kcharge.h), kring_defer()'s
 * (CAPOS_ERR_INVALID outside an exec).
 */
int ksleep_until(void *ctx, uint64_t deadline_ns);

/* Fires every queued timeout (sleeps and PARK deadlines) whose deadline is <= now_ns,
 * in deadline order (timer tick, [S]). */
void ksleep_expire(uint64_t now_ns);

/* Timeouts queued now (sleeps and PARK deadlines), over all processes (tick fast path,
 * leak check). */
uint32_t ksleep_live_count(void);

/* The earliest queued timeout's deadline, UINT64_MAX if none. Read without [K] (an idle
 * CPU 0 arming its one-shot timer; see ksleep.c on the ordering). */
uint64_t ksleep_next_deadline(void);

/*
 * A deadline on the sleep queue for another deferred op (PARK): ktimeout_arm links t
 * (not armed; zeroed or disarmed before) due at deadline_ns; when the tick finds it
 * due, t is unlinked and fire(t) runs ([S], from the tick). ktimeout_disarm unlinks an
 * armed t and does nothing for one that is not (fired or never armed).
 */
struct ktimeout {
	struct list_node link;		  /* [S] on the sleep queue, NULL when not armed */
	uint64_t deadline_ns;		  /* [S] */
	void (*fire)(struct ktimeout *t); /* [S] */
};

void ktimeout_arm(struct ktimeout *t, uint64_t deadline_ns, void (*fire)(struct ktimeout *t));
void ktimeout_disarm(struct ktimeout *t);

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
