# The capOS kernel image. Other kernel fragments (kernel/*.mk, sorted after this one)
# add their sources with `KERNEL_SRCS += path/to/file.c`; the link rule expands the
# list late (.SECONDEXPANSION) so their additions are picked up.
#
#   $(KERNEL_ELF)   build/capos.elf, the bootable ELF64 (Multiboot2 + Multiboot1)

KERNEL_ELF   := $(BUILD)/capos.elf
KERNEL_ARCH  := kernel/arch/x86_64
KERNEL_LDS   := $(BUILD)/kernel/kernel.ld

KERNEL_CFLAGS  += -I$(KERNEL_ARCH)/include
KERNEL_ASFLAGS += -I$(KERNEL_ARCH)/include

KERNEL_SRCS := \
	$(KERNEL_ARCH)/boot.S \
	$(KERNEL_ARCH)/uart.c \
	$(KERNEL_ARCH)/exit.c \
	$(KERNEL_ARCH)/irq.c \
	$(KERNEL_ARCH)/backtrace.c \
	kernel/main.c \
	kernel/log.c \
	kernel/panic.c \
	lib/fmt/fmt.c

kernel_objs = $(patsubst %,$(BUILD)/kernel/%.o,$(basename $(KERNEL_SRCS)))

KERNEL_LDFLAGS := -nostdlib -static --no-pie -z max-page-size=0x1000 -z noexecstack \
	--build-id=none -T $(KERNEL_LDS)

# The linker script is run through the C preprocessor for memlayout.h's constants.
$(KERNEL_LDS): $(KERNEL_ARCH)/kernel.ld $(KERNEL_ARCH)/include/arch/memlayout.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -E -P -x c -D__ASSEMBLER__ -I$(KERNEL_ARCH)/include $< -o $@

.SECONDEXPANSION:
$(KERNEL_ELF): $$(kernel_objs) $(KERNEL_LDS)
	@mkdir -p $(@D)
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(kernel_objs)

ALL_TARGETS += $(KERNEL_ELF)
