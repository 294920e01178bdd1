# Boot images, QEMU boot tests and the developer targets that start QEMU.
#
# Owns: the boot module rule (BOOT_MODULE, built by tools/mkmanifest), the GRUB ISO (ISO) and the test-only
# ISOs for hostile boots, the boot-test suite tests/qemu/boot_tests.py, and
# `make iso`, `make run`, `make run-uefi`, `make run-direct`, `make gdb`.
# Relies on: KERNEL_ELF (the kernel fragment builds it), grub-mkrescue/xorriso/mtools,
# qemu-system-x86_64 and OVMF (tools/deps.sh). Every QEMU invocation goes through
# tests/qemu/harness.py so the flags (-accel tcg, -cpu max, isa-debug-exit, COM1/COM2)
# live in one place. See docs/build-boot-test.md.
#
# This file is named boot.mk so that it sorts before the other tests/qemu/*.mk
# fragments: they use KERNEL_ELF, BOOT_MODULE, ISO and MKISO in prerequisites, which
# make expands while reading, so the variables must already be defined.

KERNEL_ELF  ?= $(BUILD)/capos.elf
BOOT_MODULE ?= $(BUILD)/manifest.bin
# The demo graph (system/demo.capnp): a whole system that ends by itself, the module the
# harness boots by default (tests/qemu/harness.py Boot.modules) for the suites that need
# a run to finish without input (boot, init, memory, platform).
DEMO_MODULE ?= $(BUILD)/demo.manifest.bin
ISO         ?= $(BUILD)/capos.iso
# Kernel command line baked into the ISO's grub.cfg (empty: defaults).
ISO_CMDLINE ?=

QEMU_TEST_DIR := $(BUILD)/tests/qemu
MKISO         := tests/qemu/mkiso.sh
HARNESS       := $(PYTHON) tests/qemu/harness.py

# Test-only ISOs: the same kernel with a hostile boot configuration.
ISO_NOMOD   := $(QEMU_TEST_DIR)/nomod.iso
ISO_TWOMOD  := $(QEMU_TEST_DIR)/twomod.iso
ISO_CUT1M   := $(QEMU_TEST_DIR)/cutmem-1m.iso
ISO_CUT8M   := $(QEMU_TEST_DIR)/cutmem-8m.iso
# The demo graph's ISO: the ISO the harness boots by default (suites that need a run
# to end without input); build/capos.iso carries the default system (the shell).
DEMO_ISO    := $(QEMU_TEST_DIR)/demo.iso
TEST_ISOS   := $(DEMO_ISO) $(ISO_NOMOD) $(ISO_TWOMOD) $(ISO_CUT1M) $(ISO_CUT8M)

# The boot module: the default system (system/system.capnp, compiled by `capnp eval
# --binary`, rule in tools/mkmanifest/mkmanifest.mk) merged with the operator overlay
# system/system.local.capnp when it exists, with the user binaries embedded by
# tools/mkmanifest from $(BUILD)/user (docs/manifest.md).
BOOT_SYSTEM := $(BUILD)/system/system.bin
BOOT_OVERLAY_SRC := $(wildcard system/system.local.capnp)
BOOT_OVERLAY := $(if $(BOOT_OVERLAY_SRC),$(BUILD)/system/system.local.bin)
# (tools/mkmanifest/mkmanifest.mk is read after this file: the tool path is spelled out.)
# The binaries each system names (mkmanifest embeds them from $(BUILD)/user).
SYSTEM_BINARIES := init echo kv audit credstore sysinfo broker sessmgr shell hello upper spin
DEMO_BINARIES   := init echo kv democlient
$(BOOT_MODULE): $(BOOT_SYSTEM) $(BOOT_OVERLAY) $(BUILD)/tool/mkmanifest \
		$(patsubst %,$(BUILD)/user/%.elf,$(SYSTEM_BINARIES)) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user $(if $(BOOT_OVERLAY),-l $(BOOT_OVERLAY)) \
		-o $@.tmp $(BOOT_SYSTEM)
	mv $@.tmp $@

$(DEMO_MODULE): $(BUILD)/system/demo.bin $(BUILD)/tool/mkmanifest \
		$(patsubst %,$(BUILD)/user/%.elf,$(DEMO_BINARIES)) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $(BUILD)/system/demo.bin
	mv $@.tmp $@

