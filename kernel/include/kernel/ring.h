/*
 * Kernel side of a thread's capability ring (kernel/cap/ring.c): the pure engine
 * cap_enter is built on. It owns the authoritative indices, validates a snapshot of
 * the user-written header words (CAPOS_ERR_RING_CORRUPT), reads each SQE word once
 * (a well-formed NOP is answered from its words, any other SQE is copied out of the
 * shared page before it is decoded), enforces completion credits (no CQE is ever
 * dropped; a full CQ stops consumption with CAPOS_ERR_RING_CQ_OVERFLOW) and posts CQEs.
 * It knows nothing about blocking, address spaces or objects: the caller supplies
 * the kernel mapping of the ring page and an exec callback that performs decoded
 * CALL and RELEASE operations. Contract and reasons: docs/abi.md §2, §4.
 *
 * Pure code: compiled unmodified for the kernel and the host tests.
 *
 * Lock legend: [R] the owning thread, inside its own cap_enter (a ring is drained
 * only by its thread; when later issues post asynchronous completions from other
 * contexts, [R] becomes the thread's ring spinlock). [I] fixed by ring_init.
 */
#ifndef KERNEL_RING_H
#define KERNEL_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <capos/error.h>
#include <capos/ring.h>

struct ring {
	struct capos_ring *page; /* [I] kernel view of the shared ring page */
	uint32_t sq_head;	 /* [R] next SQ index to consume (authoritative) */
	uint32_t cq_tail;	 /* [R] next CQ index to fill (authoritative) */
	uint32_t cq_overflow;	 /* [R] stalls on a full CQ */
	uint32_t in_flight;	 /* [R] consumed ops whose CQE is still owed (credits) */
	uint32_t status;	 /* [R] CAPOS_RING_ST_* of the last drain */
};

/* What the user side looked like when a drain began (each word read once). */
struct ring_snapshot {
	uint32_t sq_tail;
	uint32_t cq_head;
};

/*
 * A decoded SQE: every field validated against the opcode's field table. The layout
 * is the SQE's first 56 bytes (static_assert-ed in ring.c), so the drain copies a
 * slot out of the shared page once, straight into this, and validates it in place.
 */
struct ring_op {
	uint8_t opcode;	       /* CALL, RELEASE, RECV, RETURN, PARK or UNPARK (NOP never
				  leaves) */
	uint8_t rsvd0;	       /* always 0 */
	uint16_t flags;	       /* RETURN: CAPOS_SQE_F_EXCEPTION or 0; else 0 */
	uint32_t cap;	       /* CALL, RELEASE, RECV, RETURN */
	uint64_t interface_id; /* CALL: non-zero */
	uint64_t params_addr;  /* CALL params / RETURN results: 0 with params_len 0, else a
	                          user-window range; PARK/UNPARK: the word (unchecked) */
	uint32_t params_len;
	uint16_t method;      /* CALL */
	uint16_t xfer_count;  /* CALL: transfer descriptors, <= CAPOS_XFER_MAX */
	uint64_t result_addr; /* CALL, RECV: 0 with result_len 0, else a user-window range;
				 PARK: the timeout in ns (unchecked) */
	uint32_t result_len;
	uint32_t aux;	    /* RETURN: the call id; PARK: expected value; UNPARK: count */
	uint64_t xfer_addr; /* CALL: 0 with xfer_count 0, else a user-window range */
};

/*
 * The status an exec callback leaves in cqe->status to say "this operation completes
 * later": the engine posts nothing now and holds the CQ credit (in_flight + 1); the
 * completion arrives through ring_complete. Never a valid CQE status (no error code or
 * success value is INT32_MIN).
 */
#define RING_STATUS_DEFERRED INT32_MIN

/*
 * Performs a decoded operation for the ring's thread and fills cqe->status (and
 * result_len and the later fields) — decode-then-invoke happens inside. cqe arrives
 * zeroed with user_data set. It may leave RING_STATUS_DEFERRED (the op keeps its
 * credit and is completed later with ring_complete); it must not otherwise touch the
 * ring, except to ring_complete operations deferred earlier.
 */
