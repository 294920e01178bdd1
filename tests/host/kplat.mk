# Host tests of the platform layer's pure parts (kplat): the ACPI table parser.
# The parser lives under kernel/, so its host objects also see kernel/include.
KPLAT_HOST_OBJS := $(BUILD)/host/kernel/acpi/acpi.o $(BUILD)/host/tests/host/kernel/acpi_test.o
$(KPLAT_HOST_OBJS): HOST_CFLAGS += -Ikernel/include

$(eval $(call host_test,acpi,kernel/acpi/acpi.c tests/host/kernel/acpi_test.c))
