/*
 * Sets of CPUs by index (0 = boot CPU), as one 64-bit word: SCHED_MAX_CPUS is the
 * kernel's compile-time bound on CPU indices (kernel/sched.h), and CPUs the firmware
 * lists beyond it are not started. Updated with atomic read-modify-write operations
 * where several CPUs write the same mask (an address space's resident set).
 */
#ifndef KERNEL_CPUMASK_H
#define KERNEL_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t cpumask_t;

#define CPUMASK_BITS 64u

static inline cpumask_t cpumask_of(uint32_t cpu)
{
	return (cpumask_t)1 << cpu;
}

static inline bool cpumask_has(cpumask_t m, uint32_t cpu)
{
	return (m & cpumask_of(cpu)) != 0;
}

/* Lowest CPU index in a non-empty mask. */
static inline uint32_t cpumask_first(cpumask_t m)
{
	return (uint32_t)__builtin_ctzll(m);
}

static inline cpumask_t cpumask_load(const cpumask_t *m)
{
	return __atomic_load_n(m, __ATOMIC_ACQUIRE);
}

/* A sequentially consistent load: for the reader side of a store-buffering pair (a
 * CPU stores, then reads the mask; another sets its bit, then reads that store). */
static inline cpumask_t cpumask_load_seq_cst(const cpumask_t *m)
{
	return __atomic_load_n(m, __ATOMIC_SEQ_CST);
}

/* Atomic set / clear (full barriers on x86: locked read-modify-writes). */
static inline void cpumask_set_atomic(cpumask_t *m, uint32_t cpu)
{
	__atomic_fetch_or(m, cpumask_of(cpu), __ATOMIC_SEQ_CST);
}

static inline void cpumask_clear_atomic(cpumask_t *m, uint32_t cpu)
{
	__atomic_fetch_and(m, ~cpumask_of(cpu), __ATOMIC_SEQ_CST);
}

#define CPUMASK_FOR_EACH(cpu, mask)                                                                \
	for (cpumask_t cpumask_rest_ = (mask);                                                     \
	     cpumask_rest_ && ((cpu) = cpumask_first(cpumask_rest_), 1);                           \
	     cpumask_rest_ &= cpumask_rest_ - 1)

#endif
