/*
 * Host tests of the CPUID feature decoder (kernel/arch/x86_64/cpufeat.c): the bits
 * that decide whether NX/SMEP/SMAP/UMIP get enabled are read from the right leaf and
 * register, and the boot report string is exact and bounded.
 */
#include "test.h"

#include <arch/cpufeat.h>

TEST(cpufeat_none)
{
	struct cpuid_words w = { 0 };
	char b[32] = "junk";
	CHECK_EQ(cpufeat_format(&w, b, sizeof(b)), 0);
	CHECK_STREQ(b, "");
	for (unsigned f = 0; f < CPU_FEAT_COUNT; f++)
		CHECK(!cpufeat_has(&w, (enum cpu_feature)f));
}

TEST(cpufeat_protection_bits_from_the_right_registers)
{
	struct cpuid_words w = { 0 };
	w.ext1_edx = 1u << 20;
	CHECK(cpufeat_has(&w, CPU_FEAT_NX));
	CHECK(!cpufeat_has(&w, CPU_FEAT_SMAP)); /* same bit, other register */
	w = (struct cpuid_words){ .leaf7_ebx = (1u << 7) | (1u << 20) };
	CHECK(cpufeat_has(&w, CPU_FEAT_SMEP));
	CHECK(cpufeat_has(&w, CPU_FEAT_SMAP));
	CHECK(!cpufeat_has(&w, CPU_FEAT_NX));
	w = (struct cpuid_words){ .leaf7_ecx = 1u << 2 };
	CHECK(cpufeat_has(&w, CPU_FEAT_UMIP));
	CHECK(!cpufeat_has(&w, CPU_FEAT_SMEP));
}

TEST(cpufeat_format_qemu_max_like)
{
	/* What QEMU 7.2 -cpu max reports for these bits (qemu-notes.md section 5). */
	struct cpuid_words w = {
		.leaf1_edx = (1u << 9) | (1u << 13),
		.leaf7_ebx = (1u << 0) | (1u << 7) | (1u << 20),
		.leaf7_ecx = (1u << 2) | (1u << 3),
		.ext1_edx = (1u << 20) | (1u << 26) | (1u << 27),
	};
	char b[128];
	size_t n = cpufeat_format(&w, b, sizeof(b));
	CHECK_STREQ(b, "nx smep smap umip pge fsgsbase pku rdtscp pdpe1gb apic");
	CHECK_EQ(n, strlen(b));
}

TEST(cpufeat_format_truncates_and_reports_full_length)
{
	struct cpuid_words w = { .ext1_edx = 1u << 20, .leaf7_ebx = 1u << 7 };
	char b[6];
	memset(b, 'Q', sizeof(b));
	CHECK_EQ(cpufeat_format(&w, b, sizeof(b)), 7); /* "nx smep" */
	CHECK_STREQ(b, "nx sm");
	CHECK_EQ(cpufeat_format(&w, NULL, 0), 7);
}

TEST(cpufeat_out_of_range_feature)
{
	struct cpuid_words w;
	memset(&w, 0xFF, sizeof(w));
	CHECK(!cpufeat_has(&w, CPU_FEAT_COUNT));
	CHECK(!cpufeat_has(&w, (enum cpu_feature)1000));
	CHECK(cpufeat_name(CPU_FEAT_COUNT) == NULL);
	CHECK_STREQ(cpufeat_name(CPU_FEAT_UMIP), "umip");
}
