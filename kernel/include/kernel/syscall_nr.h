/*
 * PROVISIONAL syscall numbers and register conventions, the one place the kernel takes
 * them from (with the user address layout) until the ABI headers (include/capos/syscall.h, abi branch) land; then
 * this file includes that header instead and keeps only the test-only numbers.
 *
 * Convention (x86_64 SYSCALL): RAX = number, arguments in RDI, RSI, RDX, R10, R8, R9;
 * result in RAX (>= 0 success, negative CAPOS_ERR_*); RCX and R11 are clobbered.
 *
 * The SYSCALL_TEST_* calls exist only for the kernel's `utest=` boot tests: the kernel
 * refuses them (CAPOS_ERR_UNSUPPORTED) unless it was booted with a utest= flag, so they
 * are no ambient authority in a normal boot.
 */
#ifndef KERNEL_SYSCALL_NR_H
#define KERNEL_SYSCALL_NR_H

#define SYSCALL_CAP_ENTER 0   /* cap_enter(min_complete, timeout_ns) (not yet) */
#define SYSCALL_EXIT 1        /* exit(code): ends the calling process */

#define SYSCALL_TEST_COPYIN 0x7f00  /* (uaddr, len<=64): sum of the bytes, or error */
#define SYSCALL_TEST_COPYOUT 0x7f01 /* (uaddr, len<=64): writes bytes i+1; 0 or error */
#define SYSCALL_TEST_SLEEP 0x7f02   /* (ns): block that long; 0 when the timeout ended it */

/* PROVISIONAL user address layout (the ABI's fixed addresses replace it). */
#define USER_TEXT_BASE 0x400000ull          /* program image */
#define USER_STACK_TOP 0x7ffffff00000ull    /* initial RSP; unmapped page above */
#define USER_STACK_SIZE 0x4000ull           /* unmapped guard page below */

#endif
