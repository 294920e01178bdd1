/*
 * Boot self-tests selected by the kernel command line word `selftest=<name>`:
 *   pf          page fault (expect "[trap] fault: vector 14 #PF", cr2 0x00000dead0000000)
 *   gp          general protection fault (expect "[trap] fault: vector 13 #GP")
 *   df          double fault via a #PF on an unusable stack ("vector 8 #DF", IST stack)
 *   stack       recurse until the boot stack hits its guard page: the #PF cannot be
 *               delivered on the exhausted stack, so expect "vector 8 #DF" (IST) with
 *               cr2 inside the guard page
 *   nmi         wait (interrupts on, halting between timer ticks) up to
 *               SELFTEST_NMI_WAIT_TICKS for an NMI from outside (the QEMU monitor's
 *               `nmi` / QMP `inject-nmi`); expect "[trap] nmi on ist stack: ..." and
 *               the boot to continue to a clean shutdown. No NMI in time is a panic
 *               (CAPOS_ERR_SELFTEST_NO_NMI), so the test cannot pass by doing nothing.
 * The memory self-tests (stackguard, heap-double-free, heap-overflow) are kmem's
 * (mm_selftest() in kernel/mm.h); kmain tries kboot's names first, then kmem's.
 * Each fault test ends the run through the trap handler with the failure status (host
 * 35); the QEMU tests check the exact vector line. Reaching the next boot step means the
 * test failed and is reported as a panic without any "[trap]" line. The nmi test is the
 * exception: an NMI is not fatal, so it returns and the boot goes on.
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

/* Known self-test names, for lookup (pure; host-tested). */
enum selftest_kind {
	SELFTEST_NONE,
	SELFTEST_PF,
	SELFTEST_GP,
	SELFTEST_DF,
	SELFTEST_STACK,
	SELFTEST_NMI,
};

/* How long selftest=nmi waits for the NMI, in timer ticks (3 s at 100 Hz). */
#define SELFTEST_NMI_WAIT_TICKS 300

/*
 * Which of kboot's self-tests `cmdline` asks for. *out = SELFTEST_NONE when there is
 * no `selftest` word. Errors: CAPOS_ERR_INVALID (`selftest` given as a bare flag,
 * with an empty value or with a name that is not kboot's, which may be kmem's);
 * *out is then SELFTEST_NONE.
 */
int selftest_from_cmdline(const char *cmdline, enum selftest_kind *out);

/*
 * Run self-test `k` (kernel only), after platform bring-up (the nmi test needs the
 * timer). Never returns for a fault test that works; returns for SELFTEST_NONE and for
 * a passed SELFTEST_NMI.
 */
void selftest_run(enum selftest_kind k);

#endif
