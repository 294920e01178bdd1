/*
 * libcapos process runtime: what crt0 learned at entry, and the start-up sequence.
 * Everything a program knows about its environment comes from the three entry
 * registers (ring, process id, CapSet page); there is no argv/envp/auxv.
 */
#ifndef LIBCAPOS_RUNTIME_H
#define LIBCAPOS_RUNTIME_H

#include <stdint.h>

struct capos_tcb;

struct capos_boot {
	uintptr_t ring;	       /* RDI at entry: this thread's ring page */
	uint64_t pid;	       /* RSI at entry: process id */
	uintptr_t capset;      /* RDX at entry: read-only CapSet page */
	struct capos_tcb *tcb; /* initial thread's TCB (FS base) */
};

/* Filled by capos_start() before any constructor runs; read-only afterwards. */
extern struct capos_boot capos_boot;

/* This thread's ring page (thread 0: RDI at entry). Thread-local by design: rings are
 * per thread. */
extern __thread uintptr_t capos_thread_ring;

/*
 * Called by crt0 only: find thread 0's TCB (the kernel built it from PT_TLS and set
 * the FS base; exit 125, CAPOS_EXIT_START_FAILED, if there is none), store the stack
 * canary in it and in __stack_chk_guard, run constructors, call main(0, {NULL}, {NULL}) and exit() with
 * its result. Never returns.
 */
_Noreturn void capos_start(uintptr_t ring, uint64_t pid, uintptr_t capset);

/* Stack-guard value for this process: RDRAND when the CPU has it, else TSC-derived.
 * The low byte is zero (a terminator canary defeats string overflows). */
uint64_t capos_random_guard(void);

#endif
