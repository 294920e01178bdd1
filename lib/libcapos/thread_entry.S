/*
 * Entry of every thread libcapos starts (lib/libcapos/thread.c). The kernel enters a
 * new thread with (docs/abi.md "Thread entry")
 *   RDI = arg (here: its struct capos_thread), RSI = its ring page, RDX = thread id,
 *   RSP = stackTop (16-byte aligned), FS base = its TCB.
 * Clear the frame pointer (end of backtraces) and call capos_thread_start(t, ring,
 * tid) with the stack aligned as the SysV call ABI requires; it never returns.
 */
	.text
	.globl	capos_thread_entry
	.type	capos_thread_entry, @function
capos_thread_entry:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	capos_thread_start
	ud2
	.cfi_endproc
	.size	capos_thread_entry, . - capos_thread_entry

	.section .note.GNU-stack, "", @progbits
