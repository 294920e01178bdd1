# user/shell: capos-shell, the login shell on the user terminal (docs/shell.md).
# parse.c is pure and host-tested; the fuzz target is tests/fuzz/shell.mk.
$(eval $(call host_test,shell_parse,user/shell/parse.c tests/host/shell/parse_check.c \
	tests/host/shell/parse_test.c))
$(BUILD)/host/tests/host/shell/%.o: HOST_CFLAGS += -Iuser/shell
