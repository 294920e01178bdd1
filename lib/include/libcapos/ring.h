/*
 * libcapos ring client: the userspace half of ABI v1's per-thread ring
 * (include/capos/ring.h). Fills SQEs, publishes the SQ tail, enters the kernel with
 * cap_enter, and matches completions to requests by user_data; completions that
 * arrive for someone else while waiting are kept (in arrival order) until asked for.
 *
 * Trust: the ring page is writable by the process, so the kernel-written indices
 * (sq_head, cq_tail) are re-checked on every read; an inconsistent header is
 * CAPOS_ERR_RING_CORRUPT, never an out-of-range access.
 *
 * Concurrency: one client per ring, used by the ring's own thread only (rings are per
 * thread). Index publication uses release stores and acquire loads, as the kernel
 * on another CPU requires.
 *
 * user_data: the synchronous helpers draw values with the top bit set
 * (CAPOS_RING_UD_SYNC); callers that submit asynchronously keep that bit clear.
 */
#ifndef LIBCAPOS_RING_H
#define LIBCAPOS_RING_H

#include <capos/ring.h>
#include <stddef.h>
#include <stdint.h>

#define CAPOS_RING_UD_SYNC (UINT64_C(1) << 63)

struct capos_ring_client {
	struct capos_ring *ring; /* the shared ring page */
	uint32_t sq_tail;	 /* next SQ index to fill; published on submit */
	uint32_t sq_published;	 /* tail value last published to hdr.sq_tail */
	uint32_t cq_head;	 /* next CQ index to read; published after each read */
	uint32_t stashed;	 /* completions held in stash[0 .. stashed) */
	uint64_t next_sync;	 /* counter for CAPOS_RING_UD_SYNC user_data values */
	struct capos_cqe stash[CAPOS_RING_CQ_ENTRIES]; /* read while waiting for another */
};

/*
 * Attach to the ring page at `ring_addr` after checking its geometry (magic,
 * version, sizes, offsets and masks exactly as ABI v1 defines them).
 * Errors: CAPOS_ERR_INVALID (null address or any geometry field differs).
 */
int capos_ring_attach(struct capos_ring_client *c, uintptr_t ring_addr);

/*
 * Reserve the next SQE, zeroed; fill it, then capos_ring_submit(). Several may be
 * reserved before one submit (a batch). Errors: CAPOS_ERR_BUSY (SQ full: submit and
 * cap_enter first), CAPOS_ERR_RING_CORRUPT (kernel-owned sq_head inconsistent).
 */
int capos_ring_get_sqe(struct capos_ring_client *c, struct capos_sqe **sqe);

/* Publish every reserved SQE to the kernel (it consumes them at the next cap_enter). */
void capos_ring_submit(struct capos_ring_client *c);

/*
 * cap_enter(min_complete, timeout_ns) on this ring. Returns the number of CQEs
 * available or a negative CAPOS_ERR_RING_* status (include/capos/syscall.h).
 */
int64_t capos_ring_enter(struct capos_ring_client *c, uint32_t min_complete, uint64_t timeout_ns);

/*
 * Wait for the completion of `user_data` and copy it to *out; other completions read
 * on the way are stashed for their own waiters. Each cap_enter waits at most
 * timeout_ns for a new completion (CAPOS_TIMEOUT_INFINITE: no limit).
 * Errors: CAPOS_ERR_RING_TIMED_OUT (a wait expired with nothing new),
 * CAPOS_ERR_BUSY (the stash already holds CAPOS_RING_CQ_ENTRIES other completions;
 * nothing was lost: the rest stays in the CQ until those are collected), CAPOS_ERR_RING_CORRUPT, or any cap_enter error except
 * CAPOS_ERR_RING_CQ_OVERFLOW (which only means: drain, then enter again).
 */
int capos_ring_wait(struct capos_ring_client *c, uint64_t user_data, uint64_t timeout_ns,
		    struct capos_cqe *out);

/*
 * capos_ring_wait for whichever of the n user_data values uds[0..n) completes first
 * (stashed completions first, in arrival order): *out is its completion and the
 * return value its index in uds. Errors: as capos_ring_wait.
 */
int capos_ring_wait_any(struct capos_ring_client *c, const uint64_t *uds, uint32_t n,
			uint64_t timeout_ns, struct capos_cqe *out);

