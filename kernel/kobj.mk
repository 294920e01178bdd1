# Capability table, kernel object reference counting and the ELF validator (abi):
# pure code linked into the kernel and compiled unmodified for host tests
# (tests/host/abi.mk). Named to sort after kernel/kernel.mk, which sets KERNEL_SRCS.
KERNEL_SRCS += kernel/cap/kobj.c kernel/cap/captab.c kernel/cap/ring.c kernel/proc/elf.c
