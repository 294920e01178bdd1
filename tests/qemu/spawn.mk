# Spawn tests (tests/qemu/spawn_tests.py): the focused boot module of
# system/spawntest.capnp with user/spawntest as init and user/spawnchild packaged.
SPAWN_TEST_DIR    := $(QEMU_TEST_DIR)/spawn
SPAWN_TEST_MODULE := $(SPAWN_TEST_DIR)/spawntest.manifest

$(SPAWN_TEST_MODULE): $(BUILD)/system/spawntest.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/spawntest.elf $(BUILD)/user/spawnchild.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/spawn_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(SPAWN_TEST_MODULE)
