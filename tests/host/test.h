/*
 * Minimal host unit-test runner for capOS. Tests register themselves with TEST();
 * test_main.c runs them in order and prints one TAP-style line each ("ok <file>:<name>"
 * / "not ok ..."), which tests/run.py tallies. Checks stop the current test at the
 * first failure and say what was expected. Built with ASan/UBSan (mk/toolchain.mk), so
 * a memory error aborts the suite, which run.py counts as a failure.
 */
#ifndef CAPOS_TEST_H
#define CAPOS_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef void test_fn(void);

void test_register(const char *file, const char *name, test_fn *fn);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool test_failed(void);

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	__attribute__((constructor)) static void test_reg_##name(void)                             \
	{                                                                                          \
		test_register(__FILE__, #name, name);                                              \
	}                                                                                          \
	static void name(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Integer equality; both sides are evaluated once and printed on failure. */
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ != check_b_) {                                                        \
			test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, check_a_,  \
				  check_b_);                                                       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_UEQ(a, b)                                                                            \
	do {                                                                                       \
		unsigned long long check_a_ = (unsigned long long)(a);                             \
		unsigned long long check_b_ = (unsigned long long)(b);                             \
		if (check_a_ != check_b_) {                                                        \
			test_fail(__FILE__, __LINE__, "%s == %s: %#llx != %#llx", #a, #b,          \
				  check_a_, check_b_);                                             \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_STREQ(a, b)                                                                          \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (strcmp(check_a_, check_b_) != 0) {                                             \
			test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,        \
				  check_a_, check_b_);                                             \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_MEMEQ(a, b, n)                                                                       \
	do {                                                                                       \
		if (memcmp((a), (b), (n)) != 0) {                                                  \
			test_fail(__FILE__, __LINE__, "memcmp(%s, %s, %s) != 0", #a, #b, #n);      \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#endif