/*
 * Fill the zeroed `sqe` (from capos_ring_get_sqe) as a CALL of (interface_id, method) on
 * `cap` with params [params, params_len) and results into [result, result + result_cap)
 * (addresses 0 when the length is 0). The caller sets user_data (and any transfer
 * descriptors) and submits: the building block of asynchronous CALLs kept in flight.
 */
void capos_ring_prep_call(struct capos_sqe *sqe, uint32_t cap, uint64_t interface_id,
			  uint16_t method, const void *params, uint32_t params_len, void *result,
			  uint32_t result_cap);

/*
 * Synchronous CALL of (interface_id, method) on `cap`: params [params, params_len),
 * results into [result, result + result_cap). On return *out is the completion
 * (out->result_len: bytes written, or needed with CAPOS_ERR_RING_RESULT_TOO_SMALL).
 * Returns out->status (>= 0 success, negative transport/exception status) or a
 * client error from capos_ring_get_sqe/capos_ring_wait (then *out is untouched).
 */
int capos_ring_call(struct capos_ring_client *c, uint32_t cap, uint64_t interface_id,
		    uint16_t method, const void *params, uint32_t params_len, void *result,
		    uint32_t result_cap, struct capos_cqe *out);

/*
 * capos_ring_call carrying caps (docs/abi.md §8): xfers[0..nxfer) are the transfer
 * descriptors (descriptor i is capnp capability index i of params; copy or move). A
 * moved cap leaves this process's table only when the call succeeds (status 0, also
 * with RESULT_TOO_SMALL or RESULT_FAULT: the call happened). Result caps arrive as
 * records behind the results: read them with capos_ring_result_caps. Size result_cap
 * for the results plus 16 bytes per result cap, or they are dropped
 * (RESULT_TOO_SMALL). nxfer == 0 is capos_ring_call. Errors: as capos_ring_call,
 * plus CAPOS_ERR_XFER_TOO_MANY (nxfer > CAPOS_XFER_MAX, nothing submitted).
 */
int capos_ring_call_xfer(struct capos_ring_client *c, uint32_t cap, uint64_t interface_id,
			 uint16_t method, const void *params, uint32_t params_len,
			 const struct capos_xfer *xfers, uint16_t nxfer, void *result,
			 uint32_t result_cap, struct capos_cqe *out);

/*
 * The result caps of a completed CALL whose results went to [result, result +
 * result_cap): *recs = the cqe->xfer_count records (record i is capnp capability
 * index i of the results), *results_len = the framed results' bytes before them (what
 * to hand the Cap'n Proto reader). Returns the record count (0: no cap arrived).
 * The CQE is checked against the buffer before anything is read: errors
 * CAPOS_ERR_INVALID (result_len beyond result_cap, fewer bytes than the records
 * claim, xfer_count without CAPOS_CQE_F_XFER or the reverse, misaligned buffer).
 */
int capos_ring_result_caps(const struct capos_cqe *cqe, const void *result, uint32_t result_cap,
			   const struct capos_xfer_result **recs, uint32_t *results_len);

/*
 * The receiver-local cap id of result cap `index` (a capnp capability index read from
 * the results), checked against the interface the caller expects ("adopt").
 * Errors: capos_ring_result_caps's, CAPOS_ERR_NOT_FOUND (no such index; includes
 * CAPNP_CAP_NULL), CAPOS_ERR_CAP_WRONG_INTERFACE.
 */
int capos_ring_result_cap(const struct capos_cqe *cqe, const void *result, uint32_t result_cap,
			  uint32_t index, uint64_t interface_id, uint32_t *cap);

/*
 * This thread's ring client (lib/libcapos/ring_self.c), attached on first use to
 * capos_thread_ring. A ring must have exactly one client, so every libcapos user on a
 * thread (console, heap, programs) shares this one. Errors: capos_ring_attach()'s.
 */
int capos_ring_self(struct capos_ring_client **out);

/* Synchronous NOP (round trip through the kernel). Returns the CQE status or a
 * client error as capos_ring_call does. */
int capos_ring_nop(struct capos_ring_client *c);

/* Synchronous RELEASE of `cap` (this process's table entry). Returns the CQE status
 * (CAPOS_ERR_CAP_* for a bad id) or a client error as capos_ring_call does. */
int capos_ring_release(struct capos_ring_client *c, uint32_t cap);

#endif
