/*
 * Kernel log (kernel/log.h): formats with lib/fmt straight into the console through
 * arch_console_write(), so logging needs no memory allocation and works from the first
 * line of kmain and from fault handlers. Single-CPU for now: concurrent callers on
 * several CPUs would interleave (an SMP issue adds a lock here).
 */
#include <kernel/log.h>

#include <fmt/fmt.h>
#include <kernel/arch.h>

static void console_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	arch_console_write(s, n);
}

static void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(console_sink, NULL, fmt, ap);
	va_end(ap);
}

void vklog(const char *subsys, const char *fmt, va_list ap)
{
	log_printf("[%s] ", subsys);
	if (fmt_vformat(console_sink, NULL, fmt, ap) < 0)
		log_printf(" <bad log format>");
	arch_console_write("\n", 1);
}

void klog(const char *subsys, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vklog(subsys, fmt, ap);
	va_end(ap);
}

void klog_raw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(console_sink, NULL, fmt, ap);
	va_end(ap);
}
