/*
 * libcapos console output: where stdout and stderr (file descriptors 1 and 2) go.
 *
 * The backend is a CALL of the Console capability's write method through this
 * thread's ring (the "console" entry of the CapSet, checked against
 * capos_Console_TYPE_ID): the bytes are encoded as Console.write(data) params with
 * the generated builder and framed as the kernel's CALL decoder expects (8-byte
 * segment table + one segment). One call carries at most CAPOS_CONSOLE_CHUNK bytes
 * (the kernel Console's per-call bound); newlib loops on short writes.
 */
#ifndef LIBCAPOS_CONSOLE_H
#define LIBCAPOS_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes per Console.write call: the kernel's KCONSOLE_MAX_WRITE. */
#define CAPOS_CONSOLE_CHUNK 4096u

/*
 * Write up to `len` bytes from `buf` to the console. Returns the number of bytes
 * written (> 0, at most CAPOS_CONSOLE_CHUNK: fewer than len for longer buffers) or a
 * negative CAPOS_ERR_* status: CAPOS_ERR_NOT_FOUND / CAPOS_ERR_CAP_WRONG_INTERFACE
 * (no "console" Console in the CapSet), the ring client's errors, or the CQE's
 * status. Precondition: len > 0.
 */
int64_t capos_console_write(const void *buf, size_t len);

#endif
