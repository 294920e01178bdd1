# Timer.sleep / sleepUntil tests (tests/qemu/timer_tests.py): the focused boot module of
# system/tests/timer.capnp with user/timertest as init and user/spawnchild packaged.
TIMER_TEST_DIR    := $(QEMU_TEST_DIR)/timer
TIMER_TEST_MODULE := $(TIMER_TEST_DIR)/timer.manifest

$(TIMER_TEST_MODULE): $(BUILD)/system/tests/timer.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/timertest.elf $(BUILD)/user/spawnchild.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(TIMER_TEST_MODULE)
TEST_SUITES += tests/qemu/timer_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(TIMER_TEST_MODULE)
