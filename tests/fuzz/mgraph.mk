# libFuzzer target for lib/manifest (decode + validate, and the overlay merge), with a
# bounded smoke run in `make test` (tests/fuzz/mgraph_fuzz_smoke.py, 8 s, seeded with the
# boot module, the default system, system/tests/graph.capnp and the test overlay base).
MGRAPH_FUZZ := $(BUILD)/fuzz/mgraph_fuzz

$(MGRAPH_FUZZ): $(BUILD)/fuzz/tests/fuzz/mgraph_fuzz.o $(MANIFEST_LIB_FUZZ_OBJS) $(CAPNP_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(MGRAPH_FUZZ)
TEST_DEPS   += $(MGRAPH_FUZZ) $(BUILD)/manifest.bin $(BUILD)/system/system.bin \
	$(BUILD)/system/tests/graph.bin $(BUILD)/tests/mgraph/base.bin
TEST_SUITES += tests/fuzz/mgraph_fuzz_smoke.py
