/*
 * Kernel log: one line per call, "[subsys] message\n", on COM1 (the kernel console;
 * COM2 is the user terminal). Formatting is lib/fmt's printf subset. The test harness
 * matches these lines, so markers such as "[boot] capOS" are stable interface.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdarg.h>

/*
 * Print "[subsys] " + formatted message + newline as one line. `subsys` is a short
 * lowercase tag ("boot", "cpu", "trap", "mm"). Usable from any context once
 * arch_console_init() has run; lines from different CPUs never tear (a spinlock
 * around each line, interrupts off meanwhile; see kernel/log.c).
 */
void klog(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vklog(const char *subsys, const char *fmt, va_list ap);

/* Print without prefix or newline (multi-part lines such as register dumps). */
void klog_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * panic() only: take the log for the calling CPU for good (in ticket order, so after
 * at most one line per other CPU; bounded by ~1 s), so the panic report is written
 * whole, after whole lines only, even though the stopped CPUs may have been waiting for
 * the lock. If a CPU held the lock for the whole bound, the report starts on a fresh
 * line with "[panic] log lock held by cpu N past the bound: the line above may be cut".
 */
void klog_panic_enter(void);

#endif
