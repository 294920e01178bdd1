/*
 * The CPU hint for spin-wait loops (x86_64: PAUSE), for the portable spinlocks of
 * kernel/spinlock.h. Lets the sibling hyperthread run and avoids the memory-order
 * machine clear when the lock word changes.
 */
#ifndef ARCH_SPIN_H
#define ARCH_SPIN_H

static inline void arch_spin_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif
