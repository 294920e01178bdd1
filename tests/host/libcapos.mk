# Host tests of libcapos's pure pieces (TLS placement, program break, CapSet
# lookup, ring client against a stand-in kernel), compiled
# unmodified for the host with ASan/UBSan. The rest of libcapos runs in
# tests/user (user_tests.py) against the real newlib.
$(eval $(call host_test,libcapos_tls,lib/libcapos/tls.c tests/host/libcapos/tls_test.c))
$(eval $(call host_test,libcapos_heap,lib/libcapos/heap.c tests/host/libcapos/heap_test.c))
$(eval $(call host_test,libcapos_capset,lib/libcapos/capset.c tests/host/libcapos/capset_test.c))
$(eval $(call host_test,libcapos_ring,lib/libcapos/ring.c tests/host/libcapos/ring_test.c))
# The server runtime's pure half against the generated demo interfaces.
$(eval $(call host_test,libcapos_server,lib/libcapos/server.c tests/host/libcapos/server_test.c $(CAPNP_SRCS)))
$(BUILD)/host/tests/host/libcapos/server_test.o $(BUILD)/host/lib/libcapos/server.o: \
	$(GEN_DIR)/schema/demo.capnp.h $(GEN_DIR)/schema/capos.capnp.h
# capos_server_run_until (the ring half) against a stand-in kernel that posts the awaited
# completion at every point of the loop: the lost wake-up that hung stdio-streams@smp4.
LIBCAPOS_SERVER_RUN_TEST_SRCS := lib/libcapos/server_ring.c lib/libcapos/server.c \
	lib/libcapos/ring.c lib/libcapos/ring_self.c lib/libcapos/capset.c kernel/cap/ring.c \
	tests/host/libcapos/server_run_test.c $(CAPNP_SRCS)
$(eval $(call host_test,libcapos_server_run,$(LIBCAPOS_SERVER_RUN_TEST_SRCS)))
$(BUILD)/host/tests/host/libcapos/server_run_test.o $(BUILD)/host/lib/libcapos/server_ring.o: \
	$(GEN_DIR)/schema/capos.capnp.h
$(BUILD)/host/tests/host/libcapos/server_run_test.o: HOST_CFLAGS += -Ikernel/include
# The StdIO client with the real ring client, CapSet lookup and kcaps against a
# stand-in kernel that plays the StdIO server (the ring page from the kernel's ring_init).
LIBCAPOS_STDIO_TEST_SRCS := lib/libcapos/stdio_cap.c lib/libcapos/ring.c lib/libcapos/ring_self.c \
	lib/libcapos/kcaps.c lib/libcapos/capset.c kernel/cap/ring.c tests/host/libcapos/stdio_test.c \
	$(CAPNP_SRCS)
$(eval $(call host_test,libcapos_stdio,$(LIBCAPOS_STDIO_TEST_SRCS)))
$(BUILD)/host/tests/host/libcapos/stdio_test.o $(BUILD)/host/lib/libcapos/stdio_cap.o \
	$(BUILD)/host/lib/libcapos/kcaps.o: \
	$(GEN_DIR)/schema/session.capnp.h $(GEN_DIR)/schema/capos.capnp.h
$(BUILD)/host/tests/host/libcapos/stdio_test.o: HOST_CFLAGS += -Ikernel/include
# The spawn helpers with the ring client's CALLs stood in by the test (request decoded).
$(eval $(call host_test,libcapos_spawn,lib/libcapos/spawn.c tests/host/libcapos/spawn_test.c $(CAPNP_SRCS)))
$(BUILD)/host/tests/host/libcapos/spawn_test.o $(BUILD)/host/lib/libcapos/spawn.o: \
	$(GEN_DIR)/schema/capos.capnp.h
