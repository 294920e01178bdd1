# TerminalSession over COM2 (kernel/cap/terminal.c, docs/terminal.md): the kernel
# object of KernelCapSource `terminal`, with the line discipline of lib/termio linked
# into the kernel. Named to sort after kernel/kernel.mk.
KERNEL_SRCS += kernel/cap/terminal.c lib/termio/ldisc.c
$(BUILD)/kernel/kernel/cap/terminal.o: $(BUILD)/gen/schema/capos.capnp.h
