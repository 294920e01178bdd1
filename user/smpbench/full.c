/* smpbench's benchmark variant: the default job (~1 s for one part under MTTCG). */
#include "smp_work.h"
#include "smpbench.h"

const uint32_t smpbench_chunks = SMP_DEFAULT_CHUNKS;
const char smpbench_self[] = "smpbench";
const uint32_t smpbench_rounds = SMP_PINGPONG_ROUNDS;
const int smpbench_check = 0;
