# libFuzzer target for the terminal line discipline (lib/termio/ldisc.c), with a bounded
# smoke run in `make test` (tests/fuzz/ldisc_fuzz_smoke.py, 5 s).
LDISC_FUZZ := $(BUILD)/fuzz/ldisc_fuzz
LDISC_FUZZ_OBJS := $(BUILD)/fuzz/tests/fuzz/ldisc_fuzz.o $(BUILD)/fuzz/lib/termio/ldisc.o \
	$(BUILD)/fuzz/tests/host/termio/ldisc_check.o

$(BUILD)/fuzz/tests/fuzz/ldisc_fuzz.o: FUZZ_CFLAGS += -Itests/host/termio

$(LDISC_FUZZ): $(LDISC_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(LDISC_FUZZ)
TEST_DEPS   += $(LDISC_FUZZ)
TEST_SUITES += tests/fuzz/ldisc_fuzz_smoke.py
