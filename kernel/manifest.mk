# The kernel's boot-manifest decoder (kernel/boot/manifest.c, pure; host tests in
# tests/host/manifest.mk, fuzz target in tests/fuzz/manifest.mk).
KERNEL_SRCS += kernel/boot/manifest.c
$(BUILD)/kernel/kernel/boot/manifest.o: $(CAPOS_SCHEMA_HEADERS)
