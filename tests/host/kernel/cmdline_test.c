/* Host tests of the kernel command-line lookup (kernel/boot/cmdline.c). */
#include "test.h"

#include <capos/error.h>
#include <kernel/cmdline.h>

TEST(cmdline_finds_value_and_flag)
{
	struct cmdline_value v;
	const char *line = "/boot/capos.elf  selftest=pf\tquiet loglevel=3";

	CHECK_EQ(cmdline_find(line, "selftest", &v), CAPOS_OK);
	CHECK_EQ(v.len, 2);
	CHECK_MEMEQ(v.value, "pf", 2);
	CHECK_EQ(cmdline_find(line, "quiet", &v), CAPOS_OK);
	CHECK(v.value == NULL);
	CHECK_EQ(v.len, 0);
	CHECK(cmdline_has(line, "loglevel"));
	CHECK(cmdline_value_is(line, "selftest", "pf"));
	CHECK(!cmdline_value_is(line, "selftest", "p"));
	CHECK(!cmdline_value_is(line, "selftest", "pff"));
}

TEST(cmdline_matches_whole_words_only)
{
	struct cmdline_value v;

	CHECK_EQ(cmdline_find("selftests=1 xselftest=2 self", "selftest", &v), CAPOS_ERR_NOT_FOUND);
	CHECK(!cmdline_has("selftest_x", "selftest"));
	CHECK(!cmdline_has("", "a"));
	CHECK(!cmdline_has(NULL, "a"));
}

TEST(cmdline_last_occurrence_wins)
{
	char buf[8];

	CHECK_EQ(cmdline_get_str("a=1 b=2 a=3", "a", buf, sizeof(buf)), CAPOS_OK);
	CHECK_STREQ(buf, "3");
}

TEST(cmdline_empty_value_is_a_value)
{
	struct cmdline_value v;
	char buf[4];

	CHECK_EQ(cmdline_find("k= x", "k", &v), CAPOS_OK);
	CHECK(v.value != NULL);
	CHECK_EQ(v.len, 0);
	CHECK_EQ(cmdline_get_str("k=", "k", buf, sizeof(buf)), CAPOS_OK);
	CHECK_STREQ(buf, "");
	CHECK_EQ(cmdline_get_str("k=a=b", "k", buf, sizeof(buf)), CAPOS_OK);
	CHECK_STREQ(buf, "a=b");
}

TEST(cmdline_rejects_bad_keys)
{
	struct cmdline_value v;

	CHECK_EQ(cmdline_find("a=1", "", &v), CAPOS_ERR_INVALID);
	CHECK_EQ(cmdline_find("a=1", "a=", &v), CAPOS_ERR_INVALID);
	CHECK_EQ(cmdline_find("a=1", "a b", &v), CAPOS_ERR_INVALID);
	CHECK_EQ(cmdline_find("a=1", NULL, &v), CAPOS_ERR_INVALID);
}

TEST(cmdline_get_str_buffer_bounds)
{
	char buf[4];

	CHECK_EQ(cmdline_get_str("k=abc", "k", buf, 4), CAPOS_OK);
	CHECK_STREQ(buf, "abc");
	CHECK_EQ(cmdline_get_str("k=abcd", "k", buf, 4), CAPOS_ERR_BUFFER_TOO_SMALL);
	CHECK_EQ(cmdline_get_str("k", "k", buf, 4), CAPOS_ERR_NOT_FOUND);
	CHECK_EQ(cmdline_get_str("j=1", "k", buf, 4), CAPOS_ERR_NOT_FOUND);
}

TEST(cmdline_u64_parses_decimal_and_hex)
{
	uint64_t n = 0;

	CHECK_EQ(cmdline_get_u64("n=42", "n", &n), CAPOS_OK);
	CHECK_UEQ(n, 42);
	CHECK_EQ(cmdline_get_u64("n=0x1F", "n", &n), CAPOS_OK);
	CHECK_UEQ(n, 0x1f);
	CHECK_EQ(cmdline_get_u64("n=0", "n", &n), CAPOS_OK);
	CHECK_UEQ(n, 0);
	CHECK_EQ(cmdline_get_u64("n=18446744073709551615", "n", &n), CAPOS_OK);
	CHECK_UEQ(n, UINT64_MAX);
}

TEST(cmdline_u64_hostile_values)
{
	uint64_t n = 7;

	CHECK_EQ(cmdline_get_u64("n=18446744073709551616", "n", &n), CAPOS_ERR_OVERFLOW);
	CHECK_EQ(cmdline_get_u64("n=0x10000000000000000", "n", &n), CAPOS_ERR_OVERFLOW);
	CHECK_EQ(cmdline_get_u64("n=", "n", &n), CAPOS_ERR_INVALID);
	CHECK_EQ(cmdline_get_u64("n=0x", "n", &n), CAPOS_ERR_INVALID);
	CHECK_EQ(cmdline_get_u64("n=12a", "n", &n), CAPOS_ERR_INVALID);
	CHECK_EQ(cmdline_get_u64("n=-1", "n", &n), CAPOS_ERR_INVALID);
	CHECK_EQ(cmdline_get_u64("n", "n", &n), CAPOS_ERR_NOT_FOUND);
	CHECK_UEQ(n, 7);
}
