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
extern const int smpbench_check; /* non-zero: also run the hostile twins */

/* Print one result line on stdout and flush. */
void smpbench_print(const char *line);

/* thread-1, thread-2 and pingpong: prints their lines; 0, or -1 if one failed. */
int smpbench_threads(uint32_t chunks);

#endif
