# Spawn request decoder (kernel/cap/spawn_decode.c) over requests and boot modules
# built with the generated accessors; the child image is the ELF sample of abi.mk.
SPAWN_TEST_SRCS := kernel/cap/spawn_decode.c kernel/proc/elf.c $(CAPNP_SRCS) \
	tests/host/kernel/spawn_test.c
$(BUILD)/host/kernel/cap/spawn_decode.o $(BUILD)/host/tests/host/kernel/spawn_test.o: \
	$(CAPOS_SCHEMA_HEADERS)
$(BUILD)/host/tests/host/kernel/spawn_test.o: HOST_CFLAGS += \
	-DELF_SAMPLE_PATH='"$(abspath $(ELF_SAMPLE))"'
$(BUILD)/host/tests/host/kernel/spawn_test.o: $(ELF_SAMPLE)
$(eval $(call host_test,spawn,$(SPAWN_TEST_SRCS)))
