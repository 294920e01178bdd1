/*
 * capOS boot entry for x86_64. One ELF64 image carries two loader headers:
 *  - Multiboot2 (GRUB `multiboot2`, the ISO path): information request for the
 *    cmdline, modules, memory map and both ACPI RSDP tags;
 *  - Multiboot1 with the a.out-kludge address fields (flag bit 16), which is what lets
 *    QEMU `-kernel` load an ELF64 file directly (it refuses plain ELF64 Multiboot1).
 *    The kludge copies the file from the header's file offset, so the linker script
 *    keeps `file offset - paddr` constant across PT_LOADs and leaves no NOBITS gap.
 *
 * Both loaders enter _start32 in 32-bit protected mode with paging off, EAX = loader
 * magic, EBX = physical address of the boot information. This file builds the early
 * page tables (identity 0-4 GiB, KERNEL_VMA -> phys 0 for 1 GiB, DIRECT_MAP_BASE ->
 * phys 0-4 GiB; 2 MiB pages), enables PAE, EFER.LME (+NXE when the CPU has NX) and
 * paging, enters 64-bit mode, jumps to the higher half, switches to the boot stack and
 * calls kmain(magic, info_phys). Everything is linked at KERNEL_VMA + phys, so 32-bit
 * code reaches symbols as PHYS(sym) = sym - KERNEL_VMA (R_X86_64_32 relocations).
 *
 * Guard-page hook: boot_stack_guard is a page-aligned, otherwise unused page directly
 * below the boot stack. The early tables still map it (2 MiB pages); kmem's final
 * tables leave it unmapped (it is listed by arch_stack_guard_pages() in
 * kernel/arch.h, with the IST stacks' guards), so a boot-stack overflow becomes a #PF
 * whose delivery fails and escalates to the double-fault handler on its IST stack.
 */
#include <arch/memlayout.h>

#define PHYS(x) ((x) - KERNEL_VMA)

#define MB1_MAGIC       0x1BADB002
#define MB1_FLAGS       0x00010003 /* page-align modules | memory info | a.out kludge */
#define MB2_MAGIC       0xE85250D6
#define MB2_ARCH_I386   0

#define PTE_P           0x1
#define PTE_W           0x2
#define PTE_PS          0x80

#define CR0_PE          (1 << 0)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define MSR_EFER        0xC0000080
#define EFER_LME        (1 << 8)
#define EFER_NXE        (1 << 11)
#define CPUID_EXT_LM    (1 << 29)
#define CPUID_EXT_NX    (1 << 20)

#define BOOT_CS         0x08
#define BOOT_DS         0x10

/* ---- loader headers: first bytes of the image (MB1 within 8 KiB, MB2 within 32 KiB) */
	.section .multiboot, "a"
	.balign 8
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long 0x100000000 - (MB1_MAGIC + MB1_FLAGS)
	.long PHYS(mb1_header)          /* header_addr */
	.long PHYS(__image_start)       /* load_addr */
	.long PHYS(__image_end)         /* load_end_addr: the file holds everything */
	.long PHYS(__image_end)         /* bss_end_addr: no NOBITS tail */
	.long PHYS(_start32)            /* entry_addr */

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.balign 8
mb2_info_request:                       /* type 1, required */
	.short 1, 0
	.long mb2_info_request_end - mb2_info_request
	.long 1                         /* boot command line */
	.long 3                         /* modules */
	.long 6                         /* memory map */
	.long 14                        /* ACPI old RSDP */
	.long 15                        /* ACPI new RSDP */
mb2_info_request_end:
	.balign 8
	.short 6, 0                     /* module alignment: page-align modules */
	.long 8
	.balign 8
	.short 0, 0                     /* end tag */
	.long 8
mb2_header_end:

/* ---- 32-bit entry (runs at its physical address, paging off) */
	.section .boot.text, "ax"
	.code32
	.globl _start32
	.type _start32, @function
_start32:
	cli
	cld
	mov %eax, %edi                  /* kmain arg 1: loader magic */
	mov %ebx, %esi                  /* kmain arg 2: boot info physical address */
	mov $PHYS(boot_stack_top), %esp

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $CPUID_EXT_LM, %edx
	jz no_long_mode
	mov %edx, %ebp                  /* keep extended features for the NX test */

	call build_boot_tables

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $PHYS(boot_pml4), %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	test $CPUID_EXT_NX, %ebp
	jz 1f
	or $EFER_NXE, %eax
1:	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0

	lgdt PHYS(boot_gdtr32)
	ljmp $BOOT_CS, $PHYS(start64_low)
	.size _start32, . - _start32

/*
 * Fill the (zeroed, in-image) early tables. The PD array maps phys 0..4 GiB with
 * 2 MiB pages; one PDPT points at all four PDs and serves both the identity map
 * (PML4[0]) and the direct map (PML4[256]); PML4[511]/PDPT[510] maps KERNEL_VMA to the
 * first PD (phys 0..1 GiB).
 */
	.type build_boot_tables, @function
build_boot_tables:
	mov $PHYS(boot_pd), %ebx
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_P | PTE_W | PTE_PS), %eax
	mov %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	mov $PHYS(boot_pdpt_low), %ebx
	mov $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
	xor %ecx, %ecx
2:	mov %eax, (%ebx, %ecx, 8)
	add $0x1000, %eax
	inc %ecx
	cmp $4, %ecx
	jne 2b

	movl $(PHYS(boot_pd) + PTE_P + PTE_W), PHYS(boot_pdpt_high) + 510 * 8

	mov $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
	mov %eax, PHYS(boot_pml4)
	mov %eax, PHYS(boot_pml4) + 256 * 8
	movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), PHYS(boot_pml4) + 511 * 8
	ret
	.size build_boot_tables, . - build_boot_tables

/* No long mode: say so on COM1 and exit QEMU with the failure status. */
no_long_mode:
	mov $PHYS(msg_no_long_mode), %esi
	mov $0x3F8, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	mov $0xF4, %dx
	mov $0x11, %eax
	out %eax, %dx
3:	hlt
	jmp 3b

	.code64
start64_low:
	movabs $start64_high, %rax
	jmp *%rax

/* ---- 64-bit, higher half */
	.text
	.type start64_high, @function
start64_high:
	lgdt boot_gdtr64
	mov $BOOT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp                  /* terminates frame-pointer backtraces */
	mov %edi, %edi                  /* upper halves are undefined after the switch */
	mov %esi, %esi
	call kmain
1:	cli
	hlt
	jmp 1b
	.size start64_high, . - start64_high

	.section .rodata
msg_no_long_mode:
	.asciz "[boot] error: CPU has no long mode\n"

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF        /* 0x10: data, DPL 0 */
boot_gdt_end:

	.balign 8
boot_gdtr32:
	.short boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)
	.balign 8
boot_gdtr64:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

/*
 * ---- early page tables and boot stack. PROGBITS on purpose: zeros stored in the file
 * keep the image free of NOBITS gaps (see the file comment and kernel.ld).
 */
	.section .data.boot, "aw", @progbits
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096 * 4
	.globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
	.skip 4096
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
