# Interop suite against the official capnp tool: a C helper (lib/capnp, sanitized)
# driven by tests/capnp/interop.py. See the script's docstring for every case.

CAPNP_INTEROP_HELPER := $(BUILD)/tests/capnp/interop_helper

$(CAPNP_INTEROP_HELPER): $(BUILD)/host/tests/capnp/interop_helper.o \
		$(BUILD)/host/tests/capnp/interop_gen.o $(CAPNP_HOST_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_LDFLAGS) -o $@ $^

TEST_SUITES += tests/capnp/interop.py
TEST_DEPS += $(CAPNP_INTEROP_HELPER)
