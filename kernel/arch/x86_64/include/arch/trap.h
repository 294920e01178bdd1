/*
 * The x86_64 trap frame built by trap_entry.S for every exception and interrupt, the
 * segment selectors of the kernel GDT, and the IST slot assignment. Shared by
 * gdt.c, idt.c, trap.c and trap_entry.S (offsets are static_assert-ed against the
 * assembly's push order).
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

/* GDT selectors (layout chosen for SYSCALL/SYSRET: STAR user base 0x18). */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_CODE32 0x18 /* unused placeholder required by SYSRET's layout */
#define GDT_USER_DATA 0x20
#define GDT_USER_CODE 0x28
#define GDT_TSS 0x30	   /* 16-byte system descriptor */
#define GDT_CPU_INDEX 0x40 /* data descriptor whose limit is the CPU index (arch_cpu_index) */

/* IST slots (1-based, as in the IDT gate). */
#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3
#define IST_COUNT 3

#define TRAP_FRAME_SIZE 176
#define TRAP_FRAME_RIP (17 * 8) /* offset of rip in struct arch_trap_frame */
#define TRAP_FRAME_RAX (14 * 8) /* offset of rax */

/* `vector` of frames built by the SYSCALL entry (not an IDT vector). */
#define ARCH_VEC_SYSCALL 256

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lowest address first: GPRs pushed by trap_entry.S, then vector, error code and the
 * hardware interrupt frame. */
struct arch_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;		   /* pushed by the per-vector stub */
	uint64_t error_code;		   /* CPU-pushed, or 0 from the stub */
	uint64_t rip, cs, rflags, rsp, ss; /* hardware frame */
};

_Static_assert(sizeof(struct arch_trap_frame) == TRAP_FRAME_SIZE, "trap frame size");
_Static_assert(offsetof(struct arch_trap_frame, vector) == 15 * 8, "vector offset");
_Static_assert(offsetof(struct arch_trap_frame, rip) == TRAP_FRAME_RIP, "rip offset");
_Static_assert(offsetof(struct arch_trap_frame, rax) == TRAP_FRAME_RAX, "rax offset");

/* Called by trap_entry.S with interrupts disabled on the kernel stack. */
void trap_dispatch(struct arch_trap_frame *tf);

/* gdt.c: load the GDT and TSS on this CPU. */
void gdt_init(void);
/* gdt.c: top (exclusive end) of IST stack `ist` (IST_NMI..IST_MC; each IST_STACK_SIZE
 * bytes), or 0 for a slot that does not exist. */
uint64_t arch_ist_stack_top(unsigned ist);

/* idt.c: fill and load the IDT. */
void idt_init(void);

/* trap_entry.S: the common exit path (restore GPRs, SWAPGS if to CPL 3, IRETQ). */
void trap_exit(void);

/*
 * usercopy.S's exception table: if a kernel-mode fault's RIP is a listed user-access
 * instruction, point tf->rip at its fixup and return true (trap.c).
 */
bool arch_extable_fixup(struct arch_trap_frame *tf);

/* trap_entry.S: address of the entry stub for each vector 0-255. */
extern const uint64_t trap_stub_table[256];
#endif

#endif
