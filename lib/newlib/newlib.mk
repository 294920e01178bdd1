# newlib for capOS userspace, and the user output class that compiles against it.
#
# newlib 3.3.0 is built once from Debian's newlib-source tarball by
# lib/newlib/build-newlib.sh (about 1.5-2 minutes on 2 cores) into $(NEWLIB_DIR) and
# cached behind a stamp that depends only on the recipe and on the ABI flag file, so a
# clean clone builds it as part of `make` and later runs never rebuild it.
#
# The user class lives here rather than in mk/ because every user object needs
# newlib's headers first (it is the one hosted-C environment of capOS userspace):
#   $(BUILD)/user/<src>.o   user code: x86_64-elf, newlib headers, the flags of
#                           lib/newlib/user-abi.flags (shared with newlib itself)
# and user_program links complete static ELF programs (see the macro below).
# Decisions and reasons: docs/userspace.md.

NEWLIB_TARBALL := /usr/src/newlib/newlib-3.3.0.tar.xz
NEWLIB_DIR     := $(BUILD)/newlib
NEWLIB_STAMP   := $(NEWLIB_DIR)/.built
NEWLIB_PREFIX  := $(NEWLIB_DIR)/install/x86_64-elf
NEWLIB_INC     := $(NEWLIB_PREFIX)/include
NEWLIB_LIBC    := $(NEWLIB_PREFIX)/lib/libc.a
NEWLIB_LIBM    := $(NEWLIB_PREFIX)/lib/libm.a

# One place for the user ABI code-generation flags: newlib and our user code agree.
USER_ABI_FLAGS_FILE := lib/newlib/user-abi.flags
USER_ABI_CFLAGS := $(strip $(shell cat $(USER_ABI_FLAGS_FILE)))

# Debian ships compiler-rt builtins only in the Linux directory; the builtins are
# OS-independent (int128 division, complex multiply/divide, float conversions).
USER_BUILTINS := $(CLANG_RESOURCE)/lib/linux/libclang_rt.builtins-x86_64.a

# newlib's headers declare clock_gettime/nanosleep and CLOCK_MONOTONIC only for
# targets that announce POSIX timers; libcapos supplies them (lib/libcapos/time.c),
# so user code announces them (headers only: libc.a is unaffected).
USER_POSIX_FLAGS := -D_POSIX_TIMERS=200809L -D_POSIX_MONOTONIC_CLOCK=200809L
USER_CFLAGS := $(COMMON) -O2 --target=x86_64-elf -nostdinc -isystem $(NEWLIB_INC) \
	-isystem $(CLANG_RESOURCE)/include $(USER_ABI_CFLAGS) $(USER_POSIX_FLAGS) -fno-common \
	-DCAPOS_USER=1
USER_ASFLAGS := $(USER_CFLAGS)
USER_LDFLAGS := -static -nostdlib --gc-sections -z max-page-size=4096 -z noexecstack \
	--build-id=none

$(NEWLIB_STAMP): lib/newlib/build-newlib.sh $(USER_ABI_FLAGS_FILE) | $(DEPS_STAMP)
	@mkdir -p $(NEWLIB_DIR)
	+@bash lib/newlib/build-newlib.sh $(NEWLIB_TARBALL) $(abspath $(NEWLIB_DIR)) $(USER_ABI_CFLAGS)
	@touch $@

# The headers and archives exist exactly when the stamp does.
$(NEWLIB_LIBC) $(NEWLIB_LIBM): $(NEWLIB_STAMP)

ALL_TARGETS += $(NEWLIB_STAMP)

$(BUILD)/user/%.o: %.c $(NEWLIB_STAMP) | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/%.o: %.S $(NEWLIB_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(USER_ASFLAGS) -c $< -o $@

# user_program(name, sources...[, archives...]): a static capOS ELF
# $(BUILD)/user/<name>.elf made of crt0, the sources, libcapos, the optional extra
# static archives (e.g. a Debian libfoo.a; resolved in one group with libcapos and
# newlib, so they may call libc and the program's shim objects may serve them),
# newlib libc/libm and compiler-rt builtins, linked with the user linker script.
# Objects named in <sources> come before libcapos.a, so a test may replace a libcapos
# member (e.g. the syscall layer) by defining its symbols.
#   $(eval $(call user_program,hello,user/hello/main.c))
#   $(eval $(call user_program,credstore,user/credstore/main.c ...,$(ARGON2_A)))
define user_program
$(BUILD)/user/$(1).elf: $(LIBCAPOS_CRT0) $$(patsubst %,$(BUILD)/user/%.o,$$(basename $(2))) \
		$(LIBCAPOS_A) $(3) $(USER_LDSCRIPT) $(NEWLIB_STAMP)
	@mkdir -p $$(@D)
	$$(LD) $$(USER_LDFLAGS) -T $(USER_LDSCRIPT) -o $$@ $(LIBCAPOS_CRT0) \
		$$(patsubst %,$(BUILD)/user/%.o,$$(basename $(2))) \
		--start-group $(LIBCAPOS_A) $(3) $(NEWLIB_LIBC) $(NEWLIB_LIBM) --end-group \
		$(USER_BUILTINS)
endef
