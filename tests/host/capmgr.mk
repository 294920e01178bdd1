# Revocation nodes and their cap-table integration (kernel/cap/revoke.c, captab.c).
$(eval $(call host_test,revoke,kernel/cap/kobj.c kernel/cap/captab.c kernel/cap/revoke.c \
	tests/host/kernel/revoke_test.c))

# The CapabilityManager object (kernel/cap/capmgr.c) through kcall_exec and its handler.
CAPMGR_TEST_SRCS := kernel/cap/capmgr.c kernel/cap/revoke.c kernel/cap/kcall.c kernel/cap/xfer.c \
	kernel/cap/captab.c kernel/cap/kobj.c $(CAPNP_SRCS) tests/host/kernel/capmgr_test.c
$(BUILD)/host/kernel/cap/capmgr.o $(BUILD)/host/tests/host/kernel/capmgr_test.o: \
	$(CAPOS_SCHEMA_HEADERS)
$(eval $(call host_test,capmgr,$(CAPMGR_TEST_SRCS)))
