#!/bin/busybox sh
# /init of the Linux benchmark guest (packed by bench/bench.mk, booted by bench/run.py).
# Runs the workloads named by the kernel command-line word `benchsel=NAME[:OPS],...`
# (the kernel hands unknown `key=value` words to init as environment variables), prints
# `bench-guest done rc=N`, and powers off, which makes QEMU exit with status 0.
# Workload lines come from /bench/bench_linux; the grammar is in docs/benchmarks.md.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
if [ -z "$benchsel" ]; then
	echo "bench-guest error: no benchsel= on the kernel command line"
	rc=2
else
	IFS=,
	set -- $benchsel
	unset IFS
	echo "bench-guest start sel=$benchsel"
	/bench/bench_linux "$@"
	rc=$?
fi
echo "bench-guest done rc=$rc"
$bb poweroff -f
