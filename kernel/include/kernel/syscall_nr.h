/*
 * Kernel-side syscall numbers. The ABI's two calls come from include/capos/syscall.h
 * (CAPOS_SYS_CAP_ENTER, CAPOS_SYS_EXIT; register conventions documented there). The
 * SYSCALL_TEST_* calls exist only for the kernel's `utest=` boot tests: the kernel
 * answers them CAPOS_ERR_UNSUPPORTED unless a utest= scenario is running, so they are
 * no ambient authority in a normal boot. They sit far above CAPOS_SYS_COUNT.
 *
 * Assembler-safe (kernel/proc/utest_progs.S includes it): the ABI values the user test
 * programs need are repeated as UTEST_ASM_* and checked against the ABI headers by
 * static_asserts in kernel/proc/utest.c.
 */
#ifndef KERNEL_SYSCALL_NR_H
#define KERNEL_SYSCALL_NR_H

#define SYSCALL_TEST_COPYIN 0x7f00  /* (uaddr, len<=64): sum of the bytes, or error */
#define SYSCALL_TEST_COPYOUT 0x7f01 /* (uaddr, len<=64): writes bytes i+1; 0 or error */
#define SYSCALL_TEST_SLEEP 0x7f02   /* (ns): block that long; 0 when the timeout ended it */
#define SYSCALL_TEST_WAIT 0x7f03    /* (): block with no deadline; 1 once woken */
#define SYSCALL_TEST_WAKE 0x7f04    /* (tid): sched_wake it; 0, or NOT_FOUND if not blocked */
#define SYSCALL_TEST_KSTACK 0x7f05  /* (): overflow the kernel stack: a fatal #DF, by design */

#define UTEST_ASM_SYS_EXIT 2			    /* CAPOS_SYS_EXIT */
#define UTEST_ASM_SYS_CAP_ENTER 1		    /* CAPOS_SYS_CAP_ENTER */
#define UTEST_ASM_USER_STACK_TOP 0x00007FFFC0000000 /* CAPOS_USER_STACK_TOP */
#define UTEST_ASM_ERR_BAD_ADDRESS (-10)		    /* CAPOS_ERR_BAD_ADDRESS */
#define UTEST_ASM_ERR_INVALID (-1)		    /* CAPOS_ERR_INVALID */
#define UTEST_ASM_ERR_BAD_SYSCALL (-206)	    /* CAPOS_ERR_RING_BAD_SYSCALL */
#define UTEST_ASM_ERR_NOT_FOUND (-5)		    /* CAPOS_ERR_NOT_FOUND */

#endif
