/*
 * Invariants of the line discipline's output (lib/include/termio/ldisc.h), shared by the
 * host test and the fuzz target.
 */
#ifndef LDISC_CHECK_H
#define LDISC_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <termio/ldisc.h>

/* Every echo byte of one ldisc_input() is printable ASCII, a byte of a validated UTF-8
 * character, or part of a known sequence ("\b \b", "^C\r\n", "^U\r\n", "\r\n", "\a");
 * in hidden mode only the newline, bell and ^C/^U marks. */
bool ldisc_echo_ok(const struct ldisc_out *o, enum ldisc_mode mode);

/* Whether s[0..n) is valid UTF-8 with no control bytes (what a delivered line holds). */
bool ldisc_utf8_valid(const uint8_t *s, size_t n);

/* Check one ldisc_input(ld, byte) that returned `status` and filled *out (ld after the
 * call): the bounds, the echo, raw delivery, the delivered line and the clean state
 * after it. Returns NULL, or what was violated. */
const char *ldisc_check_step(const struct ldisc *ld, enum ldisc_mode mode, uint8_t byte, int status,
			     const struct ldisc_out *out);

#endif
