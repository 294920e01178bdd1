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

/* Like panic(), without the backtrace: for callers that already printed one (the
 * trap handler prints the faulting context's backtrace). */
_Noreturn void panic_no_backtrace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether a panic has started (fault handlers use it to avoid recursion). */
bool panic_in_progress(void);

#endif
