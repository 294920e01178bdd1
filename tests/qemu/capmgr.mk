# CapabilityManager boot test (tests/qemu/capmgr_tests.py): user/capmgrtest started as
# init from a focused manifest granting console, capmgr, vm and spawner, with
# user/capmgrchild packaged for the cross-process steps.
CAPMGR_TEST_DIR := $(QEMU_TEST_DIR)/capmgr
CAPMGR_MANIFEST := $(CAPMGR_TEST_DIR)/capmgr.manifest

$(CAPMGR_TEST_DIR)/capmgr.bin: tests/qemu/capmgr/capmgr.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< capmgr > $@.tmp
	mv $@.tmp $@

$(CAPMGR_MANIFEST): $(CAPMGR_TEST_DIR)/capmgr.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/capmgrtest.elf $(BUILD)/user/capmgrchild.elf
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/capmgr_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(CAPMGR_MANIFEST)
