/*
 * Thread 0's TCB on capOS: the kernel's loader built thread 0's TLS block and TCB from
 * PT_TLS (include/capos/tls.h, docs/abi.md §3) and entered the program with the FS
 * base at the TCB, whose first word is its own address. Reading %fs:0 is an ordinary
 * load, so no FSGSBASE instruction (and no CPU feature) is needed. Alone in its object
 * so tests/user/linux_shim.c can replace it on the Linux host.
 */
#include <libcapos/tls.h>

struct capos_tcb *capos_tls_thread0(void)
{
	uint64_t self;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(self));
	return (struct capos_tcb *)(uintptr_t)self;
}
