/*
 * CPUID feature table and decoding (arch/cpufeat.h). Pure; bit positions from the
 * Intel SDM vol. 2 (CPUID) and AMD APM vol. 3.
 */
#include <arch/cpufeat.h>

enum cpuid_reg { R_L1_ECX, R_L1_EDX, R_L7_EBX, R_L7_ECX, R_E1_ECX, R_E1_EDX };

struct feat_bit {
	const char *name;
	enum cpuid_reg reg;
	uint8_t bit;
};

static const struct feat_bit feat_bits[CPU_FEAT_COUNT] = {
	[CPU_FEAT_NX] = { "nx", R_E1_EDX, 20 },
	[CPU_FEAT_SMEP] = { "smep", R_L7_EBX, 7 },
	[CPU_FEAT_SMAP] = { "smap", R_L7_EBX, 20 },
	[CPU_FEAT_UMIP] = { "umip", R_L7_ECX, 2 },
	[CPU_FEAT_PGE] = { "pge", R_L1_EDX, 13 },
	[CPU_FEAT_PCID] = { "pcid", R_L1_ECX, 17 },
	[CPU_FEAT_FSGSBASE] = { "fsgsbase", R_L7_EBX, 0 },
	[CPU_FEAT_PKU] = { "pku", R_L7_ECX, 3 },
	[CPU_FEAT_RDTSCP] = { "rdtscp", R_E1_EDX, 27 },
	[CPU_FEAT_PDPE1GB] = { "pdpe1gb", R_E1_EDX, 26 },
	[CPU_FEAT_APIC] = { "apic", R_L1_EDX, 9 },
	[CPU_FEAT_X2APIC] = { "x2apic", R_L1_ECX, 21 },
	[CPU_FEAT_TSC_DEADLINE] = { "tsc-deadline", R_L1_ECX, 24 },
};

static uint32_t cpuid_reg_value(const struct cpuid_words *w, enum cpuid_reg r)
{
	switch (r) {
	case R_L1_ECX:
		return w->leaf1_ecx;
	case R_L1_EDX:
		return w->leaf1_edx;
	case R_L7_EBX:
		return w->leaf7_ebx;
	case R_L7_ECX:
		return w->leaf7_ecx;
	case R_E1_ECX:
		return w->ext1_ecx;
	case R_E1_EDX:
		return w->ext1_edx;
	}
	return 0;
}

bool cpufeat_has(const struct cpuid_words *w, enum cpu_feature f)
{
	if ((unsigned)f >= CPU_FEAT_COUNT)
		return false;
	return (cpuid_reg_value(w, feat_bits[f].reg) >> feat_bits[f].bit) & 1;
}

const char *cpufeat_name(enum cpu_feature f)
{
	if ((unsigned)f >= CPU_FEAT_COUNT)
		return NULL;
	return feat_bits[f].name;
}

size_t cpufeat_format(const struct cpuid_words *w, char *buf, size_t size)
{
	size_t len = 0;
	for (unsigned f = 0; f < CPU_FEAT_COUNT; f++) {
		if (!cpufeat_has(w, (enum cpu_feature)f))
			continue;
		const char *sep = len > 0 ? " " : "";
		for (const char *s = sep; *s; s++, len++)
			if (len + 1 < size)
				buf[len] = *s;
		for (const char *s = feat_bits[f].name; *s; s++, len++)
			if (len + 1 < size)
				buf[len] = *s;
	}
	if (size > 0)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}
