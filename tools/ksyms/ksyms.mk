# ksyms: host tool that builds the kernel's embedded symbol table and checks the
# image's load layout (see tools/ksyms/ksyms.c, kernel/kernel.mk).
# KSYMS_TOOL (the binary's path) is set in kernel/kernel.mk, which uses it first.
KSYMS_TOOL_OBJS := $(BUILD)/tool/tools/ksyms/ksyms.o $(BUILD)/tool/kernel/ksyms_lookup.o

$(KSYMS_TOOL_OBJS): TOOL_CFLAGS += -Ikernel/include

$(KSYMS_TOOL): $(KSYMS_TOOL_OBJS)
	@mkdir -p $(@D)
	$(CC) $(TOOL_LDFLAGS) -o $@ $^
