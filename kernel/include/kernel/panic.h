/*
 * panic(): the kernel's last word for an internal invariant broken beyond repair. It
 * prints "[panic] message", a symbolized frame-pointer backtrace of the caller, and ends
 * the run with the failure status (ARCH_EXIT_FAILURE, QEMU host status 35). Bad user
 * input must never get here: it returns a typed error instead.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like panic(), but backtrace from the given frame (trap handlers). */
_Noreturn void panic_at(uint64_t rip, uint64_t rbp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Whether a panic has started (fault handlers use it to avoid recursion). */
bool panic_in_progress(void);

#endif
