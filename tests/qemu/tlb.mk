# TLB shootdown test (tests/qemu/tlb_tests.py): the focused boot module of
# system/tests/tlb.capnp with user/tlbtest as init.
TLB_TEST_DIR    := $(QEMU_TEST_DIR)/tlb
TLB_TEST_MODULE := $(TLB_TEST_DIR)/tlb.manifest

$(TLB_TEST_MODULE): $(BUILD)/system/tests/tlb.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/tlbtest.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(TLB_TEST_MODULE)
TEST_SUITES += tests/qemu/tlb_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(TLB_TEST_MODULE)

# The protect-while-used test: system/tests/protflip.capnp with user/protflip as init.
PROTFLIP_TEST_MODULE := $(TLB_TEST_DIR)/protflip.manifest

$(PROTFLIP_TEST_MODULE): $(BUILD)/system/tests/protflip.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/protflip.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(PROTFLIP_TEST_MODULE)
TEST_DEPS   += $(PROTFLIP_TEST_MODULE)
