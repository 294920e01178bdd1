/*
 * Terminal line discipline (lib/include/termio/ldisc.h, docs/terminal.md): canonical
 * line editing, hidden (password) input and raw key mode, one byte at a time. Pure and
 * freestanding: the state lives in the caller's struct ldisc, output in its ldisc_out.
 */
#include <capos/error.h>
#include <termio/ldisc.h>

/* Escape-sequence parser states (struct ldisc.esc). */
enum { ESC_NONE = 0, ESC_START, ESC_CSI, ESC_SS3 };

#define CH_CTRL_C 0x03
#define CH_CTRL_D 0x04
#define CH_BS 0x08
#define CH_LF 0x0a
#define CH_CR 0x0d
#define CH_CTRL_U 0x15
#define CH_ESC 0x1b
#define CH_DEL 0x7f

static void ldisc_clear_line(struct ldisc *ld)
{
	ld->esc = ESC_NONE;
	ld->esc_len = 0;
	ld->u8_need = 0;
	ld->u8_len = 0;
	ld->after_cr = false;
	ld->done = false;
	ld->truncated = false;
	ld->len = 0;
	ld->dropped = 0;
}

static bool ldisc_mode_valid(enum ldisc_mode mode)
{
	return mode == LDISC_CANON || mode == LDISC_HIDDEN || mode == LDISC_RAW;
}

int ldisc_init(struct ldisc *ld, enum ldisc_mode mode)
{
	if (!ldisc_mode_valid(mode))
		return CAPOS_ERR_TERM_MODE;
	ld->mode = (uint8_t)mode;
	ldisc_clear_line(ld);
	return 0;
}

int ldisc_set_mode(struct ldisc *ld, enum ldisc_mode mode)
{
	return ldisc_init(ld, mode);
}

static void echo(struct ldisc_out *out, const char *s, uint8_t n)
{
	for (uint8_t i = 0; i < n && out->echo_len < LDISC_ECHO_MAX; i++)
		out->echo[out->echo_len++] = (uint8_t)s[i];
}

/* Echo visible input unless hidden. */
static void echo_visible(const struct ldisc *ld, struct ldisc_out *out, const uint8_t *s, uint8_t n)
{
	if (ld->mode != LDISC_HIDDEN)
		echo(out, (const char *)s, n);
}

static void ldisc_erase(struct ldisc *ld, struct ldisc_out *out)
{
	if (ld->len == 0)
		return;
	/* Back over continuation bytes to the character's first byte. */
	do
		ld->len--;
	while (ld->len > 0 && (ld->line[ld->len] & 0xc0) == 0x80);
	if (ld->mode != LDISC_HIDDEN)
		echo(out, "\b \b", 3);
}

static void ldisc_end_line(struct ldisc *ld, struct ldisc_out *out)
{
	echo(out, "\r\n", 2);
	out->event = LDISC_EV_LINE;
	out->line = ld->line;
	out->line_len = ld->len;
	out->truncated = ld->truncated;
	out->dropped = ld->dropped;
	ld->done = true;
}

/* Append a complete printable character (ASCII or valid UTF-8), or refuse it. */
static int ldisc_append(struct ldisc *ld, struct ldisc_out *out, const uint8_t *c, uint8_t n)
{
	if (LDISC_LINE_MAX - ld->len < n) {
		ld->truncated = true;
		echo(out, "\a", 1);
		return CAPOS_ERR_TERM_LINE_FULL;
	}
	for (uint8_t i = 0; i < n; i++)
		ld->line[ld->len++] = c[i];
	echo_visible(ld, out, c, n);
	return 0;
}

/* Continuation bytes a UTF-8 lead byte announces, or -1 if it cannot start a character
 * (continuation byte, overlong C0/C1, F5..FF). */
static int utf8_need(uint8_t b)
{
	if (b >= 0xc2 && b <= 0xdf)
		return 1;
	if (b >= 0xe0 && b <= 0xef)
		return 2;
	if (b >= 0xf0 && b <= 0xf4)
		return 3;
	return -1;
}

/* Whether continuation byte `b` may follow the character so far (rejects overlong
 * forms, UTF-16 surrogates and code points past U+10FFFF at the second byte). */
static bool utf8_cont_ok(const struct ldisc *ld, uint8_t b)
{
	if ((b & 0xc0) != 0x80)
		return false;
	if (ld->u8_len != 1)
		return true;
	switch (ld->u8[0]) {
	case 0xe0:
		return b >= 0xa0;
	case 0xed:
		return b <= 0x9f;
	case 0xf0:
		return b >= 0x90;
	case 0xf4:
		return b <= 0x8f;
	default:
		return true;
	}
}

