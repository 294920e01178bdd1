# Thread stress tests (tests/qemu/tstress_tests.py): the focused boot module of
# system/tests/tstress.capnp with user/tstress as init (and its own killed child).
TSTRESS_TEST_DIR    := $(QEMU_TEST_DIR)/tstress
TSTRESS_TEST_MODULE := $(TSTRESS_TEST_DIR)/tstress.manifest

$(TSTRESS_TEST_MODULE): $(BUILD)/system/tests/tstress.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/tstress.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(TSTRESS_TEST_MODULE)
TEST_SUITES += tests/qemu/tstress_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(TSTRESS_TEST_MODULE)
