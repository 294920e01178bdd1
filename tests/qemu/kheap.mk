# Kernel self-protection boot test (tests/qemu/kheap_tests.py): user/kheaptest as init
# and as its own children, from the focused manifest tests/qemu/kheap/kheap.capnp.
KHEAP_TEST_DIR := $(QEMU_TEST_DIR)/kheap
KHEAP_MANIFEST := $(KHEAP_TEST_DIR)/kheap.manifest

$(KHEAP_TEST_DIR)/kheap.bin: tests/qemu/kheap/kheap.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< kheap > $@.tmp
	mv $@.tmp $@

$(KHEAP_MANIFEST): $(KHEAP_TEST_DIR)/kheap.bin $(BUILD)/tool/mkmanifest $(BUILD)/user/kheaptest.elf
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/kheap_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(KHEAP_MANIFEST)
