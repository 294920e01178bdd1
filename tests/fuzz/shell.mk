# libFuzzer target for the capos-shell command-line parser (user/shell/parse.c), with a
# bounded smoke run in `make test` (tests/fuzz/shell_fuzz_smoke.py, 5 s).
SHELL_FUZZ := $(BUILD)/fuzz/shell_fuzz
SHELL_FUZZ_OBJS := $(BUILD)/fuzz/tests/fuzz/shell_fuzz.o $(BUILD)/fuzz/user/shell/parse.o \
	$(BUILD)/fuzz/tests/host/shell/parse_check.o

$(BUILD)/fuzz/tests/fuzz/shell_fuzz.o $(BUILD)/fuzz/tests/host/shell/parse_check.o: \
	FUZZ_CFLAGS += -Itests/host/shell -Iuser/shell

$(SHELL_FUZZ): $(SHELL_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(SHELL_FUZZ)
TEST_DEPS   += $(SHELL_FUZZ)
TEST_SUITES += tests/fuzz/shell_fuzz_smoke.py
