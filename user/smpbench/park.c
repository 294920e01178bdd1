/*
 * smpbench's park/unpark primitives for the shared ping-pong (smp_work.h smp_park /
 * smp_unpark) over libcapos's PARK/UNPARK (libcapos/park.h, docs/sync.md): one park
 * space per process, chosen by smpbench_park_use.
 */
#include <stdint.h>

#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/park.h>

#include "smp_work.h"
#include "smpbench.h"

static uint32_t sb_park_space; /* the space cap (0: none chosen) */
static uintptr_t sb_park_base; /* subtracted from a word's address to get its key */

void smpbench_park_use(uint32_t space, uintptr_t base)
{
	sb_park_space = space;
	sb_park_base = base;
}

int smp_park(_Atomic uint32_t *word, uint32_t expected)
{
	int r = capos_park(sb_park_space, (uintptr_t)word - sb_park_base, expected,
			   CAPOS_TIMEOUT_INFINITE);

	return r == CAPOS_PARK_WOKEN || r == CAPOS_PARK_VALUE_CHANGED ? 0 : -1;
}

int smp_unpark(_Atomic uint32_t *word)
{
	return capos_unpark(sb_park_space, (uintptr_t)word - sb_park_base, 1) >= 0 ? 0 : -1;
}
