/*
 * The kernel lock [K] (kernel/sched/klock.c): one lock for all kernel object state
 * (processes, cap tables, rings, endpoints, memory, ledgers, devices), like OpenBSD's
 * KERNEL_LOCK. A CPU holds it whenever it runs kernel code on behalf of a user thread:
 * taken at entry from user mode (system call, exception, an interrupt handler that
 * touches kernel objects), released on the way back to user mode, and released by a
 * thread that switches away while holding it, which takes it again when it resumes
 * (sched_switch; so a blocked thread never keeps it). The scheduler's own state is
 * under per-CPU run-queue locks [RQ] instead, so preemption, local pick and requeue
 * never touch [K]. Lock order: [K] before any [RQ] (docs/scheduler.md).
 *
 * While a CPU spins for [K] it keeps answering TLB shootdowns (tlb_poll), so a holder
 * that waits for every CPU's acknowledgement cannot deadlock against a CPU waiting for
 * [K] with interrupts off.
 */
#ifndef KERNEL_KLOCK_H
#define KERNEL_KLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/percpu.h>
#include <kernel/spinlock.h>

extern struct spinlock klock_lock; /* kernel/sched/klock.c; use the functions below */

/* The waiting half of klock_acquire (out of line): spins, answering TLB shootdowns.
 * It preserves every register it uses, so the inline fast path costs its callers no
 * spills (the system-call entry keeps its arguments in their registers). */
__attribute__((no_caller_saved_registers)) void klock_wait(uint32_t ticket);

/* Misuse (taking it twice, releasing it unheld): panics with the CPU's index. */
_Noreturn void klock_misuse(const char *what);

/* Takes [K] (spinning, interrupts off). Panics if this CPU already holds it. */
static inline void klock_acquire(void)
{
	if (percpu_klock_held())
		klock_misuse("takes the kernel lock twice");
	uint32_t t = spin_ticket(&klock_lock);

	if (!spin_ticket_ready(&klock_lock, t))
		klock_wait(t);
	percpu_set_klock_held(1);
}

/* Drops [K]. Panics if this CPU does not hold it. */
static inline void klock_release(void)
{
	if (!percpu_klock_held())
		klock_misuse("releases a kernel lock it does not hold");
	percpu_set_klock_held(0);
	spin_unlock(&klock_lock);
}

/* Whether this CPU holds [K]. */
static inline bool klock_held(void)
{
	return percpu_klock_held() != 0;
}

/*
 * For interrupt handlers that touch kernel objects: takes [K] unless this CPU already
 * holds it (a handler that interrupted boot code holding it) and returns whether it
 * did; pass the result to klock_irq_exit.
 */
static inline bool klock_irq_enter(void)
{
	if (klock_held())
		return false;
	klock_acquire();
	return true;
}

static inline void klock_irq_exit(bool taken)
{
	if (taken)
		klock_release();
}

/* Acquisitions that had to wait, and spin iterations spent waiting (all CPUs). */
uint64_t klock_contended(void);
uint64_t klock_spins(void);

#endif
