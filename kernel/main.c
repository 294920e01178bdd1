/*
 * kmain: the portable kernel's entry, reached from boot.S in long mode on the boot
 * stack with interrupts disabled. Bring-up order, each step relying on the previous:
 *   1. console (COM1 log, COM2 terminal) and the "[boot] capOS" banner   [kboot]
 *   2. CPU: GDT/TSS/IST, IDT, NX/SMEP/SMAP/UMIP/WP; faults reported from here [kboot]
 *   3. boot information, frame allocator, final page tables, heap       [kmem]
 *   4. platform: ACPI/MADT, interrupt controllers, timers               [kplat]
 *   5. boot self-tests requested with selftest=<name> (fault tests end the run)
 *   6. processes: per-CPU data, SYSCALL, extended state, scheduler with kmain's
 *      context as the idle thread; the other CPUs brought up, each idling on its
 *      own idle thread, and the SMP self-tests (kernel/smp.h)                 [smp]
 *      the kernel CSPRNG's self-test and seeding
 *      (kernel/krng.h); a utest=<name> scenario runs its user programs
 *      until every process is gone                                          [kproc]
 *   7. otherwise init: the process the boot manifest names, with the caps it lists,
 *      run until every process is gone (kernel/proc/kinit.c)               [kinit]
 * kmain then ends the run with "[boot] shutdown: ok" and ARCH_EXIT_SUCCESS, or, if
 * init could not start, exited non-zero, was killed or leaked frames, with
 * "[boot] error: init failed ..." and ARCH_EXIT_FAILURE. The harness keys on the
 * banner, the shutdown line, "[panic]" and "[trap]" lines.
 */
#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/boot.h>
#include <kernel/cmdline.h>
#include <kernel/kcharge.h>
#include <kernel/kstack.h>
#include <kernel/frame.h>
#include <kernel/ksyms.h>
#include <kernel/log.h>
#include <kernel/manifest.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <kernel/kbench.h>
#include <kernel/kinit.h>
#include <kernel/klock.h>
#include <kernel/krng.h>
#include <kernel/utest.h>
#include <kernel/version.h>

/* Backtraces need the embedded table; say at boot whether it is usable. */
static void boot_report_ksyms(void)
{
	const struct ksyms_table *t;
	int r = ksyms_kernel_table(&t);
	if (r == CAPOS_OK)
		klog("boot", "symbol table: %u symbols", t->count);
	else
		klog("boot", "symbol table unusable (%s); backtraces unsymbolized",
		     capos_error_name(r));
}

/*
 * Platform bring-up (kplat), then prove the timer interrupt works: enable interrupts,
 * wait for BOOT_TIMER_TICKS ticks (bounded by the TSC, so a dead timer fails instead
 * of hanging), and disable them again until there is something to schedule.
 * `selftest=deadtimer` stops the timer first, to prove that failure path.
 */
#define BOOT_TIMER_TICKS 10
#define BOOT_TIMER_TIMEOUT_MS 2000

/*
 * selftest=deadtimer: stop the running timer the way a dead one looks. First hold
 * interrupts off for BOOT_DEADTIMER_LATCH_TICKS tick periods, so a tick is always
 * latched in the interrupt controller when the timer stops (what a slow host does by
 * chance): the stopped timer must count it as no tick, or the wait below would take
 * it as proof of life and halt forever.
 */
#define BOOT_DEADTIMER_LATCH_TICKS 3

static void boot_stop_timer(void)
{
	uint64_t until =
		arch_clock_ns() + BOOT_DEADTIMER_LATCH_TICKS * 1000000000ull / arch_timer_hz();

	while (arch_clock_ns() < until)
		;
	klog("timer", "selftest: timer stopped; the tick wait must fail, not hang");
	arch_timer_stop();
}

static void boot_platform(const struct boot_info *bi)
{
	int err = arch_platform_init(bi->rsdp, bi->rsdp_len);
	if (err != CAPOS_OK)
		panic("platform bring-up failed: %s (%d)", capos_error_name(err), err);
	if (cmdline_value_is(bi->cmdline, "selftest", "deadtimer"))
		boot_stop_timer();
	arch_irq_enable();
	err = arch_timer_wait_ticks(BOOT_TIMER_TICKS, BOOT_TIMER_TIMEOUT_MS);
	arch_irq_disable();
	if (err != CAPOS_OK)
		panic("timer: %s after %llu ticks", capos_error_name(err),
		      (unsigned long long)arch_timer_ticks());
	klog("timer", "ticking: %llu ticks", (unsigned long long)arch_timer_ticks());
}

static struct boot_info kmain_boot_info; /* normalized copy; loader memory is reused */

/*
 * selftest=<name> on the command line: run it (a fault test ends the run; the nmi
 * test returns and the boot goes on to its clean shutdown). kboot's tests
 * (kernel/selftest.h) first, then kmem's (mm_selftest: stackguard, heap-*). kplat's
 * deadtimer ran (and must have panicked) in boot_platform(). A name nobody knows is a
 * boot error, so a typo cannot silently skip a test.
 */
