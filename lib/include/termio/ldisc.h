/*
 * Terminal line discipline (docs/terminal.md): a pure, freestanding state machine that
 * turns bytes typed at a terminal into (a) bytes to echo back to the terminal and (b)
 * events for the reader: completed lines, interrupt (Ctrl-C), end of file (Ctrl-D) and,
 * in raw mode, single keys. No allocation, no I/O, no globals: the caller owns a
 * `struct ldisc`, feeds it one byte at a time with ldisc_input() and writes the echo
 * bytes wherever the terminal is (COM2 today). Usable by the kernel or a user driver.
 * The kernel TerminalSession (kernel/cap/terminal.c) embeds it for COM2.
 */
#ifndef TERMIO_LDISC_H
#define TERMIO_LDISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes a line may hold (UTF-8 bytes, not characters). */
#define LDISC_LINE_MAX 256u
/* Most echo bytes one input byte produces (a 4-byte UTF-8 character, "^C\r\n"). */
#define LDISC_ECHO_MAX 4u
/* Bytes of an escape sequence (after ESC) consumed before it is abandoned. */
#define LDISC_ESC_MAX 16u

enum ldisc_mode {
	LDISC_CANON = 0,  /* line editing, printable input echoed */
	LDISC_HIDDEN = 1, /* line editing, nothing echoed but the newline (passwords) */
	LDISC_RAW = 2,	  /* every byte is a LDISC_EV_KEY event, nothing echoed */
};

enum ldisc_event {
	LDISC_EV_NONE = 0,	/* byte absorbed (edited, ignored or part of a sequence) */
	LDISC_EV_LINE = 1,	/* out->line / out->line_len hold a completed line */
	LDISC_EV_INTERRUPT = 2, /* Ctrl-C: the partial line was discarded */
	LDISC_EV_EOF = 3,	/* Ctrl-D at the start of a line */
	LDISC_EV_KEY = 4,	/* raw mode: out->key is the byte */
};

/* The state; treat as opaque, initialise with ldisc_init(). [O] owned by one driver. */
struct ldisc {
	uint8_t mode;		      /* enum ldisc_mode */
	uint8_t esc;		      /* escape-sequence parser state (ldisc.c) */
	uint8_t esc_len;	      /* bytes consumed in the current sequence */
	uint8_t u8_need;	      /* continuation bytes still expected */
	uint8_t u8_len;		      /* bytes held in u8 */
	uint8_t u8[4];		      /* the UTF-8 character being assembled */
	bool after_cr;		      /* last byte was CR: a following LF is swallowed */
	bool done;		      /* a line was delivered: reset before the next byte */
	bool truncated;		      /* bytes of this line were refused (line full) */
	uint16_t len;		      /* bytes in line */
	uint32_t dropped;	      /* bytes of this line dropped as garbage */
	uint8_t line[LDISC_LINE_MAX]; /* the line being edited */
};

/* What one input byte produced. `line` points into the ldisc and stays valid until
 * the next ldisc_input()/ldisc_set_mode() call on it. */
struct ldisc_out {
	uint8_t echo[LDISC_ECHO_MAX]; /* bytes to write to the terminal, in order */
	uint8_t echo_len;
	uint8_t event;	     /* enum ldisc_event */
	uint8_t key;	     /* LDISC_EV_KEY: the byte */
	bool truncated;	     /* LDISC_EV_LINE: bytes were refused because the line was full */
	uint32_t dropped;    /* LDISC_EV_LINE: garbage bytes dropped (controls, bad UTF-8) */
	const uint8_t *line; /* LDISC_EV_LINE: the line, without its terminator, */
	size_t line_len;     /* not NUL-terminated, valid UTF-8, at most LDISC_LINE_MAX */
};

/* Initialise `ld` in `mode` with an empty line.
 * Errors: CAPOS_ERR_TERM_MODE if mode is not an enum ldisc_mode (ld untouched). */
int ldisc_init(struct ldisc *ld, enum ldisc_mode mode);

/* Switch mode. Any partial line and escape/UTF-8 state is discarded (a mode change
 * starts a clean line). Errors: CAPOS_ERR_TERM_MODE (ld untouched). */
int ldisc_set_mode(struct ldisc *ld, enum ldisc_mode mode);

/* Feed one byte typed at the terminal; fills *out (always, even on error).
 * Returns 0, or CAPOS_ERR_TERM_LINE_FULL when the byte was refused because the line is
 * at LDISC_LINE_MAX (a bell "\a" is echoed and the line's event carries truncated). */
int ldisc_input(struct ldisc *ld, uint8_t byte, struct ldisc_out *out);

#endif
