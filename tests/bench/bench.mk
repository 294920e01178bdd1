# Host-side checks of the benchmark tools (bench/run.py parser, extract_vmlinux.py,
# mkinitramfs.py). Boots nothing; the benchmarks themselves never run in `make test`.
TEST_SUITES += tests/bench/bench_tools_test.py
