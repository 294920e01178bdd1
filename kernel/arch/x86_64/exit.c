/*
 * Ending a run: halting the CPU and QEMU's isa-debug-exit device (port 0xF4, 4 bytes),
 * which makes QEMU exit with host status (v << 1) | 1. Statuses are documented in
 * kernel/arch.h (ARCH_EXIT_SUCCESS / ARCH_EXIT_FAILURE).
 */
#include <arch/io.h>
#include <kernel/arch.h>

#define DEBUG_EXIT_PORT 0xF4

_Noreturn void arch_halt_forever(void)
{
	for (;;) {
		cpu_cli();
		cpu_hlt();
	}
}

_Noreturn void arch_debug_exit(uint32_t status)
{
	outl(DEBUG_EXIT_PORT, status);
	arch_halt_forever();
}
