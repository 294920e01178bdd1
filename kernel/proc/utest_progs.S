/*
 * Tiny user programs for the utest= boot scenarios (kernel/utest.h), assembled into
 * the kernel image as data and copied by utest.c into a process's text page at
 * CAPOS_USER_IMAGE_BASE (R-X) with a stack below CAPOS_USER_STACK_TOP.
 * Position-independent; entry registers: RSI = process id. They use exit and the
 * test-only syscalls of kernel/syscall_nr.h. Each fault program follows its faulting instruction with
 * exit(99), so a fault that does not happen shows up as a wrong exit code.
 */
#include <kernel/syscall_nr.h>

#define ERR_BAD_ADDRESS UTEST_ASM_ERR_BAD_ADDRESS
#define ERR_INVALID UTEST_ASM_ERR_INVALID
#define ERR_BAD_SYSCALL UTEST_ASM_ERR_BAD_SYSCALL

.macro SYS nr
	mov $\nr, %eax
	syscall
.endm

.macro EXIT code
	mov $\code, %edi
	SYS UTEST_ASM_SYS_EXIT
	ud2
.endm

.macro PROG name
	.globl utest_prog_\name\()_start, utest_prog_\name\()_end
	.balign 16
utest_prog_\name\()_start:
.endm

.macro END name
utest_prog_\name\()_end:
.endm

	.section .rodata.utest, "a"

PROG exit
	EXIT 7
END exit

PROG pf
	movabs $0xdead000, %rax
	movq $1, (%rax)
	EXIT 99
END pf

PROG gp
	movabs $0x8000000000000000, %rax
	mov (%rax), %rax
	EXIT 99
END gp

PROG ud
	ud2
	EXIT 99
END ud

PROG de
	xor %ecx, %ecx
	mov $1, %eax
	xor %edx, %edx
	div %ecx
	EXIT 99
END de

PROG kread
	movabs $0xffffffff80100000, %rax
	mov (%rax), %rax
	EXIT 99
END kread

PROG priv
	hlt
	EXIT 99
END priv

/* stackov: push until the stack runs into the unmapped page below it. */
PROG stackov
1:	push %rax
	jmp 1b
END stackov

/* kstack: ask the kernel to overflow this thread's kernel stack (must be fatal). */
PROG kstack
	SYS SYSCALL_TEST_KSTACK
	EXIT 99
END kstack

/*
 * spin: fill XMM0-15 (and the YMM upper halves of 0 and 15 when AVX is usable) with
 * the pid, and when the CPU has FSGSBASE set the FS and GS bases to pid-derived
 * values; spin SPIN_OUTER x SPIN_INNER iterations checking them all; exit 0 if they
 * always held, 1 if another process's vector state leaked in, 2 for the bases.
 */
#define SPIN_OUTER 60
#define SPIN_INNER 1000000
PROG spin
	mov %rsi, %r14                  /* pid: the pattern */
	xor %r13d, %r13d                /* 1 when AVX is usable */
	mov $1, %eax
	xor %ecx, %ecx
	cpuid
	bt $27, %ecx                    /* OSXSAVE */
	jnc 1f
	bt $28, %ecx                    /* AVX */
	jnc 1f
	xor %ecx, %ecx
	xgetbv
	and $6, %eax
	cmp $6, %eax                    /* XCR0: SSE and AVX state enabled */
	jne 1f
	mov $1, %r13d
1:	xor %r15d, %r15d                /* 1 when FSGSBASE is usable */
	xor %eax, %eax
	cpuid
	cmp $7, %eax
	jb 1f
	mov $7, %eax
	xor %ecx, %ecx
	cpuid
	bt $0, %ebx                     /* FSGSBASE (the kernel enables it when present) */
	jnc 1f
	mov $1, %r15d
	mov %r14, %rax
	shl $12, %rax
	wrfsbase %rax                   /* FS base = pid << 12 */
	shl $1, %rax
	wrgsbase %rax                   /* GS base = pid << 13 */
1:	movq %r14, %xmm0
	punpcklqdq %xmm0, %xmm0
	movdqa %xmm0, %xmm1
	movdqa %xmm0, %xmm2
	movdqa %xmm0, %xmm3
	movdqa %xmm0, %xmm4
	movdqa %xmm0, %xmm5
	movdqa %xmm0, %xmm6
	movdqa %xmm0, %xmm7
	movdqa %xmm0, %xmm8
	movdqa %xmm0, %xmm9
	movdqa %xmm0, %xmm10
	movdqa %xmm0, %xmm11
	movdqa %xmm0, %xmm12
	movdqa %xmm0, %xmm13
	movdqa %xmm0, %xmm14
	movdqa %xmm0, %xmm15
	test %r13d, %r13d
	jz 2f
	vinsertf128 $1, %xmm0, %ymm0, %ymm0
	vinsertf128 $1, %xmm15, %ymm15, %ymm15
