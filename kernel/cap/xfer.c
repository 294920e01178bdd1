/*
 * Capability transfer: take, deliver and drop of an in-flight cap set (contract,
 * invariants and lock order in kernel/include/kernel/xfer.h). Built on the cap table's
 * lookup, prepare_send, reserve/commit/rollback and item references (object and
 * revocation node: captab_item_get/put); never allocates.
 */
#include <kernel/xfer.h>

#include <stdbool.h>
#include <stddef.h>

#include <capos/error.h>

void xfer_set_init(struct xfer_set *s)
{
	s->n = 0;
}

/* Structural checks of one descriptor (nothing about the table). */
static int xfer_check_desc(const struct capos_xfer *d)
{
	if (d->rsvd0 != 0 || d->rsvd1 != 0)
		return CAPOS_ERR_XFER_RESERVED;
	if (d->mode != CAPOS_XFER_COPY && d->mode != CAPOS_XFER_MOVE)
		return CAPOS_ERR_XFER_BAD_MODE;
	return CAPOS_OK;
}

/* True when desc[i] names a cap already listed in desc[0..i) and one of the two
 * listings is a move: a cap cannot both leave the sender and be sent again. */
static bool xfer_dup_move(const struct capos_xfer *desc, uint32_t i)
{
	for (uint32_t j = 0; j < i; j++) {
		if (desc[j].cap == desc[i].cap &&
		    (desc[j].mode == CAPOS_XFER_MOVE || desc[i].mode == CAPOS_XFER_MOVE))
			return true;
	}
	return false;
}

/* Decode step of take: validates every descriptor and fills `out` without references. */
static int xfer_decode(const struct captab *src, const struct capos_xfer *desc, uint32_t n,
		       struct xfer_set *out)
{
	if (n > CAPOS_XFER_MAX)
		return CAPOS_ERR_XFER_TOO_MANY;
	for (uint32_t i = 0; i < n; i++) {
		bool move = desc[i].mode == CAPOS_XFER_MOVE;
		int err = xfer_check_desc(&desc[i]);

		if (!err)
			err = captab_prepare_send(src, desc[i].cap,
						  move ? CAPTAB_XFER_MOVE : CAPTAB_XFER_COPY,
						  &out->item[i]);
		if (!err && xfer_dup_move(desc, i))
			err = CAPOS_ERR_XFER_DUPLICATE;
		if (err)
			return err;
		out->src[i] = desc[i].cap;
		out->move[i] = move;
	}
	return CAPOS_OK;
}

int xfer_take(const struct captab *src, const struct capos_xfer *desc, uint32_t n,
	      struct xfer_set *out)
{
	int err;

	xfer_set_init(out);
	err = xfer_decode(src, desc, n, out);
	if (err)
		return err;
	for (uint32_t i = 0; i < n; i++) {
		err = captab_item_get(&out->item[i]);
		if (err) {
			xfer_drop(out); /* the i references taken so far */
			return err;
		}
		out->n = i + 1;
	}
	return CAPOS_OK;
}

int xfer_take_user(const struct captab *src, xfer_copy_in_fn *copy_in, void *ctx, uint64_t uaddr,
		   uint16_t count, struct xfer_set *out)
{
	struct capos_xfer desc[CAPOS_XFER_MAX];

	xfer_set_init(out);
	if (count == 0)
		return CAPOS_OK;
	if (count > CAPOS_XFER_MAX)
		return CAPOS_ERR_XFER_TOO_MANY;
	if (copy_in(ctx, desc, uaddr, count * (uint32_t)sizeof(desc[0])))
		return CAPOS_ERR_XFER_FAULT;
	return xfer_take(src, desc, count, out);
}

int xfer_add(struct xfer_set *s, const struct captab_item *item)
{
	if (!item || !item->obj || item->interface_id == 0 || item->xfer > CAPTAB_XFER_NONE ||
	    (item->rnode && !revoke_node_is_live(item->rnode)))
		return CAPOS_ERR_INVALID;
	if (s->n >= CAPTAB_TXN_MAX)
		return CAPOS_ERR_XFER_TOO_MANY;
	int err = captab_item_get(item);
	if (err)
		return err;
	s->item[s->n] = *item;
	s->src[s->n] = CAPOS_CAP_NULL;
	s->move[s->n] = 0;
	s->n++;
	return CAPOS_OK;
}

