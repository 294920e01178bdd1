/*
 * Kernel stack switch, a new thread's first return to user mode, and the SYSCALL
 * entry and exit paths (x86_64).
 *
 * syscall_entry: SWAPGS to this CPU's percpu, park the user RSP, load the thread's
 * kernel stack (percpu.kstack_top), then build the same struct arch_trap_frame
 * trap_entry.S builds (vector ARCH_VEC_SYSCALL, error 0, CS/SS the user selectors,
 * RIP = RCX, RFLAGS = R11), so exit, faults and the scheduler see one frame format.
 * Interrupts stay disabled (SFMASK clears IF) for the whole kernel path.
 *
 * syscall_exit returns with SYSRETQ only when the saved RIP is a canonical user
 * address below USER_ADDR_END: on Intel CPUs SYSRET with a non-canonical RCX raises
 * #GP in ring 0 on the user's stack. Anything else leaves through trap_exit (IRETQ).
 */
#include <arch/trap.h>
#include <kernel/percpu.h>

#define SYSRET_RIP_LIMIT 0x00007ffffffff000

	.text

/* void arch_switch_stacks(uint64_t *save_rsp, uint64_t new_rsp) */
	.globl arch_switch_stacks
	.type arch_switch_stacks, @function
arch_switch_stacks:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size arch_switch_stacks, . - arch_switch_stacks

/* First switch to a new thread lands here with RSP at its prepared trap frame. */
	.globl arch_thread_trampoline
	.type arch_thread_trampoline, @function
arch_thread_trampoline:
	call sched_thread_first_run
	jmp trap_exit
	.size arch_thread_trampoline, . - arch_thread_trampoline

	.globl syscall_entry
	.type syscall_entry, @function
	.p2align 4
syscall_entry:
	swapgs
	mov %rsp, %gs:PERCPU_OFF_USER_RSP
	mov %gs:PERCPU_OFF_KSTACK_TOP, %rsp
	pushq $(GDT_USER_DATA | 3)          /* ss */
	pushq %gs:PERCPU_OFF_USER_RSP       /* rsp */
	pushq %r11                          /* rflags */
	pushq $(GDT_USER_CODE | 3)          /* cs */
	pushq %rcx                          /* rip */
	pushq $0                            /* error code */
	pushq $ARCH_VEC_SYSCALL             /* vector */
	push %rax
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
	xor %ebp, %ebp                      /* backtraces end here */
	/*
	 * syscall_dispatch(a0, a1, a2, nr, a4, a5, a3): arguments 0-2 are still in RDI,
	 * RSI, RDX and 4-5 in R8, R9; the number goes in RCX (the CPU took it for the
	 * return RIP) and argument 3 (R10) on the stack, with a pad word that keeps
	 * the call 16-byte aligned. No GPR is read back from the frame for the call.
	 */
	sub $8, %rsp
	push %r10
	mov %rax, %rcx
	call syscall_dispatch
	add $16, %rsp
	/* exit: SYSRET only to a canonical user RIP (see above), else IRETQ */
	mov TRAP_FRAME_RIP(%rsp), %rcx
	mov $SYSRET_RIP_LIMIT, %r11
	cmp %r11, %rcx
	jae 1f
	/*
	 * Every caller-saved GPR but RAX (the result), RCX (RIP) and R11 (RFLAGS)
	 * comes back from the frame, so no kernel value is left in a register; the RCX
	 * and R11 slots are popped into R11, which is overwritten with RFLAGS below.
	 * R12-R15 and RBX still hold the user's values: nothing above touched them
	 * before the call and syscall_dispatch preserves them (SysV ABI; a thread
	 * switch restores them in arch_switch_stacks), so their slots, which hold the
	 * same values, are skipped. No kernel code writes a syscall frame's registers.
	 */
	add $32, %rsp                       /* r15, r14, r13, r12: preserved */
	pop %r11                            /* replaced by RFLAGS below */
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %r11                            /* the RCX slot: RCX already holds RIP */
	add $16, %rsp                       /* rbx (preserved), rax (holds the result) */
	/* RSP now at the vector slot: error +8, rip +16, cs +24, rflags +32, rsp +40 */
	mov 32(%rsp), %r11
	mov 40(%rsp), %rsp
	swapgs
	sysretq
1:	mov %rax, TRAP_FRAME_RAX(%rsp)      /* IRETQ path: the result from the frame */
	jmp trap_exit
	.size syscall_entry, . - syscall_entry
