# MemoryObject / FrameAllocator boot tests (tests/qemu/memobj_tests.py): the focused
# module of system/tests/memobj.capnp with the real user/init and user/memtest.
MEMOBJ_TEST_MODULE := $(QEMU_TEST_DIR)/memobj/memobj.manifest

$(MEMOBJ_TEST_MODULE): $(BUILD)/system/tests/memobj.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/init.elf $(BUILD)/user/memtest.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/memobj_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(MEMOBJ_TEST_MODULE)
