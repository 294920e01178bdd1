# kproc's QEMU boot tests: user processes, SYSCALL, user faults, preemption, blocking
# and checked user copies through the utest= scenarios (tests/qemu/proc_tests.py).
TEST_SUITES += tests/qemu/proc_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(BOOT_MODULE)
