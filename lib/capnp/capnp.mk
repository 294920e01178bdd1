# lib/capnp: the freestanding Cap'n Proto runtime. Built here as kernel-class objects
# (kernel flags, so every `make` proves it compiles freestanding) and collected in
# build/lib/capnp/kernel-objs.txt; host tests, tools and the fuzzer compile the same
# sources in their own output classes (see tests/host/capnp.mk, tests/fuzz/fuzz.mk).

CAPNP_SRCS := lib/capnp/read.c lib/capnp/build.c lib/capnp/copy.c lib/capnp/pack.c
CAPNP_KERNEL_OBJS := $(patsubst %.c,$(BUILD)/kernel/%.o,$(CAPNP_SRCS))
CAPNP_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(CAPNP_SRCS))
CAPNP_TOOL_OBJS := $(patsubst %.c,$(BUILD)/tool/%.o,$(CAPNP_SRCS))
CAPNP_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(CAPNP_SRCS))

ALL_TARGETS += $(CAPNP_KERNEL_OBJS)

.PHONY: capnp-size
# Code size of the runtime as the kernel links it.
# The kernel's objects are LLVM bitcode (-flto, kernel/kernel.mk): each one is
# code-generated on its own with the kernel's code model to be measured.
capnp-size: $(CAPNP_KERNEL_OBJS)
	@mkdir -p $(BUILD)/capnp-size
	@for o in $(CAPNP_KERNEL_OBJS); do \
		$(CC) --target=x86_64-unknown-none-elf -O2 -mcmodel=kernel -mno-red-zone \
			-c -x ir $$o -o $(BUILD)/capnp-size/$$(basename $$o) || exit 1; \
	done
	@size $(addprefix $(BUILD)/capnp-size/,$(notdir $(CAPNP_KERNEL_OBJS)))
