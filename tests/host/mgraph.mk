# Host tests of lib/manifest (tests/host/mgraph/mgraph_test.c): the validator over the
# broken graphs of tests/host/mgraph/cases.capnp (compiled by `capnp eval --binary`, one
# constant per file), the default system, minimal, system/tests/graph.capnp, the boot
# module, the overlay merge, and init's graph walk (user/init/graph.c, host-compiled). The test reads the compiled manifests from $(BUILD).
MGRAPH_DIR := $(BUILD)/tests/mgraph
MGRAPH_CONSTS := cases base ovOverride ovAppend ovInit ovDupService ovVersion ovBadGraph
MGRAPH_BINS := $(patsubst %,$(MGRAPH_DIR)/%.bin,$(MGRAPH_CONSTS))

$(MGRAPH_DIR)/%.bin: tests/host/mgraph/cases.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< $* > $@.tmp
	mv $@.tmp $@

$(eval $(call host_test,mgraph,tests/host/mgraph/mgraph_test.c user/init/graph.c \
	$(MANIFEST_LIB_SRCS) $(CAPNP_SRCS)))
$(BUILD)/host/tests/host/mgraph/mgraph_test.o: HOST_CFLAGS += -DMGRAPH_BUILD='"$(abspath $(BUILD))"' -Iuser/init

TEST_DEPS += $(MGRAPH_BINS) $(BUILD)/system/tests/graph.bin $(BUILD)/system/system.bin $(BUILD)/system/demo.bin \
	$(BUILD)/system/minimal.bin $(BOOT_MODULE)
