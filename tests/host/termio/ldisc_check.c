/*
 * Invariants of the line discipline's output (tests/host/termio/ldisc_check.h), shared by
 * the host test's random run and the libFuzzer target tests/fuzz/ldisc_fuzz.c.
 */
#include <string.h>

#include <capos/error.h>

#include "ldisc_check.h"

/* Whether echo[i..] starts a known sequence; returns its length, or 0. */
static size_t known_echo(const uint8_t *e, size_t n)
{
	static const char *const seqs[] = { "\b \b", "^C\r\n", "^U\r\n", "\r\n", "\a" };
	for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
		size_t l = strlen(seqs[k]);
		if (n >= l && !memcmp(e, seqs[k], l))
			return l;
	}
	return 0;
}

/* Every echo byte is printable ASCII, UTF-8 (>= 0x80, from a validated character), or
 * part of a known sequence; hidden mode echoes only newlines and interrupt/kill marks. */
bool ldisc_echo_ok(const struct ldisc_out *o, enum ldisc_mode mode)
{
	size_t i = 0;
	while (i < o->echo_len) {
		size_t l = known_echo(o->echo + i, o->echo_len - i);
		if (l) {
			if (mode == LDISC_HIDDEN && o->echo[i] == '\b')
				return false;
			i += l;
			continue;
		}
		uint8_t b = o->echo[i];
		if (mode == LDISC_HIDDEN || b < 0x20 || b == 0x7f)
			return false;
		i++;
	}
	return true;
}

bool ldisc_utf8_valid(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t b = s[i];
		size_t need;
		if (b < 0x80)
			need = 0;
		else if (b >= 0xc2 && b <= 0xdf)
			need = 1;
		else if (b >= 0xe0 && b <= 0xef)
			need = 2;
		else if (b >= 0xf0 && b <= 0xf4)
			need = 3;
		else
			return false;
		if (b < 0x20 || b == 0x7f || need > n - i - 1)
			return false;
		for (size_t k = 1; k <= need; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += need + 1;
	}
	return true;
}

/* Whether the state after a LINE event is a clean line: a plain byte (not an LF that may
 * complete a CRLF) starts a fresh, unflagged line (checked on a copy). */
static bool clean_after_line(const struct ldisc *ld, enum ldisc_mode mode)
{
	struct ldisc copy = *ld;
	struct ldisc_out o;
	if (ldisc_input(&copy, 'k', &o) != 0 || copy.len != 1 || copy.truncated || copy.dropped)
		return false;
	return o.echo_len == (mode == LDISC_HIDDEN ? 0 : 1);
}

const char *ldisc_check_step(const struct ldisc *ld, enum ldisc_mode mode, uint8_t byte, int status,
			     const struct ldisc_out *out)
{
	if (status != 0 && status != CAPOS_ERR_TERM_LINE_FULL)
		return "status neither 0 nor LINE_FULL";
	if (out->echo_len > LDISC_ECHO_MAX || ld->len > LDISC_LINE_MAX)
		return "echo or line past its bound";
	if (!ldisc_echo_ok(out, mode))
		return "echo holds a raw control byte or, hidden, visible input";
	if (mode == LDISC_RAW)
		return out->event == LDISC_EV_KEY && out->key == byte && out->echo_len == 0
			       ? NULL
			       : "raw mode did not deliver the byte as a silent key";
	if (out->event != LDISC_EV_LINE)
		return NULL;
	if (out->line_len > LDISC_LINE_MAX || !ldisc_utf8_valid(out->line, out->line_len))
		return "line too long or not valid UTF-8 text";
	if (out->echo_len != 2 || memcmp(out->echo, "\r\n", 2) != 0)
		return "line end not echoed as CRLF";
	return clean_after_line(ld, mode) ? NULL : "state not a clean line after newline";
}
