/*
 * Ticket spinlock for short critical sections shared between CPUs (kernel log, the
 * scheduler's per-CPU run-queue locks [RQ]). A CPU takes a ticket (`next`) and spins
 * until `owner` reaches it, so waiters are served in arrival order and none starves.
 *
 * Rules:
 *  - hold it for a bounded, short time; never block, sleep or switch threads while
 *    holding it;
 *  - take it with interrupts disabled whenever an interrupt handler on the same CPU
 *    may take it too: spin_lock_irqsave() disables them and returns the previous
 *    state, spin_unlock_irqrestore() puts it back (kernel code already runs with
 *    interrupts off, so the plain pair is enough there);
 *  - not recursive: a CPU that takes a lock it holds spins forever (kernel/log.c
 *    detects re-entry from an NMI or a fault itself, through the owner CPU index).
 * Memory order: acquire on lock, release on unlock, so the protected data is seen
 * consistently by the next holder.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/arch.h>

struct spinlock {
	uint32_t next;	/* next ticket to hand out */
	uint32_t owner; /* ticket now being served */
};

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0, 0                                                                               \
	}

static inline void spin_init(struct spinlock *l)
{
	__atomic_store_n(&l->next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

/* Takes a ticket; returns it (for callers that wait with a loop of their own: the
 * kernel lock answers TLB shootdowns while it waits). */
static inline uint32_t spin_ticket(struct spinlock *l)
{
	return __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
}

/* Whether ticket `t` may enter now (acquire order). */
static inline bool spin_ticket_ready(struct spinlock *l, uint32_t t)
{
	return __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == t;
}

/* Waits for the lock (ticket order). Interrupt state is left as it is. */
static inline void spin_lock(struct spinlock *l)
{
	uint32_t me = spin_ticket(l);

	while (!spin_ticket_ready(l, me))
		arch_cpu_relax();
}

/* Takes the lock only if it is free right now; true on success. */
static inline bool spin_trylock(struct spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	uint32_t expected = owner;

	return __atomic_compare_exchange_n(&l->next, &expected, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Releases the lock; the caller holds it. */
static inline void spin_unlock(struct spinlock *l)
{
	uint32_t o = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);

	__atomic_store_n(&l->owner, o + 1, __ATOMIC_RELEASE);
}

/* Whether some CPU holds the lock (a snapshot, for assertions and reports). */
static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

/* Disables interrupts on this CPU, then takes the lock; returns the previous state. */
static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = arch_irq_save();

	spin_lock(l);
	return flags;
}

/* Releases the lock, then restores the interrupt state spin_lock_irqsave returned. */
static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}

#endif
