/*
 * libcapos system call wrappers: the only two ways into the kernel (ABI v1,
 * include/capos/syscall.h). Out of line, one object (sys.c), so that host tests can
 * link the very same runtime against a Linux-backed replacement of just these.
 */
#ifndef LIBCAPOS_SYS_H
#define LIBCAPOS_SYS_H

#include <stdint.h>

/* Exit status used when the runtime cannot start the program (bad PT_TLS, ...). */
#define CAPOS_EXIT_START_FAILED 125

/*
 * cap_enter(min_complete, timeout_ns): process queued SQEs, wait for completions.
 * Returns the number of CQEs available, or a negative CAPOS_ERR_RING_* status
 * (see include/capos/syscall.h for the exact contract).
 */
int64_t capos_sys_cap_enter(uint64_t min_complete, uint64_t timeout_ns);

/* exit(code): end the process. Never returns. */
_Noreturn void capos_sys_exit(int64_t code);

#endif
