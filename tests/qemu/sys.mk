# EntropySource / SystemStatus / SystemControl tests (tests/qemu/sys_tests.py): the
# focused boot module of system/tests/sys.capnp with user/systest as init.
SYS_TEST_DIR    := $(QEMU_TEST_DIR)/sys
SYS_TEST_MODULE := $(SYS_TEST_DIR)/sys.manifest

$(SYS_TEST_MODULE): $(BUILD)/system/tests/sys.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/systest.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(SYS_TEST_MODULE)
TEST_SUITES += tests/qemu/sys_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(SYS_TEST_MODULE)
