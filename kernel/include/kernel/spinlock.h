/*
 * Ticket spinlocks: FIFO-fair mutual exclusion between CPUs for short critical
 * sections. Kernel code runs with interrupts disabled (only the idle loop halts with
 * them on), so taking a spinlock never needs to save the interrupt state: the caller
 * must have interrupts off, and must not block, sleep or switch threads while holding
 * one (the scheduler's switch is the one documented exception: docs/scheduler.md).
 *
 * Invariant: `owner` <= `next` (mod 2^32); the lock is free when they are equal; the
 * CPU holding ticket `owner` is inside. Memory order: acquire on entry, release on
 * exit, so everything written inside is visible to the next holder.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/spin.h>

struct spinlock {
	uint32_t next;	/* next ticket to hand out */
	uint32_t owner; /* ticket now allowed in */
};

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0, 0                                                                               \
	}

static inline void spin_init(struct spinlock *l)
{
	l->next = 0;
	l->owner = 0;
}

/* Takes a ticket; returns it (for callers that wait with their own loop). */
static inline uint32_t spin_ticket(struct spinlock *l)
{
	return __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
}

/* Whether ticket `t` may enter (acquire order). */
static inline bool spin_ticket_ready(struct spinlock *l, uint32_t t)
{
	return __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == t;
}

static inline void spin_lock(struct spinlock *l)
{
	uint32_t t = spin_ticket(l);

	while (!spin_ticket_ready(l, t))
		arch_spin_relax();
}

/* Takes the lock only if it is free now. */
static inline bool spin_trylock(struct spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t want = owner;

	return __atomic_compare_exchange_n(&l->next, &want, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* Whether someone holds the lock (a hint: may change at once). */
static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

#endif
