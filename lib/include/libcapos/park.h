/*
 * PARK / UNPARK from userspace (lib/libcapos/park.c; kernel side docs/sync.md): wait on
 * a 32-bit word while it holds an expected value, wake waiters of a word, through a
 * ParkSpace (keyed by this process's addresses) or a SharedParkSpace bound to a
 * MemoryObject (keyed by byte offsets into it). Each call is one synchronous ring
 * round trip on this thread's ring (capos_ring_self). The building blocks of
 * capos_mutex / capos_cond (libcapos/sync.h).
 */
#ifndef LIBCAPOS_PARK_H
#define LIBCAPOS_PARK_H

#include <stdint.h>

#include <capos/ring.h>

/*
 * Fills the zeroed `sqe` as a PARK (wait while the word at `word` holds `expected`, at
 * most timeout_ns; CAPOS_TIMEOUT_INFINITE: no limit) or, with timeout unused, an
 * UNPARK (wake at most `count` waiters; CAPOS_UNPARK_ALL: all) on space cap `space`.
 * `word` is a user address (ParkSpace) or a byte offset (SharedParkSpace). The caller
 * sets user_data and submits.
 */
void capos_park_prep(struct capos_sqe *sqe, uint8_t opcode, uint32_t space, uint64_t word,
		     uint32_t aux, uint64_t timeout_ns);

/*
 * Synchronous PARK. Returns CAPOS_PARK_WOKEN (an UNPARK woke it),
 * CAPOS_PARK_VALUE_CHANGED (the word did not hold `expected`), or an error:
 * CAPOS_ERR_RING_TIMED_OUT, CAPOS_ERR_PARK_* (docs/sync.md), cap lookup errors,
 * ring client errors.
 */
int capos_park(uint32_t space, uint64_t word, uint32_t expected, uint64_t timeout_ns);

/* Synchronous UNPARK: the number of waiters woken (>= 0) or an error as capos_park. */
int capos_unpark(uint32_t space, uint64_t word, uint32_t count);

/*
 * SharedParkSpace.bind(memory): keys `space` by the MemoryObject `memory` (copied in the
 * call; the space does not keep the object alive, docs/sync.md). Errors: the transport
 * status, or the refusal's code (CAPOS_ERR_PARK_ALREADY_BOUND,
 * CAPOS_ERR_CAP_WRONG_INTERFACE for a cap that is not a MemoryObject).
 */
int capos_park_bind(uint32_t space, uint32_t memory);

#endif
