# SMP bring-up (docs/smp.md): AP trampoline and start-up, per-CPU GDT/TSS/stacks,
# IPIs, the one-shot timer's self-test, and the portable AP entry. Appended to the
# kernel image; boot tests in tests/qemu/smp.mk.
KERNEL_SRCS += \
	$(KERNEL_ARCH)/smp_tramp.S \
	$(KERNEL_ARCH)/smp.c \
	$(KERNEL_ARCH)/ipi.c \
	$(KERNEL_ARCH)/smptest.c \
	kernel/smp.c
