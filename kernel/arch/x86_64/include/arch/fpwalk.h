/*
 * Frame-pointer chain walking for x86_64 backtraces (pure, host-tested). A frame is
 * [saved rbp][return address] at rbp. Memory is read through a callback so the same
 * code walks the live kernel stack (backtrace.c) and fabricated hostile stacks in
 * tests/host/kboot/fpwalk_test.c.
 */
#ifndef ARCH_FPWALK_H
#define ARCH_FPWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the two words of the frame at `addr` into out[0] (saved rbp), out[1]
 * (return address); false if the frame is not readable. */
typedef bool fpwalk_read_fn(void *ctx, uint64_t addr, uint64_t out[2]);

struct fpwalk_mem {
	fpwalk_read_fn *read;
	void *ctx;
	uint64_t lo; /* lowest acceptable frame address */
	uint64_t hi; /* highest acceptable frame address (frame must fit below) */
};

/*
 * Collect up to `max` program counters: pcs[0] = rip, then the return address of each
 * frame from `rbp` outwards. The walk ends (without error: that is how chains end) at
 * a null rbp or return address, and stops defensively at a frame outside [lo, hi - 16],
 * misaligned, not strictly above the previous one (loops), or unreadable. Returns the
 * number of pcs written; *truncated is set when `max` cut the walk short.
 * Precondition: max >= 1.
 */
size_t fpwalk(uint64_t rip, uint64_t rbp, const struct fpwalk_mem *m, uint64_t *pcs, size_t max,
	      bool *truncated);

#endif
