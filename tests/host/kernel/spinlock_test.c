/*
 * Host tests of the kernel's ticket spinlock (kernel/include/kernel/spinlock.h), with
 * real threads standing in for CPUs and recording stubs for the interrupt flag.
 */
#include "test.h"

#include <kernel/spinlock.h>

#include <pthread.h>

/* Stub interrupt flag: 1 = enabled. Records the order of events for the irqsave test. */
static _Thread_local unsigned long stub_if = 1;
static _Thread_local int stub_saves, stub_restores;

unsigned long arch_irq_save(void)
{
	unsigned long f = stub_if;

	stub_if = 0;
	stub_saves++;
	return f;
}

void arch_irq_restore(unsigned long flags)
{
	stub_if = flags;
	stub_restores++;
}

#define THREADS 2
#define ROUNDS 20000

static struct spinlock counter_lock = SPINLOCK_INIT;
static uint64_t counter; /* deliberately non-atomic: only the lock protects it */

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		unsigned long f = spin_lock_irqsave(&counter_lock);
		uint64_t v = counter;
		counter = v + 1;
		spin_unlock_irqrestore(&counter_lock, f);
	}
	return NULL;
}

TEST(spinlock_mutual_exclusion_across_threads)
{
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_UEQ(counter, (uint64_t)THREADS * ROUNDS);
	CHECK(!spin_is_locked(&counter_lock));
}

TEST(spinlock_trylock_refuses_a_held_lock)
{
	struct spinlock l = SPINLOCK_INIT;

	CHECK(!spin_is_locked(&l));
	CHECK(spin_trylock(&l));
	CHECK(spin_is_locked(&l));
	CHECK(!spin_trylock(&l)); /* held: refused, and no ticket consumed */
	CHECK(!spin_trylock(&l));
	spin_unlock(&l);
	CHECK(!spin_is_locked(&l));
	spin_lock(&l); /* a refused trylock left no ticket behind, so this does not hang */
	spin_unlock(&l);
	CHECK(spin_trylock(&l));
	spin_unlock(&l);
}

TEST(spinlock_tickets_wrap_around)
{
	struct spinlock l = { UINT32_MAX - 1, UINT32_MAX - 1 };

	for (int i = 0; i < 4; i++) {
		spin_lock(&l);
		CHECK(spin_is_locked(&l));
		CHECK(!spin_trylock(&l));
		spin_unlock(&l);
		CHECK(!spin_is_locked(&l));
	}
	CHECK_UEQ(l.owner, 2u);
}

TEST(spinlock_irqsave_restores_the_previous_state)
{
	struct spinlock l = SPINLOCK_INIT;

	stub_if = 1;
	unsigned long f = spin_lock_irqsave(&l);
	CHECK_UEQ(f, 1u);
	CHECK_UEQ(stub_if, 0u); /* disabled while held */
	spin_unlock_irqrestore(&l, f);
	CHECK_UEQ(stub_if, 1u);
	/* Already disabled (kernel code): stays disabled after the pair. */
	stub_if = 0;
	f = spin_lock_irqsave(&l);
	spin_unlock_irqrestore(&l, f);
	CHECK_UEQ(stub_if, 0u);
	CHECK_EQ(stub_saves, stub_restores);
	spin_init(&l);
	CHECK(!spin_is_locked(&l));
}
