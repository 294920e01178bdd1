# TerminalSession tests (tests/qemu/term_tests.py): the focused boot module of
# system/tests/term.capnp with user/termtest as init (and as its own children).
TERM_TEST_DIR    := $(QEMU_TEST_DIR)/term
TERM_TEST_MODULE := $(TERM_TEST_DIR)/term.manifest

$(TERM_TEST_MODULE): $(BUILD)/system/tests/term.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/termtest.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(TERM_TEST_MODULE)
TEST_SUITES += tests/qemu/term_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(TERM_TEST_MODULE)
