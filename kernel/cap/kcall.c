/*
 * CALL and RELEASE on kernel objects (contract in kernel/include/kernel/kcall.h;
 * error layers in docs/abi.md §6, transfer in §8). Decode first — lookup, method
 * range, size bound, copy-in, framing, transfer descriptors (caps taken into an
 * in-flight set, the table unchanged) — then reserve the result-cap slots, invoke,
 * then answer: results are built in one segment of the result scratch, one word in,
 * so the framed answer (the 8-byte header written into that first word, then the
 * segment) is one contiguous copy-out, followed by the result-cap records.
 */
#include <kernel/kcall.h>

#include <stdbool.h>
#include <stddef.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static const struct kcall_iface *kcall_find_iface(const struct kcall_env *env, uint64_t iid)
{
	for (uint32_t i = 0; i < env->nifaces; i++) {
		if (env->ifaces[i]->interface_id == iid)
			return env->ifaces[i];
	}
	return NULL;
}

/* Decoded, not yet invoked: the object, its interface and a reader over the params. */
struct kcall_decoded {
	struct kobj *obj;
	uint64_t badge;
	const struct kcall_iface *iface;
	struct capnp_msg params;
	struct capnp_segment segs[KCALL_MAX_SEGMENTS];
	struct xfer_set in; /* caps sent with the CALL, each referenced (kcall_decode_xfer) */
};

static const uint64_t kcall_null_root = 0; /* "no params": a null root, all defaults */

static int kcall_decode_params(const struct kcall_env *env, const struct ring_op *op,
			       struct kcall_decoded *d)
{
	struct capnp_limits lim = { .nesting = KCALL_NESTING };

	if (op->params_len == 0) {
		d->segs[0] = (struct capnp_segment){ (const uint8_t *)&kcall_null_root, 1 };
		return capnp_msg_init_segments(&d->params, d->segs, 1, &lim)
			       ? CAPOS_ERR_RING_MALFORMED_PARAMS
			       : CAPOS_OK;
	}
	if (op->params_len > env->params_scratch_bytes)
		return CAPOS_ERR_RING_PARAMS_TOO_LARGE;
	if (env->copy_in(env->copy_ctx, env->params_scratch, op->params_addr, op->params_len))
		return CAPOS_ERR_RING_PARAMS_FAULT;
	lim.traversal_words = (uint64_t)KCALL_TRAVERSAL_FACTOR * (op->params_len / 8) + 64;
	size_t used = 0;
	if (capnp_msg_init_framed(&d->params, env->params_scratch, op->params_len, d->segs,
				  KCALL_MAX_SEGMENTS, &lim, &used) ||
	    used != op->params_len)
		return CAPOS_ERR_RING_MALFORMED_PARAMS;
	return CAPOS_OK;
}

/* The SQE's transfer descriptors: copied in, validated against the caller's table and
 * referenced into d->in (the table itself does not change). Last decode step: on
 * error nothing is held. */
static int kcall_decode_xfer(const struct kcall_env *env, const struct ring_op *op,
			     struct kcall_decoded *d)
{
	return xfer_take_user(env->table, env->copy_in, env->copy_ctx, op->xfer_addr,
			      op->xfer_count, &d->in);
}

/* Everything that can refuse the call without side effects. */
static int kcall_decode(const struct kcall_env *env, const struct ring_op *op,
			struct kcall_decoded *d)
{
	const struct captab_entry *e;
	int err = captab_lookup(env->table, op->cap, op->interface_id, &e);

	if (err)
		return err;
	d->obj = e->obj;
	d->badge = e->badge;
	d->iface = kcall_find_iface(env, op->interface_id);
	if (!d->iface || d->iface->kobj_type != d->obj->type)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	if (op->method >= d->iface->method_count)
		return CAPOS_ERR_RING_METHOD_RANGE;
	err = kcall_decode_params(env, op, d);
	if (err)
		return err;
	return kcall_decode_xfer(env, op, d);
}

static bool kcall_is_transport(int err)
{
	return err <= -200 && err >= -255;
}

static bool kcall_is_capnp_read(int err)
{
	return err <= CAPOS_ERR_CAPNP_OUT_OF_BOUNDS && err >= -191;
}

/* Exception types by status range (docs/abi.md §6): the first entry whose [lo, hi]
 * holds the code decides; a code no entry holds is `failed`. Specific codes come
 * before the block they sit in. */