void xfer_drop(struct xfer_set *s)
{
	/* The last reference may go here (e.g. a fresh result object nobody received):
	 * that is the object's correct end. */
	while (s->n > 0)
		(void)captab_item_put(&s->item[--s->n]);
}

/* The source of moved entry i as it is now: 0 when it still names the same object. */
static int xfer_source_state(const struct captab *src, const struct xfer_set *s, uint32_t i)
{
	const struct captab_entry *e;
	int err = captab_lookup(src, s->src[i], CAPTAB_ANY_INTERFACE, &e);

	if (err)
		return err;
	return e->obj == s->item[i].obj ? CAPOS_OK : CAPOS_ERR_CAP_STALE;
}

int xfer_check_sources(const struct captab *src, const struct xfer_set *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		if (!s->move[i])
			continue;
		if (!src)
			return CAPOS_ERR_INVALID;
		int err = xfer_source_state(src, s, i);
		if (err)
			return err;
	}
	return CAPOS_OK;
}

int xfer_reserve(struct captab *dst, uint32_t n, struct captab_txn *txn)
{
	if (n > CAPTAB_TXN_MAX)
		return CAPOS_ERR_INVALID;
	if (n == 0) {
		txn->n = 0;
		return CAPOS_OK;
	}
	return captab_reserve(dst, n, txn);
}

void xfer_cancel(struct captab *dst, struct captab_txn *txn)
{
	if (txn->n > 0)
		(void)captab_rollback(dst, txn); /* pending by construction */
	txn->n = 0;
}

/* Splits `txn` after its first `k` slots: *head keeps them, *tail gets the rest. */
static void xfer_split(const struct captab_txn *txn, uint32_t k, struct captab_txn *head,
		       struct captab_txn *tail)
{
	head->n = k;
	tail->n = txn->n - k;
	for (uint32_t i = 0; i < txn->n; i++) {
		if (i < k)
			head->slot[i] = txn->slot[i];
		else
			tail->slot[i - k] = txn->slot[i];
	}
}

/* True when slot `id` of `t` still holds `obj` under the same generation, whatever
 * happened to the entry meanwhile (a revoked entry is still the same entry). */
static bool xfer_same_entry(const struct captab *t, uint32_t id, const struct kobj *obj)
{
	uint32_t slot = capos_cap_slot(id);

	if (!t || slot >= t->nslots)
		return false;
	const struct captab_entry *e = &t->slots[slot];
	return e->gen == capos_cap_gen(id) && e->state == CAPTAB_LIVE && e->obj == obj;
}

/* Releases every moved source still in place (see xfer_commit). */
static void xfer_release_moved(struct captab *src, const struct xfer_set *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		if (s->move[i] && xfer_same_entry(src, s->src[i], s->item[i].obj))
			(void)captab_release(src, s->src[i]); /* the set still holds a ref */
	}
}

void xfer_consume(struct captab *src, struct xfer_set *s)
{
	xfer_release_moved(src, s);
	xfer_drop(s);
}

int xfer_commit(struct captab *dst, struct captab_txn *txn, struct captab *src, struct xfer_set *s,
		struct capos_xfer_result *recs)
{
	struct captab_txn head, tail;
	uint32_t ids[CAPTAB_TXN_MAX];

	if (s->n > txn->n || (!src && xfer_check_sources(NULL, s))) {
		xfer_cancel(dst, txn);
		return CAPOS_ERR_INVALID; /* more items than slots, or moves without a sender */
	}
	xfer_split(txn, s->n, &head, &tail);
	if (head.n > 0) {
		int err = captab_commit(dst, &head, s->item, ids);
		if (err) {
			xfer_cancel(dst, txn); /* head is still pending on error */
			return err;
		}
	}
	xfer_cancel(dst, &tail);
	txn->n = 0;
	for (uint32_t i = 0; i < s->n; i++)
		recs[i] = (struct capos_xfer_result){ .cap = ids[i],
						      .interface_id = s->item[i].interface_id };
	xfer_consume(src, s);
	return CAPOS_OK;
}

int xfer_deliver(struct captab *dst, struct captab *src, struct xfer_set *s,
		 struct capos_xfer_result *recs)
{
	struct captab_txn txn;
	int err = xfer_check_sources(src, s);

	if (!err)
		err = xfer_reserve(dst, s->n, &txn);
	if (!err)
		err = xfer_commit(dst, &txn, src, s, recs);
	return err;
}
