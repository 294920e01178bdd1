# StdIO tests (tests/qemu/stdio_tests.py, docs/userspace.md "Standard streams"): the
# focused boot module of system/tests/stdio.capnp, init user/stdiotest serving StdIO to
# the demo programs.
STDIO_TEST_DIR    := $(QEMU_TEST_DIR)/stdio
STDIO_TEST_MODULE := $(STDIO_TEST_DIR)/stdio.manifest
STDIO_BINARIES    := $(BUILD)/user/hello.elf $(BUILD)/user/upper.elf $(BUILD)/user/spin.elf \
	$(BUILD)/user/stdiovanish.elf

$(STDIO_TEST_MODULE): $(BUILD)/system/tests/stdio.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/stdiotest.elf $(STDIO_BINARIES)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(STDIO_TEST_MODULE)
TEST_SUITES += tests/qemu/stdio_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(STDIO_TEST_MODULE)