struct kcall_extype {
	int hi, lo; /* hi >= lo: codes are negative */
	enum capos_ExceptionType type;
};

static const struct kcall_extype kcall_extypes[] = {
	{ CAPOS_ERR_INVALID, CAPOS_ERR_INVALID, capos_ExceptionType_invalidArgument },
	{ CAPOS_ERR_NO_MEMORY, CAPOS_ERR_NO_MEMORY, capos_ExceptionType_overloaded },
	{ CAPOS_ERR_OUT_OF_RANGE, CAPOS_ERR_OVERFLOW, capos_ExceptionType_invalidArgument },
	{ CAPOS_ERR_UNSUPPORTED, CAPOS_ERR_UNSUPPORTED, capos_ExceptionType_unimplemented },
	{ CAPOS_ERR_BUSY, CAPOS_ERR_BUSY, capos_ExceptionType_overloaded },
	{ CAPOS_ERR_ALIGNMENT, CAPOS_ERR_ALIGNMENT, capos_ExceptionType_invalidArgument },
	{ CAPOS_ERR_CAPNP_UNIMPLEMENTED, CAPOS_ERR_CAPNP_UNIMPLEMENTED,
	  capos_ExceptionType_unimplemented },
	/* process spawning: quotas and a pending wait may clear later; the rest of the
	 * block refuses the request itself */
	{ CAPOS_ERR_SPAWN_CHILD_QUOTA, CAPOS_ERR_SPAWN_WAIT_BUSY, capos_ExceptionType_overloaded },
	{ CAPOS_ERR_SPAWN_UNKNOWN_BINARY, CAPOS_ERR_SPAWN_MODE_MISMATCH,
	  capos_ExceptionType_invalidArgument },
	/* Timer: the sleep bound clears when a sleep completes; a range error does not */
	{ CAPOS_ERR_TIMER_SLEEP_LIMIT, CAPOS_ERR_TIMER_SLEEP_LIMIT,
	  capos_ExceptionType_overloaded },
	{ CAPOS_ERR_TIMER_SLEEP_RANGE, CAPOS_ERR_TIMER_SLEEP_RANGE,
	  capos_ExceptionType_invalidArgument },
	{ CAPOS_ERR_FACET_BADGED, CAPOS_ERR_FACET_BADGED, capos_ExceptionType_invalidArgument },
	/* resource accounting: a quota clears when the process gives something back */
	{ CAPOS_ERR_QUOTA_CAP_SLOTS, -383, capos_ExceptionType_overloaded },
	/* memory objects: the mapping bound and the placement window clear when mappings
	 * go; the rest of the block refuses the request itself */
	{ CAPOS_ERR_MEMOBJ_TOO_MANY_MAPS, CAPOS_ERR_MEMOBJ_NO_SPACE,
	  capos_ExceptionType_overloaded },
	{ CAPOS_ERR_MEMOBJ_PAGES, CAPOS_ERR_MEMOBJ_OBJECT_MAPPING,
	  capos_ExceptionType_invalidArgument },
	/* VirtualMemory regions, as memory objects: the region table and the placement
	 * window clear when regions go; a range in the wrong state refuses the request */
	{ CAPOS_ERR_VMR_TOO_MANY, CAPOS_ERR_VMR_NO_SPACE, capos_ExceptionType_overloaded },
	{ CAPOS_ERR_VMR_OVERLAP, CAPOS_ERR_VMR_GUARD, capos_ExceptionType_invalidArgument },
	/* EntropySource: a count out of range (not seeded yet is `failed`: the default) */
	{ CAPOS_ERR_ENTROPY_COUNT, CAPOS_ERR_ENTROPY_COUNT, capos_ExceptionType_invalidArgument },
	/* kernel memory at the reserve (kernel/kcharge.h): clears when the system frees some */
	{ CAPOS_ERR_KERNEL_LOW_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY,
	  capos_ExceptionType_overloaded },
	/* threads: a pending join and the ring window clear later; the rest of the block
	 * refuses the request itself (CAPOS_ERR_THREAD_FOREIGN: `failed`) */
	{ CAPOS_ERR_THREAD_ENTRY, CAPOS_ERR_THREAD_JOINED, capos_ExceptionType_invalidArgument },
	{ CAPOS_ERR_THREAD_JOIN_BUSY, CAPOS_ERR_THREAD_JOIN_BUSY, capos_ExceptionType_overloaded },
	{ CAPOS_ERR_THREAD_JOIN_SELF, CAPOS_ERR_THREAD_JOIN_SELF,
	  capos_ExceptionType_invalidArgument },
	{ CAPOS_ERR_THREAD_RINGS, CAPOS_ERR_THREAD_RINGS, capos_ExceptionType_overloaded },
	/* park: the bind refusals (PARK/UNPARK statuses are ring statuses, not exceptions) */
	{ CAPOS_ERR_PARK_WAITERS_LIMIT, CAPOS_ERR_PARK_WAITERS_LIMIT,
	  capos_ExceptionType_overloaded },
	{ CAPOS_ERR_PARK_MISALIGNED, CAPOS_ERR_PARK_ALREADY_BOUND,
	  capos_ExceptionType_invalidArgument },
	/* terminal: one read at a time; the pending one clears when it completes */
	{ CAPOS_ERR_TERM_BUSY, CAPOS_ERR_TERM_BUSY, capos_ExceptionType_overloaded },
};

