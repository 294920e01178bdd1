/*
 * capOS ABI v1: the two system calls and the process entry state. Everything else a
 * process does is a capability invocation through its ring (ring.h).
 *
 * System calls use the `syscall` instruction:
 *   RAX = CAPOS_SYS_* number; arguments in RDI, RSI, RDX, R10, R8, R9 (in that order);
 *   result in RAX (>= 0 success value, < 0 CAPOS_ERR_*).
 *   The CPU clobbers RCX (return RIP) and R11 (RFLAGS); the kernel preserves every
 *   other general register, the stack pointer, FS/GS bases and all x87/SSE/AVX state.
 *   An unknown number returns CAPOS_ERR_RING_BAD_SYSCALL.
 *
 * cap_enter(min_complete = RDI, timeout_ns = RSI)
 *   Consumes the calling thread's queued SQEs (at most CAPOS_RING_SQ_ENTRIES per call,
 *   and never more than there are free CQ slots), posts their completions, then waits
 *   until at least min_complete CQEs are available or timeout_ns elapses.
 *   timeout_ns == 0 never blocks; CAPOS_TIMEOUT_INFINITE never times out.
 *   Returns the number of CQEs available (cq_tail - cq_head), which is below
 *   min_complete only when the timeout expired. Errors (nothing is lost with any of
 *   them): CAPOS_ERR_RING_BAD_ARGUMENT (min_complete > CAPOS_RING_CQ_ENTRIES; nothing
 *   consumed), CAPOS_ERR_RING_CORRUPT (header snapshot inconsistent; nothing
 *   consumed), CAPOS_ERR_RING_CQ_OVERFLOW (the CQ filled up while SQEs were queued:
 *   the completions posted so far are in the CQ, the rest of the SQEs stay queued
 *   for the next cap_enter, and header.cq_overflow counted the event).
 *
 * exit(code = RDI)
 *   Ends the calling process with a signed 64-bit code; never returns.
 *
 * Process entry (first instruction of the ELF entry point, ring 3):
 *   RDI = ring page address of thread 0 (CAPOS_USER_RING_BASE in v1)
 *   RSI = process id (nonzero, fits in 32 bits)
 *   RDX = CapSet page address (CAPOS_USER_CAPSET in v1)
 *   RSP = CAPOS_USER_STACK_TOP (16-byte aligned; no return address: _start must not
 *         return)
 *   FS base = thread 0's TCB: the loader built the TLS block + TCB from PT_TLS
 *         (variant II, include/capos/tls.h; %fs:0 = the TCB's own address); GS base
 *         0. The kernel saves/restores both bases per thread; later threads get
 *         theirs from ThreadSpawner.spawn(fsBase) / ThreadControl.setFsBase.
 *   all other general registers 0; RFLAGS = 0x202 (IF); x87 control word 0x037F;
 *   MXCSR 0x1F80; all vector registers zero.
 */
#ifndef CAPOS_SYSCALL_H
#define CAPOS_SYSCALL_H

#include <stdint.h>

#define CAPOS_SYS_INVALID 0u   /* never valid */
#define CAPOS_SYS_CAP_ENTER 1u /* cap_enter(min_complete, timeout_ns) */
#define CAPOS_SYS_EXIT 2u      /* exit(code) */
#define CAPOS_SYS_COUNT 3u

#define CAPOS_TIMEOUT_INFINITE UINT64_MAX

/* Entry registers, by name, for crt0 and the kernel's first-return frame. */
#define CAPOS_ENTRY_REG_RING "rdi"
#define CAPOS_ENTRY_REG_PID "rsi"
#define CAPOS_ENTRY_REG_CAPSET "rdx"

#define CAPOS_ENTRY_RFLAGS 0x202u
#define CAPOS_ENTRY_FCW 0x037Fu
#define CAPOS_ENTRY_MXCSR 0x1F80u

#endif
