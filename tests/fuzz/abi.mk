# libFuzzer target for the ELF64 validator (kernel/proc/elf.c) and its bounded smoke run
# in `make test` (tests/fuzz/elf_fuzz_smoke.py, 12 s; seeded with a built image and the
# lld-linked sample from tests/host/abi.mk).
ELF_FUZZ := $(BUILD)/fuzz/elf_fuzz

$(BUILD)/fuzz/tests/fuzz/elf_fuzz.o: FUZZ_CFLAGS += -Ikernel/include
$(BUILD)/fuzz/kernel/proc/elf.o: FUZZ_CFLAGS += -Ikernel/include

$(ELF_FUZZ): $(BUILD)/fuzz/kernel/proc/elf.o $(BUILD)/fuzz/tests/fuzz/elf_fuzz.o
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(ELF_FUZZ)
TEST_DEPS   += $(ELF_FUZZ) $(ELF_SAMPLE)
TEST_SUITES += tests/fuzz/elf_fuzz_smoke.py
