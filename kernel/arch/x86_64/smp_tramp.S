/*
 * AP start-up trampoline (docs/smp.md). smp_tramp_start..smp_tramp_end is copied by
 * the BSP into a free page T below 1 MiB; the startup IPI's vector is T >> 12, so the
 * AP starts in real mode at CS = T >> 4, IP = 0. The code only uses offsets from the
 * start of the page, plus the parameter block at SMP_TRAMP_PARAMS (arch/smp.h) the BSP
 * fills for each AP: the linear addresses of the far jumps and the GDT, the
 * trampoline page table's root (below 4 GiB; it maps T at T, identity, and shares the
 * kernel half), the EFER bits, the kernel-half entry, the kernel's CR3, the AP's
 * stack top and its struct arch_cpu.
 *
 * 16-bit: load the trampoline GDT, set CR0.PE, far jump to 32-bit code.
 * 32-bit: flat segments; CR4.PAE, CR3 = trampoline root, EFER.LME (+NXE), CR0.PG,
 *         far jump to 64-bit code (still in T, identity-mapped).
 * 64-bit: jump to smp_ap_entry in the kernel half, which switches to the kernel's CR3
 *         and the AP's stack and calls smp_ap_main(arch_cpu).
 * EBX holds T from the first instructions on (its upper half is zeroed in 64-bit
 * mode, where it is undefined after the switch).
 */
#include <arch/smp.h>

#define CR0_PE          0x1
#define CR0_PG          0x80000000
#define CR4_PAE         0x20
#define MSR_EFER        0xC0000080
#define EFER_LME        0x100

	.section .rodata, "a"
	.balign 16
	.globl smp_tramp_start, smp_tramp_end
smp_tramp_start:
	.code16
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	xor %ebx, %ebx
	mov %ax, %bx
	shl $4, %ebx                    /* EBX = T */
	lgdtl SMP_TRAMP_PARAMS + SMP_TP_GDTR
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl *(SMP_TRAMP_PARAMS + SMP_TP_FAR32)

	.code32
smp_tramp_pm32:
	mov $SMP_TSEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov SMP_TRAMP_PARAMS + SMP_TP_CR3(%ebx), %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	or SMP_TRAMP_PARAMS + SMP_TP_EFER(%ebx), %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0
	ljmp *(SMP_TRAMP_PARAMS + SMP_TP_FAR64)(%ebx)

	.code64
smp_tramp_lm64:
	mov %ebx, %ebx                  /* zero-extend T */
	jmp *(SMP_TRAMP_PARAMS + SMP_TP_ENTRY)(%rbx)
smp_tramp_end:

	.globl smp_tramp_pm32_off, smp_tramp_lm64_off
	.balign 4
smp_tramp_pm32_off:
	.long smp_tramp_pm32 - smp_tramp_start
smp_tramp_lm64_off:
	.long smp_tramp_lm64 - smp_tramp_start

/*
 * Kernel-half entry, reached from the trampoline's 64-bit code on the trampoline page
 * table (which shares the kernel half, so this text is mapped). RBX = T, whose
 * parameter block is still identity-mapped until CR3 changes.
 */
	.text
	.globl smp_ap_entry
	.type smp_ap_entry, @function
smp_ap_entry:
	mov (SMP_TRAMP_PARAMS + SMP_TP_STACK)(%rbx), %rsp
	mov (SMP_TRAMP_PARAMS + SMP_TP_ARG)(%rbx), %rdi
	mov (SMP_TRAMP_PARAMS + SMP_TP_KCR3)(%rbx), %rax
	mov %rax, %cr3
	xor %ebp, %ebp                  /* terminates frame-pointer backtraces */
	call smp_ap_main
1:	cli
	hlt
	jmp 1b
	.size smp_ap_entry, . - smp_ap_entry
