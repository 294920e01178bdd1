# VirtualMemory reservations (kernel/include/kernel/vmres.h): the region table and the
# reserve/commit/decommit/guard operations over the address space. Host tests in
# tests/host/vmres.mk, boot tests in tests/qemu/vmres.mk.
KERNEL_SRCS += \
	kernel/proc/vmregion.c \
	kernel/proc/vmres.c
