# user/credstore: the CredentialStore service (schema/session.capnp,
# docs/credentials.md). Argon2id comes from Debian's libargon2-dev (tools/deps.sh):
# its static libargon2.a is linked in, with user/credstore/argon2_shim.c for the
# pthread entry points newlib lacks. Its header is reached through a one-file include
# directory (a symlink), so user code never sees the rest of the host's /usr/include.
ARGON2_A       := /usr/lib/x86_64-linux-gnu/libargon2.a
ARGON2_INC_DIR := $(BUILD)/user/argon2-include
CREDSTORE_SRCS := user/credstore/main.c user/credstore/cred.c user/credstore/cred_argon2.c \
	user/credstore/argon2_shim.c

$(ARGON2_INC_DIR)/argon2.h: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	ln -sf /usr/include/argon2.h $@

$(BUILD)/user/user/credstore/cred_argon2.o: $(ARGON2_INC_DIR)/argon2.h
$(BUILD)/user/user/credstore/cred_argon2.o: USER_CFLAGS += -isystem $(ARGON2_INC_DIR)

$(eval $(call user_program,credstore,$(CREDSTORE_SRCS),$(ARGON2_A)))
ALL_TARGETS += $(BUILD)/user/credstore.elf
