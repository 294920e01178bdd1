# libFuzzer target for the lib/capnp reader (clang -fsanitize=fuzzer,address,undefined).
# `make test` runs tests/fuzz/fuzz_smoke.py for FUZZ_SECONDS (30 s by default, to
# share the cores); `make fuzz` runs it longer (FUZZ_SECONDS=600 unless given).

CAPNP_FUZZER := $(BUILD)/fuzz/capnp_reader

$(CAPNP_FUZZER): $(BUILD)/fuzz/tests/fuzz/capnp_reader_fuzz.o $(CAPNP_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

TEST_SUITES += tests/fuzz/fuzz_smoke.py
TEST_DEPS += $(CAPNP_FUZZER)

.PHONY: fuzz
fuzz: $(CAPNP_FUZZER)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} $(PYTHON) tests/fuzz/fuzz_smoke.py
