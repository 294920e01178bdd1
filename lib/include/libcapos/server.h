/*
 * libcapos server runtime: serve Cap'n Proto interfaces on a raw endpoint. One loop
 * RECVs a call, decodes the header the kernel wrote (docs/ipc.md "RECV"), finds the
 * served interface in a table keyed by interface id, parses the params, runs the
 * generated dispatch of that interface (`<I>_dispatch`, docs/capnp.md) and RETURNs
 * the framed results, or a CapException:
 *   unknown interface id or method ordinal        -> unimplemented (CAPNP_UNIMPLEMENTED)
 *   params not a valid message for the method      -> invalidArgument (the capnp code)
 *   a handler's capos_server_fail(type, status)    -> that type and status
 *   any other handler error                        -> failed (that status)
 * Caps sent with a call are exposed to the handler as records; the ones a handler does
 * not take (capos_server_take_cap) are released after the call, so a server never
 * accumulates authority it did not ask for. The loop ends cleanly (0) when the
 * endpoint is closed (EP_DISCONNECTED) or a handler asked to stop.
 *
 * Everything is in the caller-provided struct capos_server (no allocation): the
 * receive buffer holds the largest call the kernel delivers (ENDPOINT_PARAMS_MAX
 * params and CAPOS_XFER_MAX cap records), results are built in a fixed arena.
 * Decoding and dispatch (capos_server_decode, capos_server_handle; server.c) are pure
 * and host-tested (tests/host/libcapos/server_test.c); capos_server_serve_one and
 * capos_server_run (server_ring.c) add the ring.
 * One call is served at a time; a handler may CALL other caps through the ring.
 */
#ifndef LIBCAPOS_SERVER_H
#define LIBCAPOS_SERVER_H

#include <stdint.h>

#include <capnp/capnp.h>
#include <capos/ring.h>
#include <schema/capos.capnp.h>

struct capos_ring_client;

#define CAPOS_SERVER_PARAMS_MAX 4096u /* ENDPOINT_PARAMS_MAX: the kernel's bound */
#define CAPOS_SERVER_RECV_WORDS                                                                    \
	((sizeof(struct capos_recv_header) + CAPOS_SERVER_PARAMS_MAX +                             \
	  CAPOS_XFER_MAX * sizeof(struct capos_xfer_result)) /                                     \
	 8u)
#define CAPOS_SERVER_ARENA_WORDS 512u			       /* results message (4 KiB) */
#define CAPOS_SERVER_OUT_WORDS (CAPOS_SERVER_ARENA_WORDS + 1u) /* + frame header */
#define CAPOS_SERVER_PARAM_SEGS 4u
#define CAPOS_SERVER_RESULT_CAPS CAPOS_XFER_MAX /* caps a handler may return with one answer */
#define CAPOS_SERVER_MULTI_MAX 4u		/* endpoints one capos_server_run_multi serves */
#define CAPOS_SERVER_REASON_MAX 64u

/* The generated dispatch of one interface, adapted: `self` is the iface's `self`. */
typedef int (*capos_server_dispatch_fn)(void *self, uint16_t method, struct capnp_msg *params,
					struct capnp_builder *results);

/* One served interface. */
struct capos_server_iface {
	uint64_t interface_id; /* the id callers' facets are granted as */
	uint16_t method_count; /* <I>_METHOD_COUNT: ordinals >= this are unimplemented */
	capos_server_dispatch_fn dispatch;
	void *self; /* handed to dispatch (and through it to the handlers) */
};

/* The call being served; valid from decode until the answer is built. */
struct capos_server_call {
	uint32_t call_id;      /* the id to RETURN to (CQE call_id) */
	uint64_t badge;	       /* the badge of the caller's facet (receiver metadata) */
	uint64_t interface_id; /* the interface the caller invoked */
	uint16_t method;
	const uint8_t *params; /* params bytes inside the receive buffer */
	uint32_t params_len;
	const struct capos_xfer_result *caps; /* caps sent with the call; capnp index i = caps[i] */
	uint32_t ncaps;
	uint32_t taken; /* bit i: caps[i] taken by the handler (not released) */
	int ex_set;	/* capos_server_fail was called */
	int ex_type;	/* enum capos_ExceptionType */
	int ex_status;	/* its status */
	const char *ex_reason;
	uint16_t nret; /* result caps queued by capos_server_result_cap */
	struct capos_xfer ret[CAPOS_SERVER_RESULT_CAPS];
};