enum capos_ExceptionType kcall_exception_type(int err)
{
	for (uint32_t i = 0; i < sizeof(kcall_extypes) / sizeof(kcall_extypes[0]); i++) {
		if (err <= kcall_extypes[i].hi && err >= kcall_extypes[i].lo)
			return kcall_extypes[i].type;
	}
	return capos_ExceptionType_failed;
}

/* The results segment starts one word into the result scratch: word 0 is kept for
 * the frame header, so the framed answer is one contiguous copy-out. */
#define KCALL_FRAME_WORDS 1u

static int kcall_results_init(const struct kcall_env *env, struct capnp_builder *b,
			      struct capnp_bseg *seg)
{
	if (env->results_scratch_bytes < 8 * (KCALL_FRAME_WORDS + 1))
		return CAPOS_ERR_BUFFER_TOO_SMALL;
	return capnp_builder_init(b, seg, 1, env->results_scratch + KCALL_FRAME_WORDS,
				  env->results_scratch_bytes - 8 * KCALL_FRAME_WORDS);
}

/* Replaces the results with a CapException for `err`. 0, or a builder error. */
static int kcall_build_exception(const struct kcall_env *env, struct capnp_builder *b,
				 struct capnp_bseg *seg, int err)
{
	struct capos_CapException_b ex;
	const char *name = capos_error_name(err);
	uint32_t len = 0;

	while (name[len] && len < KCALL_REASON_MAX)
		len++;
	if (kcall_results_init(env, b, seg) || capos_CapException_build_root(b, &ex))
		return CAPOS_ERR_RING_QUOTA;
	capos_CapException_set_type(&ex, kcall_exception_type(err));
	capos_CapException_set_status(&ex, err);
	(void)capos_CapException_set_reason(&ex, name, len);
	return capnp_builder_error(b) ? CAPOS_ERR_RING_QUOTA : CAPOS_OK;
}

/* True when every word after the root pointer is zero: the results read as all
 * defaults, so a caller that gave no result buffer loses nothing. */
static bool kcall_results_default(const struct capnp_bseg *seg)
{
	const uint64_t *w = (const uint64_t *)(const void *)seg->data;

	for (uint32_t i = 1; i < seg->used_words; i++) {
		if (w[i])
			return false;
	}
	return true;
}

/* Writes the framed results and then `n` result-cap records to the user's buffer
 * (the caller checked that they fit). 0, or the copy helper's fault. */
static int kcall_copy_out(const struct kcall_env *env, const struct ring_op *op,
			  const struct capnp_bseg *seg, const struct capos_xfer_result *recs,
			  uint32_t n)
{
	uint32_t framed = (KCALL_FRAME_WORDS + seg->used_words) * 8;
	uint64_t at = op->result_addr;

	/* Frame header (segment count - 1 = 0, segment 0's words; little-endian u32
	 * pair) in the word kept in front of the segment. */
	env->results_scratch[0] = (uint64_t)seg->used_words << 32;
	if (env->copy_out(env->copy_ctx, at, env->results_scratch, framed))
		return CAPOS_ERR_RING_RESULT_FAULT;
	at += framed;
	if (n && env->copy_out(env->copy_ctx, at, recs, n * (uint32_t)sizeof(recs[0])))
		return CAPOS_ERR_RING_RESULT_FAULT;
	return CAPOS_OK;
}

/* Bytes the answer needs: framing header, the segment, then n 16-byte records. */
static uint64_t kcall_answer_size(const struct capnp_bseg *seg, uint32_t n)
{
	return 8 * KCALL_FRAME_WORDS + (uint64_t)seg->used_words * 8 +
	       (uint64_t)n * sizeof(struct capos_xfer_result);
}

