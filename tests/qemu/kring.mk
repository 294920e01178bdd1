# The live capability ring under QEMU (tests/qemu/ring_tests.py): user programs run
# as the boot module of utest=ring (console/timer/boot/vm caps and a CapSet).
KRING_OK_ELF      := $(BUILD)/user/kring/ring_ok.elf
KRING_HOSTILE_ELF := $(BUILD)/user/kring/ring_hostile.elf
KRING_USER_OBJS   := $(patsubst %.c,$(BUILD)/user/%.o,tests/qemu/user/ringlib.c \
	tests/qemu/user/ring_ok.c tests/qemu/user/ring_hostile.c)

$(eval $(call user_program,kring/ring_ok,tests/qemu/user/ring_ok.c tests/qemu/user/ringlib.c))
$(eval $(call user_program,kring/ring_hostile,tests/qemu/user/ring_hostile.c tests/qemu/user/ringlib.c))

$(KRING_USER_OBJS): $(CAPOS_SCHEMA_HEADERS)
$(KRING_USER_OBJS): USER_CFLAGS += -I$(GEN_DIR)

ALL_TARGETS += $(KRING_OK_ELF) $(KRING_HOSTILE_ELF)
TEST_SUITES += tests/qemu/ring_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(KRING_OK_ELF) $(KRING_HOSTILE_ELF)
