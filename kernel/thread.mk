# Thread capability objects (kernel/include/kernel/kthread.h; docs/kernel-proc.md
# "Threads"): ThreadSpawner, ThreadHandle, ThreadControl, one file per object type.
KERNEL_SRCS += kernel/cap/threadspawner.c kernel/cap/threadhandle.c kernel/cap/threadctl.c
