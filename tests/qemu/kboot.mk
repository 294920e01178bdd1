# Kernel fault and CPU set-up boot tests (kboot): the selftest= fault reports, the
# register dump and symbolized backtrace, the IST double-fault path, and the same
# report under GRUB (Multiboot2), through the shared harness (tests/qemu/harness.py).
KBOOT_DF_ISO := $(BUILD)/tests/qemu/selftest-df.iso

$(KBOOT_DF_ISO): $(KERNEL_ELF) $(BOOT_MODULE) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF) -c "selftest=df" -m $(BOOT_MODULE)

TEST_SUITES += tests/qemu/fault_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(BOOT_MODULE) $(KBOOT_DF_ISO)
