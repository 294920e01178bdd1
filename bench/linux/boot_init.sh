#!/bin/busybox sh
# /init of the Linux boot benchmark guest (packed by bench/boot.mk, booted by
# bench/boot/boot_bench.py; docs/benchmarks.md "Boot to the shell prompt").
# The Linux counterpart of capOS booting to its shell: the kernel log stays on COM1
# (console=ttyS0) and the interactive busybox shell gets the user terminal, COM2
# (/dev/ttyS1), as capos-shell does. Nothing else runs: no /proc or /sys mounts, no
# services, so the figure is the cheapest way this kernel reaches a shell prompt.
#
# Before the shell, /bench/boot_tsc prints `boot-tsc N` (the guest TSC) on COM2: the
# in-guest cross-check of the host's instruction count. The kernel command-line word
# `bootcheck=idle` (handed to init as an environment variable) adds the idle
# experiment: TSC, `sleep 1`, TSC, which shows that under -icount sleep=off the TSC
# counts idle time as well as instructions while QMP's query-replay does not.
tty=/dev/ttyS1
if [ "$bootcheck" = idle ]; then
	/bench/boot_tsc >$tty
	/bin/busybox sleep 1
fi
/bench/boot_tsc >$tty
PS1='linux-sh$ ' exec /bin/busybox sh -i <$tty >$tty 2>&1
