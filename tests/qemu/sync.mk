# capos_mutex / capos_cond boot tests (tests/qemu/sync_tests.py): the focused boot module of
# system/tests/sync.capnp with user/synctest as init and user/syncpeer packaged.
SYNC_TEST_DIR    := $(QEMU_TEST_DIR)/sync
SYNC_TEST_MODULE := $(SYNC_TEST_DIR)/sync.manifest

$(SYNC_TEST_MODULE): $(BUILD)/system/tests/sync.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/synctest.elf $(BUILD)/user/syncpeer.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(SYNC_TEST_MODULE)
TEST_SUITES += tests/qemu/sync_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(SYNC_TEST_MODULE)
