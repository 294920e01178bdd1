/*
 * smpbench internals shared by its files: the variant (full.c or quick.c) and the
 * thread configurations (threads.c).
 */
#ifndef USER_SMPBENCH_H
#define USER_SMPBENCH_H

#include <stdint.h>

/* The variant: chunks of the job, this binary's manifest name (the workers'), and
 * whether this is the boot test's check. */
extern const uint32_t smpbench_chunks;
extern const char smpbench_self[];
extern const uint32_t smpbench_rounds; /* timed ping-pong round trips */
extern const int smpbench_check;       /* non-zero: also run the hostile twins */

/* smp_park / smp_unpark (smp_work.h) use park space `space`; the key of a word is its
 * address minus `base` (a SharedParkSpace: the offset into the object mapped at
 * `base`; a ParkSpace: base 0, the address itself). */
void smpbench_park_use(uint32_t space, uintptr_t base);

/* Print one result line on stdout and flush. */
void smpbench_print(const char *line);

struct smp_job;

/* After a run of `job` from t0 to t1 (ns) that ended with `err`: collect it and print
 * its line, or `smp CFG error reason=...` (err, or CAPOS_ERR_INVALID if a part is
 * missing or t0 is 0). Returns 0 for a line, -1 for an error line. */
int smpbench_report(const char *cfg, const struct smp_job *job, int err, uint64_t t0, uint64_t t1);

/* thread-1, thread-2 and pingpong: prints their lines; 0, or -1 if one failed. */
int smpbench_threads(uint32_t chunks);

#endif
