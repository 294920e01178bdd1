# Kernel memory core and boot-information intake (kmem). Appends to kboot's
# KERNEL_SRCS (kernel/kernel.mk); host tests are in tests/host/kmem.mk.
KERNEL_SRCS += \
	kernel/boot/boot.c \
	kernel/boot/bootinfo.c \
	kernel/boot/multiboot1.c \
	kernel/boot/multiboot2.c \
	kernel/boot/cmdline.c \
	kernel/mm/frame.c \
	kernel/mm/kmap.c \
	kernel/mm/heap.c \
	kernel/mm/kcharge.c \
	kernel/mm/mm.c \
	kernel/mm/selftest.c \
	kernel/arch/x86_64/paging.c \
	kernel/arch/x86_64/mmu.c
