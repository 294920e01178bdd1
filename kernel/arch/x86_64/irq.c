/*
 * Interrupt-flag control for this CPU (kernel/arch.h arch_irq_enable/disable,
 * arch_irq_save/restore).
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <kernel/arch.h>

void arch_irq_disable(void)
{
	cpu_cli();
}

void arch_irq_enable(void)
{
	cpu_sti();
}

unsigned long arch_irq_save(void)
{
	unsigned long flags = read_rflags() & RFLAGS_IF;

	cpu_cli();
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	if (flags & RFLAGS_IF)
		cpu_sti();
}
