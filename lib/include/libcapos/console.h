/*
 * libcapos console output: where stdout and stderr (file descriptors 1 and 2) go.
 *
 * The backend is a CALL of the Console capability's write method through this
 * thread's ring (the "console" entry of the CapSet). That needs the kernel half of
 * issue 4 (ring, Console object) and the ring client; until then the function
 * reports CAPOS_ERR_UNSUPPORTED and write(1|2, ...) fails with ENOSYS. Nothing
 * pretends output happened. docs/userspace.md lists exactly what remains.
 */
#ifndef LIBCAPOS_CONSOLE_H
#define LIBCAPOS_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write up to `len` bytes from `buf` to the console. Returns the number of bytes
 * written (> 0, possibly fewer than len: the Console bounds each call) or a negative
 * CAPOS_ERR_* status. Precondition: len > 0.
 */
int64_t capos_console_write(const void *buf, size_t len);

#endif
