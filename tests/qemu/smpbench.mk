# The SMP benchmark's boot test (tests/qemu/smp_bench_tests.py): user/smpcheck (the
# benchmark program with a tiny job) as init of system/tests/smpcheck.capnp, whose caps
# list is system/smpbench.capnp's.
SMPCHECK_MODULE := $(QEMU_TEST_DIR)/smpcheck.manifest

$(BUILD)/system/tests/smpcheck.bin: system/smpbench.capnp

$(SMPCHECK_MODULE): $(BUILD)/system/tests/smpcheck.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/smpcheck.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/smp_bench_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(SMPCHECK_MODULE)
