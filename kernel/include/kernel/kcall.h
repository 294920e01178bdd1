/*
 * Kernel-object invocation for the ring (kernel/cap/kcall.c): the `exec` step of
 * cap_enter for CALL and RELEASE. A CALL is decoded completely before anything
 * changes — cap lookup with the SQE's interface id, method range, the per-process
 * scratch bound, copy-in through the caller's checked copy helper, Cap'n Proto framing
 * under a traversal budget proportional to the message — then the object's interface
 * handler runs (the generated capnpc-c dispatch skeleton plus the object's own
 * handlers) and the results, or a CapException, are framed and copied out. Handler
 * statuses become the three error layers of docs/abi.md §6.
 *
 * Caps sent with a CALL (SQE transfer descriptors) are taken into an in-flight set
 * (kernel/include/kernel/xfer.h) during decode; result caps are queued by the handler
 * and published into slots reserved before it ran (docs/abi.md §8.3).
 *
 * Pure code: user memory is reached only through env->copy_in/copy_out, so the host
 * tests drive it with fake copy helpers, and the kernel passes its checked
 * copy_from_user/copy_to_user. Lock legend: [T] of the table held by the caller
 * (captab.h); handlers may not block while it is held.
 */
#ifndef KERNEL_KCALL_H
#define KERNEL_KCALL_H

#include <stdint.h>

#include <capnp/capnp.h>
#include <capos/ring.h>
#include <kernel/captab.h>
#include <kernel/kobj.h>
#include <kernel/ring.h>
#include <kernel/xfer.h>
#include <schema/capos.capnp.h>

/* Bounds of the params message a CALL may carry. */
#define KCALL_MAX_SEGMENTS 8u	  /* framed segments accepted in params */
#define KCALL_NESTING 32	  /* pointer depth */
#define KCALL_TRAVERSAL_FACTOR 4u /* traversal budget: 4 x message words + 64 */
#define KCALL_REASON_MAX 40u	  /* CapException.reason bytes */

/*
 * What a handler sees for one CALL. Everything but the private tail is read-only for
 * the handler. `obj` stays valid while [T] is held (for the whole call); a handler
 * that keeps it beyond the call takes its own kobj reference. `caps_in` are the caps
 * sent with the CALL (SQE transfer descriptors, in order: entry i is capnp cap index
 * i of params); the handler that keeps one takes its own reference (kobj_get) or
 * inserts the item into a table. Result caps are queued with kcall_result_cap.
 */
struct kcall_ctx {
	struct kobj *obj; /* invoked object ([T] held; take a ref to keep it) */
	uint16_t method;
	uint64_t badge; /* badge of the invoked cap's table entry */
	struct capnp_msg *params;
	struct capnp_builder *results;
	struct captab *table;		   /* [T] the caller's cap table */
	void *caller;			   /* struct process * in the kernel; test cookie on host */
	const struct captab_item *caps_in; /* caps sent with the CALL (SQE transfer
					      descriptors, in order = capnp cap index) */
	uint32_t ncaps_in;
	const uint32_t *caps_in_ids; /* the caller's cap ids that caps_in were read from
					(same order; capmgr's derive attaches to the entry) */
	const uint8_t *caps_in_move; /* same order: non-zero when that descriptor's mode is
					CAPOS_XFER_MOVE (the caller's slot is released if the
					call succeeds), zero for CAPOS_XFER_COPY */
	uint32_t result_cap;	     /* bytes of the caller's result buffer (SQE result_len) */
	/* private to kcall: result caps queued by kcall_result_cap, kcall_result_room */
	uint32_t max_out;     /* slots reserved for them (the method's result-cap bound) */
	uint32_t result_need; /* kcall_result_room's refusal: bytes needed, for the CQE */
	const void *env;      /* the struct kcall_env of this call (result buffer probe) */
	uint64_t result_addr; /* the caller's result buffer */
	struct xfer_set out;  /* queued result caps (held), capnp index order */
};

/*
 * Queues a result cap for the caller (takes its own references on item->obj and
 * item->rnode with captab_item_get; kcall drops them again if the call or its answer
 * fails) and stores its capnp cap index in results in *index (0, 1, ... in queue
 * order). Errors: CAPOS_ERR_INVALID (null or bad item: no object, interface 0,
 * transfer mode out of range, dead revocation node), CAPOS_ERR_CAP_TABLE_FULL past
 * the method's bound (kcall_iface max_caps_out / caps_out), kobj_get's errors;
 * nothing is queued on error.
 */
int kcall_result_cap(struct kcall_ctx *c, const struct captab_item *item, uint32_t *index);

/*
 * For handlers whose side effect cannot be undone (ProcessSpawner.spawn starts a
 * process): checks, before that side effect, that the answer will reach the caller.
 * The results built so far in c->results must already have their final size (only
 * data fields may change afterwards) and `ncaps` is the number of result caps the
 * method will queue. Checks, in order: the results builder has no error
 * (CAPOS_ERR_RING_QUOTA); framed results + 16 x ncaps fit c->result_cap
 * (CAPOS_ERR_RING_RESULT_TOO_SMALL; kcall then reports the bytes needed in the CQE's
 * result_len, exactly as for a too-small answer after the handler); the caller's
 * buffer is mapped writable user memory over that many bytes, probed by writing zeros
 * through the checked copy helper (CAPOS_ERR_RING_RESULT_FAULT). The handler returns
 * the error unchanged; nothing but the zeroed result bytes has changed. Kernel code is
 * not preempted and the caller's threads do not run meanwhile, so the buffer is still
 * mapped when kcall copies the answer out.
 */
int kcall_result_room(struct kcall_ctx *c, uint32_t ncaps);

