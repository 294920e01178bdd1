# MemoryObject and FrameAllocator (kernel/include/kernel/memobj.h): the objects
# (kernel-only: frames, page tables) and the pure mapping bookkeeping (memmap.c, also
# compiled into tests/host/memobj.mk). Boot tests: tests/qemu/memobj.mk.
KERNEL_SRCS += kernel/cap/memobj.c kernel/cap/framealloc.c kernel/cap/memmap.c
