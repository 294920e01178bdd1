/*
 * The kernel lock [K] (kernel/klock.h): a ticket lock plus the per-CPU "held" flag;
 * the uncontended path is inline in the header, the wait is here. Waiters poll for TLB
 * shootdown requests while they spin (see klock.h).
 *
 * Lock legend: [K] this lock itself.
 */
#include <kernel/klock.h>

#include <kernel/panic.h>
#include <kernel/tlb.h>

struct spinlock klock_lock = SPINLOCK_INIT;
static uint64_t klock_contended_count; /* [K] waits, updated by the new holder */
static uint64_t klock_spin_count;      /* [K] spin iterations of those waits */

__attribute__((noinline, no_caller_saved_registers)) void klock_wait(uint32_t ticket)
{
	uint64_t spins = 0;

	while (!spin_ticket_ready(&klock_lock, ticket)) {
		tlb_poll(); /* the holder may be waiting for this CPU's acknowledgement */
		arch_cpu_relax();
		spins++;
	}
	klock_contended_count++;
	klock_spin_count += spins;
}

_Noreturn void klock_misuse(const char *what)
{
	panic("klock: cpu %u %s", percpu_cpu_index(), what);
}

uint64_t klock_contended(void)
{
	return __atomic_load_n(&klock_contended_count, __ATOMIC_RELAXED);
}

uint64_t klock_spins(void)
{
	return __atomic_load_n(&klock_spin_count, __ATOMIC_RELAXED);
}
