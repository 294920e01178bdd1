/*
 * CALL and RELEASE on kernel objects (contract in kernel/include/kernel/kcall.h;
 * error layers in docs/abi.md §6). Decode first — lookup, method range, size bound,
 * copy-in, framing — then invoke, then answer: results are built in one segment of
 * the result scratch, so the framed answer is an 8-byte header plus that segment and
 * is copied out in two pieces without a bounce buffer.
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
	return kcall_decode_params(env, op, d);
}

static bool kcall_is_transport(int err)
{
	return err <= -200 && err >= -255;
}

static bool kcall_is_capnp_read(int err)
{
	return err <= CAPOS_ERR_CAPNP_OUT_OF_BOUNDS && err >= -191;
}

static enum capos_ExceptionType kcall_exception_type(int err)
{
	switch (err) {
	case CAPOS_ERR_CAPNP_UNIMPLEMENTED:
	case CAPOS_ERR_UNSUPPORTED:
		return capos_ExceptionType_unimplemented;
	case CAPOS_ERR_INVALID:
	case CAPOS_ERR_OUT_OF_RANGE:
	case CAPOS_ERR_OVERFLOW:
	case CAPOS_ERR_ALIGNMENT:
		return capos_ExceptionType_invalidArgument;
	case CAPOS_ERR_NO_MEMORY:
	case CAPOS_ERR_BUSY:
		return capos_ExceptionType_overloaded;
	default:
		return capos_ExceptionType_failed;
	}
}

static int kcall_results_init(const struct kcall_env *env, struct capnp_builder *b,
			      struct capnp_bseg *seg)
{
	return capnp_builder_init(b, seg, 1, env->results_scratch, env->results_scratch_bytes);
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

/* Frames the single-segment results into the user's buffer. `ok` is the status to
 * report when it fits, `short_status` when it does not. */
static void kcall_copy_results(const struct kcall_env *env, const struct ring_op *op,
			       const struct capnp_bseg *seg, int ok, int short_status,
			       struct capos_cqe *cqe)
{
	uint32_t header[2] = { 0, seg->used_words };
	uint64_t body = (uint64_t)seg->used_words * 8;
	uint64_t need = sizeof(header) + body;

	if (op->result_len == 0 && ok == CAPOS_OK && kcall_results_default(seg)) {
		cqe->status = ok; /* no buffer, nothing to say: e.g. Console.write */
		return;
	}
	cqe->result_len = (uint32_t)need;
	if (need > op->result_len) {
		cqe->status = short_status;
		return;
	}
	if (env->copy_out(env->copy_ctx, op->result_addr, header, sizeof(header)) ||
	    env->copy_out(env->copy_ctx, op->result_addr + sizeof(header), seg->data,
			  (uint32_t)body)) {
		cqe->result_len = 0;
		cqe->status = CAPOS_ERR_RING_RESULT_FAULT;
		return;
	}
	cqe->status = ok;
}

int kcall_result_cap(struct kcall_ctx *c, const struct captab_item *item, uint32_t *index)
{
	if (!c || !item || !index || !item->obj || item->interface_id == 0 ||
	    item->xfer > CAPTAB_XFER_NONE)
		return CAPOS_ERR_INVALID;
	if (c->nout >= c->max_out)
		return CAPOS_ERR_CAP_TABLE_FULL;
	int err = kobj_get(item->obj);
	if (err)
		return err;
	c->out[c->nout] = *item;
	*index = c->nout++;
	return CAPOS_OK;
}

/* Drops the references of every queued result cap (the call did not deliver them). */
static void kcall_drop_out(struct kcall_ctx *c)
{
	while (c->nout > 0)
		(void)kobj_put(c->out[--c->nout].obj); /* may free a fresh object: intended */
}

static void kcall_invoke(const struct kcall_env *env, const struct ring_op *op,
			 struct kcall_decoded *d, struct capos_cqe *cqe)
{
	struct capnp_builder b;
	struct capnp_bseg seg;

	if (kcall_results_init(env, &b, &seg)) {
		cqe->status = CAPOS_ERR_RING_QUOTA;
		return;
	}
	struct kcall_ctx c = {
		.obj = d->obj,
		.method = op->method,
		.badge = d->badge,
		.params = &d->params,
		.results = &b,
		.table = env->table,
		.caller = env->caller,
		.max_out = 0, /* result-cap delivery lands with the transfer path */
	};
	int err = d->iface->call(&c);
	kcall_drop_out(&c);
	if (err == KCALL_DEFERRED) {
		cqe->status = RING_STATUS_DEFERRED; /* completed later (kring_defer) */
		return;
	}
	if (capnp_msg_error(&d->params) || kcall_is_capnp_read(err)) {
		cqe->status = CAPOS_ERR_RING_MALFORMED_PARAMS;
		return;
	}
	if (capnp_builder_error(&b))
		err = CAPOS_ERR_RING_QUOTA; /* results beyond the result scratch */
	if (kcall_is_transport(err)) {
		cqe->status = err;
		return;
	}
	if (err == 0) {
		kcall_copy_results(env, op, &seg, CAPOS_OK, CAPOS_ERR_RING_RESULT_TOO_SMALL, cqe);
		return;
	}
	int berr = kcall_build_exception(env, &b, &seg, err);
	if (berr) {
		cqe->status = berr;
		return;
	}
	kcall_copy_results(env, op, &seg, CAPOS_ERR_RING_EXCEPTION,
			   CAPOS_ERR_RING_EXCEPTION_TRUNCATED, cqe);
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
