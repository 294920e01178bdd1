# Revocation nodes and the CapabilityManager object (capmgr): pure code linked into the
# kernel and compiled unmodified for host tests (tests/host/capmgr.mk). Named to sort
# after kernel/kernel.mk, which sets KERNEL_SRCS.
KERNEL_SRCS += kernel/cap/revoke.c
KERNEL_SRCS += kernel/cap/capmgr.c
