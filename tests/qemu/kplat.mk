# Platform boot tests (kplat): ACPI/MADT discovery, interrupt controllers, timer
# calibration and ticking under QEMU, through the shared harness (tests/qemu/harness.py).
TEST_SUITES += tests/qemu/platform_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(BOOT_MODULE) $(ISO)
