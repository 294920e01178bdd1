/*
 * Finding the calling thread's TCB through %fs:0 (contract in libcapos/tls.h).
 * The kernel placed the TLS block and TCB and set the FS base before the first user
 * instruction (ABI v1); this only reads and checks what it left.
 */
#include <libcapos/tls.h>

__attribute__((no_stack_protector)) struct capos_tcb *capos_tls_attach(void)
{
	struct capos_tcb *tcb;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(tcb));
	return capos_tls_check(tcb);
}
