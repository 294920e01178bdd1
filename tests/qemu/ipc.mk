# Endpoint IPC under QEMU (tests/qemu/ipc_tests.py): user/ipctest started as init by the
# focused manifest tests/qemu/ipc/ipc.capnp (console + two fresh raw endpoints).
IPC_TEST_DIR := $(QEMU_TEST_DIR)/ipc
IPC_MANIFEST := $(IPC_TEST_DIR)/ipc.manifest

$(IPC_TEST_DIR)/ipc.bin: tests/qemu/ipc/ipc.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< ipc > $@.tmp
	mv $@.tmp $@

$(IPC_MANIFEST): $(IPC_TEST_DIR)/ipc.bin $(BUILD)/tool/mkmanifest $(BUILD)/user/ipctest.elf
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(IPC_MANIFEST)
TEST_SUITES += tests/qemu/ipc_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(IPC_MANIFEST)
