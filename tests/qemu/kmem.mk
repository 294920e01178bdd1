# kmem's QEMU boot tests (memory report, >4 GiB, guard page, heap detections); same
# harness and inputs as boot_tests.py (tests/qemu/qemu.mk).
TEST_SUITES += tests/qemu/kmem_tests.py
