# The kernel's boot-manifest decoder (kernel/boot/manifest.c, pure; host tests in
# tests/host/manifest.mk, fuzz target in tests/fuzz/manifest.mk).
KERNEL_SRCS += kernel/boot/manifest.c

# Generated headers as order prerequisites. schema/schema.mk (which defines
# CAPOS_SCHEMA_HEADERS) is read after kernel/*.mk, so the names are spelled out here:
# without them a clean `make -j2` can compile these objects before capnpc-c has
# written the headers. kernel/cap's objects include them too (kcall, console, timer,
# bootpkg, vmcap); they are listed here for the same reason.
KERNEL_GEN_HEADERS := $(BUILD)/gen/schema/capos.capnp.h $(BUILD)/gen/schema/manifest.capnp.h
$(BUILD)/kernel/kernel/boot/manifest.o: | $(KERNEL_GEN_HEADERS)
$(patsubst %.c,$(BUILD)/kernel/%.o,$(wildcard kernel/cap/*.c)): | $(KERNEL_GEN_HEADERS)
