# user/shell: capos-shell, the login shell on the user terminal (docs/shell.md).
# parse.c is pure and host-tested; the fuzz target is tests/fuzz/shell.mk.
$(eval $(call host_test,shell_parse,user/shell/parse.c tests/host/shell/parse_check.c \
	tests/host/shell/parse_test.c))
$(BUILD)/host/tests/host/shell/%.o: HOST_CFLAGS += -Iuser/shell

SHELL_SRCS := user/shell/main.c user/shell/parse.c user/shell/call.c user/shell/term.c \
	user/shell/session.c user/shell/jobs.c user/shell/info.c
$(eval $(call user_program,shell,$(SHELL_SRCS)))
ALL_TARGETS += $(BUILD)/user/shell.elf