/* Frames a CapException into the user's buffer (no caps ride with it). */
static void kcall_copy_exception(const struct kcall_env *env, const struct ring_op *op,
				 const struct capnp_bseg *seg, struct capos_cqe *cqe)
{
	uint64_t need = kcall_answer_size(seg, 0);

	cqe->result_len = (uint32_t)need;
	if (need > op->result_len) {
		cqe->status = CAPOS_ERR_RING_EXCEPTION_TRUNCATED;
		return;
	}
	if (kcall_copy_out(env, op, seg, NULL, 0)) {
		cqe->result_len = 0;
		cqe->status = CAPOS_ERR_RING_RESULT_FAULT;
		return;
	}
	cqe->status = CAPOS_ERR_RING_EXCEPTION;
}

/* Publishes the queued result caps into the reservation and answers with the results
 * and their records. Called with the handler's success; the reservation is consumed
 * and c->out is empty on return, whatever happens. A copy-out fault releases the caps
 * just published again: their ids never reached the caller. */
static void kcall_deliver(const struct kcall_env *env, const struct ring_op *op,
			  struct kcall_ctx *c, struct captab_txn *txn, const struct capnp_bseg *seg,
			  struct capos_cqe *cqe)
{
	struct capos_xfer_result recs[CAPOS_XFER_MAX];
	uint32_t n = c->out.n;
	int err = xfer_commit(env->table, txn, NULL, &c->out, recs);

	if (err) {
		cqe->status = err; /* a reference count failure: a kernel bug */
		xfer_drop(&c->out);
		return;
	}
	if (kcall_copy_out(env, op, seg, recs, n)) {
		for (uint32_t i = 0; i < n; i++)
			(void)captab_release(env->table, recs[i].cap);
		cqe->status = CAPOS_ERR_RING_RESULT_FAULT;
		return;
	}
	cqe->status = CAPOS_OK;
	cqe->result_len = (uint32_t)kcall_answer_size(seg, n);
	cqe->xfer_count = (uint16_t)n;
	if (n)
		cqe->flags |= CAPOS_CQE_F_XFER;
}

/* The handler succeeded: the call has happened. Moved caps_in leave the caller's table
 * whatever the answer's fate; result caps reach it only with their records. */
static void kcall_answer(const struct kcall_env *env, const struct ring_op *op,
			 struct kcall_decoded *d, struct kcall_ctx *c, struct captab_txn *txn,
			 const struct capnp_bseg *seg, struct capos_cqe *cqe)
{
	uint64_t need = kcall_answer_size(seg, c->out.n);

	if (op->result_len == 0 && c->out.n == 0 && kcall_results_default(seg)) {
		cqe->status = CAPOS_OK; /* no buffer, nothing to say: e.g. Console.write */
		xfer_cancel(env->table, txn);
	} else if (need > op->result_len) {
		cqe->status = CAPOS_ERR_RING_RESULT_TOO_SMALL;
		cqe->result_len = (uint32_t)need;
		xfer_drop(&c->out);
		xfer_cancel(env->table, txn);
	} else {
		kcall_deliver(env, op, c, txn, seg, cqe);
	}
	xfer_consume(env->table, &d->in);
}

/* Zeros for kcall_result_room's write probe. */
static const uint64_t kcall_zeros[32];

/* The caller's buffer takes `need` bytes and is writable over them (zeros probed). */
static int kcall_room_check(struct kcall_ctx *c, uint64_t need)
{
	const struct kcall_env *env = c->env;

	if (need > c->result_cap) {
		c->result_need = (uint32_t)need;
		return CAPOS_ERR_RING_RESULT_TOO_SMALL;
	}
	for (uint64_t at = 0; at < need; at += sizeof(kcall_zeros)) {
		uint64_t n = need - at < sizeof(kcall_zeros) ? need - at : sizeof(kcall_zeros);

		if (env->copy_out(env->copy_ctx, c->result_addr + at, kcall_zeros, (uint32_t)n))
			return CAPOS_ERR_RING_RESULT_FAULT;
	}
	return CAPOS_OK;
}

int kcall_result_room(struct kcall_ctx *c, uint32_t ncaps)
{
	if (capnp_builder_error(c->results) || c->results->nsegs != 1)
		return CAPOS_ERR_RING_QUOTA;
	return kcall_room_check(c, kcall_answer_size(&c->results->segs[0], 0) +
					   (uint64_t)ncaps * sizeof(struct capos_xfer_result));
}

