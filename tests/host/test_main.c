/*
 * Driver for host unit tests registered with TEST() (test.h). Runs every test in
 * registration order, prints "ok"/"not ok" per test, then a per-suite summary as a
 * comment line. Exit status: 0 when all passed, 1 otherwise.
 */
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_TESTS 4096

struct test_case {
	const char *file;
	const char *name;
	test_fn *fn;
};

static struct test_case tests[MAX_TESTS];
static int test_count;
static bool current_failed;

void test_register(const char *file, const char *name, test_fn *fn)
{
	if (test_count == MAX_TESTS) {
		fprintf(stderr, "test.h: more than %d tests\n", MAX_TESTS);
		abort();
	}
	tests[test_count++] = (struct test_case){ file, name, fn };
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = true;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

bool test_failed(void)
{
	return current_failed;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int main(void)
{
	int passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < test_count; i++) {
		current_failed = false;
		tests[i].fn();
		printf("%s %s:%s\n", current_failed ? "not ok" : "ok", base_name(tests[i].file),
		       tests[i].name);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	printf("# suite: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