static void ldisc_drop(struct ldisc *ld)
{
	if (ld->dropped != UINT32_MAX)
		ld->dropped++;
}

static int ldisc_byte(struct ldisc *ld, uint8_t b, struct ldisc_out *out);

/* A byte while a UTF-8 character is being assembled. */
static int ldisc_utf8(struct ldisc *ld, uint8_t b, struct ldisc_out *out)
{
	if (!utf8_cont_ok(ld, b)) {
		/* The partial character is garbage; the byte starts afresh. */
		ld->u8_need = 0;
		ld->u8_len = 0;
		ldisc_drop(ld);
		return ldisc_byte(ld, b, out);
	}
	ld->u8[ld->u8_len++] = b;
	if (--ld->u8_need > 0)
		return 0;
	uint8_t n = ld->u8_len;
	ld->u8_len = 0;
	return ldisc_append(ld, out, ld->u8, n);
}

/* A byte while an escape sequence is being consumed. Returns true if it was consumed;
 * false if it ended the sequence without belonging to it (process it normally). */
static bool ldisc_escape(struct ldisc *ld, uint8_t b)
{
	bool printable = b >= 0x20 && b < 0x7f;
	if (!printable || ++ld->esc_len > LDISC_ESC_MAX) {
		ld->esc = ESC_NONE;
		return printable; /* an overlong sequence is abandoned, its byte eaten */
	}
	switch (ld->esc) {
	case ESC_START:
		ld->esc = b == '[' ? ESC_CSI : b == 'O' ? ESC_SS3 : ESC_NONE;
		break;
	case ESC_CSI:
		if (b >= 0x40) /* final byte; 0x20..0x3f are parameters/intermediates */
			ld->esc = ESC_NONE;
		break;
	default: /* ESC_SS3: one final byte */
		ld->esc = ESC_NONE;
		break;
	}
	return true;
}

/* Control bytes and DEL in a line mode. */
static int ldisc_control(struct ldisc *ld, uint8_t b, struct ldisc_out *out)
{
	switch (b) {
	case CH_CR:
	case CH_LF:
		ldisc_end_line(ld, out);
		ld->after_cr = b == CH_CR;
		return 0;
	case CH_BS:
	case CH_DEL:
		ldisc_erase(ld, out);
		return 0;
	case CH_CTRL_C:
		echo(out, "^C\r\n", 4);
		ldisc_clear_line(ld);
		out->event = LDISC_EV_INTERRUPT;
		return 0;
	case CH_CTRL_D:
		if (ld->len == 0)
			out->event = LDISC_EV_EOF;
		return 0; /* ignored inside a line */
	case CH_CTRL_U:
		echo(out, "^U\r\n", 4);
		ldisc_clear_line(ld);
		return 0;
	case CH_ESC:
		ld->esc = ESC_START;
		ld->esc_len = 0;
		return 0;
	default: /* other C0 controls: dropped, counted */
		ldisc_drop(ld);
		return 0;
	}
}

/* One byte in a line mode, with no sequence in progress. */
static int ldisc_byte(struct ldisc *ld, uint8_t b, struct ldisc_out *out)
{
	if (b < 0x20 || b == CH_DEL)
		return ldisc_control(ld, b, out);
	if (b < 0x80)
		return ldisc_append(ld, out, &b, 1);
	int need = utf8_need(b);
	if (need < 0) {
		ldisc_drop(ld);
		return 0;
	}
	ld->u8[0] = b;
	ld->u8_len = 1;
	ld->u8_need = (uint8_t)need;
	return 0;
}

int ldisc_input(struct ldisc *ld, uint8_t b, struct ldisc_out *out)
{
	*out = (struct ldisc_out){ 0 };
	if (ld->mode == LDISC_RAW) {
		out->event = LDISC_EV_KEY;
		out->key = b;
		return 0;
	}
	if (ld->done) {
		bool after_cr = ld->after_cr;
		ldisc_clear_line(ld);
		if (after_cr && b == CH_LF)
			return 0; /* CRLF ends one line */
	}
	if (ld->esc != ESC_NONE && ldisc_escape(ld, b))
		return 0;
	if (ld->u8_need > 0)
		return ldisc_utf8(ld, b, out);
	return ldisc_byte(ld, b, out);
}
