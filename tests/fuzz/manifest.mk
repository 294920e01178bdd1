# libFuzzer target for the kernel's boot-manifest decoder, with a bounded smoke run in
# `make test` (tests/fuzz/manifest_fuzz_smoke.py, 8 s, seeded with build/manifest.bin
# and the image-less build/system/minimal.bin).
MANIFEST_FUZZ := $(BUILD)/fuzz/manifest_fuzz
MANIFEST_FUZZ_OBJS := $(BUILD)/fuzz/kernel/boot/manifest.o $(BUILD)/fuzz/tests/fuzz/manifest_fuzz.o \
	$(MANIFEST_IFACE_FUZZ_OBJ)

$(MANIFEST_FUZZ_OBJS): FUZZ_CFLAGS += -Ikernel/include
$(MANIFEST_FUZZ_OBJS): $(CAPOS_SCHEMA_HEADERS)

$(MANIFEST_FUZZ): $(MANIFEST_FUZZ_OBJS) $(CAPNP_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(MANIFEST_FUZZ)
TEST_DEPS   += $(MANIFEST_FUZZ) $(BUILD)/manifest.bin $(BUILD)/system/minimal.bin
TEST_SUITES += tests/fuzz/manifest_fuzz_smoke.py
