# capos-shell boot tests (tests/qemu/shell_tests.py, docs/shell.md): the focused boot
# module of system/tests/shell.capnp (session services, the shell, user/stdiotest).
SHELL_TEST_DIR    := $(QEMU_TEST_DIR)/shell
SHELL_TEST_MODULE := $(SHELL_TEST_DIR)/shell.manifest

$(SHELL_TEST_MODULE): $(BUILD)/system/tests/shell.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/init.elf $(BUILD)/user/echo.elf $(BUILD)/user/audit.elf \
		$(BUILD)/user/broker.elf $(BUILD)/user/sessmgr.elf $(BUILD)/user/credstore.elf $(BUILD)/user/sysinfo.elf $(BUILD)/user/shell.elf \
		$(BUILD)/user/hello.elf $(BUILD)/user/upper.elf $(BUILD)/user/spin.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(SHELL_TEST_MODULE)
TEST_SUITES += tests/qemu/shell_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(SHELL_TEST_MODULE)
