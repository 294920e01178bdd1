/*
 * Arch-private per-CPU state for SMP (smp.c, gdt.c, timer.c, ipi.c, trap.c): one
 * struct arch_cpu per CPU index in a static table of ARCH_MAX_CPUS entries (index 0 =
 * the boot CPU), each CPU's own GDT and TSS, the APs' stacks in a dedicated kernel
 * window, and the trampoline's parameter block (shared with smp_tramp.S). Portable
 * code sees only the smp block of kernel/arch.h. Owned by smp.
 *
 * Lock legend: [I] written by the BSP before the CPU starts, then read-only;
 * [C] the owning CPU only (interrupts disabled); [A] atomic (any CPU).
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

/* ---- trampoline (real mode -> long mode), shared with smp_tramp.S ---- */
#define SMP_TRAMP_PARAMS 0xf00 /* offset of the parameter block in the page */
#define SMP_TP_GDTR 0x00       /* u16 limit, u32 base (linear) */
#define SMP_TP_FAR32 0x08      /* u32 offset, u16 selector: protected-mode entry */
#define SMP_TP_FAR64 0x10      /* u32 offset, u16 selector: long-mode entry */
#define SMP_TP_CR3 0x18	       /* u32: trampoline page-table root (< 4 GiB) */
#define SMP_TP_EFER 0x1c       /* u32: EFER bits to set besides LME (NXE) */
#define SMP_TP_ENTRY 0x20      /* u64: kernel-half entry (smp_ap_entry) */
#define SMP_TP_KCR3 0x28       /* u64: the kernel's CR3 */
#define SMP_TP_STACK 0x30      /* u64: the AP's idle stack top */
#define SMP_TP_ARG 0x38	       /* u64: struct arch_cpu * of the AP */
#define SMP_TP_GDT 0x40	       /* 4 descriptors: null, code32, data, code64 */
#define SMP_TP_END 0x60

#define SMP_TSEL_CODE32 0x08
#define SMP_TSEL_DATA 0x10
#define SMP_TSEL_CODE64 0x18

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include <arch/memlayout.h>
#include <kernel/arch.h>

struct percpu;

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3]; /* stack for CPL 0-2 on privilege change */
	uint64_t reserved1;
	uint64_t ist[7]; /* IST1-IST7 stack tops */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iopb_offset; /* >= limit: no I/O permission bitmap */
};
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

#define SMP_GDT_ENTRIES 9 /* up to GDT_CPU_INDEX */

struct arch_cpu {
	uint64_t gdt[SMP_GDT_ENTRIES] __attribute__((aligned(16))); /* [C] after load: TSS busy */
	struct tss64 tss;	       /* [C] RSP0 changes on every switch */
	struct percpu *pc;	       /* [I] portable per-CPU data (GS base) */
	uint32_t apic_id;	       /* [I] */
	uint32_t index;		       /* [I] */
	volatile bool started;	       /* [A] AP reached C code */
	volatile bool online;	       /* [A] AP called arch_ap_online */
	volatile uint64_t ticks;       /* [C] timer interrupts taken */
	volatile uint64_t last_irq_ns; /* [C] arch_clock_ns() at the last timer interrupt */
	bool oneshot;		       /* [C] timer in one-shot mode */
	uint64_t oneshot_deadline;     /* [C] its deadline (arch_clock_ns) */
	volatile bool timer_on;	       /* [C] periodic timer started */
	volatile uint32_t test_ipis;   /* [A] selftest IPIs received */
	volatile uint32_t test_acks;   /* [A] selftest IPIs answered (AP) */
	volatile bool test_panic;      /* [A] selftest: panic in the next test IPI */
	volatile bool test_spam;       /* [A] selftest: log lines in the next test IPI */
};

/* The window holding the APs' stacks (PML4 slot 507): per CPU index a slot of
 * SMP_STACK_STRIDE bytes: [guard][idle][guard][nmi][guard][df][guard][mc]. */
#define SMP_STACK_WINDOW 0xFFFFFD8000000000ull
#define SMP_IDLE_STACK_SIZE 0x4000ull
#define SMP_STACK_STRIDE 0x10000ull
_Static_assert(4 * PAGE_SIZE + SMP_IDLE_STACK_SIZE + 3 * IST_STACK_SIZE <= SMP_STACK_STRIDE,
	       "AP stacks fit their slot");

/* The entry of CPU `index` (< ARCH_MAX_CPUS; its fields are valid once it started). */
struct arch_cpu *smp_cpu(uint32_t index);

/* smp.c: AP `index`'s four stacks are mapped writable and the guard page below each
 * is unmapped. Errors: CAPOS_ERR_SMP_SELFTEST. */
int smp_check_stacks(uint32_t index);

/* This CPU's entry (arch_cpu_index()). */
struct arch_cpu *smp_this_cpu(void);

/* gdt.c: build `c`'s GDT and TSS (IST tops from `ist_top[IST_COUNT]`), load them on
 * this CPU, reload the segment registers (GS base becomes 0). */
void gdt_load_cpu(struct arch_cpu *c, const uint64_t *ist_top);

/* idt.c: load the shared IDT on this CPU (after idt_init on the BSP). */
void idt_load(void);

/* cpu.c: the BSP's protection enables (NX, WP, SMEP, SMAP, UMIP, PGE) on this CPU. */
void cpu_enable_features(void);

/* proc.c: this CPU's SYSCALL MSRs, FSGSBASE, GS base -> pc, extended state. */
void proc_cpu_setup(struct percpu *pc);

/* xstate.c: CR0/CR4/XCR0 for the extended state chosen on the BSP. */
void xstate_cpu_enable(void);

/* lapic.c: enable this CPU's local APIC the way lapic_init did the BSP's (the
 * register window is already mapped; x2APIC mode when the BSP uses it). */
void lapic_init_ap(void);

/* timer.c: start this CPU's periodic tick with the BSP's calibration. */
void timer_start_ap(void);

/* timer.c, the timer interrupt's per-CPU accounting. */
void timer_cpu_tick(struct arch_cpu *c);

/* ipi.c: register the STOP and selftest IPI handlers (BSP, before APs start). */
int ipi_init(void);

/* smptest.c: the VEC_IPI_TEST handler. */
struct arch_trap_frame;
void smptest_ipi_irq(struct arch_trap_frame *tf);

/* ipi.c: NMI handler hook: true if this CPU was asked to stop (it never returns then). */
bool ipi_nmi_stop(void);

/* smp_tramp.S: the trampoline image and the kernel-half entry. */
extern const char smp_tramp_start[], smp_tramp_end[];
void smp_ap_entry(void);
/* smp.c: the first C code on an AP (called by smp_ap_entry on its idle stack). */
_Noreturn void smp_ap_main(struct arch_cpu *c);
#endif

#endif
