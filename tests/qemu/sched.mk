# Weighted fair queueing and SchedulingPolicy under QEMU (tests/qemu/sched_tests.py): the
# focused boot module of system/tests/sched.capnp (the real user/init starting two
# user/schedspin services).
SCHED_TEST_DIR    := $(QEMU_TEST_DIR)/sched
SCHED_TEST_MODULE := $(SCHED_TEST_DIR)/sched.manifest

$(SCHED_TEST_MODULE): $(BUILD)/system/tests/sched.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/init.elf $(BUILD)/user/schedspin.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(SCHED_TEST_MODULE)
TEST_SUITES += tests/qemu/sched_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(SCHED_TEST_MODULE)
