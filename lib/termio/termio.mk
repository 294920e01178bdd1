# Terminal line discipline (lib/termio/ldisc.c, docs/terminal.md). Pure and freestanding:
# compiled under the kernel's flags here (so the kernel or a user driver can link it) and
# tested on the host; the kernel TerminalSession links it (kernel/term.mk).
$(eval $(call host_test,ldisc,lib/termio/ldisc.c tests/host/termio/ldisc_check.c \
	tests/host/termio/ldisc_test.c))

LDISC_FREESTANDING := $(BUILD)/kernel/lib/termio/ldisc.o
ALL_TARGETS += $(LDISC_FREESTANDING)
TEST_DEPS += $(LDISC_FREESTANDING)