int kcall_result_room_bytes(struct kcall_ctx *c, uint32_t bytes)
{
	return kcall_room_check(c, bytes);
}

int kcall_result_cap(struct kcall_ctx *c, const struct captab_item *item, uint32_t *index)
{
	if (!c || !item || !index || !item->obj || item->interface_id == 0 ||
	    item->xfer > CAPTAB_XFER_NONE)
		return CAPOS_ERR_INVALID;
	if (c->out.n >= c->max_out)
		return CAPOS_ERR_CAP_TABLE_FULL;
	int err = xfer_add(&c->out, item);
	if (err)
		return err;
	*index = c->out.n - 1;
	return CAPOS_OK;
}

/* The result caps method `m` of `iface` may queue (and the slots kcall reserves). */
static uint32_t kcall_caps_out(const struct kcall_iface *iface, uint16_t m)
{
	if (iface->caps_out && iface->caps_out[m] < iface->max_caps_out)
		return iface->caps_out[m];
	return iface->max_caps_out;
}

/* Runs the handler with its result-cap slots already reserved, then answers. Every path
 * ends with the reservation consumed or rolled back and both cap sets empty. */
static void kcall_invoke(const struct kcall_env *env, const struct ring_op *op,
			 struct kcall_decoded *d, struct capos_cqe *cqe)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct captab_txn txn;
	struct kcall_ctx c;
	uint32_t max_out = kcall_caps_out(d->iface, op->method);
	int err = xfer_reserve(env->table, max_out, &txn);

	if (err) {
		cqe->status = err;
		goto out_in;
	}
	if (kcall_results_init(env, &b, &seg)) {
		cqe->status = CAPOS_ERR_RING_QUOTA;
		goto out_txn;
	}
	/* Field by field, not a compound literal: that would zero-fill the ~770-byte
	 * result-cap set on every CALL (xfer_set_init empties it). */
	c.obj = d->obj;
	c.method = op->method;
	c.badge = d->badge;
	c.params = &d->params;
	c.results = &b;
	c.table = env->table;
	c.caller = env->caller;
	c.caps_in = d->in.n ? d->in.item : NULL;
	c.ncaps_in = d->in.n;
	c.caps_in_ids = d->in.n ? d->in.src : NULL;
	c.caps_in_move = d->in.n ? d->in.move : NULL;
	c.result_cap = op->result_len;
	c.max_out = max_out;
	c.result_need = 0;
	c.env = env;
	c.result_addr = op->result_addr;
	xfer_set_init(&c.out);
	err = d->iface->call(&c);
	if (err == KCALL_DEFERRED) {
		/* completed later (kring_defer): no result caps, no moves */
		cqe->status = RING_STATUS_DEFERRED;
		xfer_drop(&c.out);
		goto out_txn;
	}
	if (capnp_msg_error(&d->params) || kcall_is_capnp_read(err))
		err = CAPOS_ERR_RING_MALFORMED_PARAMS;
	else if (capnp_builder_error(&b))
		err = CAPOS_ERR_RING_QUOTA; /* results beyond the result scratch */
	if (err == 0) {
		kcall_answer(env, op, d, &c, &txn, &seg, cqe);
		return;
	}
	cqe->status = err;
	if (err == CAPOS_ERR_RING_RESULT_TOO_SMALL && c.result_need)
		cqe->result_len = c.result_need; /* kcall_result_room refused before acting */
	if (!kcall_is_transport(err)) {
		int berr = kcall_build_exception(env, &b, &seg, err);
		if (berr)
			cqe->status = berr;
		else
			kcall_copy_exception(env, op, &seg, cqe);
	}
	xfer_drop(&c.out);
out_txn:
	xfer_cancel(env->table, &txn);
out_in:
	xfer_drop(&d->in); /* the call failed: every cap stays with the caller */
}

void kcall_exec(void *ctx, const struct ring_op *op, struct capos_cqe *cqe)
{
	const struct kcall_env *env = ctx;
	struct kcall_decoded d;

	if (op->opcode == CAPOS_OP_RELEASE) {
		cqe->status = captab_release(env->table, op->cap);
		return;
	}
	int err = kcall_decode(env, op, &d);
	if (err) {
		cqe->status = err;
		return;
	}
	kcall_invoke(env, op, &d, cqe);
}
