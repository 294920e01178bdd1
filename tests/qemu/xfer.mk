# Capability-transfer boot test (tests/qemu/xfer_tests.py): user/xfertest started as
# init from a focused manifest granting console and capmgr.
XFER_TEST_DIR := $(QEMU_TEST_DIR)/xfer
XFER_MANIFEST := $(XFER_TEST_DIR)/xfer.manifest

$(XFER_TEST_DIR)/xfer.bin: tests/qemu/xfer/xfer.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< xfer > $@.tmp
	mv $@.tmp $@

$(XFER_MANIFEST): $(XFER_TEST_DIR)/xfer.bin $(BUILD)/tool/mkmanifest $(BUILD)/user/xfertest.elf
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/xfer_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(XFER_MANIFEST)
