/*
 * Ring benchmark programs for the kernel's bench= boot word (kernel/proc/kbench.c,
 * docs/benchmarks.md). Position-independent user code copied to
 * CAPOS_USER_IMAGE_BASE; layout: a 2-byte jmp padded to 8 bytes, then the operation
 * count (a quad the kernel patches), then the code. Entry registers per ABI v1:
 * RDI = ring page, RDX = CapSet page. Each loop is timed with rdtsc (one tick = one
 * guest instruction under -icount shift=0) after an untimed warm-up of 64 ops, and
 * the program exits with the ticks of the timed loop, or with a negative code when a
 * completion was wrong (the kernel then prints an error line, never a figure).
 *
 * Ring offsets (include/capos/ring.h): sq_tail 0x40, cq_head 0x44, cq_tail 0x84,
 * SQ at 0x400 (64-byte SQEs: opcode 0, cap 4, interface_id 8, method 0x1c,
 * result_addr 0x20, result_len 0x28, user_data 0x38), CQ at 0x800 (32-byte CQEs:
 * user_data 0, status 8). CapSet entry 0's cap at 0x40 + 0x38.
 */
#define SYS_CAP_ENTER 1
#define SYS_EXIT 2
#define OP_NOP 1
#define OP_CALL 2
#define WARMUP 64

.macro PROG name
	.globl kbench_prog_\name\()_start, kbench_prog_\name\()_end
	.balign 16
kbench_prog_\name\()_start:
	jmp 1f
	.balign 8
	.quad 0                 /* operation count, patched by the kernel */
1:
.endm

.macro END name
kbench_prog_\name\()_end:
.endm

/* r13 = rdtsc */
.macro TSC_START
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	mov %rdx, %r13
.endm

/* exit(rdtsc - r13) */
.macro TSC_EXIT
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %r13, %rax
	mov %rax, %rdi
	mov $SYS_EXIT, %eax
	syscall
	ud2
.endm

.macro FAIL code
	mov $\code, %rdi
	mov $SYS_EXIT, %eax
	syscall
	ud2
.endm

	.section .rodata.kbench, "a"

/* cap-enter-null: cap_enter(0, 0) on an empty ring. */
PROG null
	mov 8+kbench_prog_null_start(%rip), %r12
	mov %rdi, %rbx
	mov $WARMUP, %r14d
	call 2f
	mov %r12, %r14
	TSC_START
	call 2f
	TSC_EXIT
2:	xor %edi, %edi
	xor %esi, %esi
	mov $SYS_CAP_ENTER, %eax
	syscall
	test %rax, %rax
	jnz 3f
	dec %r14
	jnz 2b
	ret
3:	FAIL -1
END null

/*
 * ring-nop-b1: per op, fill one SQE (opcode, user_data), publish the tail,
 * cap_enter(1, 0), check the CQE (status 0, user_data), advance cq_head.
 * r15d = tail/head counter (both move together).
 */
PROG nop1
	mov 8+kbench_prog_nop1_start(%rip), %r12
	mov %rdi, %rbx
	mov 0x40(%rbx), %r15d
	mov $WARMUP, %r14d
	call 2f
	mov %r12, %r14
	TSC_START
	call 2f
	TSC_EXIT
2:	mov %r15d, %ecx
	and $15, %ecx
	shl $6, %ecx
	movb $OP_NOP, 0x400(%rbx,%rcx)
	mov %r15, 0x438(%rbx,%rcx)
	inc %r15d
	mov %r15d, 0x40(%rbx)           /* release: x86 stores are ordered */
	mov $1, %edi
	xor %esi, %esi
	mov $SYS_CAP_ENTER, %eax
	syscall
	cmp $1, %rax
	jne 3f
	lea -1(%r15), %ecx
	and $63, %ecx
	shl $5, %ecx
	cmpl $0, 0x808(%rbx,%rcx)
	jne 3f
	lea -1(%r15), %eax
	cmp %rax, 0x800(%rbx,%rcx)
	jne 3f
	mov %r15d, 0x44(%rbx)
	dec %r14
	jnz 2b
	ret
3:	FAIL -2
END nop1

/*
 * ring-nop-b16: per batch, fill 16 SQEs, publish, cap_enter(16, 0), check the 16
 * CQEs' status, advance cq_head by 16. The count is of NOPs (a multiple of 16).
 */
