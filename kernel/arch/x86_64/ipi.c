/*
 * Inter-processor interrupts for the portable kernel (arch.h "smp" block). Placeholder
 * until the AP bring-up lands: with only the boot CPU online no IPI is ever sent.
 */
#include <kernel/arch.h>
#include <kernel/panic.h>

#include <arch/platform.h>

void arch_ipi_send(uint32_t cpu_index, unsigned vector)
{
	panic("ipi: vector %#x to cpu %u, but only the boot CPU is online", vector, cpu_index);
}

void arch_irq_eoi(void)
{
	lapic_eoi();
}
