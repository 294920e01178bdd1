# libFuzzer targets for the ELF64 validator (kernel/proc/elf.c) and the ring engine
# (kernel/cap/ring.c), with bounded smoke runs in `make test`
# (tests/fuzz/abi_fuzz_smoke.py: ELF 12 s, seeded with a built image and the lld-linked
# sample from tests/host/abi.mk; then the ring target 8 s and the kcall target 8 s).
ELF_FUZZ := $(BUILD)/fuzz/elf_fuzz

$(BUILD)/fuzz/tests/fuzz/elf_fuzz.o: FUZZ_CFLAGS += -Ikernel/include
$(BUILD)/fuzz/kernel/proc/elf.o: FUZZ_CFLAGS += -Ikernel/include
$(BUILD)/fuzz/tests/fuzz/ring_fuzz.o: FUZZ_CFLAGS += -Ikernel/include
RING_FUZZ := $(BUILD)/fuzz/ring_fuzz

$(RING_FUZZ): $(BUILD)/fuzz/kernel/cap/ring.o $(BUILD)/fuzz/tests/fuzz/ring_fuzz.o
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

$(ELF_FUZZ): $(BUILD)/fuzz/kernel/proc/elf.o $(BUILD)/fuzz/tests/fuzz/elf_fuzz.o
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

# CALL dispatch on the kernel capability objects over hostile params.
KCALL_FUZZ := $(BUILD)/fuzz/kcall_fuzz
KCALL_FUZZ_SRCS := kernel/cap/kcall.c kernel/cap/xfer.c kernel/cap/captab.c kernel/cap/kobj.c kernel/cap/console.c \
	kernel/cap/timer.c kernel/cap/bootpkg.c kernel/cap/vmcap.c tests/fuzz/kcall_fuzz.c
$(patsubst %.c,$(BUILD)/fuzz/%.o,$(KCALL_FUZZ_SRCS)): FUZZ_CFLAGS += -Ikernel/include
$(patsubst %.c,$(BUILD)/fuzz/%.o,$(KCALL_FUZZ_SRCS)): $(CAPOS_SCHEMA_HEADERS)
$(KCALL_FUZZ): $(patsubst %.c,$(BUILD)/fuzz/%.o,$(KCALL_FUZZ_SRCS)) $(CAPNP_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(ELF_FUZZ) $(RING_FUZZ) $(KCALL_FUZZ)
TEST_DEPS   += $(ELF_FUZZ) $(ELF_SAMPLE) $(RING_FUZZ) $(KCALL_FUZZ)
TEST_SUITES += tests/fuzz/abi_fuzz_smoke.py
