#!/bin/busybox sh
# /init of the Linux guest of the SMP scaling benchmark (packed by bench/smp.mk, booted
# by bench/smp/smp_bench.py with -smp 2 under MTTCG). Runs /bench/smp_linux with the
# configurations named by the kernel command-line word `smpsel=CFG[:ARG],...` (the
# kernel hands unknown key=value words to init as environment variables), prints
# `smp-guest cpus=N` first and `smp-guest done rc=N` last, and powers off (QEMU exits 0).
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
echo "smp-guest cpus=$($bb nproc)"
if [ -z "$smpsel" ]; then
	echo "smp-guest error: no smpsel= on the kernel command line"
	rc=2
else
	IFS=,
	set -- $smpsel
	unset IFS
	/bench/smp_linux "$@"
	rc=$?
fi
echo "smp-guest done rc=$rc"
$bb poweroff -f
