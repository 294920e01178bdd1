# CredentialStore boot tests (tests/qemu/cred_tests.py): the focused boot module of
# system/tests/cred.capnp (the real user/init starts user/credstore and user/credtest).
# system/tests/credhostile.capnp is its hostile twin (user/credrng, user/credhostile).
CRED_TEST_DIR     := $(QEMU_TEST_DIR)/cred
CRED_TEST_MODULES := $(CRED_TEST_DIR)/cred.manifest $(CRED_TEST_DIR)/credhostile.manifest
CRED_TEST_ELFS    := $(patsubst %,$(BUILD)/user/%.elf,init credstore credtest credrng \
	credhostile)

$(CRED_TEST_DIR)/%.manifest: $(BUILD)/system/tests/%.bin $(BUILD)/tool/mkmanifest \
		$(CRED_TEST_ELFS)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(CRED_TEST_MODULES)
TEST_SUITES += tests/qemu/cred_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(CRED_TEST_MODULES)
