/*
 * Loading a static ELF64 executable into a fresh process (kernel/proc/load.c).
 */
#ifndef KERNEL_LOAD_H
#define KERNEL_LOAD_H

#include <stdint.h>

#include <kernel/proc.h>

/*
 * Validates bytes[0..len) (elf_validate), maps every PT_LOAD with its ELF permissions
 * (W^X), thread 0's stack (CAPOS_USER_STACK_SIZE below CAPOS_USER_STACK_TOP) and
 * thread 0's TLS block + TCB (include/capos/tls.h, at CAPOS_USER_TLS0_BASE), all
 * charged to p's ledger. Fills *e with the ABI entry state (include/capos/syscall.h):
 * RIP = e_entry, RSP = CAPOS_USER_STACK_TOP, RSI = pid, FS base = the TCB, GS base 0;
 * RDI (ring) and RDX (CapSet) stay 0 until the ring and the CapSet page exist.
 * Errors: elf_validate()'s CAPOS_ERR_ELF_*, vm_map()'s (CAPOS_ERR_NO_MEMORY when the
 * quota or memory runs out). On error p keeps what was mapped; destroy it.
 */
int proc_load_elf(struct process *p, const void *bytes, uint64_t len, struct proc_entry *e);

#endif
