# Threads tests (tests/qemu/thread_tests.py): the focused boot module of
# system/tests/threads.capnp with user/threadtest as init (and its own children).
THREAD_TEST_DIR    := $(QEMU_TEST_DIR)/threads
THREAD_TEST_MODULE := $(THREAD_TEST_DIR)/threads.manifest

$(THREAD_TEST_MODULE): $(BUILD)/system/tests/threads.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/threadtest.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(THREAD_TEST_MODULE)
TEST_SUITES += tests/qemu/thread_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(THREAD_TEST_MODULE)
