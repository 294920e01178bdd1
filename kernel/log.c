/*
 * Kernel log (kernel/log.h): formats with lib/fmt straight into the console through
 * arch_console_write(), so logging needs no memory allocation and works from the first
 * line of kmain and from fault handlers.
 *
 * SMP: one ticket spinlock (kernel/spinlock.h) around each whole line, taken with
 * interrupts off, so lines from different CPUs never tear. Re-entry on the CPU that
 * holds it (an NMI or a fault in the middle of a line) writes without the lock (the
 * nested line interleaves with the interrupted one, as before SMP) instead of
 * deadlocking. panic() calls klog_panic_enter(): the panicking CPU takes a ticket and
 * waits its turn (at most one line per other CPU; bounded by ~1 s for a CPU that hangs
 * holding the lock) and from then on writes without it, since the other CPUs are
 * stopped, possibly while waiting for it. So no line is cut by the report unless a CPU
 * held the lock for the whole bound, and then the report says so on a line of its own.
 *
 * Lock legend: [L] log_lock; [A] atomic.
 */
#include <kernel/log.h>

#include <fmt/fmt.h>
#include <kernel/arch.h>
#include <kernel/spinlock.h>

#define LOG_NO_CPU UINT32_MAX
#define LOG_PANIC_WAIT_CYCLES 2000000000ull /* ~1 s: the line in progress finishes */

static struct spinlock log_lock = SPINLOCK_INIT;
static uint32_t log_owner = LOG_NO_CPU;	 /* [A] CPU holding log_lock */
static uint32_t log_bypass = LOG_NO_CPU; /* [A] the panicking CPU: writes unlocked */

struct log_hold {
	unsigned long irq;
	bool locked;
};

static struct log_hold log_begin(void)
{
	struct log_hold h = { arch_irq_save(), false };
	uint32_t me = arch_cpu_index();

	if (__atomic_load_n(&log_owner, __ATOMIC_RELAXED) == me ||
	    __atomic_load_n(&log_bypass, __ATOMIC_ACQUIRE) == me)
		return h;
	spin_lock(&log_lock);
	__atomic_store_n(&log_owner, me, __ATOMIC_RELAXED);
	h.locked = true;
	return h;
}

static void log_end(struct log_hold h)
{
	if (h.locked) {
		__atomic_store_n(&log_owner, LOG_NO_CPU, __ATOMIC_RELAXED);
		spin_unlock(&log_lock);
	}
	arch_irq_restore(h.irq);
}

void klog_panic_enter(void)
{
	uint32_t me = arch_cpu_index(), holder = LOG_NO_CPU;
	bool cut = false;
	uint64_t end = arch_cycles() + LOG_PANIC_WAIT_CYCLES;

	if (__atomic_load_n(&log_owner, __ATOMIC_RELAXED) != me) {
		/* A ticket, not spin_trylock: while other CPUs log continuously the lock is
		 * almost never free with nobody queued, so trylock starved for the whole bound
		 * and the report then cut the line in progress (smp-appanic@smp4 under load).
		 * In ticket order this CPU is served after at most one line per other CPU. The
		 * ticket is never given back: after the bound, or once served, the log is ours. */
		uint32_t ticket = spin_ticket(&log_lock);

		while (!spin_ticket_ready(&log_lock, ticket) && arch_cycles() < end)
			arch_cpu_relax();
		cut = !spin_ticket_ready(&log_lock, ticket);
		holder = __atomic_load_n(&log_owner, __ATOMIC_RELAXED);
	}
	/* Held (or given up on after the bound) for good: only this CPU writes now. */
	__atomic_store_n(&log_bypass, me, __ATOMIC_RELEASE);
	if (cut) {
		/* A CPU kept a line open for the whole bound (it hangs with the lock): the
		 * report starts on a fresh line and says the line above it may be cut. */
		arch_console_write("\n", 1);
		klog("panic", "log lock held by cpu %d past the bound: the line above may be cut",
		     holder == LOG_NO_CPU ? -1 : (int)holder);
	}
}

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
	struct log_hold h = log_begin();

	log_printf("[%s] ", subsys);
	if (fmt_vformat(console_sink, NULL, fmt, ap) < 0)
		log_printf(" <bad log format>");
	arch_console_write("\n", 1);
	log_end(h);
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
	struct log_hold h = log_begin();
	va_list ap;

	va_start(ap, fmt);
	fmt_vformat(console_sink, NULL, fmt, ap);
	va_end(ap);
	log_end(h);
}
