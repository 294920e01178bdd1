/*
 * The architecture contract: the only way portable kernel code (kernel/ and its subdirectories) reaches
 * CPU-specific code (kernel/arch/x86_64/). Every function here is `arch_`-prefixed and
 * implemented under kernel/arch/<arch>/. kboot owns this header; other areas add
 * declarations in their own marked block below.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- kboot: boot, console, CPU set-up, traps -------------------------------------- */

/* Boot loader magics passed to kmain() in `boot_magic`. */
#define ARCH_BOOT_MAGIC_MB2 0x36D76289u
#define ARCH_BOOT_MAGIC_MB1 0x2BADB002u

/*
 * Guest status values for arch_debug_exit(). Under QEMU's isa-debug-exit device the
 * host sees (v << 1) | 1: success 0x10 -> 33, failure 0x11 -> 35.
 */
#define ARCH_EXIT_SUCCESS 0x10u
#define ARCH_EXIT_FAILURE 0x11u

/* Kernel entry, called by boot.S on the boot stack with interrupts disabled. */
_Noreturn void kmain(uint32_t boot_magic, uint64_t boot_info_phys);

/*
 * Initialise the kernel log console (COM1) and the user terminal port (COM2). Safe to
 * call before anything else; must be called before the first klog().
 */
void arch_console_init(void);

/* Write `n` bytes to the kernel log console (COM1). Never fails; drops bytes if the
 * UART does not drain within a bounded wait. Callers serialise (klog does). */
void arch_console_write(const char *s, size_t n);

/* Stop this CPU for good: interrupts off, hlt loop. */
/* Whether COM2 (the user terminal) answered the loopback probe. */
bool arch_terminal_present(void);

_Noreturn void arch_halt_forever(void);

/*
 * End the run with `status` through the isa-debug-exit port (QEMU). If the device is
 * absent, halts instead, so callers can rely on it not returning.
 */
_Noreturn void arch_debug_exit(uint32_t status);

/* Mask / unmask maskable interrupts on this CPU. */
void arch_irq_disable(void);
void arch_irq_enable(void);

/*
 * Print "[subsys] backtrace:" then one line per frame: `rip` first, then the return
 * addresses found by following saved frame pointers from `rbp` (the frame of the
 * function containing `rip`). Symbolized from the kernel's embedded symbol table when
 * available. Stops at a null, misaligned, non-kernel or non-increasing frame pointer,
 * or after a fixed depth, so a corrupt stack cannot make it loop.
 */
void arch_backtrace(const char *subsys, uint64_t rip, uint64_t rbp);

#endif
