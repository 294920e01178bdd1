/*
 * capOS user entry point. The kernel starts a process at _start with
 *   RDI = ring address, RSI = process id, RDX = CapSet page address
 * (ABI v1 entry registers, docs/abi.md) and RSP at the top of the initial stack.
 * crt0 clears the frame pointer (end of backtraces), aligns the stack to 16 bytes
 * as the SysV call ABI requires, and hands the three registers unchanged to
 * capos_start() (start.c), which never returns. Linked first into every program
 * (not from libcapos.a), so the entry point is always present.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	capos_start
	ud2
	.cfi_endproc
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
