# CredentialStore boot tests (tests/qemu/cred_tests.py): the focused boot module of
# system/tests/cred.capnp (the real user/init starts user/credstore and user/credtest).
CRED_TEST_DIR    := $(QEMU_TEST_DIR)/cred
CRED_TEST_MODULE := $(CRED_TEST_DIR)/cred.manifest

$(CRED_TEST_MODULE): $(BUILD)/system/tests/cred.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/init.elf $(BUILD)/user/credstore.elf $(BUILD)/user/credtest.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(CRED_TEST_MODULE)
# Not in TEST_SUITES yet: the kernel does not serve the `entropySource` source until the
# EntropySource work lands (the spawn of credstore fails with CAPOS_ERR_SPAWN_BAD_SOURCE).
