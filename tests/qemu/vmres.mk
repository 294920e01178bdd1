# VirtualMemory reservations boot test (tests/qemu/vmres_tests.py): user/vmtest started
# as init from a focused manifest granting console, vm, capmgr and spawner; it spawns
# itself for the fault and quota children.
VMRES_TEST_DIR := $(QEMU_TEST_DIR)/vmres
VMRES_MANIFEST := $(VMRES_TEST_DIR)/vmres.manifest

$(VMRES_TEST_DIR)/vmres.bin: tests/qemu/vmres/vmres.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< vmres > $@.tmp
	mv $@.tmp $@

$(VMRES_MANIFEST): $(VMRES_TEST_DIR)/vmres.bin $(BUILD)/tool/mkmanifest $(BUILD)/user/vmtest.elf
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/vmres_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(VMRES_MANIFEST)
