# Platform layer (kplat): ACPI parser, PIC/LAPIC/IOAPIC/HPET/PIT drivers, timer
# calibration and the periodic tick. Appended to kboot's kernel image.
KERNEL_SRCS += \
	kernel/acpi/acpi.c \
	$(KERNEL_ARCH)/pic.c \
	$(KERNEL_ARCH)/lapic.c \
	$(KERNEL_ARCH)/ioapic.c \
	$(KERNEL_ARCH)/hpet.c \
	$(KERNEL_ARCH)/pit.c \
	$(KERNEL_ARCH)/calib.c \
	$(KERNEL_ARCH)/timer.c \
	$(KERNEL_ARCH)/platform.c
