/*
 * Ring benchmarks for bench/run.py (kernel/proc/kbench.c): the boot word
 * `bench=NAME[:OPS],...` runs cap-enter-null, ring-nop-b1, ring-nop-b16 and cap-call
 * as user processes and prints `bench NAME ops=N tsc=T tsc_per_op=X` lines on COM1
 * (format: docs/benchmarks.md). Lock legend: boot CPU, before or after the utest run.
 */
#ifndef KERNEL_KBENCH_H
#define KERNEL_KBENCH_H

struct boot_info;

/* Runs the selected workloads to completion; no-op without bench=. */
void kbench_run(const struct boot_info *bi);

#endif
