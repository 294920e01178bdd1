/*
 * Private helpers shared by libcapos's newlib OS hooks (hooks_*.c, sbrk.c).
 * newlib (built with --disable-newlib-supplied-syscalls and MISSING_SYSCALL_NAMES)
 * calls plain `write`, `sbrk`, ... and reads errno after a -1 return; these helpers
 * keep the "set errno, return -1" convention in one place and translate capOS
 * statuses to errno values.
 */
#ifndef LIBCAPOS_HOOKS_H
#define LIBCAPOS_HOOKS_H

#include <stdint.h>

/* Set errno to `err` and return -1 (the POSIX failure convention). */
int capos_hook_fail(int err);

/* errno value for a negative CAPOS_ERR_* status (EIO for anything unmapped). */
int capos_hook_errno(int64_t status);

#endif
