/*
 * x86_64 per-thread CPU state (embedded in the portable struct thread): the saved
 * kernel stack pointer of a switched-out thread, its kernel stack top (TSS.RSP0 and
 * the SYSCALL stack), its user FS base and its extended-state (XSAVE/FXSAVE) area.
 */
#ifndef ARCH_THREAD_H
#define ARCH_THREAD_H

#include <stdint.h>

struct arch_thread {
	uint64_t rsp;	     /* saved kernel RSP while switched out (arch_switch) */
	uint64_t kstack_top; /* loaded into TSS.RSP0 and percpu.kstack_top on switch-in */
	uint64_t fs_base;    /* user FS base (TLS): saved on switch-out, loaded on switch-in */
	uint64_t gs_base;    /* user GS base (KERNEL_GS_BASE while in the kernel), likewise */
	void *xstate;	     /* 64-byte aligned extended-state area; NULL: kernel-only */
};

#endif
