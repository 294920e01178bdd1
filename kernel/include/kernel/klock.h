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

/* Takes [K] (spinning, interrupts off). Panics if this CPU already holds it. */
void klock_acquire(void);

/* Drops [K]. Panics if this CPU does not hold it. */
void klock_release(void);

/* Whether this CPU holds [K]. */
bool klock_held(void);

/*
 * For interrupt handlers that touch kernel objects: takes [K] unless this CPU already
 * holds it (a handler that interrupted boot code holding it) and returns whether it
 * did; pass the result to klock_irq_exit.
 */
bool klock_irq_enter(void);
void klock_irq_exit(bool taken);

/* Acquisitions that had to wait, and spin iterations spent waiting (all CPUs). */
uint64_t klock_contended(void);
uint64_t klock_spins(void);

#endif
