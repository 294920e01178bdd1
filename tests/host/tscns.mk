# Host test of the TSC-to-ns scaling behind arch_clock_ns (header-only, arch/tscns.h).
$(BUILD)/host/tests/host/kernel/tscns_test.o: HOST_CFLAGS += -Ikernel/arch/x86_64/include
$(eval $(call host_test,tscns,tests/host/kernel/tscns_test.c))

# Host test of the one-shot timer arithmetic (header-only, arch/timerscale.h).
$(BUILD)/host/tests/host/kernel/timerscale_test.o: HOST_CFLAGS += -Ikernel/arch/x86_64/include
$(eval $(call host_test,timerscale,tests/host/kernel/timerscale_test.c))
