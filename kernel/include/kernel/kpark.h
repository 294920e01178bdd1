/*
 * PARK / UNPARK: the ring's wait-on-a-word primitive (kernel/proc/kpark.c; protocol and
 * statuses in docs/sync.md, SQE fields in docs/abi.md §4).
 *
 * A PARK names a park-space cap, a 32-bit word and an expected value: if the word holds
 * that value the op waits (a deferred completion, kring.h) on a queue keyed by the
 * word until an UNPARK on the same key wakes it or its timeout passes; otherwise it
 * completes at once with CAPOS_PARK_VALUE_CHANGED. The read and the enqueue happen
 * under one hold of the kernel lock [K], and UNPARK runs under [K] too, so a wake-up
 * issued after the word was changed can never be lost. Keys:
 *   ParkSpace        (the calling process, user virtual address): private to a process
 *                    and shared by its threads;
 *   SharedParkSpace  (MemoryObject, byte offset): every process whose space is bound to
 *                    the same object meets on the same keys, whatever its mappings.
 *
 * The wait queue (kernel/proc/parkq.c, pure, host-tested in tests/host/kernel/
 * parkq_test.c) is a fixed hash table of FIFO buckets: waiters on one key wake in
 * arrival order. Bounds: KPARK_MAX_PER_PROC parked ops per process (the next PARK
 * answers CAPOS_ERR_PARK_WAITERS_LIMIT), each record charged to the parker's kernel
 * bytes (kcharge.h).
 *
 * Lock legend: [K] the kernel lock (today: the boot CPU with interrupts off).
 */
#ifndef KERNEL_KPARK_H
#define KERNEL_KPARK_H

#include <stdbool.h>
#include <stdint.h>

#include <capos/ring.h>
#include <kernel/list.h>
#include <kernel/profile.h>

/* ---- the wait queue (pure; kernel/proc/parkq.c) ---- */

#define PARKQ_BUCKETS 64u /* power of two */

/* One waiter's link; embedded in the caller's record. */
struct parkq_node {
	struct list_node link; /* [K] on its bucket, in arrival order */
	const void *space;     /* [K] key part 1: a process (private) or a memobj (shared) */
	uint64_t key;	       /* [K] key part 2: user address or byte offset */
};

struct parkq {
	struct list bucket[PARKQ_BUCKETS]; /* [K] */
	uint32_t count;			   /* [K] nodes queued */
};

/* Called for each node a wake takes off the queue (already unlinked; may free it). */
typedef void parkq_fn(struct parkq_node *n, void *ctx);

/* Makes q empty. */
void parkq_init(struct parkq *q);

/* The bucket index of (space, key) (exposed for the host tests' collision cases). */
uint32_t parkq_hash(const void *space, uint64_t key);

/* Queues n under (space, key) behind every node already there. n must not be queued. */
void parkq_add(struct parkq *q, struct parkq_node *n, const void *space, uint64_t key);

/* Takes n off the queue (a timeout or a dying owner). n must be queued. */
void parkq_remove(struct parkq *q, struct parkq_node *n);

/* True when n is on a queue. */
bool parkq_queued(const struct parkq_node *n);

/*
 * Wakes up to `max` nodes queued under (space, key), oldest first: each is unlinked
 * and passed to fn. Returns how many were woken (0 when none waits or max is 0).
 */
uint32_t parkq_wake(struct parkq *q, const void *space, uint64_t key, uint32_t max, parkq_fn *fn,
		    void *ctx);

/* Wakes every node of `space`, any key (a MemoryObject going away). Returns the count. */
uint32_t parkq_wake_space(struct parkq *q, const void *space, parkq_fn *fn, void *ctx);

/* ---- the kernel side (kernel/proc/kpark.c) ---- */

struct process;
struct ring_op;
struct capos_cqe;
struct kobj;
struct memobj;
struct kcall_iface;

/*
 * Parked ops per process. Every thread may block in one PARK (capos_mutex, capos_cond:
 * libcapos parks synchronously), so the bound covers the most threads a profile may
 * grant, plus an allowance for PARKs queued asynchronously through rings (one ring's
 * CQ credits: a single thread can hold that many PARKs in flight, never more). Each
 * parked op is a kpark_waiter charged to the parker's kernel bytes, so memory stays
 * bounded by the quota too; CQ credits are per ring and unaffected (a PARK holds its
 * own ring's credit). docs/sync.md "The wait queue and its bounds".
 */
#define KPARK_ASYNC_ALLOWANCE 64u
#define KPARK_MAX_PER_PROC (PROFILE_MAX_THREADS + KPARK_ASYNC_ALLOWANCE)
_Static_assert(KPARK_MAX_PER_PROC > PROFILE_MAX_THREADS,
	       "every thread a profile allows can block in a PARK, with room to spare");
_Static_assert(KPARK_ASYNC_ALLOWANCE >= CAPOS_RING_CQ_ENTRIES,
	       "one thread can fill its CQ credits with PARKs");

/*
 * Executes op for process p if it is a PARK or UNPARK and fills cqe (or defers it);
 * returns false, touching nothing, for every other opcode. Statuses, in check order
 * (docs/sync.md): the cap lookup's (CAPOS_ERR_CAP_BAD_ID / _STALE / _EMPTY /
 * _REVOKED), CAPOS_ERR_CAP_WRONG_INTERFACE (not a park space), for a shared space
 * CAPOS_ERR_PARK_OBJECT_GONE, CAPOS_ERR_PARK_UNBOUND, then CAPOS_ERR_PARK_MISALIGNED,
 * CAPOS_ERR_PARK_FAULT (private: outside the user window, or for PARK not mapped
 * readable) / CAPOS_ERR_PARK_OFFSET_RANGE (shared); PARK then reads the word:
 * CAPOS_PARK_VALUE_CHANGED (1) at once if it differs from aux,
 * CAPOS_ERR_RING_TIMED_OUT at once for timeout 0, CAPOS_ERR_PARK_WAITERS_LIMIT, the
 * record's charge errors; else it waits and completes with CAPOS_PARK_WOKEN (0),
 * CAPOS_ERR_RING_TIMED_OUT or CAPOS_ERR_PARK_OBJECT_GONE. UNPARK completes at once
 * with the number of waiters woken (at most aux; CAPOS_UNPARK_ALL: all).
 */
bool kpark_exec(struct process *p, const struct ring_op *op, struct capos_cqe *cqe);

/*
 * A new ParkSpace (shared false) or unbound SharedParkSpace (shared true), charged to
 * p's kernel bytes, one reference to the caller, and its interface id (kgrant).
 * Errors: kzalloc_charged's, kobj_init's.
 */
int kpark_space_create(struct process *p, bool shared, struct kobj **obj, uint64_t *iface);

/* Parked ops queued now, over all processes (leak checks at the end of a boot). */
uint32_t kpark_live_count(void);

/*
 * The MemoryObject o is being freed (memobj_release, its last reference): every space
 * bound to it becomes gone (later PARK/UNPARK: CAPOS_ERR_PARK_OBJECT_GONE) and its
 * waiters complete with CAPOS_ERR_PARK_OBJECT_GONE.
 */
void kpark_memobj_gone(struct memobj *o);

/* SharedParkSpace.bind, served through kcall (listed in kring's interface table). */
extern const struct kcall_iface kpark_shared_iface;

#endif
