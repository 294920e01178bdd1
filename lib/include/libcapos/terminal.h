/*
 * Typed client of the kernel TerminalSession (lib/libcapos/terminal.c; schema
 * TerminalSession, docs/terminal.md): write bytes, read a line (echoed or hidden) or a
 * key. Each call is one synchronous CALL on this thread's ring; a refusal answers the
 * capOS code behind its CapException (e.g. CAPOS_ERR_TERM_BUSY, CAPOS_ERR_INVALID)
 * rather than CAPOS_ERR_RING_EXCEPTION. For callers that queue reads themselves
 * (several in flight, a timeout), capos_term_read_params frames the params and
 * capos_term_read_decode reads the answer.
 */
#ifndef LIBCAPOS_TERMINAL_H
#define LIBCAPOS_TERMINAL_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes a line may hold (LDISC_LINE_MAX) and the largest framed read answer (the
 * kernel refuses a read whose result buffer is smaller: RING_RESULT_TOO_SMALL). */
#define CAPOS_TERM_LINE_MAX 256u
#define CAPOS_TERM_ANSWER_MAX 296u
/* Bytes per write (larger: the kernel answers CAPOS_ERR_INVALID). */
#define CAPOS_TERM_WRITE_MAX 4096u

/* What ended a read. */
struct capos_term_read {
	int event;	  /* enum capos_TerminalEvent: line, interrupt, eof, key */
	uint8_t key;	  /* key: the byte */
	bool truncated;	  /* line: input was refused at the bound (bell echoed) */
	uint32_t dropped; /* line: garbage bytes dropped */
	uint32_t len;	  /* line: bytes in line */
	char line[CAPOS_TERM_LINE_MAX + 1]; /* line: the text, NUL-terminated */
};

/* TerminalSession.write(data[0..len)) on `cap`. Errors: the CQE status or the
 * refusal's code (CAPOS_ERR_INVALID past CAPOS_TERM_WRITE_MAX), builder errors. */
int capos_term_write(uint32_t cap, const void *data, uint32_t len);

/* readLine(hidden) on `cap`: blocks until a line, Ctrl-C or Ctrl-D. Errors: as
 * capos_term_write, CAPOS_ERR_TERM_BUSY (another read is pending), decode errors. */
int capos_term_read_line(uint32_t cap, bool hidden, struct capos_term_read *out);

/* readKey on `cap`: blocks until one byte is typed (out->key). Errors: as above. */
int capos_term_read_key(uint32_t cap, struct capos_term_read *out);

/*
 * Frames the params of readLine(hidden) (method capos_TerminalSession_METHOD_readLine)
 * or readKey (..._readKey; hidden ignored) into buf (8-byte aligned, 32 bytes
 * suffice); the length in *len. Errors: CAPOS_ERR_INVALID (another method), builder
 * errors.
 */
int capos_term_read_params(uint16_t method, bool hidden, void *buf, uint32_t buf_bytes,
			   uint32_t *len);

/* Decodes a read answer of `method` framed in res[0..len) into *out. */
int capos_term_read_decode(uint16_t method, const void *res, uint32_t len,
			   struct capos_term_read *out);

#endif
