# Processes, threads, the scheduler, SYSCALL entry and user copies (kproc). Appended
# to kboot's kernel image; host tests in tests/host/kproc.mk, boot tests in
# tests/qemu/kproc.mk.
KERNEL_SRCS += \
	kernel/proc/vm.c
