# kmem fuzz target for the loader-data parsers (Multiboot1/2, command line) and its
# bounded smoke run in `make test` (tests/fuzz/kmem_fuzz_smoke.py, 10 s).
KMEM_FUZZ := $(BUILD)/fuzz/kmem_boot_fuzz
KMEM_FUZZ_SRCS := kernel/boot/bootinfo.c kernel/boot/multiboot1.c kernel/boot/multiboot2.c \
	kernel/boot/cmdline.c tests/fuzz/kmem_boot_fuzz.c

$(BUILD)/fuzz/kernel/%.o $(BUILD)/fuzz/tests/fuzz/kmem_boot_fuzz.o: FUZZ_CFLAGS += -Ikernel/include

$(KMEM_FUZZ): $(patsubst %.c,$(BUILD)/fuzz/%.o,$(KMEM_FUZZ_SRCS))
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(KMEM_FUZZ)
TEST_DEPS   += $(KMEM_FUZZ)
TEST_SUITES += tests/fuzz/kmem_fuzz_smoke.py
