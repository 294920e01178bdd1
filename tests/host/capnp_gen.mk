# Tests of tools/capnpc-c and the code it generates (tests/host/capnp_gen/):
#   capnp_gen.t       host unit tests: defaults, evolution, unions/groups, caps,
#                     constants, dispatch skeleton, hostile messages (ASan+UBSan)
#   ids_test.py       every type/interface id and method ordinal vs `capnp compile -ocapnp`
#   interop.py        round trips through the generated accessors vs `capnp convert/eval`
#   bootstrap_check.py  drift check of the checked-in bootstrap header
#   generator_hostile.py  the generator (sanitized) on malformed requests
# plus golden compiles: the capOS schema headers with kernel flags and strict C17, and
# the headers of every schema shipped with capnproto (rpc, persistent, json, ...).

CAPNP_GEN_TEST_SCHEMA := tests/host/capnp_gen/test.capnp
CAPNP_GEN_TEST_HEADER := $(GEN_DIR)/tests/host/capnp_gen/test.capnp.h
CAPNP_GEN_HEADERS     := $(CAPOS_SCHEMA_HEADERS) $(CAPNP_GEN_TEST_HEADER)
CAPNP_GEN_HELPER      := $(BUILD)/tests/host/capnp_gen_helper

$(CAPNP_GEN_TEST_HEADER): $(CAPNP_GEN_TEST_SCHEMA) $(CAPNPC_C) | $(DEPS_STAMP)
	@mkdir -p $(GEN_DIR)
	$(CAPNP) compile -o$(abspath $(CAPNPC_C)):$(GEN_DIR) $<

$(eval $(call host_test,capnp_gen,tests/host/capnp_gen/gen_test.c \
	tests/host/capnp_gen/dispatch_test.c $(CAPNP_SRCS)))

# Objects that include generated headers need them before their first compile.
$(BUILD)/host/tests/host/capnp_gen/gen_test.o \
$(BUILD)/host/tests/host/capnp_gen/dispatch_test.o \
$(BUILD)/host/tests/host/capnp_gen/helper.o \
$(BUILD)/kernel/tests/host/capnp_gen/kernel_compile.o: $(CAPNP_GEN_HEADERS)

$(CAPNP_GEN_HELPER): $(BUILD)/host/tests/host/capnp_gen/helper.o $(CAPNP_HOST_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

# Golden breadth: every schema shipped with capnproto generates and compiles cleanly.
CAPNP_STD_SCHEMAS := $(sort $(wildcard /usr/include/capnp/*.capnp /usr/include/capnp/compat/*.capnp))
CAPNP_STD_GEN     := $(BUILD)/gen-std
CAPNP_STD_OBJ     := $(BUILD)/capnp_gen/std_schemas.o
$(CAPNP_STD_OBJ): $(CAPNP_STD_SCHEMAS) $(CAPNPC_C)
	@mkdir -p $(@D) $(CAPNP_STD_GEN)
	$(CAPNP) compile --src-prefix=/usr/include -o$(abspath $(CAPNPC_C)):$(CAPNP_STD_GEN) $(CAPNP_STD_SCHEMAS)
	printf '#include "%s.h"\n' $(patsubst /usr/include/%,%,$(CAPNP_STD_SCHEMAS)) > $(@D)/std_schemas.c
	$(CC) $(HOST_CFLAGS) -I$(CAPNP_STD_GEN) -c $(@D)/std_schemas.c -o $@

# Strict ISO C17 golden compile (no GNU mode) of the same probe file.
CAPNP_GEN_C17_OBJ := $(BUILD)/capnp_gen/kernel_compile.c17.o
$(CAPNP_GEN_C17_OBJ): tests/host/capnp_gen/kernel_compile.c $(CAPNP_GEN_HEADERS)
	@mkdir -p $(@D)
	$(CC) -std=c17 -Wpedantic $(WARN) -Iinclude -Ilib/include -I$(GEN_DIR) -c $< -o $@

TEST_DEPS += $(CAPNP_GEN_HELPER) $(CAPNPC_C) $(CAPNP_GEN_HEADERS) $(CAPNP_GEN_C17_OBJ) \
	$(CAPNP_STD_OBJ) \
	$(BUILD)/kernel/tests/host/capnp_gen/kernel_compile.o
TEST_SUITES += tests/host/capnp_gen/ids_test.py tests/host/capnp_gen/interop.py \
	tests/host/capnp_gen/bootstrap_check.py tests/host/capnp_gen/generator_hostile.py
