# The kernel's boot-manifest decoder (kernel/boot/manifest.c, pure; host tests in
# tests/host/manifest.mk, fuzz target in tests/fuzz/manifest.mk). Generated schema
# headers are order-only prerequisites of every kernel object (mk/rules.mk).
KERNEL_SRCS += kernel/boot/manifest.c
