# kinit: the kernel starts init from the boot manifest and waits for it
# (kernel/proc/kinit.c; docs/manifest.md "How init starts"). Sorts after kernel.mk.
KERNEL_SRCS += kernel/proc/kinit.c
$(BUILD)/kernel/kernel/proc/kinit.o: | $(BUILD)/gen/schema/capos.capnp.h $(BUILD)/gen/schema/manifest.capnp.h
