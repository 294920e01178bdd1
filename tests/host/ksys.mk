# The machine-wide caps (EntropySource, SystemControl, SystemStatus; kernel/ksys.h)
# through kcall_exec with fake backends.
KSYS_TEST_SRCS := kernel/cap/entropy.c kernel/cap/sysctl.c kernel/cap/sysstatus.c \
	kernel/cap/kcall.c kernel/cap/xfer.c kernel/cap/captab.c kernel/cap/kobj.c \
	$(CAPNP_SRCS) tests/host/kernel/ksys_test.c
$(patsubst %,$(BUILD)/host/kernel/cap/%.o,entropy sysctl sysstatus) \
$(BUILD)/host/tests/host/kernel/ksys_test.o: $(CAPOS_SCHEMA_HEADERS)
$(eval $(call host_test,ksys,$(KSYS_TEST_SRCS)))
