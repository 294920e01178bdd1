/*
 * libFuzzer target for the terminal line discipline (lib/termio/ldisc.c). The first
 * input byte picks the mode (canonical, hidden, raw), the rest are typed bytes; every
 * step is checked with ldisc_check_step (tests/host/termio/ldisc_check.c): status 0 or
 * LINE_FULL, line and echo within bounds, echo only printable text or known sequences
 * (nothing but newline/bell/^C/^U when hidden), raw bytes delivered as silent keys,
 * delivered lines valid UTF-8 ending in a CRLF echo, a clean line after each newline.
 * A violation aborts (a finding); sanitizer reports and crashes are findings too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ldisc_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum ldisc_mode mode = (enum ldisc_mode)(data[0] % 3);
	struct ldisc ld;
	if (ldisc_init(&ld, mode) != 0)
		abort();
	for (size_t i = 1; i < size; i++) {
		struct ldisc_out out;
		int st = ldisc_input(&ld, data[i], &out);
		const char *why = ldisc_check_step(&ld, mode, data[i], st, &out);
		if (why) {
			fprintf(stderr, "ldisc_fuzz: byte %zu: %s\n", i, why);
			abort();
		}
	}
	return 0;
}