2:	mov $SPIN_OUTER, %r12d
3:	mov $SPIN_INNER, %ecx
4:	dec %ecx
	jnz 4b
	movq %xmm0, %rax
	cmp %r14, %rax
	jne 9f
	movq %xmm15, %rax
	cmp %r14, %rax
	jne 9f
	pshufd $0xee, %xmm7, %xmm2      /* high quadword of xmm7 */
	movq %xmm2, %rax
	cmp %r14, %rax
	jne 9f
	test %r13d, %r13d
	jz 5f
	vextractf128 $1, %ymm0, %xmm3
	movq %xmm3, %rax
	cmp %r14, %rax
	jne 9f
	vextractf128 $1, %ymm15, %xmm3
	movq %xmm3, %rax
	cmp %r14, %rax
	jne 9f
5:	test %r15d, %r15d
	jz 6f
	mov %r14, %rbx
	shl $12, %rbx
	rdfsbase %rax
	cmp %rbx, %rax
	jne 8f
	shl $1, %rbx
	rdgsbase %rax
	cmp %rbx, %rax
	jne 8f
6:	dec %r12d
	jnz 3b
	EXIT 0
8:	EXIT 2
9:	EXIT 1
END spin

/* badptr: each test syscall must return exactly `expect`; exit `code` on the first
 * that does not, 0 when all do. */
.macro CHECK nr, expect, code
	SYS \nr
	cmp $\expect, %rax
	je 1f
	EXIT \code
1:
.endm

PROG badptr
	movabs $0x0807060504030201, %rax
	push %rax
	mov %rsp, %rdi                  /* valid: sum of bytes 1..8 */
	mov $8, %esi
	CHECK SYSCALL_TEST_COPYIN, 36, 11
	movabs $0xffff800000000000, %rdi /* kernel half (direct map) */
	mov $8, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 12
	mov $0x10000000, %edi           /* user window, unmapped: fault fixup */
	mov $8, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 13
	movabs $0x7fffffffeff8, %rdi    /* straddles the end of the user window */
	mov $16, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 14
	mov $-8, %rdi                   /* wraps around 2^64 */
	mov $16, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 15
	movabs $(UTEST_ASM_USER_STACK_TOP - 8), %rdi /* half mapped (stack top): fixup mid-copy */
	mov $16, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 16
	movabs $0x800000000000, %rdi    /* first non-canonical address */
	mov $1, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 17
	mov $0x3ffff8, %edi             /* null guard, straddling into the window */
	mov $8, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 18
	lea utest_prog_badptr_start(%rip), %rdi /* own text: read-only for copyout */
	mov $8, %esi
	CHECK SYSCALL_TEST_COPYOUT, ERR_BAD_ADDRESS, 19
	sub $64, %rsp                   /* valid copyout: bytes 1..8 */
	movq $0, (%rsp)
	mov %rsp, %rdi
	mov $8, %esi
	CHECK SYSCALL_TEST_COPYOUT, 0, 20
	movabs $0x0807060504030201, %rax
	cmp %rax, (%rsp)
	je 1f
	EXIT 21
1:	movabs $0xffffffff80100000, %rdi /* kernel text */
	mov $8, %esi
	CHECK SYSCALL_TEST_COPYOUT, ERR_BAD_ADDRESS, 22
	mov %rsp, %rdi                  /* over the per-call bound */
	mov $65, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_INVALID, 23
	movq $0x0b0a09, 8(%rsp)         /* valid, not a quadword multiple: bytes 1..11 */
	mov %rsp, %rdi
	mov $11, %esi
	CHECK SYSCALL_TEST_COPYIN, 66, 25
	movabs $(UTEST_ASM_USER_STACK_TOP - 8), %rdi /* a quadword, then the byte tail faults */
	mov $9, %esi
	CHECK SYSCALL_TEST_COPYIN, ERR_BAD_ADDRESS, 26
	mov $0x1234, %eax               /* unknown syscall number */
	syscall
	cmp $ERR_BAD_SYSCALL, %rax
	je 1f
	EXIT 24
1:	EXIT 0
END badptr

/* sleeper: block 50 ms through the scheduler; the timeout must end it (result 0). */
PROG sleeper
	mov $50000000, %edi
	CHECK SYSCALL_TEST_SLEEP, 0, 11
	EXIT 0
END sleeper

/* waiter: block with no deadline; only a wake ends it (result 1). */
PROG waiter
	CHECK SYSCALL_TEST_WAIT, 1, 11
	EXIT 0
END waiter

/* waker: wake tid 1, retrying while it is not blocked yet (a preemption may let the
 * waker run first; up to WAKE_TRIES spins of 1M iterations), then wake it again (no
 * longer blocked: NOT_FOUND) and an unknown tid. */
