/*
 * The kernel GDT and this CPU's TSS. Flat 64-bit code/data segments for kernel and user
 * (in the order SYSCALL/SYSRET needs) and a TSS whose IST slots give NMI, double fault
 * and machine check their own stacks, so those are handled even when the current stack
 * is unusable (e.g. a kernel stack overflow into its guard page). Each IST stack has a
 * guard page below it. Every CPU has its own GDT and TSS in its struct arch_cpu
 * (arch/smp.h); the boot CPU's IST stacks are static here (their guards reported
 * through arch_stack_guard_pages() so kmem can unmap them), the APs' live in the SMP
 * stack window (smp.c).
 */
#include <arch/cpu.h>
#include <arch/memlayout.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <kernel/arch.h>
#include <kernel/percpu.h>

/* One IST stack: a guard page (left unmapped by kmem), then the stack itself. */
struct ist_stack {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[IST_STACK_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

static struct ist_stack ist_stacks[IST_COUNT];

#define SEG_CODE64_KERNEL 0x00AF9A000000FFFFull /* P, DPL0, code, L */
#define SEG_DATA_KERNEL 0x00CF92000000FFFFull	/* P, DPL0, data, writable */
#define SEG_DATA_USER 0x00CFF2000000FFFFull	/* P, DPL3, data, writable */
#define SEG_CODE64_USER 0x00AFFA000000FFFFull	/* P, DPL3, code, L */
#define SEG_TSS_AVAILABLE 0x89ull
#define SEG_DATA_KERNEL_BYTES 0x0000920000000000ull /* P, DPL0, data, byte limit */

/* 16-byte 64-bit TSS descriptor at GDT_TSS. */
static void gdt_set_tss(uint64_t *gdt, uint64_t base, uint32_t limit)
{
	uint64_t lo = (limit & 0xFFFFull) | ((base & 0xFFFFFFull) << 16) |
		      (SEG_TSS_AVAILABLE << 40) | ((uint64_t)(limit >> 16 & 0xF) << 48) |
		      (((base >> 24) & 0xFFull) << 56);
	gdt[GDT_TSS / 8] = lo;
	gdt[GDT_TSS / 8 + 1] = base >> 32;
}

/* Reload CS with a far return and the data segment registers. */
static void gdt_reload_segments(void)
{
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %[ds], %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs"
			 :
			 : [cs] "i"(GDT_KERNEL_CODE), [ds] "i"(GDT_KERNEL_DATA)
			 : "rax", "memory");
}

void gdt_load_cpu(struct arch_cpu *c, const uint64_t *ist_top)
{
	struct tss64 *tss = &c->tss;
	uint64_t *gdt = c->gdt;

	for (int i = 0; i < SMP_GDT_ENTRIES; i++)
		gdt[i] = 0;
	gdt[GDT_KERNEL_CODE / 8] = SEG_CODE64_KERNEL;
	gdt[GDT_KERNEL_DATA / 8] = SEG_DATA_KERNEL;
	gdt[GDT_USER_DATA / 8] = SEG_DATA_USER;
	gdt[GDT_USER_CODE / 8] = SEG_CODE64_USER;
	gdt[GDT_CPU_INDEX / 8] = SEG_DATA_KERNEL_BYTES | (c->index & 0xffffu); /* never loaded */
	for (int i = 0; i < IST_COUNT; i++)
		tss->ist[i] = ist_top[i];
	tss->iopb_offset = sizeof(*tss);
	gdt_set_tss(gdt, (uint64_t)(uintptr_t)tss, sizeof(*tss) - 1);

	struct desc_ptr p = { .limit = SMP_GDT_ENTRIES * 8 - 1, .base = (uint64_t)(uintptr_t)gdt };
	lgdt(&p);
	gdt_reload_segments();
	ltr(GDT_TSS);
}

void gdt_init(void)
{
	uint64_t top[IST_COUNT];

	for (int i = 0; i < IST_COUNT; i++)
		top[i] = (uint64_t)(uintptr_t)(ist_stacks[i].stack + IST_STACK_SIZE);
	gdt_load_cpu(smp_cpu(0), top);
}

/* TSS.RSP0 sits 4 bytes into the packed TSS: stored through a packed wrapper. */
struct __attribute__((packed)) gdt_rsp0 {
	uint64_t top;
};

void arch_set_kernel_stack(uint64_t top)
{
	/* The slot's address from this CPU's percpu in one GS load (the switch calls
	 * this on every thread change; proc_cpu_setup stored it). */
	struct gdt_rsp0 *slot;

	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(slot) : "i"(offsetof(struct percpu, tss_rsp0)));
	slot->top = top;
}

uint64_t arch_ist_stack_top(unsigned ist)
{
	if (ist < 1 || ist > IST_COUNT)
		return 0;
	return smp_this_cpu()->tss.ist[ist - 1];
}

extern char boot_stack_guard[];

size_t arch_stack_guard_pages(uint64_t *out, size_t max)
{
	size_t n = 0;
	if (n < max)
		out[n] = (uint64_t)(uintptr_t)boot_stack_guard;
	n++;
	for (int i = 0; i < IST_COUNT; i++, n++) {
		if (n < max)
			out[n] = (uint64_t)(uintptr_t)ist_stacks[i].guard;
	}
	return n;
}
