# Session services (tests/qemu/session_tests.py, docs/sessions.md): the focused boot
# module of system/tests/session.capnp (init runs echo, audit, broker, sessmgr and the
# test client user/sesstest, which plays the shell).
SESSION_TEST_DIR    := $(QEMU_TEST_DIR)/session
SESSION_TEST_MODULE := $(SESSION_TEST_DIR)/session.manifest
SESSION_BINARIES    := $(BUILD)/user/init.elf $(BUILD)/user/echo.elf $(BUILD)/user/audit.elf \
	$(BUILD)/user/broker.elf $(BUILD)/user/sessmgr.elf $(BUILD)/user/sesstest.elf \
	$(BUILD)/user/sesschild.elf $(BUILD)/user/credstore.elf $(BUILD)/user/sysinfo.elf

$(SESSION_TEST_MODULE): $(BUILD)/system/tests/session.bin $(BUILD)/tool/mkmanifest \
		$(SESSION_BINARIES)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(SESSION_TEST_MODULE)
TEST_SUITES += tests/qemu/session_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(SESSION_TEST_MODULE)
