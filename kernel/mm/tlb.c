/*
 * TLB shootdown (kernel/tlb.h). One request slot: initiators hold the kernel lock [K],
 * so at most one request is in flight. The initiator publishes the range, then the
 * set of CPUs that still owe an acknowledgement (`tlb_pending`, release order), sends
 * ARCH_VEC_TLB to each, and waits for the set to drain. A target flushes the range and
 * clears its bit (acq_rel), from the interrupt or from a spin loop's tlb_poll.
 *
 * Lock legend: [K] the kernel lock (initiators); [A] atomic.
 */
#include <kernel/tlb.h>

#include <kernel/arch.h>
#include <kernel/frame.h>
#include <kernel/klock.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>

/* Above this many pages one full flush (CR3 reload) is cheaper than invlpg each. */
#define TLB_FULL_FLUSH_PAGES 32u

static uint64_t tlb_req_va;	    /* [K] written before tlb_pending is published */
static uint64_t tlb_req_pages;	    /* [K] 0 = full flush */
static cpumask_t tlb_pending;	    /* [A] CPUs that have not acknowledged yet */
static uint64_t tlb_sent_count;	    /* [K] */
static uint64_t tlb_answered_count; /* [A] */

static void tlb_flush_local(uint64_t va, uint64_t pages)
{
	if (pages == 0 || pages > TLB_FULL_FLUSH_PAGES) {
		arch_mm_flush_all();
		return;
	}
	for (uint64_t i = 0; i < pages; i++)
		arch_mm_flush_page(va + i * FRAME_SIZE);
}

void tlb_poll(void)
{
	uint32_t me = arch_this_cpu()->cpu_index;

	if (!cpumask_has(cpumask_load(&tlb_pending), me))
		return;
	tlb_flush_local(tlb_req_va, tlb_req_pages);
	__atomic_fetch_add(&tlb_answered_count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_and(&tlb_pending, ~cpumask_of(me), __ATOMIC_ACQ_REL);
}

void tlb_shootdown(cpumask_t targets, uint64_t va, uint64_t pages)
{
	uint32_t me = arch_this_cpu()->cpu_index, cpu;

	targets &= ~cpumask_of(me);
	if (targets == 0)
		return;
	if (!klock_held())
		panic("tlb: shootdown without the kernel lock");
	tlb_req_va = va;
	tlb_req_pages = pages;
	__atomic_store_n(&tlb_pending, targets, __ATOMIC_RELEASE);
	CPUMASK_FOR_EACH(cpu, targets)
	arch_ipi_send(cpu, ARCH_VEC_TLB);
	tlb_sent_count++;
	while (cpumask_load(&tlb_pending) != 0)
		arch_spin_relax();
}

void tlb_flush_kernel_page(uint64_t va)
{
	arch_mm_flush_page(va);
	tlb_shootdown(sched_online_mask(), va, 1);
}

static void tlb_irq(struct arch_trap_frame *tf)
{
	(void)tf;
	arch_irq_eoi();
	tlb_poll();
}

int tlb_init(void)
{
	return arch_irq_register(ARCH_VEC_TLB, tlb_irq);
}

uint64_t tlb_answered(void)
{
	return __atomic_load_n(&tlb_answered_count, __ATOMIC_RELAXED);
}

uint64_t tlb_sent(void)
{
	return tlb_sent_count;
}
