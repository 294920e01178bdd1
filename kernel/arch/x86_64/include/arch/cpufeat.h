/*
 * CPU feature decoding from raw CPUID words (pure, host-tested), used by cpu.c to
 * decide which protections to enable and to print the boot report.
 */
#ifndef ARCH_CPUFEAT_H
#define ARCH_CPUFEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The CPUID words the kernel looks at (0 when a leaf is not supported). */
struct cpuid_words {
	uint32_t leaf1_ecx, leaf1_edx; /* leaf 1 */
	uint32_t leaf7_ebx, leaf7_ecx; /* leaf 7 subleaf 0 */
	uint32_t ext1_ecx, ext1_edx;   /* leaf 0x80000001 */
};

enum cpu_feature {
	CPU_FEAT_NX,
	CPU_FEAT_SMEP,
	CPU_FEAT_SMAP,
	CPU_FEAT_UMIP,
	CPU_FEAT_PGE,
	CPU_FEAT_PCID,
	CPU_FEAT_FSGSBASE,
	CPU_FEAT_PKU,
	CPU_FEAT_RDTSCP,
	CPU_FEAT_PDPE1GB,
	CPU_FEAT_APIC,
	CPU_FEAT_X2APIC,
	CPU_FEAT_TSC_DEADLINE,
	CPU_FEAT_COUNT
};

/* Whether `f` is present according to `w`. Out-of-range `f` is false. */
bool cpufeat_has(const struct cpuid_words *w, enum cpu_feature f);

/* Lowercase name ("nx", "smep", ...), or NULL for an out-of-range value. */
const char *cpufeat_name(enum cpu_feature f);

/*
 * Space-separated names of the features in `w` (in enum order) into buf, always
 * NUL-terminated when size > 0. Returns the length of the full list; >= size means
 * it was truncated.
 */
size_t cpufeat_format(const struct cpuid_words *w, char *buf, size_t size);

#endif
