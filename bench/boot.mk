# `make bench-boot`: boot to the shell prompt, capOS against a Linux guest in the same
# QEMU (issue 7 "Benchmark"; bench/boot/boot_bench.py, docs/benchmarks.md "Boot to the
# shell prompt"): guest instructions under -icount (QMP query-replay when the prompt
# appears on COM2), wall time under plain TCG, and the smallest -m reaching the prompt.
# BENCH_ARGS passes options (e.g. BENCH_ARGS="--only icount --runs 2"). Not part of
# `make test` (figures, not assertions); tests/bench/boot_bench_test.py checks the
# runner's logic on the host.
BENCH_BOOT_DIR    := $(BUILD)/bench/boot
BENCH_BOOT_INITRD := $(BENCH_BOOT_DIR)/linux-initramfs.cpio

$(BENCH_BOOT_DIR)/boot_tsc: bench/linux/boot_tsc.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BENCH_GUEST_CC) $(BENCH_GUEST_CFLAGS) -nostdlib -o $@ $<

# Only what the shell needs: /init, busybox, the TSC probe and the two tty nodes.
$(BENCH_BOOT_INITRD): bench/linux/mkinitramfs.py bench/linux/boot_init.sh \
		$(BENCH_BOOT_DIR)/boot_tsc | $(DEPS_STAMP)
	$(PYTHON) bench/linux/mkinitramfs.py $@ dir:/dev dir:/proc dir:/sys \
		nod:/dev/console=c:5:1 nod:/dev/ttyS1=c:4:65 \
		file:/init=bench/linux/boot_init.sh:0755 \
		file:/bin/busybox=$(BENCH_BUSYBOX):0755 \
		file:/bench/boot_tsc=$(BENCH_BOOT_DIR)/boot_tsc:0755

.PHONY: bench-boot-guest bench-boot
bench-boot-guest: $(BENCH_LINUX_VMLINUX) $(BENCH_BOOT_INITRD)

bench-boot: bench-boot-guest $(BUILD)/capos.elf $(BUILD)/manifest.bin
	$(PYTHON) bench/boot/boot_bench.py $(BENCH_ARGS)

# The `boot` row of `make bench` / `make bench-linux` (bench/run.py BOOT) needs the
# boot initramfs too (extra prerequisites of the rules in bench/bench.mk).
bench bench-linux: $(BENCH_BOOT_INITRD)
