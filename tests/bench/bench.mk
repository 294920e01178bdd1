# Host-side checks of the benchmark tools (bench/run.py parser, extract_vmlinux.py,
# mkinitramfs.py). Boots nothing; the benchmarks themselves never run in `make test`.
TEST_SUITES += tests/bench/bench_tools_test.py
# The boot-to-prompt runner's logic (bench/boot/boot_bench.py): prompt watcher, drift
# bound, -m bisection. Boots nothing.
TEST_SUITES += tests/bench/boot_bench_test.py