# The overlay's constant is `local` (docs/manifest.md "Overlays").
$(BUILD)/system/system.local.bin: system/system.local.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< local > $@.tmp
	mv $@.tmp $@

$(ISO): $(KERNEL_ELF) $(BOOT_MODULE) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF) -c "$(ISO_CMDLINE)" -m $(BOOT_MODULE)

$(DEMO_ISO): $(KERNEL_ELF) $(DEMO_MODULE) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF) -c "$(ISO_CMDLINE)" -m $(DEMO_MODULE)

$(ISO_NOMOD): $(KERNEL_ELF) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF)

$(ISO_TWOMOD): $(KERNEL_ELF) $(BOOT_MODULE) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF) -m $(BOOT_MODULE) -m $(BOOT_MODULE)

# Hostile memory maps: GRUB's `cutmem FROM TO` removes that range from the map it
# passes on (the kernel and module stay where GRUB loaded them).
$(ISO_CUT1M): $(KERNEL_ELF) $(DEMO_MODULE) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF) -m $(DEMO_MODULE) -p "cutmem 1M 4G"

$(ISO_CUT8M): $(KERNEL_ELF) $(DEMO_MODULE) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF) -m $(DEMO_MODULE) -p "cutmem 8M 4G"

# tiny-mem-2m (tests/qemu/boot_tests.py): system/minimal.capnp (init alone) with init's
# image stripped of debug sections, so that the module's size (which grows with init's
# debug info and the services of the default system) does not decide whether 2 MiB still
# reach the kernel's "init cannot be loaded" refusal; the loaded segments, and so the
# frames init needs, are the real init's.
TINYMEM_MODULE := $(QEMU_TEST_DIR)/tinymem.manifest
$(QEMU_TEST_DIR)/init-stripped.elf: $(BUILD)/user/init.elf
	@mkdir -p $(@D)
	$(OBJCOPY) --strip-debug $< $@.tmp
	mv $@.tmp $@
$(TINYMEM_MODULE): $(BUILD)/system/minimal.bin $(BUILD)/tool/mkmanifest \
		$(QEMU_TEST_DIR)/init-stripped.elf | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -b init=$(QEMU_TEST_DIR)/init-stripped.elf -o $@.tmp \
		$(BUILD)/system/minimal.bin
	mv $@.tmp $@

ALL_TARGETS += $(ISO) $(DEMO_MODULE)
TEST_SUITES += tests/qemu/harness_test.py tests/qemu/boot_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(BOOT_MODULE) $(DEMO_MODULE) $(ISO) $(TEST_ISOS) $(BOOT_SYSTEM) \
	$(BUILD)/user/init.elf $(TINYMEM_MODULE)

# ---- developer targets ---------------------------------------------------------------
# RUN_ARGS: extra harness options, e.g. RUN_ARGS="--smp 2 --mem 64M".
# APPEND: kernel command line for run-direct / gdb-direct, e.g. APPEND=selftest=pf.
RUN_ARGS ?=
APPEND   ?=
RUN_LOG  := $(BUILD)/console.log

.PHONY: iso run run-uefi run-direct gdb gdb-direct

iso: $(ISO)

run: deps
	@$(MAKE) --no-print-directory $(ISO)
	@$(HARNESS) run --mode bios --iso $(ISO) --com1 $(RUN_LOG) $(RUN_ARGS)

run-uefi: deps
	@$(MAKE) --no-print-directory $(ISO)
	@$(HARNESS) run --mode uefi --iso $(ISO) --com1 $(RUN_LOG) $(RUN_ARGS)

run-direct: deps
	@$(MAKE) --no-print-directory $(KERNEL_ELF) $(BOOT_MODULE)
	@$(HARNESS) run --mode direct --kernel $(KERNEL_ELF) --module $(BOOT_MODULE) \
		--append "$(APPEND)" --com1 $(RUN_LOG) $(RUN_ARGS)

gdb: deps
	@$(MAKE) --no-print-directory $(ISO)
	@$(HARNESS) gdb --mode bios --iso $(ISO) --kernel $(KERNEL_ELF) --com1 $(RUN_LOG) $(RUN_ARGS)

gdb-direct: deps
	@$(MAKE) --no-print-directory $(KERNEL_ELF) $(BOOT_MODULE)
	@$(HARNESS) gdb --mode direct --kernel $(KERNEL_ELF) --module $(BOOT_MODULE) \
		--append "$(APPEND)" --com1 $(RUN_LOG) $(RUN_ARGS)
