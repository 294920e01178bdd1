/*
 * Kernel-driven user-mode tests, before init exists (kernel/proc/utest.c). Booting
 * with `utest=<name>` makes kmain start the scenario's tiny user programs (assembled
 * into the image, kernel/proc/utest_progs.S), run the scheduler until every process
 * has exited or been killed, and check the free-frame count returned to its value
 * before the first process was created. Scenarios:
 *   exit    one process calls exit(7)
 *   fault   #PF, #GP (non-canonical), #UD, #DE, a user read of kernel memory, a
 *           privileged instruction, a user stack overflow: each process is killed; a
 *           last one exits 7
 *   many    exit programs spawned until creation fails: CAPOS_ERR_NO_MEMORY (the kernel
 *           stack slots, e.g. 64 with threads=64, or frames with little RAM; 200
 *           started without a failure fails the scenario), then all of them run and exit
 *   kstack  a test syscall overflows the thread's kernel stack: the guard page makes
 *           it a fatal #DF report (status 35), by design
 *   spin2   two processes spin with their pid in every XMM (and YMM upper) register
 *           and check them: both must finish through preemption, state intact
 *   badptr  the test copy syscalls with kernel, unmapped, straddling, wrapping,
 *           non-canonical, read-only and oversize arguments: exact errors
 *   sleep   one process blocks 50 ms in cap_enter(1, 50 ms) on its empty ring while
 *           another spins
 *   wake    one process blocks with no deadline; another wakes it (sched_wake), then
 *           tries to wake a thread that is not blocked (CAPOS_ERR_NOT_FOUND)
 *   sysbench  1000 null syscalls timed with rdtsc; exit code = ticks per call
 *           (instructions per SYSCALL round trip under -icount shift=0)
 *   elf     the boot module run as a static ELF executable (kernel/load.h): a real
 *           user program (newlib + libcapos) granted a "vm" cap for its heap; a
 *           refused module is logged, not fatal
 *   elf-novm  the same without any cap (malloc must fail with ENOMEM, not crash)
 *   elf-spin  the boot module ELF alongside a spinner (preemption of real programs)
 *   elf-quota the boot module ELF with a 64-frame quota: the load fails with
 *             CAPOS_ERR_NO_MEMORY and every frame comes back
 * The test syscalls (SYSCALL_TEST_*) answer CAPOS_ERR_RING_BAD_SYSCALL in other boots
 * and after the scenario ended, like an unknown number.
 */
#ifndef KERNEL_UTEST_H
#define KERNEL_UTEST_H

#include <stdint.h>

struct boot_info;

/*
 * Runs the scenario named by `utest=` in bi->cmdline, if any, and returns when it is over
 * (the caller then shuts down). An unknown name or a frame-count mismatch ends the run
 * with the failure status. Precondition: proc_init() done.
 */
void utest_run(const struct boot_info *bi);

/* The SYSCALL_TEST_* calls (syscall_dispatch). CAPOS_ERR_RING_BAD_SYSCALL outside a
 * running utest= scenario. */
int64_t utest_syscall(uint64_t nr, const uint64_t args[6]);

#endif