typedef void ring_exec_fn(void *ctx, const struct ring_op *op, struct capos_cqe *cqe);

/*
 * Starts a ring over `page` (the kernel mapping of a zeroed or reused page): zeroes
 * it, writes the geometry line and resets the indices. Errors: CAPOS_ERR_INVALID.
 */
int ring_init(struct ring *r, struct capos_ring *page, uint32_t thread_id);

/*
 * Reads sq_tail, cq_head and user_flags once and checks them against the
 * authoritative indices. On success it clears the status; the caller republishes the
 * kernel line once it is done (ring_drain does so before returning, whatever the
 * outcome). Errors: CAPOS_ERR_RING_CORRUPT (status CAPOS_RING_ST_CORRUPT set and the
 * kernel line republished; nothing else changes).
 */
int ring_begin(struct ring *r, struct ring_snapshot *snap);

/*
 * Decodes one SQE copy: opcode accepted (NOP, CALL, RELEASE, RECV, RETURN, PARK,
 * UNPARK), flags
 * the opcode accepts (RETURN: CAPOS_SQE_F_EXCEPTION), reserved and unused fields
 * zero, CALL's interface id non-zero and its buffers in the user window. Errors, in
 * order: CAPOS_ERR_RING_BAD_OPCODE, _BAD_FLAGS, _RESERVED_NONZERO,
 * CAPOS_ERR_CAP_WRONG_INTERFACE (CALL with interface 0, which no cap has),
 * CAPOS_ERR_RING_PARAMS_FAULT, CAPOS_ERR_RING_RESULT_FAULT, then for the transfer
 * descriptors CAPOS_ERR_RING_BAD_XFER (xfer_addr and xfer_count not both zero or
 * both non-zero), CAPOS_ERR_XFER_TOO_MANY (count > CAPOS_XFER_MAX),
 * CAPOS_ERR_XFER_FAULT (array outside the user window). The descriptors themselves
 * are read and checked by exec (kcall).
 */
int ring_decode(const struct capos_sqe *sqe, struct ring_op *op);

/*
 * One drain: begin, then consume SQEs while any are queued and a CQ credit is free,
 * answering NOP itself (a well-formed NOP straight from its words, each read once;
 * anything else is copied out and decoded), decode errors with their code, and
 * handing the rest to `exec`. Posts one CQE per consumed SQE and republishes the
 * kernel line once, at the end. Returns the CQEs ready for userspace
 * (cq_tail - cq_head), or CAPOS_ERR_RING_CORRUPT, or CAPOS_ERR_RING_CQ_OVERFLOW when
 * SQEs stay queued for lack of CQ room (counted in cq_overflow, CAPOS_RING_ST_CQ_FULL).
 * *consumed (optional) receives the number of SQEs consumed.
 */
int ring_drain(struct ring *r, ring_exec_fn *exec, void *ctx, uint32_t *consumed);

/*
 * Posts the completion of an operation deferred earlier (RING_STATUS_DEFERRED): uses
 * the credit it held, so the CQ always has room. Callable from any context that owns
 * the ring ([R]: the owner thread is not draining it concurrently). Precondition:
 * r->in_flight > 0 (else CAPOS_ERR_INVALID and nothing is posted).
 */
int ring_complete(struct ring *r, const struct capos_cqe *cqe);

/* CQEs currently ready for userspace per a fresh read of cq_head (for the wait loop
 * of cap_enter); CAPOS_ERR_RING_CORRUPT if cq_head is inconsistent. */
int ring_ready(struct ring *r);

/* cap_enter's argument check: CAPOS_ERR_RING_BAD_ARGUMENT if min_complete can never
 * be satisfied, else 0. (Inline: it is the first step of every cap_enter.) */
static inline int ring_check_min_complete(uint64_t min_complete)
{
	return min_complete > CAPOS_RING_CQ_ENTRIES ? CAPOS_ERR_RING_BAD_ARGUMENT : 0;
}

#endif