struct capos_server {
	const struct capos_server_iface *ifaces; /* set by capos_server_init */
	uint32_t nifaces;
	int stop;	  /* set by a handler (capos_server_stop): end after this answer */
	uint64_t calls;	  /* answered calls (results or exception) */
	uint64_t next_ud; /* user_data of the runtime's own SQEs */
	uint64_t recv_ud; /* the RECV in flight into recv (0: none); see run_until */
	struct capos_server_call call;
	struct capnp_segment psegs[CAPOS_SERVER_PARAM_SEGS];
	struct capnp_bseg bseg;
	uint64_t recv[CAPOS_SERVER_RECV_WORDS];
	uint64_t arena[CAPOS_SERVER_ARENA_WORDS];
	uint64_t out[CAPOS_SERVER_OUT_WORDS];
};

/* The reply to RETURN: `len` bytes at `data`, with CAPOS_SQE_F_EXCEPTION in `flags`
 * for a CapException, and `nxfer` result caps (the call's `ret`). */
struct capos_server_reply {
	const void *data;
	uint32_t len;
	uint16_t flags;
	uint16_t nxfer;
	const struct capos_xfer *xfer;
};

/* Prepare `s` to serve `nifaces` interfaces (the table must outlive `s`'s use).
 * Errors: CAPOS_ERR_INVALID for a NULL table entry, a zero or duplicate id. */
int capos_server_init(struct capos_server *s, const struct capos_server_iface *ifaces,
		      uint32_t nifaces);

/*
 * Decode the RECV completion `cqe` over s->recv into s->call (nothing else changes).
 * Errors: CAPOS_ERR_INVALID when the sizes disagree (result_len shorter than the
 * header, params_len or the cap records not matching result_len, reserved bits set,
 * more than CAPOS_XFER_MAX records or a call id of 0).
 */
int capos_server_decode(struct capos_server *s, const struct capos_cqe *cqe);

/*
 * Answer the decoded call: dispatch it and fill *reply (pointing into s->out) with the
 * framed results or CapException (the table above). Returns 0, or an error building
 * the answer itself (CAPOS_ERR_CAPNP_* when even the exception does not fit s->out).
 */
int capos_server_handle(struct capos_server *s, struct capos_server_reply *reply);

/*
 * Build the CapException (type, status, reason) for the decoded call into *reply
 * (s->out; no result caps). Returns 0 or the builder's error.
 */
int capos_server_refuse(struct capos_server *s, int type, int status, const char *reason,
			struct capos_server_reply *reply);

/*
 * For handlers: make this call fail with a CapException of `type` (enum
 * capos_ExceptionType), `status` and `reason` (static text, may be NULL; at most
 * CAPOS_SERVER_REASON_MAX bytes are sent). Returns `status` for `return`.
 */
int capos_server_fail(struct capos_server *s, int type, int status, const char *reason);

/*
 * For handlers: take the received cap at capnp index `index` (e.g. from a
 * `Capability` field), checking it was sent as `interface_id`; it stays in the table
 * and is the handler's to release. Errors: CAPOS_ERR_INVALID (no such index),
 * CAPOS_ERR_CAP_WRONG_INTERFACE, CAPOS_ERR_EXISTS (taken before).
 */
int capos_server_take_cap(struct capos_server *s, uint32_t index, uint64_t interface_id,
			  uint32_t *cap);

/*
 * For handlers: send `cap` with the answer (`mode` CAPOS_XFER_COPY or _MOVE); *index
 * is its capnp cap index in the results. Errors: CAPOS_ERR_CAP_TABLE_FULL past
 * CAPOS_SERVER_RESULT_CAPS, CAPOS_ERR_INVALID for another mode.
 */
int capos_server_result_cap(struct capos_server *s, uint32_t cap, uint16_t mode, uint32_t *index);

/*
 * For handlers about to fail: release the caps queued with CAPOS_XFER_MOVE by
 * capos_server_result_cap (an exception carries none, and a moved cap leaves this
 * table only with a successful answer) and forget the queue.
 */
void capos_server_drop_results(struct capos_server *s, struct capos_ring_client *ring);

/* For handlers: end capos_server_run once this call is answered. */
void capos_server_stop(struct capos_server *s);

/*
 * RECV one call on the raw endpoint `ep` through `ring` and answer it (a process that
 * is mostly a client serves a callback this way). 0 once answered (also when its
 * caller died meanwhile). Errors: CAPOS_ERR_EP_DISCONNECTED when the endpoint is
 * closed, another RECV/RETURN transport status, a failure to build the answer.
 */
int capos_server_serve_one(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep);

/*
 * Serve the raw endpoint `ep` through `ring` until it is closed or a handler stops
 * the loop: 0 then. Errors: a RECV/RETURN transport status other than
 * EP_DISCONNECTED (RETURNs to callers that died meanwhile, EP_CALL_CANCELLED, are
 * not errors), a failure to build an answer.
 */
