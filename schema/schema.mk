# schema/: the capOS Cap'n Proto schemas and the C generated from them.
#
# Every schema here is compiled by the official `capnp` with our plugin
# (tools/capnpc-c) into $(GEN_DIR)/schema/<name>.capnp.h; code includes it as
# "schema/<name>.capnp.h" (every output class gets -I$(GEN_DIR)). Objects that include
# a generated header list $(CAPOS_SCHEMA_HEADERS) as a prerequisite so the header
# exists before the first compile (-MMD tracks it afterwards).
#
# This fragment is read before tools/*.mk and tests/*.mk, so the names below are
# defined for them. `make schema-check` runs `capnp compile -ocapnp` on every schema.

CAPNPC_C             := $(BUILD)/tool/capnpc-c
GEN_DIR              := $(BUILD)/gen
CAPOS_SCHEMAS        := $(sort $(wildcard schema/*.capnp))
CAPOS_SCHEMA_HEADERS := $(patsubst %,$(GEN_DIR)/%.h,$(CAPOS_SCHEMAS))

KERNEL_CFLAGS += -I$(GEN_DIR)
HOST_CFLAGS   += -I$(GEN_DIR)
TOOL_CFLAGS   += -I$(GEN_DIR)
FUZZ_CFLAGS   += -I$(GEN_DIR)
USER_CFLAGS   += -I$(GEN_DIR)

# One header per schema. A schema's header also depends on every schema it may
# import (cheap: they are few), so an edit to capos.capnp regenerates manifest's.
$(GEN_DIR)/schema/%.capnp.h: schema/%.capnp $(CAPOS_SCHEMAS) $(CAPNPC_C) | $(DEPS_STAMP)
	@mkdir -p $(GEN_DIR)
	$(CAPNP) compile -o$(abspath $(CAPNPC_C)):$(GEN_DIR) $<

ALL_TARGETS += $(CAPOS_SCHEMA_HEADERS)
GENERATED_HEADERS += $(CAPOS_SCHEMA_HEADERS)

.PHONY: schema-check
schema-check: | $(DEPS_STAMP)
	$(CAPNP) compile -ocapnp $(CAPOS_SCHEMAS) >/dev/null
