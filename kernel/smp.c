/*
 * Portable SMP entry (kernel/smp.h, kmain_ap* in kernel/arch.h; docs/smp.md): per-AP
 * data (struct percpu, idle thread, run queues) allocated by the BSP before the AP
 * starts, the AP's idle loop, the per-CPU timer check after bring-up and the SMP
 * self-tests' dispatch.
 *
 * Lock legend: [I] written by the BSP before the AP starts, then owned by the AP.
 */
#include <kernel/smp.h>

#include <capos/error.h>
#include <fmt/fmt.h>
#include <kernel/arch.h>
#include <kernel/bootinfo.h>
#include <kernel/cmdline.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/sched.h>

#include <stddef.h>

#define SMP_TICKS_MIN 3	      /* each CPU's ticks the timer check wants to see */
#define SMP_TICK_WAIT_MAX 200 /* boot-CPU ticks it waits at most (2 s) */

/* One AP's portable state, in one allocation. */
struct smp_ap {
	struct percpu pc;	/* [I] first: kmain_ap gets &pc */
	struct thread idle;	/* the AP's idle thread (kmain_ap's context) */
	struct sched_cpu sched; /* its run queues */
};

static const char *const smp_selftests[] = { "ipi", "oneshot", "appanic", "smpghost" };
#define SMP_SELFTEST_COUNT (sizeof(smp_selftests) / sizeof(smp_selftests[0]))

struct percpu *kmain_ap_alloc(uint32_t cpu_index)
{
	struct smp_ap *a = kzalloc(sizeof(*a));

	if (a == NULL)
		return NULL;
	a->pc.cpu_index = cpu_index;
	return &a->pc;
}

_Noreturn void kmain_ap(struct percpu *pc)
{
	struct smp_ap *a = (struct smp_ap *)((char *)pc - offsetof(struct smp_ap, pc));

	a->idle.magic = THREAD_MAGIC;
	a->idle.kstack.slot = -1;
	arch_thread_init_current(&a->idle.arch);
	sched_cpu_online(&a->sched, &a->idle);
	klog("smp", "cpu %u (apic id %u) online", pc->cpu_index, arch_cpu_apic_id(pc->cpu_index));
	arch_ap_online();
	sched_idle_loop(); /* runs threads from here on; halts when there are none */
}

/* Whether every online CPU took SMP_TICKS_MIN ticks since `before`. */
static bool smp_all_ticked(const uint64_t *before, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (arch_timer_ticks_cpu(i) < before[i] + SMP_TICKS_MIN)
			return false;
	return true;
}

/*
 * Every online CPU's LAPIC timer must tick: wait (bounded by the boot CPU's ticks) and
 * report per CPU. The boot CPU's tick is already proven alive (kmain's boot wait panics
 * otherwise), so this halts between interrupts instead of spinning for a first tick
 * the way arch_timer_wait_ticks must: each spun tick period cost 10 M guest
 * instructions of boot under -icount (docs/benchmarks.md "Boot to the shell prompt").
 */
static void smp_check_ticks(void)
{
	uint32_t n = arch_cpu_online_count();
	uint64_t before[ARCH_MAX_CPUS], bsp_start = arch_timer_ticks();
	char line[ARCH_MAX_CPUS * 8];
	size_t len = 0;

	for (uint32_t i = 0; i < n; i++)
		before[i] = arch_timer_ticks_cpu(i);
	while (!smp_all_ticked(before, n) && arch_timer_ticks() - bsp_start < SMP_TICK_WAIT_MAX)
		arch_idle_wait(); /* sti; hlt; cli: the check above ran with interrupts off */
	line[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = arch_timer_ticks_cpu(i) - before[i];
		int w = fmt_snprintf(line + len, sizeof(line) - len, " %llu",
				     (unsigned long long)t);
		if (w > 0 && (size_t)w < sizeof(line) - len)
			len += (size_t)w;
		if (t < SMP_TICKS_MIN)
			klog("smp", "error: cpu %u (apic id %u) timer not ticking (%llu ticks)", i,
			     arch_cpu_apic_id(i), (unsigned long long)t);
	}
	klog("smp", "timers: %u cpus, ticks since bring-up:%s", n, line);
}

bool smp_selftest_known(const char *cmdline)
{
	for (size_t i = 0; i < SMP_SELFTEST_COUNT; i++)
		if (cmdline_value_is(cmdline, "selftest", smp_selftests[i]))
			return true;
	return false;
}

static void smp_selftest(const char *cmdline)
{
	for (size_t i = 0; i < SMP_SELFTEST_COUNT; i++) {
		const char *name = smp_selftests[i];
		if (!cmdline_value_is(cmdline, "selftest", name) || i == SMP_SELFTEST_COUNT - 1)
			continue; /* smpghost: its report is the bring-up's own log */
		int err = arch_smp_selftest(name);
		if (err != CAPOS_OK)
			panic("selftest %s: %s (%d)", name, capos_error_name(err), err);
	}
}

void smp_boot(const struct boot_info *bi)
{
	uint64_t max = ARCH_MAX_CPUS;
	int err = cmdline_has(bi->cmdline, "cpus") ? cmdline_get_u64(bi->cmdline, "cpus", &max)
						   : CAPOS_OK;

	if (err != CAPOS_OK || max == 0 || max > ARCH_MAX_CPUS) {
		klog("smp", "error: cpus= must be a CPU count from 1 to %u", ARCH_MAX_CPUS);
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	uint32_t ghost = cmdline_value_is(bi->cmdline, "selftest", "smpghost") ? SMP_GHOST_APIC_ID
									       : UINT32_MAX;
	err = arch_smp_start(bi, (uint32_t)max, ghost);
	if (err != CAPOS_OK)
		klog("smp", "running on the boot CPU only (%s)", capos_error_name(err));
	smp_check_ticks();
	smp_selftest(bi->cmdline);
}
