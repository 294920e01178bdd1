/*
 * Host tests of lib/fmt (the kernel's formatter): every conversion and flag klog
 * relies on, compared with exact expected strings, plus hostile formats (unknown
 * conversions, a trailing '%', NULL strings, truncating buffers, zero-size buffers).
 */
#include "test.h"

#include <capos/error.h>
#include <fmt/fmt.h>
#include <stdint.h>
#include <stdlib.h>

/* Formats into a fresh buffer; the result must fit (ret < size) unless checked. */
#define FMT(buf, ...) fmt_snprintf((buf), sizeof(buf), __VA_ARGS__)

/* The format-string checker would reject the deliberately bad formats below. */
#pragma clang diagnostic ignored "-Wformat"
#pragma clang diagnostic ignored "-Wformat-invalid-specifier"
#pragma clang diagnostic ignored "-Wformat-extra-args"

TEST(fmt_signed_decimal)
{
	char b[64];
	CHECK_EQ(FMT(b, "%d|%i|%d", 0, -42, 2147483647), 16);
	CHECK_STREQ(b, "0|-42|2147483647");
	FMT(b, "%d", (int)INT32_MIN);
	CHECK_STREQ(b, "-2147483648");
	FMT(b, "%lld %lld", (long long)INT64_MIN, (long long)INT64_MAX);
	CHECK_STREQ(b, "-9223372036854775808 9223372036854775807");
	FMT(b, "%+d %+d % d", 5, -5, 7);
	CHECK_STREQ(b, "+5 -5  7");
	FMT(b, "%hhd %hd", 0x1ff, 0x1ffff);
	CHECK_STREQ(b, "-1 -1");
}

TEST(fmt_unsigned_and_hex)
{
	char b[64];
	FMT(b, "%u %x %X", 4294967295u, 0xdeadbeefu, 0xdeadbeefu);
	CHECK_STREQ(b, "4294967295 deadbeef DEADBEEF");
	FMT(b, "%llx %zu %lu", 0xfedcba9876543210ull, (size_t)12345, 99ul);
	CHECK_STREQ(b, "fedcba9876543210 12345 99");
	FMT(b, "%#x %#X %#x %o %#o", 255u, 255u, 0u, 8u, 8u);
	CHECK_STREQ(b, "0xff 0XFF 0 10 010");
	FMT(b, "%#o|%#x|%#.0x", 0u, 0u, 0u);
	CHECK_STREQ(b, "0|0|");
	FMT(b, "%zx %jd %td", (size_t)0x10, (intmax_t)-3, (ptrdiff_t)-4);
	CHECK_STREQ(b, "10 -3 -4");
}

TEST(fmt_width_zero_pad_left)
{
	char b[64];
	FMT(b, "[%5d][%-5d][%05d][%-05d]", 42, 42, 42, 42);
	CHECK_STREQ(b, "[   42][42   ][00042][42   ]");
	FMT(b, "[%05d][%08llx][%#010x]", -42, 0xabcull, 0xabcu);
	CHECK_STREQ(b, "[-0042][00000abc][0x00000abc]");
	FMT(b, "[%*d][%-*d]", 4, 7, 3, 7);
	CHECK_STREQ(b, "[   7][7  ]");
	FMT(b, "[%*d]", -4, 7); /* negative '*' width means left-justify */
	CHECK_STREQ(b, "[7   ]");
	FMT(b, "[%2d]", 12345); /* width never truncates */
	CHECK_STREQ(b, "[12345]");
	FMT(b, "[%.3d][%5.3d][%.0d]", 7, 7, 0);
	CHECK_STREQ(b, "[007][  007][]");
}

TEST(fmt_pointer)
{
	char b[64];
	FMT(b, "%p", (void *)0xffffffff80100000ull);
	CHECK_STREQ(b, "0xffffffff80100000");
	FMT(b, "%p", (void *)0);
	CHECK_STREQ(b, "0x0000000000000000");
	FMT(b, "[%20p]", (void *)0x1);
	CHECK_STREQ(b, "[  0x0000000000000001]");
}

