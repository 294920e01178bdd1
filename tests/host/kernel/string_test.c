/*
 * Host tests of the kernel's memory functions (kernel/arch/x86_64/string.c), compiled
 * under other names so they do not replace the host libc's: copies of every length
 * and misalignment up to 80 bytes, memmove in both overlap directions (and the
 * direction flag left clear afterwards), memset with values above 255 truncated to a
 * byte, and memcmp's sign at the first differing byte.
 */
#include "test.h"

#include <stdint.h>

#define memcpy kstr_memcpy
#define memmove kstr_memmove
#define memset kstr_memset
#define memcmp kstr_memcmp
#include "../../../kernel/arch/x86_64/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp

static uint8_t a[256], b[256];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

TEST(kstring_memcpy_all_lengths_and_alignments)
{
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n <= 80; n++) {
			fill(a, sizeof(a), (unsigned)n);
			memset(b, 0xEE, sizeof(b));
			CHECK(kstr_memcpy(b + off, a + (7 - off), n) == b + off);
			CHECK(memcmp(b + off, a + (7 - off), n) == 0);
			CHECK_UEQ(b[off + n], 0xEE); /* nothing past the end */
			if (off)
				CHECK_UEQ(b[off - 1], 0xEE);
		}
	}
}

TEST(kstring_memmove_overlaps)
{
	uint8_t ref[256];
	for (size_t shift = 1; shift < 20; shift++) {
		fill(a, sizeof(a), 3);
		memcpy(ref, a, sizeof(a));
		CHECK(kstr_memmove(a + shift, a, 100) == a + shift); /* forward overlap */
		CHECK(memcmp(a + shift, ref, 100) == 0);
		fill(a, sizeof(a), 4);
		memcpy(ref, a, sizeof(a));
		CHECK(kstr_memmove(a, a + shift, 100) == a); /* backward overlap */
		CHECK(memcmp(a, ref + shift, 100) == 0);
	}
	uint64_t rflags;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(rflags));
	CHECK_UEQ(rflags & (1u << 10), 0); /* DF clear */
	CHECK(kstr_memmove(a, a + 1, 0) == a);
}

TEST(kstring_memset_and_memcmp)
{
	memset(a, 0, sizeof(a));
	CHECK(kstr_memset(a + 3, 0x1AB, 50) == a + 3);
	CHECK_UEQ(a[2], 0);
	CHECK_UEQ(a[3], 0xAB);
	CHECK_UEQ(a[52], 0xAB);
	CHECK_UEQ(a[53], 0);
	fill(a, 64, 9);
	memcpy(b, a, 64);
	CHECK_EQ(kstr_memcmp(a, b, 64), 0);
	b[40] = (uint8_t)(a[40] + 1);
	CHECK_EQ(kstr_memcmp(a, b, 64), -1);
	CHECK_EQ(kstr_memcmp(b, a, 64), 1);
	CHECK_EQ(kstr_memcmp(a, b, 40), 0);
	CHECK_EQ(kstr_memcmp(a, b, 0), 0);
}
