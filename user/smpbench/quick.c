/* smpcheck: smpbench with a tiny job (tests/qemu/smp_bench_tests.py checks its
 * checksums against the Python reference; not a benchmark). */
#include <stdint.h>

#include "smpbench.h"

const uint32_t smpbench_chunks = 96;
const char smpbench_self[] = "smpcheck";
const uint32_t smpbench_rounds = 50;
const int smpbench_check = 1;
