/*
 * Host tests of the terminal line discipline (lib/termio/ldisc.c, docs/terminal.md):
 * exact echo strings and events for each behaviour (canonical editing, CRLF, Ctrl-C/D/U,
 * hidden and raw modes, UTF-8, escape sequences) and hostile twins (line bound, garbage
 * bytes, a 10,000-byte random fuzz checked against the invariants).
 */
#include <capos/error.h>
#include <termio/ldisc.h>

#include "ldisc_check.h"
#include "test.h"

/* The result of feeding a byte string: all echo, the last event and its line. */
struct feed {
	char echo[4096];
	size_t echo_len;
	int events[64]; /* every non-NONE event, in order */
	size_t nevents;
	char line[LDISC_LINE_MAX + 1]; /* the last line delivered, NUL-terminated */
	size_t line_len;
	bool truncated;
	uint32_t dropped;
	int last_status; /* the last non-zero ldisc_input status, or 0 */
	uint8_t keys[64];
	size_t nkeys;
};

static void feed_bytes(struct ldisc *ld, const void *in, size_t n, struct feed *f)
{
	*f = (struct feed){ 0 };
	for (size_t i = 0; i < n; i++) {
		struct ldisc_out out;
		int st = ldisc_input(ld, ((const uint8_t *)in)[i], &out);
		if (st)
			f->last_status = st;
		for (uint8_t k = 0; k < out.echo_len && f->echo_len < sizeof(f->echo) - 1; k++)
			f->echo[f->echo_len++] = (char)out.echo[k];
		if (out.event == LDISC_EV_NONE)
			continue;
		if (f->nevents < 64)
			f->events[f->nevents++] = out.event;
		if (out.event == LDISC_EV_KEY && f->nkeys < 64)
			f->keys[f->nkeys++] = out.key;
		if (out.event == LDISC_EV_LINE) {
			memcpy(f->line, out.line, out.line_len);
			f->line[out.line_len] = 0;
			f->line_len = out.line_len;
			f->truncated = out.truncated;
			f->dropped = out.dropped;
		}
	}
}

static void feed_str(struct ldisc *ld, const char *s, struct feed *f)
{
	feed_bytes(ld, s, strlen(s), f);
}

static struct ldisc ld;
static struct feed f;

TEST(canon_line_echo)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "ls -l\r", &f);
	CHECK_STREQ(f.echo, "ls -l\r\n");
	CHECK_EQ(f.nevents, 1);
	CHECK_EQ(f.events[0], LDISC_EV_LINE);
	CHECK_STREQ(f.line, "ls -l");
	CHECK(!f.truncated);
	CHECK_EQ(f.dropped, 0);
}

TEST(crlf_counted_once)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "a\r\nb\n\r\r\n", &f);
	/* "a" (CRLF), "b" (LF), "" (CR), "" (CRLF) */
	CHECK_STREQ(f.echo, "a\r\nb\r\n\r\n\r\n");
	CHECK_EQ(f.nevents, 4);
	CHECK_STREQ(f.line, "");
	feed_str(&ld, "x\r", &f);
	feed_str(&ld, "\n", &f); /* the LF of a CRLF split across calls is still one line */
	CHECK_EQ(f.nevents, 0);
	CHECK_STREQ(f.echo, "");
}

TEST(backspace_and_del_erase)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld,
		 "abc\b\x7f"
		 "d\r",
		 &f);
	CHECK_STREQ(f.echo, "abc\b \b\b \bd\r\n");
	CHECK_STREQ(f.line, "ad");
}

TEST(backspace_stops_at_start)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "a\b\b\b\x7fz\r", &f);
	CHECK_STREQ(f.echo, "a\b \bz\r\n");
	CHECK_STREQ(f.line, "z");
}

TEST(ctrl_c_interrupts)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "rm -rf\x03ok\r", &f);
	CHECK_STREQ(f.echo, "rm -rf^C\r\nok\r\n");
	CHECK_EQ(f.nevents, 2);
	CHECK_EQ(f.events[0], LDISC_EV_INTERRUPT);
	CHECK_EQ(f.events[1], LDISC_EV_LINE);
	CHECK_STREQ(f.line, "ok");
}

