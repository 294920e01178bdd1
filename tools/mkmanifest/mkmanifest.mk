# tools/mkmanifest: builds the boot module from a SystemManifest compiled by
# `capnp eval --binary`, merging an operator overlay (-l) and embedding the user binaries
# (docs/manifest.md). It validates the graph with lib/manifest before writing and runs the
# kernel's manifest decoder (kernel/boot/manifest.c) over its output.
MKMANIFEST := $(BUILD)/tool/mkmanifest
MKMANIFEST_SRCS := tools/mkmanifest/mkmanifest.c kernel/boot/manifest.c $(MANIFEST_LIB_SRCS)
MKMANIFEST_OBJS := $(patsubst %.c,$(BUILD)/tool/%.o,$(MKMANIFEST_SRCS))

$(MKMANIFEST_OBJS): TOOL_CFLAGS += -Ikernel/include
$(MKMANIFEST_OBJS): $(CAPOS_SCHEMA_HEADERS)

$(MKMANIFEST): $(MKMANIFEST_OBJS) $(CAPNP_TOOL_OBJS)
	@mkdir -p $(@D)
	$(CC) $(TOOL_LDFLAGS) -o $@ $^

ALL_TARGETS += $(MKMANIFEST)

# A system manifest source system/<name>.capnp holds `const <name> :SystemManifest`;
# the official compiler checks it against schema/manifest.capnp and emits the binary.
$(BUILD)/system/%.bin: system/%.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< $* > $@.tmp
	mv $@.tmp $@

# Focused test manifests beside the default one: system/tests/<name>.capnp holds
# `const <name>` (the more specific pattern wins over the one above).
$(BUILD)/system/tests/%.bin: system/tests/%.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< $* > $@.tmp
	mv $@.tmp $@

ALL_TARGETS += $(BUILD)/system/system.bin $(BUILD)/system/minimal.bin
