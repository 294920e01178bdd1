# kproc's QEMU boot tests: user processes, SYSCALL, user faults, preemption, blocking,
# checked user copies and the ELF loader through the utest= scenarios
# (tests/qemu/proc_tests.py). proc_elf.elf is a real newlib + libcapos program the
# loader runs from the boot module (user_program: lib/newlib/newlib.mk).
KPROC_USER_ELF := $(BUILD)/user/kproc/proc_elf.elf

$(eval $(call user_program,kproc/proc_elf,tests/qemu/user/proc_elf.c))

# The GRUB ISO path with processes: the same kernel booted with utest=spin2.
KPROC_SPIN2_ISO := $(BUILD)/tests/qemu/utest-spin2.iso

$(KPROC_SPIN2_ISO): $(KERNEL_ELF) $(BOOT_MODULE) $(MKISO) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MKISO) -o $@ -k $(KERNEL_ELF) -c "utest=spin2" -m $(BOOT_MODULE)

TEST_SUITES += tests/qemu/proc_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(BOOT_MODULE) $(KPROC_USER_ELF) $(KPROC_SPIN2_ISO)
