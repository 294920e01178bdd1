/*
 * System call dispatch (syscall_entry, kernel/arch/x86_64/switch.S, calls
 * syscall_dispatch with the number and six arguments straight from the registers;
 * the result returns in RAX). The ABI has exactly two calls
 * (include/capos/syscall.h): exit, and cap_enter (kernel/proc/kring.c). Unknown
 * numbers get CAPOS_ERR_RING_BAD_SYSCALL. The SYSCALL_TEST_* calls answer only in
 * utest= scenario runs (kernel/utest.h); otherwise they get
 * CAPOS_ERR_RING_BAD_SYSCALL too.
 */
#include <capos/error.h>
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/klock.h>
#include <kernel/kring.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/syscall_nr.h>
#include <kernel/utest.h>

/* Everything but cap_enter (exit and the test calls are cold; only the test calls
 * need the arguments as an array). Same parameter order as syscall_dispatch, so the
 * hand-off moves no register. */
static __attribute__((noinline)) int64_t syscall_other(uint64_t a0, uint64_t a1, uint64_t a2,
						       uint64_t nr, uint64_t a4, uint64_t a5,
						       uint64_t a3)
{
	switch (nr) {
	case CAPOS_SYS_EXIT:
		proc_exit_current((int64_t)a0);
	case SYSCALL_TEST_COPYIN:
	case SYSCALL_TEST_COPYOUT:
	case SYSCALL_TEST_WAIT:
	case SYSCALL_TEST_WAKE:
	case SYSCALL_TEST_KSTACK: {
		const uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };

		return utest_syscall(nr, args);
	}
	default:
		return CAPOS_ERR_RING_BAD_SYSCALL;
	}
}

/* With [K] just taken: ends the calling thread if its process was killed while it
 * waited (by another CPU: docs/scheduler.md). A SYSCALL comes from user mode, so the
 * thread has a process. A thread that blocks inside the call
 * and is killed meanwhile never resumes, or ends where it takes [K] back
 * (sched_switch_locked), so there is no second check on the way out: [K] is held from
 * here to the exit, and a kill needs it. */
static inline void syscall_exit_if_killed(void)
{
	if (__builtin_expect(proc_user_thread_killed(percpu_current()), 0))
		sched_exit_current();
}

/* Threads a kill in this call took off their queues (sched_kill) wait on this CPU's
 * zombie list, which is otherwise reaped only after a switch: a killer that never
 * switches (alone on its CPU, polling) would hold their frames, stacks and ledger,
 * and its ProcessHandle.wait would never answer. So they are freed before the return
 * to user mode, under [K], after the call's handoff target (kring) is consumed; the
 * per-CPU flag sched_kill sets makes the common case one compare of a %gs byte. */
/* Preserves every register, so the hot path keeps its result in RAX across it. The
 * empty asm keeps proc_reap out of tail position: clang 16 turns a tail call here into
 * "restore the registers, then jmp proc_reap", which clobbers them (found by the
 * timer suite). */
static __attribute__((noinline, cold, no_caller_saved_registers)) void syscall_reap(void)
{
	proc_reap();
	__asm__ volatile("" ::: "memory");
}

static inline void syscall_reap_killed(void)
{
	if (__builtin_expect(percpu_reap_pending(), 0))
		syscall_reap();
}

/* Every system call runs under the kernel lock [K] (kernel/klock.h), a thread whose
 * process was killed meanwhile ends instead of running it, and what a kill in it left
 * dead on this CPU is freed before it returns. */
int64_t syscall_dispatch(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t nr, uint64_t a4,
			 uint64_t a5, uint64_t a3)
{
	int64_t r;

	klock_acquire();
	syscall_exit_if_killed();
	if (nr == CAPOS_SYS_CAP_ENTER)
		r = kring_cap_enter(a0, a1); /* the hot call, a0/a1 already in place */
	else
		r = syscall_other(a0, a1, a2, nr, a4, a5, a3);
	syscall_reap_killed();
	klock_release();
	return r;
}
