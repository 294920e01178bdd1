# PARK/UNPARK boot tests (tests/qemu/park_tests.py): the focused boot module of
# system/tests/park.capnp with user/parktest as init and user/parkpeer packaged.
PARK_TEST_DIR    := $(QEMU_TEST_DIR)/park
PARK_TEST_MODULE := $(PARK_TEST_DIR)/park.manifest

$(PARK_TEST_MODULE): $(BUILD)/system/tests/park.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/parktest.elf $(BUILD)/user/parkpeer.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(PARK_TEST_MODULE)
TEST_SUITES += tests/qemu/park_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(PARK_TEST_MODULE)
