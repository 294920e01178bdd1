/*
 * Portable side of SMP bring-up (kernel/smp.c, docs/smp.md): kmain starts the other
 * CPUs after proc_init, each AP gets an idle thread and its own run queues and idles
 * (the scheduler does not give APs threads yet), and the selftest= scenarios that
 * need every CPU run once they are up.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>

struct boot_info;

/* The APIC id selftest=smpghost adds as a CPU that does not exist. */
#define SMP_GHOST_APIC_ID 0x7fu

/*
 * Start every other CPU (arch_smp_start, limit from `cpus=N` on the command line),
 * check every online CPU's timer ticks ("[smp] timers: ..." or an "[smp] error:" line
 * per silent CPU), then run an SMP self-test if selftest= names one (a failed one
 * panics). A bad cpus= value ends the run with "[smp] error: ..." and the failure
 * status. Call once from kmain after proc_init, interrupts disabled.
 */
void smp_boot(const struct boot_info *bi);

/* Whether the command line's selftest= names an SMP self-test (ipi, oneshot, appanic,
 * smpghost), which smp_boot runs later (pure, for kmain's early dispatch). */
bool smp_selftest_known(const char *cmdline);

#endif