PROG nop16
	mov 8+kbench_prog_nop16_start(%rip), %r12
	shr $4, %r12
	mov %rdi, %rbx
	mov 0x40(%rbx), %r15d
	mov $(WARMUP / 16), %r14d
	call 2f
	mov %r12, %r14
	TSC_START
	call 2f
	TSC_EXIT
2:	mov $16, %r8d
4:	mov %r15d, %ecx
	and $15, %ecx
	shl $6, %ecx
	movb $OP_NOP, 0x400(%rbx,%rcx)
	mov %r15, 0x438(%rbx,%rcx)
	inc %r15d
	dec %r8d
	jnz 4b
	mov %r15d, 0x40(%rbx)
	mov $16, %edi
	xor %esi, %esi
	mov $SYS_CAP_ENTER, %eax
	syscall
	cmp $16, %rax
	jne 3f
	lea -16(%r15), %edx
	mov $16, %r8d
5:	mov %edx, %ecx
	and $63, %ecx
	shl $5, %ecx
	cmpl $0, 0x808(%rbx,%rcx)
	jne 3f
	inc %edx
	dec %r8d
	jnz 5b
	mov %r15d, 0x44(%rbx)
	dec %r14
	jnz 2b
	ret
3:	FAIL -3
END nop16

/*
 * cap-call: Timer.now on CapSet entry 0 (the timer) per op: one CALL SQE with a
 * 64-byte result buffer on the stack, cap_enter(1, 0), check status 0 and a
 * 24-byte result, advance cq_head. The interface id comes from the CapSet entry.
 */
PROG call
	mov 8+kbench_prog_call_start(%rip), %r12
	mov %rdi, %rbx
	mov 0x78(%rdx), %r9d            /* cap id of entry 0 */
	mov 0x70(%rdx), %r10            /* interface id of entry 0 */
	sub $64, %rsp
	mov %rsp, %r11
	mov 0x40(%rbx), %r15d
	mov $WARMUP, %r14d
	call 2f
	mov %r12, %r14
	TSC_START
	call 2f
	TSC_EXIT
2:	mov %r15d, %ecx
	and $15, %ecx
	shl $6, %ecx
	movb $OP_CALL, 0x400(%rbx,%rcx)
	mov %r9d, 0x404(%rbx,%rcx)
	mov %r10, 0x408(%rbx,%rcx)
	mov %r11, 0x420(%rbx,%rcx)
	movl $64, 0x428(%rbx,%rcx)
	mov %r15, 0x438(%rbx,%rcx)
	inc %r15d
	mov %r15d, 0x40(%rbx)
	push %r11
	mov $1, %edi
	xor %esi, %esi
	mov $SYS_CAP_ENTER, %eax
	syscall
	pop %r11
	cmp $1, %rax
	jne 3f
	lea -1(%r15), %ecx
	and $63, %ecx
	shl $5, %ecx
	cmpl $0, 0x808(%rbx,%rcx)
	jne 3f
	cmpl $24, 0x80c(%rbx,%rcx)
	jne 3f
	mov %r15d, 0x44(%rbx)
	dec %r14
	jnz 2b
	ret
3:	FAIL -4
END call

#define OP_RECV 4
#define OP_RETURN 5

/* Zero the 64-byte SQE at %rdi (fields an opcode does not use must be zero). */
.macro ZERO_SQE
	movq $0, 0x00(%rdi)
	movq $0, 0x08(%rdi)
	movq $0, 0x10(%rdi)
	movq $0, 0x18(%rdi)
	movq $0, 0x20(%rdi)
	movq $0, 0x28(%rdi)
	movq $0, 0x30(%rdi)
	movq $0, 0x38(%rdi)
.endm

/*
 * ipc-rtt server: serves the raw endpoint of CapSet entry 0 until a call with method
 * 1 arrives. It keeps one RECV (64-byte buffer on the stack) armed; per call it reads
 * the call id from the RECV CQE, then queues the RETURN (no results) and the next RECV
 * and enters with cap_enter(2, infinite): the RETURN's CQE is posted at once, the RECV
 * completes when the next call arrives, so the server waits there (and the RETURN
 * hands the CPU straight back to the caller). Exits 0, or negative on a wrong CQE.
 * r9d = cap, r13 = buffer, r15d = SQ tail, r12d = CQ head.
 */
PROG ipcsrv
	mov %rdi, %rbx
	mov 0x78(%rdx), %r9d
	sub $64, %rsp
	mov %rsp, %r13
	mov 0x40(%rbx), %r15d
	mov 0x44(%rbx), %r12d
	call 5f
	mov %r15d, 0x40(%rbx)
	mov $1, %r14d
	call 7f