TEST(ctrl_d_eof_only_at_start)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "\x04", &f);
	CHECK_EQ(f.nevents, 1);
	CHECK_EQ(f.events[0], LDISC_EV_EOF);
	CHECK_STREQ(f.echo, "");
	/* Inside a line Ctrl-D is ignored: no event, no echo, not stored. */
	feed_str(&ld,
		 "ab\x04"
		 "c\r",
		 &f);
	CHECK_EQ(f.nevents, 1);
	CHECK_EQ(f.events[0], LDISC_EV_LINE);
	CHECK_STREQ(f.line, "abc");
	CHECK_STREQ(f.echo, "abc\r\n");
	/* Erasing back to the start makes it EOF again. */
	feed_str(&ld, "q\b\x04", &f);
	CHECK_EQ(f.nevents, 1);
	CHECK_EQ(f.events[0], LDISC_EV_EOF);
}

TEST(ctrl_u_kills_line)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "secret\x15public\r", &f);
	CHECK_STREQ(f.echo, "secret^U\r\npublic\r\n");
	CHECK_EQ(f.nevents, 1);
	CHECK_STREQ(f.line, "public");
}

TEST(hidden_mode_echoes_only_newline)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_HIDDEN), 0);
	feed_str(&ld, "hunter2\b3\r", &f);
	CHECK_STREQ(f.echo, "\r\n");
	CHECK_STREQ(f.line, "hunter3");
	feed_str(&ld, "\b\b\x7fpw\xc3\xa9\r", &f); /* backspace at start, UTF-8: still silent */
	CHECK_STREQ(f.echo, "\r\n");
	CHECK_STREQ(f.line, "pw\xc3\xa9");
}

TEST(raw_mode_one_byte_no_echo)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_RAW), 0);
	feed_bytes(&ld, "q\r\x03\x1b[A\xff", 7, &f);
	CHECK_EQ(f.echo_len, 0);
	CHECK_EQ(f.nkeys, 7);
	CHECK_MEMEQ(f.keys, "q\r\x03\x1b[A\xff", 7);
	for (size_t i = 0; i < f.nevents; i++)
		CHECK_EQ(f.events[i], LDISC_EV_KEY);
}

TEST(set_mode_starts_clean_line)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "user", &f);
	CHECK_EQ(ldisc_set_mode(&ld, LDISC_HIDDEN), 0);
	feed_str(&ld, "pw\r", &f);
	CHECK_STREQ(f.line, "pw");
	CHECK_STREQ(f.echo, "\r\n");
}

TEST(bad_mode_refused)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_str(&ld, "ab", &f);
	CHECK_EQ(ldisc_set_mode(&ld, (enum ldisc_mode)3), CAPOS_ERR_TERM_MODE);
	CHECK_EQ(ldisc_init(&ld, (enum ldisc_mode) - 1), CAPOS_ERR_TERM_MODE);
	/* ld untouched: still canonical, "ab" still pending */
	feed_str(&ld, "c\r", &f);
	CHECK_STREQ(f.line, "abc");
}

TEST(utf8_echoed_and_erased_whole)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	/* é (2 bytes), € (3), 😀 (4); backspace erases the whole emoji */
	feed_str(&ld, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\b!\r", &f);
	CHECK_STREQ(f.echo, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\b \b!\r\n");
	CHECK_STREQ(f.line, "\xc3\xa9\xe2\x82\xac!");
	CHECK_EQ(f.dropped, 0);
}

TEST(escape_sequences_consumed)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	/* up, down (CSI), F1 (SS3), Delete (CSI 3~), Alt-x, then text */
	feed_str(&ld, "a\x1b[A\x1b[B\x1bOP\x1b[3~\x1bxb\r", &f);
	CHECK_STREQ(f.echo, "ab\r\n");
	CHECK_STREQ(f.line, "ab");
	CHECK_EQ(f.dropped, 0);
	/* A control byte aborts a sequence and acts: ESC [ CR ends the line. */
	feed_str(&ld, "c\x1b[\r", &f);
	CHECK_EQ(f.nevents, 1);
	CHECK_STREQ(f.line, "c");
}

/* Hostile twins. */

