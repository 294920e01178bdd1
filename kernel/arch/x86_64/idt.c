/*
 * The IDT: one interrupt gate per vector 0-255 pointing at trap_entry.S's stubs.
 * Exceptions and interrupts alike run with interrupts disabled (interrupt gates).
 * NMI, double fault and machine check switch to their IST stacks (gdt.c). One IDT
 * for all CPUs: the BSP fills it, each AP loads it (idt_load).
 */
#include <arch/cpu.h>
#include <arch/smp.h>
#include <arch/trap.h>

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;	   /* bits 0-2: IST slot, 0 = none */
	uint8_t type_attr; /* P | DPL | type */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

#define GATE_INTERRUPT_DPL0 0x8E

static struct idt_gate idt[256] __attribute__((aligned(16)));

static void idt_set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
	idt[vector] = (struct idt_gate){
		.offset_lo = (uint16_t)handler,
		.selector = GDT_KERNEL_CODE,
		.ist = (uint8_t)ist,
		.type_attr = GATE_INTERRUPT_DPL0,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_hi = (uint32_t)(handler >> 32),
	};
}

static unsigned idt_ist_for(unsigned vector)
{
	switch (vector) {
	case 2:
		return IST_NMI;
	case 8:
		return IST_DF;
	case 18:
		return IST_MC;
	default:
		return 0;
	}
}

void idt_load(void)
{
	struct desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt };
	lidt(&p);
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, trap_stub_table[v], idt_ist_for(v));
	idt_load();
}
