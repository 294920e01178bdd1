# Host tests of the platform layer's pure parts (kplat): the ACPI table parser and the
# timer-calibration arithmetic. Both live under kernel/, so their host objects also see
# kernel/include and the x86_64 arch headers.
KPLAT_HOST_OBJS := $(BUILD)/host/kernel/acpi/acpi.o $(BUILD)/host/tests/host/kernel/acpi_test.o \
	$(BUILD)/host/kernel/arch/x86_64/calib.o $(BUILD)/host/tests/host/kernel/calib_test.o
$(KPLAT_HOST_OBJS): HOST_CFLAGS += -Ikernel/include -Ikernel/arch/x86_64/include

$(eval $(call host_test,acpi,kernel/acpi/acpi.c tests/host/kernel/acpi_test.c))
$(eval $(call host_test,calib,kernel/arch/x86_64/calib.c tests/host/kernel/calib_test.c))

# The ticket spinlock (kernel/spinlock.h, SMP): threads as CPUs, stubbed interrupt flag.
$(eval $(call host_test,spinlock,tests/host/kernel/spinlock_test.c))
