# init's executor (tests/qemu/exec_tests.py): focused boot modules of
# system/tests/exec*.capnp with the real user/init and the user/graphsvc test services.
EXEC_TEST_DIR := $(QEMU_TEST_DIR)/exec
EXEC_TEST_NAMES := execgraph execrestart execrestartkill execignore execspawnfail \
	execwaitfail execnospawner
EXEC_TEST_MODULES := $(patsubst %,$(EXEC_TEST_DIR)/%.manifest,$(EXEC_TEST_NAMES))
EXEC_TEST_ELFS := $(patsubst %,$(BUILD)/user/%.elf,init graphsrv graphcli graphfail graphspin \
	graphfault)

$(EXEC_TEST_DIR)/%.manifest: $(BUILD)/system/tests/%.bin $(BUILD)/tool/mkmanifest \
		$(EXEC_TEST_ELFS)
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

TEST_SUITES += tests/qemu/exec_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(EXEC_TEST_MODULES)
