# Compilers and flags for every output class. One compiler (clang-16) and one linker
# (ld.lld-16) build all of capOS; each class gets its own object tree under $(BUILD)
# so the same source (e.g. lib/capnp/*.c) can be compiled for the kernel, for
# userspace and for sanitized host tests side by side.
#
#   $(BUILD)/kernel/<src>.o   freestanding, higher-half kernel code model
#   $(BUILD)/host/<src>.o     host unit tests: ASan + UBSan, no recovery
#   $(BUILD)/tool/<src>.o     host tools (capnpc-c, mkmanifest, ksyms): optimized
#   $(BUILD)/fuzz/<src>.o     libFuzzer targets: fuzzer + ASan + UBSan

CC        := clang-16
CXX       := clang++-16
LD        := ld.lld-16
OBJCOPY   := llvm-objcopy-16
NM        := llvm-nm-16
PYTHON    := python3
QEMU      := qemu-system-x86_64
CAPNP     := capnp

WARN      := -Wall -Wextra -Werror
COMMON    := -std=gnu17 $(WARN) -g -MMD -MP -Iinclude -Ilib/include

CLANG_RESOURCE := $(shell $(CC) -print-resource-dir 2>/dev/null)

KERNEL_CFLAGS := $(COMMON) -O2 --target=x86_64-unknown-none-elf \
	-ffreestanding -fno-common -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-mno-omit-leaf-frame-pointer -nostdinc -isystem $(CLANG_RESOURCE)/include \
	-Ikernel/include -DCAPOS_KERNEL=1
KERNEL_ASFLAGS := $(KERNEL_CFLAGS)

HOST_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS := $(COMMON) -O1 -fno-omit-frame-pointer $(HOST_SAN) -Itests/host -DCAPOS_HOST_TEST=1
HOST_LDFLAGS := $(HOST_SAN)

TOOL_CFLAGS := $(COMMON) -O2
TOOL_LDFLAGS :=

FUZZ_SAN    := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := $(COMMON) -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -DCAPOS_FUZZ=1
