/*
 * libFuzzer target for the capos-shell command-line parser (user/shell/parse.c): every
 * input is one line handed to shell_parse (bytes as typed, garbage included), then its
 * grants are resolved; shell_check_parse (tests/host/shell/parse_check.c) checks the
 * status, the bounds of every token and grant, name validity and uniqueness, and the
 * printable one-line error. A violation aborts (a finding); sanitizer reports too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "parse_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct shell_tokens tk;
	static struct shell_command cmd;
	static struct shell_error err;
	int rc = shell_parse((const char *)data, size, &tk, &cmd, &err);
	const char *why = shell_check_parse(size, rc, &tk, &cmd, &err);

	if (why) {
		fprintf(stderr, "shell_fuzz: %zu-byte line: %s\n", size, why);
		abort();
	}
	return 0;
}
