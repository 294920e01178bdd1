/*
 * Stack-protector guard value (see capos_random_guard in libcapos/runtime.h).
 * RDRAND is used when CPUID advertises it (QEMU -cpu max does); without it the value
 * is derived from the TSC, which only makes the guard differ from run to run, not
 * secret. An entropy capability will replace the fallback when one exists.
 */
#include <libcapos/runtime.h>

#include <cpuid.h>

#define GUARD_RDRAND_TRIES 16

static int guard_rdrand(uint64_t *out)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_RDRND))
		return 0;
	for (int i = 0; i < GUARD_RDRAND_TRIES; i++) {
		unsigned char ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok) : : "cc");
		if (ok)
			return 1;
	}
	return 0;
}

static uint64_t guard_tsc(void)
{
	uint32_t lo, hi;
	uint64_t z;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	/* splitmix64 finaliser: spreads the TSC's low-entropy bits over the word. */
	z = ((uint64_t)hi << 32 | lo) + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

__attribute__((no_stack_protector)) uint64_t capos_random_guard(void)
{
	uint64_t v;

	if (!guard_rdrand(&v))
		v = guard_tsc();
	v &= ~(uint64_t)0xff; /* terminator byte */
	if (v == 0)
		v = 0xff0a0d00u; /* never zero: newlib's constructor would overwrite it */
	return v;
}