static void boot_selftest(const char *cmdline)
{
	enum selftest_kind k;
	if (selftest_from_cmdline(cmdline, &k) == CAPOS_OK) {
		selftest_run(k); /* returns only for SELFTEST_NONE and a passed nmi test */
		return;
	}
	mm_selftest(cmdline);
	if (cmdline_value_is(cmdline, "selftest", "deadtimer"))
		panic("selftest deadtimer: the stopped timer went unnoticed");
	if (smp_selftest_known(cmdline))
		return; /* runs once every CPU is up (smp_boot) */
	klog("selftest", "error: unknown or empty selftest= value (kboot's: pf gp df stack nmi; "
			 "kmem's: docs/memory.md; kplat's: deadtimer; smp's: ipi oneshot appanic "
			 "smpghost)");
	arch_debug_exit(ARCH_EXIT_FAILURE);
}

static const char *boot_protocol_name(uint32_t magic)
{
	switch (magic) {
	case ARCH_BOOT_MAGIC_MB2:
		return "multiboot2";
	case ARCH_BOOT_MAGIC_MB1:
		return "multiboot1";
	default:
		return NULL;
	}
}

/*
 * [kinit] Start init from the boot manifest unless a utest=/bench= scenario ran
 * instead (those replace init). A failed init is a failed boot: the error line names
 * what went wrong and the run exits with the failure status (never a hang).
 */
static void boot_init(const char *cmdline)
{
	int64_t status = -1;
	int err;

	if (cmdline_has(cmdline, "utest") || cmdline_has(cmdline, "bench"))
		return;
	err = boot_manifest_status(); /* the decoder's verdict, logged by boot_info_load */
	if (err != CAPOS_OK) {
		klog("boot", "error: boot manifest rejected (%s, %d): init cannot start",
		     capos_error_name(err), err);
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	err = kinit_run(&kmain_boot_info, &status);
	if (err != CAPOS_OK) {
		klog("boot", "error: init failed (%s, %d); see the [init] lines",
		     capos_error_name(err), err);
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	if (status != 0) {
		klog("boot", "error: init exited with status %lld (not 0): failed boot",
		     (long long)status);
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
}

_Noreturn void kmain(uint32_t boot_magic, uint64_t boot_info_phys)
{
	arch_console_init();
	/* The loader may leave its own output mid-line (GRUB under UEFI ends with a bare
	 * CR): start the banner on a fresh line so "[boot] capOS" begins a line. */
	klog_raw("\n");
	const char *proto = boot_protocol_name(boot_magic);
	klog("boot", "capOS %s x86_64 (%s, boot info at %#llx)", CAPOS_VERSION,
	     proto ? proto : "unknown loader", (unsigned long long)boot_info_phys);
	if (proto == NULL)
		panic("unrecognised boot loader magic %#x", boot_magic);
	klog("boot", "console: COM1 kernel log, COM2 user terminal %s",
	     arch_terminal_present() ? "present" : "absent");

	/* ---- kboot: CPU set-up ---- */
	arch_cpu_init();
	boot_report_ksyms();

	/* ---- kmem: boot information, frames, final page tables, heap ---- */
	if (boot_info_load(boot_magic, boot_info_phys, &kmain_boot_info) != CAPOS_OK)
		arch_debug_exit(ARCH_EXIT_FAILURE);
	int mm_err = mm_init(&kmain_boot_info);
	if (mm_err != CAPOS_OK) {
		klog("mm", "error: memory bring-up failed (%s, %d)", capos_error_name(mm_err),
		     mm_err);
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	mm_err = kmem_reserve_configure(kmain_boot_info.cmdline); /* kreserve=<frames> */
	if (mm_err != CAPOS_OK) {
		klog("mm", "error: kreserve= not a frame count up to %u (%s)", KCHARGE_RESERVE_MAX,
		     capos_error_name(mm_err));
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	mm_err = kstack_configure(kmain_boot_info.cmdline); /* threads=<count> */
	if (mm_err != CAPOS_OK) {
		klog("proc", "error: threads= not a thread count from 1 to %u (%s)", KSTACK_SLOTS,
		     capos_error_name(mm_err));
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}

	/* ---- kplat: ACPI, interrupt controllers, timer calibration, periodic tick
	 * (after memory: it maps MMIO; handles its own selftest=deadtimer) ---- */
	boot_platform(&kmain_boot_info);

	/* ---- boot self-tests (selftest=<name>, kernel/selftest.h); each ends the run ---- */
	boot_selftest(kmain_boot_info.cmdline);

	klog("boot", "ready: %u cpu(s), %llu KiB free, timer %u Hz", arch_platform_cpu_count(),
	     (unsigned long long)(frame_free_count() * FRAME_SIZE / 1024), arch_timer_hz());

	/* ---- kproc: processes and the scheduler; utest= scenarios run to completion ---- */
	int proc_err = proc_init();
	if (proc_err != CAPOS_OK)
		panic("process bring-up failed: %s (%d)", capos_error_name(proc_err), proc_err);
	/* From here kmain works on kernel objects like a system call: under the kernel lock
	 * (kernel/klock.h), which the idle loop of sched_run_until_idle lets go of. */
	klock_acquire();
	smp_boot(&kmain_boot_info);	    /* [smp] the other CPUs: online, ticking, scheduling */
	krng_init(kmain_boot_info.cmdline); /* [entropy] self-test, seeding (entropy=nohw) */
	utest_run(&kmain_boot_info);
	kbench_run(&kmain_boot_info); /* [kring] bench= ring workloads (bench/run.py) */
	boot_init(kmain_boot_info.cmdline);

	klog("boot", "shutdown: ok");
	arch_debug_exit(ARCH_EXIT_SUCCESS);
}
