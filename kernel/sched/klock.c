/*
 * The kernel lock [K] (kernel/klock.h): a ticket lock plus the per-CPU "held" flag.
 * Waiters poll for TLB shootdown requests while they spin (see klock.h).
 *
 * Lock legend: [K] this lock itself; [C] owning CPU, interrupts off.
 */
#include <kernel/klock.h>

#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/tlb.h>

static struct spinlock klock_lock = SPINLOCK_INIT;
static uint64_t klock_contended_count; /* [K] waits, updated by the new holder */
static uint64_t klock_spin_count;      /* [K] spin iterations of those waits */

void klock_acquire(void)
{
	struct percpu *pc = arch_this_cpu();
	uint64_t spins = 0;

	if (pc->klock_held)
		panic("klock: cpu %u takes the kernel lock twice", pc->cpu_index);
	uint32_t t = spin_ticket(&klock_lock);

	while (!spin_ticket_ready(&klock_lock, t)) {
		tlb_poll(); /* the holder may be waiting for this CPU's acknowledgement */
		arch_spin_relax();
		spins++;
	}
	pc->klock_held = true;
	if (spins) {
		klock_contended_count++;
		klock_spin_count += spins;
	}
}

void klock_release(void)
{
	struct percpu *pc = arch_this_cpu();

	if (!pc->klock_held)
		panic("klock: cpu %u releases a kernel lock it does not hold", pc->cpu_index);
	pc->klock_held = false;
	spin_unlock(&klock_lock);
}

bool klock_held(void)
{
	return arch_this_cpu()->klock_held;
}

bool klock_irq_enter(void)
{
	if (klock_held())
		return false;
	klock_acquire();
	return true;
}

void klock_irq_exit(bool taken)
{
	if (taken)
		klock_release();
}

uint64_t klock_contended(void)
{
	return __atomic_load_n(&klock_contended_count, __ATOMIC_RELAXED);
}

uint64_t klock_spins(void)
{
	return __atomic_load_n(&klock_spin_count, __ATOMIC_RELAXED);
}
