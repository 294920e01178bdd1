# Processes, threads, the scheduler, SYSCALL entry and user copies (kproc). Appended
# to kboot's kernel image; host tests in tests/host/kproc.mk, boot tests in
# tests/qemu/kproc.mk.
KERNEL_SRCS += \
	kernel/proc/uaccess.c \
	kernel/proc/vm.c \
	kernel/proc/load.c \
	kernel/proc/kstack.c \
	kernel/proc/proc.c \
	kernel/proc/ledger.c \
	kernel/proc/syscall.c \
	kernel/proc/utest.c \
	kernel/proc/utest_progs.S \
	kernel/sched/sched.c \
	kernel/sched/klock.c \
	kernel/mm/tlb.c \
	$(KERNEL_ARCH)/ipi.c \
	$(KERNEL_ARCH)/proc.c \
	$(KERNEL_ARCH)/xstate.c \
	$(KERNEL_ARCH)/switch.S \
	$(KERNEL_ARCH)/usercopy.S
