# `make bench-smp`: SMP scaling, capOS against a Linux guest in the same QEMU (issue 8
# "Benchmark"; bench/smp/smp_bench.py, docs/benchmarks.md "SMP scaling"): one CPU-bound
# job (bench/smp/smp_work.c, shared by both sides) on 1 and 2 threads and 1 and 2
# processes under -smp 2 with MTTCG, several interleaved boots per side, work and total
# speedups with medians and the ratio capOS/Linux. BENCH_ARGS passes options (e.g.
# BENCH_ARGS="--runs 3 --chunks 16384"). Not part of `make test` (figures, not
# assertions); tests/bench/smp_bench_test.py checks the driver on the host.
BENCH_SMP_DIR    := $(BUILD)/bench/smp
BENCH_SMP_LINUX  := $(BENCH_SMP_DIR)/smp_linux
BENCH_SMP_INITRD := $(BENCH_SMP_DIR)/linux-initramfs.cpio

$(BENCH_SMP_LINUX): bench/smp/smp_linux.c bench/smp/smp_work.c bench/smp/smp_work.h \
		| $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BENCH_GUEST_CC) $(BENCH_GUEST_CFLAGS) -pthread -Ibench/smp -o $@ \
		bench/smp/smp_linux.c bench/smp/smp_work.c

# busybox, /init and the benchmark program only.
$(BENCH_SMP_INITRD): bench/linux/mkinitramfs.py bench/smp/init.sh $(BENCH_SMP_LINUX) \
		| $(DEPS_STAMP)
	$(PYTHON) bench/linux/mkinitramfs.py $@ dir:/dev dir:/proc dir:/sys \
		nod:/dev/console=c:5:1 file:/init=bench/smp/init.sh:0755 \
		file:/bin/busybox=$(BENCH_BUSYBOX):0755 \
		file:/bench/smp_linux=$(BENCH_SMP_LINUX):0755

# The capOS side: init user/smpbench (which also is the workers' binary).
BENCH_SMP_MODULE := $(BENCH_SMP_DIR)/smpbench.manifest

$(BENCH_SMP_MODULE): $(BUILD)/system/smpbench.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/smpbench.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

# Built by plain `make` too, so `python3 bench/smp/smp_bench.py --capos-only` works.
ALL_TARGETS += $(BENCH_SMP_MODULE)

.PHONY: bench-smp-guest bench-smp
bench-smp-guest: $(BENCH_LINUX_VMLINUX) $(BENCH_SMP_INITRD)

# $(KERNEL_ELF) is defined by kernel/kernel.mk, included after this file.
bench-smp: bench-smp-guest $(BUILD)/capos.elf $(BENCH_SMP_MODULE)
	$(PYTHON) bench/smp/smp_bench.py $(BENCH_ARGS)