TEST(long_line_refused_with_bell_and_flag)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	char buf[LDISC_LINE_MAX + 3];
	memset(buf, 'x', sizeof(buf));
	feed_bytes(&ld, buf, LDISC_LINE_MAX, &f);
	CHECK_EQ(f.last_status, 0);
	CHECK_EQ(f.echo_len, LDISC_LINE_MAX);
	feed_bytes(&ld, buf, 3, &f);
	CHECK_EQ(f.last_status, CAPOS_ERR_TERM_LINE_FULL);
	CHECK_STREQ(f.echo, "\a\a\a");
	/* A multi-byte character that does not fit is refused whole. */
	feed_str(&ld, "\b\xe2\x82\xac", &f);
	CHECK_EQ(f.last_status, CAPOS_ERR_TERM_LINE_FULL);
	CHECK_STREQ(f.echo, "\b \b\a");
	feed_str(&ld, "y\r", &f);
	CHECK_EQ(f.line_len, LDISC_LINE_MAX);
	CHECK_EQ(f.line[LDISC_LINE_MAX - 1], 'y');
	CHECK(f.truncated);
	/* The next line starts clean. */
	feed_str(&ld, "ok\r", &f);
	CHECK_STREQ(f.line, "ok");
	CHECK(!f.truncated);
}

TEST(control_bytes_dropped_not_echoed)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	feed_bytes(&ld,
		   "a\x00\x01\x07\t\x1f"
		   "b\r",
		   8, &f);
	CHECK_STREQ(f.echo, "ab\r\n");
	CHECK_STREQ(f.line, "ab");
	CHECK_EQ(f.dropped, 5);
}

TEST(invalid_utf8_dropped)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	/* stray continuation, overlong C0 80, F5+, surrogate ED A0 80, E0 80 overlong,
	 * F4 90 (past U+10FFFF), truncated lead then ASCII */
	feed_str(&ld, "\x80\xc0\x80\xf5\xff\xed\xa0\x80\xe0\x80\xf4\x90\xc3z\r", &f);
	CHECK_STREQ(f.echo, "z\r\n");
	CHECK_STREQ(f.line, "z");
	CHECK_EQ(f.dropped, 13); /* 80 C0 80 F5 FF; ED+A0+80; E0+80; F4+90; C3 */
}

TEST(endless_escape_sequence_bounded)
{
	CHECK_EQ(ldisc_init(&ld, LDISC_CANON), 0);
	char buf[2 + LDISC_ESC_MAX + 4];
	buf[0] = 0x1b;
	buf[1] = '[';
	memset(buf + 2, '1', sizeof(buf) - 2);
	feed_bytes(&ld, buf, sizeof(buf), &f);
	/* parameter bytes past the bound are no longer swallowed */
	CHECK_EQ(f.echo_len, sizeof(buf) - 2 - LDISC_ESC_MAX);
	feed_str(&ld, "\r", &f);
	CHECK_EQ(f.line_len, sizeof(buf) - 2 - LDISC_ESC_MAX);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint8_t rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)rng_state;
}

static void fuzz_mode(enum ldisc_mode mode, uint64_t seed)
{
	rng_state = seed;
	CHECK_EQ(ldisc_init(&ld, mode), 0);
	size_t lines = 0;
	for (int i = 0; i < 10000; i++) {
		/* bias towards interesting bytes so sequences and edits happen */
		uint8_t b = rng_byte();
		switch (b & 7) {
		case 0:
			b = (uint8_t)("\r\n\b\x7f\x1b[\x03\x04"[rng_byte() & 7]);
			break;
		case 1:
		case 2:
			b = (uint8_t)(0x20 + rng_byte() % 95);
			break;
		default:
			break;
		}
		struct ldisc_out out;
		int st = ldisc_input(&ld, b, &out);
		const char *why = ldisc_check_step(&ld, mode, b, st, &out);
		if (why) {
			test_fail(__FILE__, __LINE__, "byte %d (%#x): %s", i, b, why);
			return;
		}
		lines += out.event == LDISC_EV_LINE;
	}
	if (mode != LDISC_RAW)
		CHECK(lines > 100);
}

TEST(fuzz_canon_10000)
{
	fuzz_mode(LDISC_CANON, 0x1234567887654321ull);
}

TEST(fuzz_hidden_10000)
{
	fuzz_mode(LDISC_HIDDEN, 0xdeadbeefcafef00dull);
}

TEST(fuzz_raw_10000)
{
	fuzz_mode(LDISC_RAW, 0x0123456789abcdefull);
}
