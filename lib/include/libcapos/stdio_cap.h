/*
 * libcapos StdIO client: standard input and output through a StdIO capability
 * (schema/session.capnp) that a shell serves to the program it runs (docs/shell.md,
 * docs/userspace.md "Standard streams"). When the CapSet holds a cap named "stdio"
 * granted as StdIO, the newlib hooks (hooks_fd.c) send file descriptors 1 and 2 to
 * StdIO.write and read file descriptor 0 from StdIO.readLine; without one they keep
 * the Console (libcapos/console.h) and fd 0 stays unsupported.
 *
 * Each call is one synchronous CALL through this thread's ring (capos_ring_self),
 * params built with the generated capnpc-c accessors. Errors are capOS statuses; a
 * CapException from the server is reported as its own status (e.g.
 * CAPOS_ERR_EP_DISCONNECTED when the server's endpoint closed: the shell went away).
 */
#ifndef LIBCAPOS_STDIO_CAP_H
#define LIBCAPOS_STDIO_CAP_H

#include <stddef.h>
#include <stdint.h>

/* Data bytes per StdIO.write CALL: the most whose framed params (8-byte segment table,
 * root pointer, one-pointer struct, the Data padded to a word) stay within the
 * kernel's ENDPOINT_PARAMS_MAX of 4096 bytes. */
#define CAPOS_STDIO_CHUNK 4072u

/* The longest line StdIO.readLine may answer (without its terminator); a longer one
 * is refused whole with CAPOS_ERR_STDIO_LINE_TOO_LONG. The terminal's lines are at
 * most 256 bytes (docs/terminal.md). */
#define CAPOS_STDIO_LINE_MAX 2048u

/*
 * The "stdio" StdIO cap of this process's CapSet, looked up once (the outcome is kept:
 * the CapSet page never changes).
 * Errors: CAPOS_ERR_NOT_FOUND (no cap named "stdio", or no CapSet page: the caller
 * falls back to the Console), CAPOS_ERR_CAP_WRONG_INTERFACE (a "stdio" cap granted as
 * another interface), CAPOS_ERR_INVALID (a malformed CapSet page).
 */
int capos_stdio_find(uint32_t *cap);

/*
 * StdIO.write of up to `len` bytes from `buf` (at most CAPOS_STDIO_CHUNK: callers loop).
 * Returns the bytes written (> 0) or a negative status: the ring client's, the CQE's
 * transport status (e.g. CAPOS_ERR_CAP_REVOKED, CAPOS_ERR_CAP_STALE), the
 * CapException's status (CAPOS_ERR_EP_DISCONNECTED, or the server's own code;
 * CAPOS_ERR_RING_EXCEPTION when it carries none). Precondition: len > 0.
 */
int64_t capos_stdio_write(uint32_t cap, const void *buf, size_t len);

/*
 * Read up to `len` bytes of standard input: the rest of the current line if one is
 * pending, else the next StdIO.readLine, delivered as the line followed by "\n". A
 * line answered with eof set is delivered without "\n" and the end of input is
 * reported at the next read. Returns the bytes copied (> 0), 0 at the end of input,
 * or a negative status: the errors of capos_stdio_write, CAPOS_ERR_STDIO_LINE_TOO_LONG
 * (the answered line exceeded CAPOS_STDIO_LINE_MAX; it is dropped, the next read asks
 * for the next line), CAPOS_ERR_CAPNP_* (results that do not decode). Precondition:
 * len > 0.
 */
int64_t capos_stdio_read(uint32_t cap, void *buf, size_t len);

#endif
