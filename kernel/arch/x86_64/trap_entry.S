/*
 * Trap entry stubs for all 256 vectors and the common save/restore path. Each stub
 * pushes a zero error code when the CPU does not push one, then its vector, and jumps
 * to trap_common, which saves every GPR (struct arch_trap_frame in arch/trap.h) and
 * calls trap_dispatch(frame). The CPU aligns RSP to 16 before pushing its frame, and
 * the frame is 176 bytes, so the C call sees an aligned stack.
 *
 * Entries from CPL 3 (the saved CS has RPL 3) run SWAPGS first so GS points at this
 * CPU's struct percpu in the kernel, and trap_exit runs it again before IRETQ to user
 * mode (kproc; see proc.c for the GS convention). trap_exit is also where a new
 * thread's first switch and a SYSCALL that cannot use SYSRET leave the kernel.
 * NMI/#MC/#DF arriving between SYSCALL and its SWAPGS see kernel CS and user GS; their
 * handlers do not use GS (they only report and stop).
 */
#include <arch/trap.h>

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			   (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.p2align 4
	.type trap_common, @function
trap_common:
	testb $3, 24(%rsp)              /* CS of the interrupted context */
	jz 1f
	swapgs
1:	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call trap_dispatch
	.globl trap_exit
trap_exit:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp                   /* vector and error code */
	testb $3, 8(%rsp)               /* CS we return to */
	jz 2f
	swapgs
2:	iretq
	.size trap_common, . - trap_common

.macro TRAP_STUB v
	.p2align 4
	.type trap_stub_\v, @function
trap_stub_\v:
.if !HAS_ERROR_CODE(\v)
	push $0
.endif
	push $\v
	jmp trap_common
	.size trap_stub_\v, . - trap_stub_\v
.endm

.altmacro
.set vec, 0
.rept 256
	TRAP_STUB %vec
	.set vec, vec + 1
.endr

.macro TRAP_STUB_ADDR v
	.quad trap_stub_\v
.endm

	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
.set vec, 0
.rept 256
	TRAP_STUB_ADDR %vec
	.set vec, vec + 1
.endr
	.size trap_stub_table, . - trap_stub_table
