# The live capability ring (kring): cap_enter over each thread's ring page and the
# kernel capability objects with their real backends (COM2, clock, boot module,
# the process's address space). Named to sort after kernel/kernel.mk.
KERNEL_SRCS += kernel/proc/kring.c kernel/proc/kipc.c kernel/proc/kgrant.c kernel/proc/kbench.c kernel/proc/kbench_progs.S
# Timer.sleep: deferred sleeps completed from the timer tick.
KERNEL_SRCS += kernel/proc/ksleep.c
# PARK/UNPARK: the wait queue (pure) and the park spaces (docs/sync.md).
KERNEL_SRCS += kernel/proc/parkq.c kernel/proc/kpark.c
$(BUILD)/kernel/kernel/proc/kpark.o: $(BUILD)/gen/schema/capos.capnp.h
$(BUILD)/kernel/kernel/proc/ksleep.o $(BUILD)/kernel/kernel/proc/kgrant.o $(BUILD)/kernel/kernel/proc/kipc.o $(BUILD)/kernel/kernel/proc/kbench.o: $(BUILD)/gen/schema/capos.capnp.h
