# Benchmark infrastructure (docs/benchmarks.md): the Linux guest baseline and the runner.
#
#   make bench-linux         boot the Linux guest under icount, run every Linux workload
#                            once, print the table (BENCH_ARGS="..." adds bench/run.py
#                            options, e.g. BENCH_ARGS="--mttcg --runs 3" or "getpid pipe")
#   make bench               the same with the capOS side too (ratios capOS/Linux; the
#                            spawn row's capOS figure from the spawnbench module)
#   make bench-linux-guest   only build the guest (kernel, initramfs), no QEMU run
#
# Everything lives under $(BUILD)/bench/linux and is reused: the kernel .deb and its
# vmlinux are fetched once (bench/linux/fetch_kernel.sh), the initramfs is rebuilt when a
# workload source changes. Not part of `make test`: benchmarks are not timed tests (the
# host-side check of these tools is tests/bench/bench_tools_test.py).

BENCH_LINUX_DIR    := $(BUILD)/bench/linux
BENCH_LINUX_KDIR   := $(BENCH_LINUX_DIR)/kernel
BENCH_LINUX_VMLINUX := $(BENCH_LINUX_DIR)/vmlinux
BENCH_LINUX_INITRD := $(BENCH_LINUX_DIR)/initramfs.cpio
BENCH_BUSYBOX      := /bin/busybox

# Guest programs are ordinary static Linux binaries: Debian's gcc and glibc (libc6-dev).
BENCH_GUEST_CC     := gcc
BENCH_GUEST_CFLAGS := -std=gnu17 -Wall -Wextra -Werror -O2 -static

BENCH_LINUX_BINS := $(BENCH_LINUX_DIR)/bench_linux $(BENCH_LINUX_DIR)/true_min \
	$(BENCH_LINUX_DIR)/true_libc

# The kernel: fetched once; delete $(BENCH_LINUX_KDIR) to fetch the current one again.
$(BENCH_LINUX_KDIR)/vmlinuz: | $(DEPS_STAMP)
	bash bench/linux/fetch_kernel.sh $(BENCH_LINUX_KDIR)

$(BENCH_LINUX_VMLINUX): $(BENCH_LINUX_KDIR)/vmlinuz bench/linux/extract_vmlinux.py
	$(PYTHON) bench/linux/extract_vmlinux.py $< $@

$(BENCH_LINUX_DIR)/bench_linux: bench/linux/bench_linux.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BENCH_GUEST_CC) $(BENCH_GUEST_CFLAGS) -pthread -o $@ $<

$(BENCH_LINUX_DIR)/true_min: bench/linux/true_min.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BENCH_GUEST_CC) $(BENCH_GUEST_CFLAGS) -nostdlib -o $@ $<

$(BENCH_LINUX_DIR)/true_libc: bench/linux/true_libc.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BENCH_GUEST_CC) $(BENCH_GUEST_CFLAGS) -o $@ $<

$(BENCH_LINUX_INITRD): bench/linux/mkinitramfs.py bench/linux/init.sh $(BENCH_LINUX_BINS) \
		| $(DEPS_STAMP)
	$(PYTHON) bench/linux/mkinitramfs.py $@ dir:/dev dir:/proc dir:/sys \
		nod:/dev/console=c:5:1 file:/init=bench/linux/init.sh:0755 \
		file:/bin/busybox=$(BENCH_BUSYBOX):0755 \
		$(foreach b,$(BENCH_LINUX_BINS),file:/bench/$(notdir $(b))=$(b):0755)

.PHONY: bench-linux-guest bench-linux bench
bench-linux-guest: $(BENCH_LINUX_VMLINUX) $(BENCH_LINUX_INITRD)

bench-linux: bench-linux-guest
	$(PYTHON) bench/run.py --linux-only $(BENCH_ARGS)

# $(KERNEL_ELF) is defined by kernel/kernel.mk, which is included after this file; the
# spawn benchmark's module (bench/spawn.mk, included after this file too) runs the
# capOS side of the `spawn` row (bench/run.py MODULE_WORKLOADS).
bench: bench-linux-guest $(BUILD)/capos.elf $(BUILD)/demo.manifest.bin $(BUILD)/manifest.bin \
		$(BUILD)/bench/spawn/spawnbench.manifest
	$(PYTHON) bench/run.py $(BENCH_ARGS)