2:	mov %r12d, %ecx                 /* the RECV's CQE */
	and $63, %ecx
	shl $5, %ecx
	cmpl $0, 0x808(%rbx,%rcx)
	jne 3f
	mov 0x810(%rbx,%rcx), %r8d      /* call id */
	inc %r12d
	mov %r12d, 0x44(%rbx)
	movzwl 8(%r13), %r10d           /* method, from the RECV header */
	mov %r15d, %ecx                 /* RETURN SQE */
	and $15, %ecx
	shl $6, %ecx
	lea 0x400(%rbx,%rcx), %rdi
	ZERO_SQE
	movb $OP_RETURN, (%rdi)
	mov %r9d, 4(%rdi)
	mov %r8d, 0x2c(%rdi)
	mov %r15, 0x38(%rdi)
	inc %r15d
	test %r10d, %r10d
	jnz 4f
	call 5f                         /* the next RECV */
	mov %r15d, 0x40(%rbx)
	mov $2, %r14d
	call 7f
	call 6f                         /* the RETURN's CQE */
	jmp 2b
4:	mov %r15d, 0x40(%rbx)           /* method 1: answer and exit */
	mov $1, %r14d
	call 7f
	call 6f
	xor %edi, %edi
	mov $SYS_EXIT, %eax
	syscall
	ud2
5:	mov %r15d, %ecx                 /* RECV SQE at the tail */
	and $15, %ecx
	shl $6, %ecx
	lea 0x400(%rbx,%rcx), %rdi
	ZERO_SQE
	movb $OP_RECV, (%rdi)
	mov %r9d, 4(%rdi)
	mov %r13, 0x20(%rdi)
	movl $64, 0x28(%rdi)
	mov %r15, 0x38(%rdi)
	inc %r15d
	ret
6:	mov %r12d, %ecx                 /* RETURN CQE: status 0 */
	and $63, %ecx
	shl $5, %ecx
	cmpl $0, 0x808(%rbx,%rcx)
	jne 3f
	inc %r12d
	mov %r12d, 0x44(%rbx)
	ret
7:	mov %r14d, %edi                 /* cap_enter(r14, infinite) == r14 */
	mov $-1, %rsi
	mov $SYS_CAP_ENTER, %eax
	syscall
	cmp %r14, %rax
	jne 3f
	ret
3:	FAIL -5
END ipcsrv

/*
 * ipc-rtt client: per op one CALL (method 0, no params, no results) through the facet
 * of CapSet entry 0, cap_enter(1, infinite), check status 0, advance cq_head: one IPC
 * round trip to the server process. After the timed loop, a CALL with method 1 tells
 * the server to exit; the client exits with the ticks of the timed loop.
 */
PROG ipccli
	mov 8+kbench_prog_ipccli_start(%rip), %r12
	mov %rdi, %rbx
	mov 0x78(%rdx), %r9d            /* facet cap */
	mov 0x70(%rdx), %r10            /* its interface */
	mov 0x40(%rbx), %r15d
	xor %r8d, %r8d
	mov $WARMUP, %r14d
	call 2f
	mov %r12, %r14
	TSC_START
	call 2f
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %r13, %rax
	mov %rax, %r12                  /* ticks */
	mov $1, %r8d
	mov $1, %r14d
	call 2f
	mov %r12, %rdi
	mov $SYS_EXIT, %eax
	syscall
	ud2
2:	mov %r15d, %ecx
	and $15, %ecx
	shl $6, %ecx
	movb $OP_CALL, 0x400(%rbx,%rcx)
	mov %r9d, 0x404(%rbx,%rcx)
	mov %r10, 0x408(%rbx,%rcx)
	mov %r8w, 0x41c(%rbx,%rcx)
	mov %r15, 0x438(%rbx,%rcx)
	inc %r15d
	mov %r15d, 0x40(%rbx)
	mov $1, %edi
	mov $-1, %rsi
	mov $SYS_CAP_ENTER, %eax
	syscall
	cmp $1, %rax
	jne 3f
	lea -1(%r15), %ecx
	and $63, %ecx
	shl $5, %ecx
	cmpl $0, 0x808(%rbx,%rcx)
	jne 3f
	mov %r15d, 0x44(%rbx)
	dec %r14
	jnz 2b
	ret
3:	FAIL -6
END ipccli
