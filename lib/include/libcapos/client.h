/*
 * libcapos typed client calls: one synchronous CALL of a served (or kernel) interface
 * with params built by the generated `<I>_<m>_request` accessors and results read
 * back as a bounded Cap'n Proto message, caps sent and received included
 * (lib/libcapos/client.c). Everything lives in the caller's struct capos_client_call
 * (no allocation; about 13 KiB, so keep it static or per thread, not on a small
 * stack). A refusal (CapException) is answered as its capOS status, its type kept.
 *
 *   struct capos_client_call c;
 *   struct demo_Echo_echo_Params_b p;
 *   capos_client_begin(&c);
 *   demo_Echo_echo_request(&c.b, &p);  ... set fields ...
 *   err = capos_client_send(&c, cap, demo_Echo_TYPE_ID, demo_Echo_METHOD_echo, NULL, 0);
 *   demo_Echo_echo_read_results(&c.msg, &r);
 */
#ifndef LIBCAPOS_CLIENT_H
#define LIBCAPOS_CLIENT_H

#include <stdint.h>

#include <capnp/capnp.h>
#include <capos/ring.h>

#define CAPOS_CLIENT_ARENA_WORDS 512u /* params message (4 KiB, the kernel's bound) */
#define CAPOS_CLIENT_RES_WORDS (512u + 2u * CAPOS_XFER_MAX) /* results + cap records */
#define CAPOS_CLIENT_RESULT_SEGS 4u

struct capos_client_call {
	struct capnp_builder b;				     /* params (after capos_client_begin) */
	struct capnp_bseg bseg;				     /* its one segment */
	struct capnp_msg msg;				     /* results (after a successful send) */
	struct capnp_segment segs[CAPOS_CLIENT_RESULT_SEGS]; /* msg's segments */
	struct capos_cqe cqe;				     /* the CALL's completion */
	int ex_type; /* CapException type of a refused call, -1 otherwise */
	uint64_t arena[CAPOS_CLIENT_ARENA_WORDS];
	uint64_t framed[CAPOS_CLIENT_ARENA_WORDS + 1u];
	uint64_t res[CAPOS_CLIENT_RES_WORDS];
};

/* Start a new call in `c`: the params builder is empty, ready for `<I>_<m>_request`.
 * Errors: the builder's (none for a valid struct). */
int capos_client_begin(struct capos_client_call *c);

/*
 * Frame the params built in c->b and CALL (interface_id, method) on `cap` with
 * xfers[0..nx) (capnp cap index i = xfers[i]; copy or move), on this thread's ring.
 * On success c->msg holds the results (bounded: 4 Ki traversal words, nesting 8) and
 * the result caps are read with capos_client_cap. Errors: builder errors, the CQE
 * status (CAPOS_ERR_CAP_* for a forged, stale or revoked cap, EP_DISCONNECTED, ...),
 * a CapException's own status (type in c->ex_type; CAPOS_ERR_RING_EXCEPTION if it
 * does not decode), results that do not decode (CAPOS_ERR_CAPNP_*, CAPOS_ERR_INVALID).
 */
int capos_client_send(struct capos_client_call *c, uint32_t cap, uint64_t interface_id,
		      uint16_t method, const struct capos_xfer *xfers, uint16_t nx);

/* The cap id of result cap `index` (a capnp cap index read from c->msg), checked to be
 * `interface_id`. Errors: capos_ring_result_cap's. */
int capos_client_cap(struct capos_client_call *c, uint32_t index, uint64_t interface_id,
		     uint32_t *cap);

#endif
