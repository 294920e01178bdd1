/*
 * Interrupt-flag control for this CPU (kernel/arch.h arch_irq_enable/disable).
 */
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
