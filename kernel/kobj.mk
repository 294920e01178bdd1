# Capability table, kernel objects, ring engine, CALL dispatch (kcall), cap transfer
# (xfer), CapSet builder
# and the ELF validator (abi):
# pure code linked into the kernel and compiled unmodified for host tests
# (tests/host/abi.mk). Named to sort after kernel/kernel.mk, which sets KERNEL_SRCS.
KERNEL_SRCS += kernel/cap/kobj.c kernel/cap/captab.c kernel/cap/ring.c kernel/cap/capset.c kernel/cap/kcall.c kernel/cap/xfer.c \
	kernel/cap/console.c kernel/cap/timer.c kernel/cap/bootpkg.c kernel/cap/vmcap.c kernel/cap/endpoint.c kernel/proc/elf.c
# kcall decodes CALL params with lib/capnp, so the runtime is linked into the kernel
# (listed once, here; lib/capnp/capnp.mk only builds its kernel-class objects).
KERNEL_SRCS += $(KERNEL_ARCH)/string.c lib/capnp/read.c lib/capnp/build.c lib/capnp/copy.c lib/capnp/pack.c
# The generated schema headers they include are ordered before every kernel object by
# mk/rules.mk (GENERATED_HEADERS); -MMD tracks them afterwards.