#define WAKE_TRIES 1000
PROG waker
	mov $WAKE_TRIES, %r12d
2:	mov $1000000, %ecx
1:	dec %ecx
	jnz 1b
	mov $1, %edi
	mov $SYSCALL_TEST_WAKE, %eax
	syscall
	test %rax, %rax
	jz 3f
	dec %r12d
	jnz 2b
	EXIT 11
3:	mov $1, %edi
	CHECK SYSCALL_TEST_WAKE, UTEST_ASM_ERR_NOT_FOUND, 12
	mov $999, %edi
	CHECK SYSCALL_TEST_WAKE, UTEST_ASM_ERR_NOT_FOUND, 13
	EXIT 0
END waker

/*
 * regs: the SYSCALL exit leaves no kernel value in a register. Every GPR but RAX,
 * RCX and R11 holds a distinct pattern (RDI/RSI: cap_enter's zero arguments) across
 * cap_enter(0, 0) on the empty ring (result 0), an unknown number (BAD_SYSCALL) and
 * a copy syscall that faults (BAD_ADDRESS, the fixup path); afterwards each must be
 * unchanged, RCX must be the return address and R11 the RFLAGS SYSCALL saw. Exit
 * 0, or 40 + 16 * round + the index of the first wrong register.
 */
.macro REGS_SET a0, a1
	pushfq                          /* only flag-preserving movs until the SYSCALL */
	movabs $0x1111111111111101, %rbx
	movabs $0x2222222222222202, %rbp
	movabs $\a0, %rdi
	movabs $\a1, %rsi
	movabs $0x3333333333333303, %rdx
	movabs $0x4444444444444404, %r8
	movabs $0x5555555555555505, %r9
	movabs $0x6666666666666606, %r10
	movabs $0x7777777777777707, %r12
	movabs $0x8888888888888808, %r13
	movabs $0x9999999999999909, %r14
	movabs $0xaaaaaaaaaaaaaa0a, %r15
.endm

.macro REGS_IS reg, value, code
	movabs $\value, %rax
	cmp %rax, \reg
	je 1f
	EXIT \code
1:
.endm

.macro REGS_ROUND nr, a0, a1, expect, base
	REGS_SET \a0, \a1
	mov $\nr, %eax
	syscall
2:	cmp $\expect, %rax
	je 1f
	EXIT \base
1:	lea 2b(%rip), %rax
	cmp %rax, %rcx
	je 1f
	EXIT \base + 1
1:	pop %rax                        /* the pushed RFLAGS */
	cmp %rax, %r11
	je 1f
	EXIT \base + 2
1:	REGS_IS %rbx, 0x1111111111111101, \base + 3
	REGS_IS %rbp, 0x2222222222222202, \base + 4
	REGS_IS %rdi, \a0, \base + 5
	REGS_IS %rsi, \a1, \base + 6
	REGS_IS %rdx, 0x3333333333333303, \base + 7
	REGS_IS %r8, 0x4444444444444404, \base + 8
	REGS_IS %r9, 0x5555555555555505, \base + 9
	REGS_IS %r10, 0x6666666666666606, \base + 10
	REGS_IS %r12, 0x7777777777777707, \base + 11
	REGS_IS %r13, 0x8888888888888808, \base + 12
	REGS_IS %r14, 0x9999999999999909, \base + 13
	REGS_IS %r15, 0xaaaaaaaaaaaaaa0a, \base + 14
.endm

PROG regs
	REGS_ROUND UTEST_ASM_SYS_CAP_ENTER, 0, 0, 0, 40
	REGS_ROUND 0x1234, 0, 0, ERR_BAD_SYSCALL, 56
	REGS_ROUND SYSCALL_TEST_COPYIN, 0x10000000, 8, ERR_BAD_ADDRESS, 72
	EXIT 0
END regs

/*
 * sysbench: SYSBENCH_N null system calls (number 0, CAPOS_SYS_INVALID, answered
 * CAPOS_ERR_RING_BAD_SYSCALL) timed with rdtsc; exits with the TSC ticks per call,
 * loop included. Under `-icount shift=0` one tick is one guest instruction, so the
 * exit code is the instruction count of a SYSCALL round trip (bench/kproc.mk).
 */
#define SYSBENCH_N 1000
PROG sysbench
	mov $SYSBENCH_N, %r12d
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	mov %rdx, %r13
1:	xor %eax, %eax
	syscall
	dec %r12d
	jnz 1b
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %r13, %rax
	xor %edx, %edx
	mov $SYSBENCH_N, %ecx
	div %rcx
	mov %rax, %rdi
	SYS UTEST_ASM_SYS_EXIT
	ud2
END sysbench