int capos_server_run(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep);

/*
 * The main loop of a service with one endpoint (server_main.c): capos_server_serve_named
 * on the raw endpoint `ep_name`, then say how it ended on the console ("<prog>:
 * endpoint closed after N calls", 0; or "<prog>: stopped: <error>", 1). Returns the
 * process's exit status.
 */
int capos_server_main(struct capos_server *s, const char *prog, const char *ep_name,
		      const struct capos_server_iface *ifaces, uint32_t nifaces);

/*
 * Serve n raw endpoints (1..CAPOS_SERVER_MULTI_MAX) from one thread, eps[i] with its
 * own servers[i] (its own tables and buffers; e.g. a writer and a reader facet of one
 * store on two endpoints): one RECV stays queued per endpoint and the first to
 * complete is answered. An endpoint that is closed is dropped; the loop ends (0) when
 * all are closed or a handler stopped its server. Errors: CAPOS_ERR_INVALID for n out
 * of range, otherwise as capos_server_run. Overwrites each server's next_ud.
 */
int capos_server_run_multi(struct capos_server *const *servers, const uint32_t *eps, uint32_t n,
			   struct capos_ring_client *ring);

/*
 * For event loops that serve an endpoint beside other operations in flight (a shell
 * serving its children's StdIO while it waits for the terminal): queue and submit, not
 * wait for, a RECV of one call on `ep` into s->recv; its user_data (drawn from
 * s->next_ud, top bit clear) in *ud; a RECV already in flight (s->recv_ud) is kept and
 * its user_data returned. Collect the CQE with capos_ring_wait_any and hand it to
 * capos_server_recv_done, then capos_server_answer (or hold the call and answer it
 * later with capos_server_return). Errors: capos_ring_get_sqe's (SQ full).
 */
int capos_server_recv_submit(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			     uint64_t *ud);

/*
 * The RECV of capos_server_recv_submit completed with `cqe`: none is in flight any
 * more; decode the call into s->call (capos_server_decode). Errors: the RECV's status
 * (CAPOS_ERR_EP_DISCONNECTED: the endpoint closed), capos_server_decode's.
 */
int capos_server_recv_done(struct capos_server *s, const struct capos_cqe *cqe);

/*
 * Answer the call decoded into s->call (capos_server_handle) and RETURN it on `ep`,
 * exactly as capos_server_serve_one does after its RECV; caps the handler did not take
 * are released. 0 once answered (also when its caller died meanwhile). Errors: a
 * RETURN transport status, a failure to build the answer.
 */
int capos_server_answer(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep);

/*
 * RETURN `r` to the held call `call_id` on `ep` (a call the server kept unanswered
 * while it received others; build `r` with the generated results builder, framed).
 * Returns the RETURN's status (CAPOS_ERR_EP_CALL_CANCELLED: its caller died) or a ring
 * client error. s->call is left as it was.
 */
int capos_server_return(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			uint32_t call_id, const struct capos_server_reply *r);

/*
 * The whole of a simple service: serve ifaces[0..nifaces) on the raw endpoint named
 * `ep_name` in this process's CapSet, through this thread's ring, until the endpoint
 * is closed (0). Errors: capos_ring_self's, the CapSet lookup's (CAPOS_ERR_NOT_FOUND,
 * CAPOS_ERR_CAP_WRONG_INTERFACE: not an Endpoint), capos_server_init's and
 * capos_server_run's.
 */
int capos_server_serve_named(struct capos_server *s, const struct capos_server_iface *ifaces,
			     uint32_t nifaces, const char *ep_name);

/*
 * Serve the raw endpoint `ep` through `ring` until the completion of `user_data` (an
 * operation the caller submitted without waiting, e.g. ProcessHandle.wait on the
 * child being served) arrives: it is copied to *out and 0 returned. The RECV then
 * still in flight stays in `s` (recv_ud) and the next serve call on `s` takes it over,
 * so no call is lost; `ep` must stay the same. `user_data` must have the top bit clear
 * (CAPOS_RING_UD_SYNC) and lie outside the runtime's own values (next_ud counts up
 * from 1), e.g. a constant with high bits set. Errors: CAPOS_ERR_EP_DISCONNECTED (the
 * endpoint closed first), CAPOS_ERR_BUSY (a handler stopped the loop first), the
 * errors of capos_server_run, ring client errors of the wait.
 */
int capos_server_run_until(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			   uint64_t user_data, struct capos_cqe *out);

#endif
