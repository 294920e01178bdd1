# Host tests for kboot's pure code: the formatter (lib/fmt), the interrupt handler
# table, the CPUID feature decoder, the frame-pointer walker, self-test selection and the kernel symbol table
# lookup. Kernel-private headers need the kernel
# include paths.
KBOOT_HOST_INC := -Ikernel/include -Ikernel/arch/x86_64/include

$(eval $(call host_test,fmt,lib/fmt/fmt.c tests/host/kboot/fmt_test.c))
$(eval $(call host_test,irq_table,kernel/arch/x86_64/irq_table.c tests/host/kboot/irq_table_test.c))

$(eval $(call host_test,cpufeat,kernel/arch/x86_64/cpufeat.c tests/host/kboot/cpufeat_test.c))
$(eval $(call host_test,selftest,kernel/selftest_parse.c kernel/boot/cmdline.c tests/host/kboot/selftest_test.c))
$(eval $(call host_test,fpwalk,kernel/arch/x86_64/fpwalk.c tests/host/kboot/fpwalk_test.c))
$(eval $(call host_test,ksyms,kernel/ksyms_lookup.c tests/host/kboot/ksyms_test.c))

$(BUILD)/host/kernel/arch/x86_64/irq_table.o $(BUILD)/host/tests/host/kboot/irq_table_test.o \
$(BUILD)/host/kernel/ksyms_lookup.o $(BUILD)/host/tests/host/kboot/ksyms_test.o \
$(BUILD)/host/kernel/arch/x86_64/cpufeat.o $(BUILD)/host/tests/host/kboot/cpufeat_test.o \
$(BUILD)/host/kernel/selftest_parse.o $(BUILD)/host/tests/host/kboot/selftest_test.o \
$(BUILD)/host/kernel/arch/x86_64/fpwalk.o $(BUILD)/host/tests/host/kboot/fpwalk_test.o: \
	HOST_CFLAGS += $(KBOOT_HOST_INC)

# The ksyms tool and the two-stage link, exercised on the real kernel image.
TEST_SUITES += tests/host/kboot/ksyms_tool_test.py
TEST_DEPS   += $(KERNEL_ELF) $(KSYMS_TOOL)
