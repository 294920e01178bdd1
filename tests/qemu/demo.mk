# Demo services (tests/qemu/demo_tests.py, docs/demo.md): the focused boot module of
# system/tests/demo.capnp (init user/demoinit drives echo, kv and democlient) and the
# default boot module, which runs the same services from system/system.capnp.
DEMO_TEST_DIR    := $(QEMU_TEST_DIR)/demo
DEMO_TEST_MODULE := $(DEMO_TEST_DIR)/demo.manifest
DEMO_BINARIES    := $(BUILD)/user/echo.elf $(BUILD)/user/kv.elf $(BUILD)/user/democlient.elf

$(DEMO_TEST_MODULE): $(BUILD)/system/tests/demo.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/demoinit.elf $(DEMO_BINARIES)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(DEMO_TEST_MODULE)
TEST_SUITES += tests/qemu/demo_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(DEMO_TEST_MODULE)

# The default boot module embeds the demo services the default system lists.
$(BOOT_MODULE): $(DEMO_BINARIES)
