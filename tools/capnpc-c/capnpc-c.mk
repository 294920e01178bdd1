# tools/capnpc-c: the Cap'n Proto -> C code generator (a `capnp compile -o` plugin),
# built as a host tool on lib/capnp. It reads the CodeGeneratorRequest with accessors
# it generated for capnp/schema.capnp, checked in under tools/capnpc-c/bootstrap/.
#
#   make capnpc-bootstrap        regenerate the checked-in bootstrap header in place
#   make capnpc-bootstrap-check  regenerate it into $(BUILD) and diff (drift check;
#                                also runs in `make test` as a suite)

CAPNPC_C_SRCS      := $(sort $(wildcard tools/capnpc-c/*.c))
CAPNPC_C_BOOTSTRAP := tools/capnpc-c/bootstrap/capnp/schema.capnp.h
CAPNP_SCHEMA_SRC   := /usr/include/capnp/schema.capnp

$(patsubst %.c,$(BUILD)/tool/%.o,$(CAPNPC_C_SRCS)): TOOL_CFLAGS += -Itools/capnpc-c/bootstrap

$(CAPNPC_C): $(patsubst %.c,$(BUILD)/tool/%.o,$(CAPNPC_C_SRCS)) $(CAPNP_TOOL_OBJS)
	@mkdir -p $(@D)
	$(CC) $(TOOL_LDFLAGS) -o $@ $^

ALL_TARGETS += $(CAPNPC_C)

# The same generator built with ASan+UBSan, for tests/host/capnp_gen/generator_hostile.py.
CAPNPC_C_ASAN := $(BUILD)/tests/host/capnpc-c-asan
$(patsubst %.c,$(BUILD)/host/%.o,$(CAPNPC_C_SRCS)): HOST_CFLAGS += -Itools/capnpc-c/bootstrap
$(CAPNPC_C_ASAN): $(patsubst %.c,$(BUILD)/host/%.o,$(CAPNPC_C_SRCS)) $(CAPNP_HOST_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

TEST_DEPS += $(CAPNPC_C_ASAN)

.PHONY: capnpc-bootstrap capnpc-bootstrap-check
capnpc-bootstrap: $(CAPNPC_C)
	$(CAPNP) compile --src-prefix=/usr/include -o$(abspath $(CAPNPC_C)):tools/capnpc-c/bootstrap $(CAPNP_SCHEMA_SRC)

capnpc-bootstrap-check: $(CAPNPC_C)
	tests/host/capnp_gen/bootstrap_check.py
