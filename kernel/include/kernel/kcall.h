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

/* Bounds of the params message a CALL may carry. */
#define KCALL_MAX_SEGMENTS 8u	  /* framed segments accepted in params */
#define KCALL_NESTING 32	  /* pointer depth */
#define KCALL_TRAVERSAL_FACTOR 4u /* traversal budget: 4 x message words + 64 */
#define KCALL_REASON_MAX 40u	  /* CapException.reason bytes */

/*
 * One interface served by kernel objects of one type. `call` runs method `method`
 * (already checked < method_count) on `obj` with a params reader and a results
 * builder whose root is not yet set; it returns 0 or a status (see kcall_exec).
 * Handlers must validate every argument before changing anything (decode, then
 * invoke): a handler error after a side effect cannot be undone by the caller.
 */
struct kcall_iface {
	uint64_t interface_id;
	uint16_t method_count;
	uint16_t kobj_type; /* enum kobj_type of the objects that implement it */
	int (*call)(struct kobj *obj, uint16_t method, struct capnp_msg *params,
		    struct capnp_builder *results);
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
	const struct kcall_iface *const *ifaces; /* kernel interfaces, any order */
	uint32_t nifaces;
	kcall_copy_in_fn *copy_in;
	kcall_copy_out_fn *copy_out;
	void *copy_ctx;			/* the caller's address space */
	uint64_t *params_scratch;	/* params copied in here */
	uint32_t params_scratch_bytes;	/* the scratch bound (multiple of 8) */
	uint64_t *results_scratch;	/* results built here (one segment) */
	uint32_t results_scratch_bytes; /* multiple of 8, >= 64 */
};

/*
 * A ring_exec_fn (ctx = struct kcall_env *): performs a decoded CALL or RELEASE for
 * env->table's process and fills the CQE. CQE status, in check order:
 * RELEASE: 0 or captab_release's error (a CAPOS_ERR_KOBJ_* there is a kernel bug the
 * kernel's wrapper turns into a panic).
 * CALL: CAPOS_ERR_CAP_BAD_ID / _STALE / _EMPTY / _WRONG_INTERFACE (lookup, or an object
 * whose type does not serve that interface), CAPOS_ERR_RING_METHOD_RANGE,
 * CAPOS_ERR_RING_PARAMS_TOO_LARGE, CAPOS_ERR_RING_PARAMS_FAULT (copy-in),
 * CAPOS_ERR_RING_MALFORMED_PARAMS (framing, or any reader error while the handler ran),
 * CAPOS_ERR_RING_QUOTA (handler, or results beyond the result scratch), other ring or
 * cap codes a handler returns, CAPOS_ERR_RING_RESULT_TOO_SMALL (result_len = bytes
 * needed), CAPOS_ERR_RING_RESULT_FAULT (copy-out), else 0 with result_len = framed
 * result bytes (or 0 when the caller gave no result buffer and the results are all
 * defaults, as for Console.write). Any other handler status becomes CAPOS_ERR_RING_EXCEPTION with a
 * CapException in the result buffer (type unimplemented / invalidArgument /
 * overloaded / failed, status = the code), or CAPOS_ERR_RING_EXCEPTION_TRUNCATED when
 * it does not fit (result_len = bytes needed).
 */
void kcall_exec(void *ctx, const struct ring_op *op, struct capos_cqe *cqe);

#endif
