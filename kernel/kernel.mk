# The capOS kernel image. Other kernel fragments (kernel/*.mk, sorted after this one)
# add their sources with `KERNEL_SRCS += path/to/file.c`; the link rules expand the
# list late (.SECONDEXPANSION) so their additions are picked up.
#
#   $(KERNEL_ELF)   build/capos.elf, the bootable ELF64 (Multiboot2 + Multiboot1)
#
# Two links embed the kernel's own symbol table for backtraces:
#   1. stage 1 links the objects with an empty ksyms blob;
#   2. tools/ksyms reads stage 1's .symtab and writes the real blob;
#   3. the final link swaps in the real blob. .ksyms is the last section of the image
#      (kernel.ld), so no other symbol can move: the rule compares both links' symbol
#      lists (minus the symbols at/after the table) and fails if anything moved, and
#      `ksyms --check-load` verifies the Multiboot1 a.out-kludge file layout.

KERNEL_ELF   := $(BUILD)/capos.elf
KERNEL_ARCH  := kernel/arch/x86_64
KERNEL_LDS   := $(BUILD)/kernel/kernel.ld
# Built by tools/ksyms/ksyms.mk.
KSYMS_TOOL   := $(BUILD)/tool/ksyms

KERNEL_CFLAGS  += -I$(KERNEL_ARCH)/include
# Whole-kernel link-time optimization: the IPC and ring paths cross many small
# functions in separate files (ring engine -> kring -> kipc -> endpoint -> captab ->
# sched), and per-file compilation kept every one of them a call. The bitcode keeps
# each function's attributes (noredzone, no SSE/x87, frame pointers) and the kernel
# code model, so the generated code obeys the same rules. See docs/ipc.md "Figures".
KERNEL_CFLAGS  += -flto
KERNEL_ASFLAGS += -I$(KERNEL_ARCH)/include

KERNEL_SRCS := \
	$(KERNEL_ARCH)/boot.S \
	$(KERNEL_ARCH)/uart.c \
	$(KERNEL_ARCH)/exit.c \
	$(KERNEL_ARCH)/irq.c \
	$(KERNEL_ARCH)/backtrace.c \
	$(KERNEL_ARCH)/cpu.c \
	$(KERNEL_ARCH)/cpufeat.c \
	$(KERNEL_ARCH)/faulttest.c \
	$(KERNEL_ARCH)/fpwalk.c \
	$(KERNEL_ARCH)/gdt.c \
	$(KERNEL_ARCH)/idt.c \
	$(KERNEL_ARCH)/irq_table.c \
	$(KERNEL_ARCH)/trap.c \
	$(KERNEL_ARCH)/trap_entry.S \
	kernel/main.c \
	kernel/log.c \
	kernel/panic.c \
	kernel/ksyms.c \
	kernel/ksyms_lookup.c \
	kernel/selftest.c \
	kernel/selftest_parse.c \
	lib/fmt/fmt.c

kernel_objs = $(patsubst %,$(BUILD)/kernel/%.o,$(basename $(KERNEL_SRCS)))
# Prebuilt (non-LTO) objects linked after kernel_objs: Debian's BearSSL members that
# kernel/ksys.mk extracts and checks (they run only inside arch_foreign_call).
KERNEL_FOREIGN_OBJS :=

KERNEL_LDFLAGS := -nostdlib -static --no-pie -z max-page-size=0x1000 -z noexecstack \
	--build-id=none -T $(KERNEL_LDS)

# The linker script is run through the C preprocessor for memlayout.h's constants.
$(KERNEL_LDS): $(KERNEL_ARCH)/kernel.ld $(KERNEL_ARCH)/include/arch/memlayout.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -E -P -x c -D__ASSEMBLER__ -I$(KERNEL_ARCH)/include $< -o $@

KERNEL_STAGE1 := $(BUILD)/kernel/capos.stage1.elf
KSYMS_DIR     := $(BUILD)/kernel/ksyms
# Symbols whose value depends on the table's size (they sit at or after its end).
KSYMS_MOVABLE := ' (__ksyms_end|__image_end)$$'

# blob -> relocatable object with a single 8-aligned read-only .ksyms section
define ksyms_object
	$(OBJCOPY) -I binary -O elf64-x86-64 --strip-all \
		--rename-section .data=.ksyms,alloc,load,readonly,data,contents \
		--set-section-alignment .ksyms=8 $(1) $(2)
endef

$(KSYMS_DIR)/empty.bin: $(KSYMS_TOOL)
	@mkdir -p $(@D)
	$(KSYMS_TOOL) --empty $@

$(KSYMS_DIR)/%.o: $(KSYMS_DIR)/%.bin
	$(call ksyms_object,$<,$@)

$(KSYMS_DIR)/table.bin: $(KERNEL_STAGE1) $(KSYMS_TOOL)
	$(KSYMS_TOOL) $< $@

.SECONDEXPANSION:
$(KERNEL_STAGE1): $$(kernel_objs) $$(KERNEL_FOREIGN_OBJS) $(KSYMS_DIR)/empty.o $(KERNEL_LDS)
	@mkdir -p $(@D)
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(kernel_objs) $(KERNEL_FOREIGN_OBJS) $(KSYMS_DIR)/empty.o

$(KERNEL_ELF): $$(kernel_objs) $$(KERNEL_FOREIGN_OBJS) $(KSYMS_DIR)/table.o $(KERNEL_STAGE1) \
		$(KERNEL_LDS)
	@mkdir -p $(@D)
	$(LD) $(KERNEL_LDFLAGS) -o $@.tmp $(kernel_objs) $(KERNEL_FOREIGN_OBJS) $(KSYMS_DIR)/table.o
	$(NM) -n $(KERNEL_STAGE1) | grep -Ev $(KSYMS_MOVABLE) > $(KSYMS_DIR)/stage1.nm
	$(NM) -n $@.tmp | grep -Ev $(KSYMS_MOVABLE) > $(KSYMS_DIR)/final.nm
	@cmp -s $(KSYMS_DIR)/stage1.nm $(KSYMS_DIR)/final.nm || \
		{ echo "kernel.mk: symbols moved between the two links:"; \
		  diff $(KSYMS_DIR)/stage1.nm $(KSYMS_DIR)/final.nm | head; exit 1; }
	$(KSYMS_TOOL) --check-load $@.tmp
	mv $@.tmp $@

ALL_TARGETS += $(KERNEL_ELF)