/*
 * kcall_result_room for an answer that is not built yet (a read whose line arrives
 * later): checks that the caller's buffer can take `bytes` bytes, the largest answer
 * the method can give, and is writable user memory over them (probed with zeros).
 * Errors: CAPOS_ERR_RING_RESULT_TOO_SMALL (kcall reports `bytes` as needed in the
 * CQE's result_len), CAPOS_ERR_RING_RESULT_FAULT.
 */
int kcall_result_room_bytes(struct kcall_ctx *c, uint32_t bytes);

/*
 * The CapException type of a handler status that is not a transport code (docs/abi.md
 * §6 "Exception types"): looked up in a table of code ranges, `failed` when no range
 * matches. Pure.
 */
enum capos_ExceptionType kcall_exception_type(int err);

/*
 * One interface served by kernel objects of one type. `call` runs method c->method
 * (already checked < method_count) on c->obj with a params reader and a results
 * builder whose root is not yet set; it returns 0 or a status (see kcall_exec).
 * Handlers must validate every argument before changing anything (decode, then
 * invoke): a handler error after a side effect cannot be undone by the caller.
 * `max_caps_out` (<= CAPTAB_TXN_MAX) is the most result caps any method queues;
 * kcall reserves that many slots in the caller's table before invoking, so queued
 * caps can always be delivered after the handler's side effects. `caps_out`
 * (optional, method_count entries) lowers the bound per method, so methods that
 * return no cap (e.g. a listing) still run when the caller's table is full; a method
 * queues at most min(caps_out[method], max_caps_out).
 */
struct kcall_iface {
	uint64_t interface_id;
	uint16_t method_count;
	uint16_t kobj_type; /* enum kobj_type of the objects that implement it */
	uint8_t max_caps_out;
	int (*call)(struct kcall_ctx *c);
	const uint8_t *caps_out; /* NULL: max_caps_out for every method */
};

/* A handler that parked its op with kring_defer (kernel/kring.h) returns this: the CQE
 * is posted later by the completer, nothing is framed or copied now. */
#define KCALL_DEFERRED RING_STATUS_DEFERRED

/* Checked user copies: 0, or a negative status on any fault (bad or unmapped range). */
typedef int kcall_copy_in_fn(void *ctx, void *dst, uint64_t uaddr, uint32_t len);
typedef int kcall_copy_out_fn(void *ctx, uint64_t uaddr, const void *src, uint32_t len);

/* Everything one process's CALLs need; scratch buffers are the per-process bound. */
struct kcall_env {
	struct captab *table;			 /* [T] the caller's cap table */
	void *caller;				 /* kcall_ctx.caller (struct process *) */
	const struct kcall_iface *const *ifaces; /* kernel interfaces, any order */
	uint32_t nifaces;
	kcall_copy_in_fn *copy_in;
	kcall_copy_out_fn *copy_out;
	void *copy_ctx;			/* the caller's address space */
	uint64_t *params_scratch;	/* params copied in here */
	uint32_t params_scratch_bytes;	/* the scratch bound (multiple of 8) */
	uint64_t *results_scratch;	/* results built here (one segment) */
	uint32_t results_scratch_bytes; /* multiple of 8, >= 64; word 0 is the frame header */
};

/*
 * A ring_exec_fn (ctx = struct kcall_env *): performs a decoded CALL or RELEASE for
 * env->table's process and fills the CQE. CQE status, in check order:
 * RELEASE: 0 or captab_release's error (a CAPOS_ERR_KOBJ_* there is a kernel bug the
 * kernel's wrapper turns into a panic).
 * CALL: CAPOS_ERR_CAP_BAD_ID / _STALE / _EMPTY / _WRONG_INTERFACE (lookup, or an object
 * whose type does not serve that interface), CAPOS_ERR_RING_METHOD_RANGE,
 * CAPOS_ERR_RING_PARAMS_TOO_LARGE, CAPOS_ERR_RING_PARAMS_FAULT (copy-in),
 * CAPOS_ERR_RING_MALFORMED_PARAMS (framing), then the transfer descriptors
 * (docs/abi.md §8.1: CAPOS_ERR_XFER_TOO_MANY / _FAULT / _RESERVED / _BAD_MODE /
 * _DUPLICATE, CAPOS_ERR_CAP_BAD_ID / _STALE / _EMPTY / _NOT_TRANSFERABLE), then
 * CAPOS_ERR_CAP_TABLE_FULL (the method's result-cap slots not free); after the
 * handler ran:
 * CAPOS_ERR_RING_MALFORMED_PARAMS (a reader error while it ran), CAPOS_ERR_RING_QUOTA
 * (handler, or results beyond the result scratch), other ring or cap codes a handler
 * returns, CAPOS_ERR_RING_RESULT_TOO_SMALL (result_len = bytes needed, result-cap
 * records included), CAPOS_ERR_RING_RESULT_FAULT (copy-out), else 0 with result_len =
 * framed result bytes + 16 per result cap, xfer_count result-cap records after the
 * results and CAPOS_CQE_F_XFER when there are any (result_len 0 when the caller gave
 * no result buffer and the results are all defaults without caps, as for
 * Console.write). Any other handler status becomes CAPOS_ERR_RING_EXCEPTION with a
 * CapException in the result buffer (type unimplemented / invalidArgument /
 * overloaded / failed, status = the code), or CAPOS_ERR_RING_EXCEPTION_TRUNCATED when
 * it does not fit (result_len = bytes needed). Caps: a failed call leaves every sent
 * cap with the caller and publishes no result cap; a call whose handler succeeded
 * releases the moved caps, and publishes the result caps only together with their
 * records (docs/abi.md §8.3).
 */
void kcall_exec(void *ctx, const struct ring_op *op, struct capos_cqe *cqe);

#endif
