/*
 * Hardware random numbers and the cycle counter for the kernel CSPRNG's seeding
 * (kernel/arch.h; docs/entropy.md). RDSEED (CPUID.7.0:EBX[18]) is the conditioned
 * entropy source itself and is preferred; RDRAND (CPUID.1:ECX[30]) is the CPU's own
 * DRBG output. Both report "no value" with CF=0 (transient under load), so each is
 * retried HWRNG_RETRIES times before the read fails. Under QEMU TCG, `-cpu max`
 * offers both (backed by the host's getrandom). Lock legend: [I] set at the first use.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <capos/error.h>
#include <kernel/arch.h>

#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID7_EBX_RDSEED (1u << 18)
#define HWRNG_RETRIES 10 /* Intel's guidance for RDRAND; ample for RDSEED in a loop */

enum { HWRNG_UNKNOWN, HWRNG_NONE, HWRNG_RDRAND, HWRNG_RDSEED };
static uint8_t hwrng_kind; /* [I] the best instruction the CPU has */

static uint8_t hwrng_probe(void)
{
	if (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_RDSEED))
		return HWRNG_RDSEED;
	return (cpuid(1, 0).ecx & CPUID1_ECX_RDRAND) ? HWRNG_RDRAND : HWRNG_NONE;
}

static uint8_t hwrng_get_kind(void)
{
	if (hwrng_kind == HWRNG_UNKNOWN)
		hwrng_kind = hwrng_probe();
	return hwrng_kind;
}

bool arch_hwrng_present(void)
{
	return hwrng_get_kind() != HWRNG_NONE;
}

/* One attempt; true when the CPU delivered a value (CF=1). */
static bool hwrng_try(uint8_t kind, uint64_t *out)
{
	uint8_t ok;

	if (kind == HWRNG_RDSEED)
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok) : : "cc");
	else
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok) : : "cc");
	return ok != 0;
}

int arch_hwrng_read(uint64_t *out)
{
	uint8_t kind = hwrng_get_kind();

	if (kind == HWRNG_NONE)
		return CAPOS_ERR_UNSUPPORTED;
	for (int i = 0; i < HWRNG_RETRIES; i++)
		if (hwrng_try(kind, out))
			return CAPOS_OK;
	if (kind == HWRNG_RDSEED && (cpuid(1, 0).ecx & CPUID1_ECX_RDRAND)) /* RDSEED starved */
		for (int i = 0; i < HWRNG_RETRIES; i++)
			if (hwrng_try(HWRNG_RDRAND, out))
				return CAPOS_OK;
	return CAPOS_ERR_BUSY;
}

uint64_t arch_cycles(void)
{
	return cpu_rdtsc();
}
