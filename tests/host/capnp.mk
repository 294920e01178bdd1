# Host unit tests of lib/capnp (sanitized): hostile messages, builder, reader
# semantics, packing. Interop with the official tool lives in tests/capnp/.
$(eval $(call host_test,capnp,$(CAPNP_SRCS) tests/host/capnp/hostile_test.c \
	tests/host/capnp/builder_test.c tests/host/capnp/pack_test.c))