TEST(fmt_strings_and_chars)
{
	char b[64];
	FMT(b, "%s|%5s|%-5s|%.2s|%c%c", "ab", "ab", "ab", "abcdef", 'x', 'y');
	CHECK_STREQ(b, "ab|   ab|ab   |ab|xy");
	FMT(b, "[%s]", (char *)NULL);
	CHECK_STREQ(b, "[(null)]");
	FMT(b, "[%.*s]", 3, "abcdef");
	CHECK_STREQ(b, "[abc]");
	FMT(b, "[%3c][%-3c]", 'a', 'b');
	CHECK_STREQ(b, "[  a][b  ]");
	FMT(b, "100%%");
	CHECK_STREQ(b, "100%");
}

TEST(fmt_precision_reads_no_further_than_asked)
{
	/* Not NUL-terminated: precision must stop the scan (ASan would catch overreads). */
	char *raw = malloc(3);
	memcpy(raw, "xyz", 3);
	char b[16];
	CHECK_EQ(FMT(b, "%.3s", raw), 3);
	CHECK_STREQ(b, "xyz");
	free(raw);
}

TEST(fmt_snprintf_truncates_and_reports_full_length)
{
	char b[8];
	memset(b, 'Q', sizeof(b));
	CHECK_EQ(fmt_snprintf(b, sizeof(b), "%s-%d", "hello", 12345), 11);
	CHECK_STREQ(b, "hello-1");
	CHECK_EQ(fmt_snprintf(b, 1, "abc"), 3);
	CHECK_EQ(b[0], '\0');
	CHECK_EQ(b[1], 'e'); /* untouched beyond size */
	CHECK_EQ(fmt_snprintf(NULL, 0, "%d", 123456), 6);
}

TEST(fmt_snprintf_exact_fit)
{
	char b[4];
	CHECK_EQ(fmt_snprintf(b, sizeof(b), "abc"), 3);
	CHECK_STREQ(b, "abc");
	CHECK_EQ(fmt_snprintf(b, sizeof(b), "abcd"), 4);
	CHECK_STREQ(b, "abc");
}

TEST(fmt_unknown_conversion_is_invalid_but_rest_printed)
{
	char b[64];
	CHECK_EQ(FMT(b, "a%qb%dc", 5), CAPOS_ERR_INVALID);
	CHECK_STREQ(b, "a%qb5c");
	CHECK_EQ(FMT(b, "%f", 1.0), CAPOS_ERR_INVALID);
	CHECK_STREQ(b, "%f");
}

TEST(fmt_trailing_percent_is_invalid)
{
	char b[16];
	CHECK_EQ(FMT(b, "abc%"), CAPOS_ERR_INVALID);
	CHECK_STREQ(b, "abc%");
	CHECK_EQ(FMT(b, "abc%-08"), CAPOS_ERR_INVALID);
	CHECK_STREQ(b, "abc%-08");
}

TEST(fmt_huge_width_is_clamped_and_truncated)
{
	char b[8];
	int r = fmt_snprintf(b, sizeof(b), "%999999999d", 1);
	CHECK_EQ(r, 4096);
	CHECK_STREQ(b, "       ");
	CHECK_EQ(fmt_snprintf(b, sizeof(b), "%*d|%.*s", -2000000000, 1, 2000000000, "ab"),
		 4096 + 3);
	CHECK_STREQ(b, "1      ");
}

struct sink_log {
	char text[64];
	size_t len;
	int calls;
};

static void collect(void *ctx, const char *s, size_t n)
{
	struct sink_log *l = ctx;
	memcpy(l->text + l->len, s, n);
	l->len += n;
	l->calls++;
}

static int vformat_helper(struct sink_log *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vformat(collect, l, fmt, ap);
	va_end(ap);
	return r;
}

TEST(fmt_vformat_feeds_sink_in_order)
{
	struct sink_log l = { 0 };
	CHECK_EQ(vformat_helper(&l, "[%s] %d/%x", "boot", 3, 0x1f), 11);
	CHECK_EQ(l.len, 11);
	CHECK_MEMEQ(l.text, "[boot] 3/1f", 11);
	CHECK(l.calls >= 4);
}

TEST(fmt_empty_format)
{
	char b[4] = "zz";
	CHECK_EQ(FMT(b, "%s", ""), 0);
	CHECK_STREQ(b, "");
}
