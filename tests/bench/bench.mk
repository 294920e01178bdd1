# Host-side checks of the benchmark tools (bench/run.py parser, extract_vmlinux.py,
# mkinitramfs.py). Boots nothing; the benchmarks themselves never run in `make test`.
TEST_SUITES += tests/bench/bench_tools_test.py
# The boot-to-prompt runner's logic (bench/boot/boot_bench.py): prompt watcher, drift
# bound, -m bisection. Boots nothing.
TEST_SUITES += tests/bench/boot_bench_test.py
# The SMP scaling driver's logic (bench/smp/smp_bench.py): parser, reference checksum,
# speedups and table. Boots nothing (tests/qemu/smp_bench_tests.py runs the capOS job).
TEST_SUITES += tests/bench/smp_bench_test.py
