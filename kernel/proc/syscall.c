/*
 * System call dispatch (arch_syscall_c in the arch entry path calls syscall_dispatch
 * with the number and six arguments; the result returns in RAX). The ABI has exactly
 * two calls (include/capos/syscall.h): exit, and cap_enter (kernel/proc/kring.c). Unknown numbers get
 * CAPOS_ERR_RING_BAD_SYSCALL. The SYSCALL_TEST_* calls answer only while a utest=
 * scenario runs (kernel/utest.h); otherwise they get CAPOS_ERR_RING_BAD_SYSCALL too.
 */
#include <capos/error.h>
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/kring.h>
#include <kernel/proc.h>
#include <kernel/syscall_nr.h>
#include <kernel/utest.h>

int64_t syscall_dispatch(uint64_t nr, const uint64_t args[6])
{
	switch (nr) {
	case CAPOS_SYS_EXIT:
		proc_exit_current((int64_t)args[0]);
	case CAPOS_SYS_CAP_ENTER:
		return kring_cap_enter(args[0], args[1]);
	case SYSCALL_TEST_COPYIN:
	case SYSCALL_TEST_COPYOUT:
	case SYSCALL_TEST_WAIT:
	case SYSCALL_TEST_WAKE:
	case SYSCALL_TEST_KSTACK:
		return utest_syscall(nr, args);
	default:
		return CAPOS_ERR_RING_BAD_SYSCALL;
	}
}
