# libFuzzer target for the spawn request decoder (kernel/cap/spawn_decode.c, with the
# ELF validator it calls), and its bounded smoke run in `make test`
# (tests/fuzz/spawn_fuzz_smoke.py, 8 s, over the spawn test boot module).
SPAWN_FUZZ := $(BUILD)/fuzz/spawn_fuzz
SPAWN_FUZZ_SRCS := kernel/cap/spawn_decode.c kernel/proc/elf.c tests/fuzz/spawn_fuzz.c
SPAWN_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(SPAWN_FUZZ_SRCS))

$(SPAWN_FUZZ_OBJS): FUZZ_CFLAGS += -Ikernel/include
$(SPAWN_FUZZ_OBJS): $(CAPOS_SCHEMA_HEADERS)

$(SPAWN_FUZZ): $(SPAWN_FUZZ_OBJS) $(CAPNP_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(SPAWN_FUZZ)
# The module rule is in tests/qemu/spawn.mk (read later): name the file itself.
TEST_DEPS   += $(SPAWN_FUZZ) $(BUILD)/tests/qemu/spawn/spawntest.manifest
TEST_SUITES += tests/fuzz/spawn_fuzz_smoke.py
