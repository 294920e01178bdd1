# libFuzzer target for revocation (kernel/cap/revoke.c, the cap-table integration and
# capmgr's derive/revoke steps) over operation sequences on two cap tables, with a
# bounded smoke run in `make test` (tests/fuzz/revoke_fuzz_smoke.py, 8 s).
REVOKE_FUZZ := $(BUILD)/fuzz/revoke_fuzz
REVOKE_FUZZ_SRCS := kernel/cap/revoke.c kernel/cap/capmgr.c kernel/cap/kcall.c \
	kernel/cap/xfer.c kernel/cap/captab.c kernel/cap/kobj.c tests/fuzz/revoke_fuzz.c
$(patsubst %.c,$(BUILD)/fuzz/%.o,$(REVOKE_FUZZ_SRCS)): FUZZ_CFLAGS += -Ikernel/include
$(patsubst %.c,$(BUILD)/fuzz/%.o,$(REVOKE_FUZZ_SRCS)): $(CAPOS_SCHEMA_HEADERS)
$(REVOKE_FUZZ): $(patsubst %.c,$(BUILD)/fuzz/%.o,$(REVOKE_FUZZ_SRCS)) $(CAPNP_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(REVOKE_FUZZ)
TEST_DEPS   += $(REVOKE_FUZZ)
TEST_SUITES += tests/fuzz/revoke_fuzz_smoke.py
