/*
 * TLB shootdown (kernel/mm/tlb.c). Unmapping or reprotecting a page must leave no CPU
 * with a stale translation before the call that changed it returns: the initiator
 * changes the page tables, flushes its own TLB, asks every other CPU that may cache
 * the mapping (an address space's resident set, or every online CPU for kernel
 * mappings) to flush, and waits until each has acknowledged.
 *
 * Locking: initiators hold the kernel lock [K], so one request is in flight at a time.
 * Targets answer from the ARCH_VEC_TLB interrupt or, while they spin for [K] with
 * interrupts off, from klock_acquire's poll; every other wait in the kernel is short
 * and never on [K]'s holder, so the initiator's wait is bounded (docs/scheduler.md).
 */
#ifndef KERNEL_TLB_H
#define KERNEL_TLB_H

#include <stdint.h>

#include <kernel/cpumask.h>

/*
 * Invalidates `pages` pages from `va` on every CPU of `targets` other than the caller
 * and waits for all of them; the caller flushes its own TLB. `pages` 0 asks for a full
 * flush of non-global entries (CR3 reload). Precondition: [K] held, the page tables
 * already changed.
 */
void tlb_shootdown(cpumask_t targets, uint64_t va, uint64_t pages);

/* Answers a pending request addressed to this CPU, if any (interrupt handler, spin
 * loops). Cheap when there is none: one load. */
void tlb_poll(void);

/* Kernel-half mapping removed (kernel stacks, heap): flushes `va` here and on every
 * other online CPU. Precondition: [K] held. */
void tlb_flush_kernel_page(uint64_t va);

/* Requests answered by this CPU and sent by it (tests, reports). */
uint64_t tlb_answered(void);
uint64_t tlb_sent(void);

/* Installs the ARCH_VEC_TLB handler. Call once on the boot CPU, before other CPUs start. */
int tlb_init(void);

#endif
