# SMP bring-up boot tests (tests/qemu/smp_tests.py, docs/smp.md): -smp 1/2/4/8, absent
# and limited CPUs, IPIs, the one-shot timer and a panic on an AP, on the demo module.
TEST_SUITES += tests/qemu/smp_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(BOOT_MODULE)
