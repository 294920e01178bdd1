/*
 * Per-process capability table: slot allocation with a FIFO free list, generation-
 * tagged ids, typed lookup, release, and the reserve/commit/rollback transaction used
 * by capability transfer (see kernel/include/kernel/captab.h for the contract and the
 * lock legend). Relies only on kobj reference counting and the inline revocation-node
 * references of kernel/revoke.h (a release may free nodes); never allocates.
 *
 * Invariant (checked by the host tests after every operation):
 *   nlive + nreserved + nfree == nslots, and the free list holds exactly nfree slots.
 */
#include <kernel/captab.h>

#include <stddef.h>

#include <capos/error.h>

static uint16_t captab_next_gen(uint16_t gen)
{
	return gen >= CAPOS_CAP_GEN_MAX ? 1 : (uint16_t)(gen + 1);
}

static void captab_push_free(struct captab *t, uint32_t slot)
{
	struct captab_entry *e = &t->slots[slot];

	e->state = CAPTAB_FREE;
	e->obj = NULL;
	e->rnode = NULL;
	e->interface_id = 0;
	e->badge = 0;
	e->xfer = CAPTAB_XFER_NONE;
	e->next_free = CAPTAB_NO_SLOT;
	if (t->free_head == CAPTAB_NO_SLOT)
		t->free_head = slot;
	else
		t->slots[t->free_tail].next_free = slot;
	t->free_tail = slot;
	t->nfree++;
	if (t->ledger)
		ledger_release(t->ledger, LEDGER_CAP_SLOTS, 1);
}

/* Room for n more slots: free ones, and quota in the ledger (if any). */
static bool captab_room(const struct captab *t, uint32_t n)
{
	return t->nfree >= n && (!t->ledger || ledger_room(t->ledger, LEDGER_CAP_SLOTS) >= n);
}

/* Precondition: captab_room(t, 1), so the ledger charge cannot fail. */
static uint32_t captab_pop_free(struct captab *t)
{
	uint32_t slot = t->free_head;

	if (t->ledger)
		(void)ledger_reserve(t->ledger, LEDGER_CAP_SLOTS, 1);

	t->free_head = t->slots[slot].next_free;
	if (t->free_head == CAPTAB_NO_SLOT)
		t->free_tail = CAPTAB_NO_SLOT;
	t->slots[slot].next_free = CAPTAB_NO_SLOT;
	t->nfree--;
	return slot;
}

int captab_init(struct captab *t, struct captab_entry *slots, uint32_t nslots)
{
	if (!t || !slots || nslots == 0 || nslots > CAPOS_CAP_SLOTS_MAX)
		return CAPOS_ERR_INVALID;
	t->slots = slots;
	t->nslots = nslots;
	t->nlive = 0;
	t->nreserved = 0;
	t->nfree = 0;
	t->free_head = CAPTAB_NO_SLOT;
	t->free_tail = CAPTAB_NO_SLOT;
	t->ledger = NULL;
	for (uint32_t i = 0; i < nslots; i++) {
		slots[i].gen = 1;
		captab_push_free(t, i);
	}
	return CAPOS_OK;
}

static bool captab_item_ok(const struct captab_item *item)
{
	return item && item->obj && item->interface_id != 0 && item->xfer <= CAPTAB_XFER_NONE &&
	       (!item->rnode || revoke_node_is_live(item->rnode));
}

/* Publishes `item` in `e`; the object reference was taken by the caller, the node's
 * entry reference is taken here (it cannot fail). */
static void captab_fill(struct captab_entry *e, const struct captab_item *item)
{
	e->obj = item->obj;
	e->rnode = item->rnode;
	revoke_entry_attach(item->rnode);
	e->interface_id = item->interface_id;
	e->badge = item->badge;
	e->xfer = item->xfer;
	e->state = CAPTAB_LIVE;
}

int captab_insert(struct captab *t, const struct captab_item *item, uint32_t *out_id)
{
	if (!captab_item_ok(item) || !out_id)
		return CAPOS_ERR_INVALID;
	if (!captab_room(t, 1))
		return CAPOS_ERR_CAP_TABLE_FULL;
	int err = kobj_get(item->obj);
	if (err)
		return err;
	uint32_t slot = captab_pop_free(t);
	captab_fill(&t->slots[slot], item);
	t->nlive++;
	*out_id = capos_cap_make(slot, t->slots[slot].gen);
	return CAPOS_OK;
}

/* Shared by lookup and release: the slot `id` names, if its generation is current. */
static int captab_find(const struct captab *t, uint32_t id, uint32_t *out_slot)
{
	uint32_t slot = capos_cap_slot(id);
	uint32_t gen = capos_cap_gen(id);

	if (gen == 0 || slot >= t->nslots)
		return CAPOS_ERR_CAP_BAD_ID;
	if (t->slots[slot].gen != gen)
		return CAPOS_ERR_CAP_STALE;
	if (t->slots[slot].state != CAPTAB_LIVE)
		return CAPOS_ERR_CAP_EMPTY;
	*out_slot = slot;
	return CAPOS_OK;
}

/* The revocation check of every lookup: one null test for caps never derived. */
static bool captab_revoked(const struct captab_entry *e)
{
	return e->rnode && e->rnode->revoked;
}

int captab_lookup(const struct captab *t, uint32_t id, uint64_t interface_id,
		  const struct captab_entry **out)
{
	uint32_t slot;
	int err = captab_find(t, id, &slot);

	if (err)
		return err;
	if (captab_revoked(&t->slots[slot]))
		return CAPOS_ERR_CAP_REVOKED;
	if (interface_id != CAPTAB_ANY_INTERFACE && t->slots[slot].interface_id != interface_id)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	*out = &t->slots[slot];
	return CAPOS_OK;
}

/* Frees a LIVE slot and drops its reference; the generation moves on first, so the
 * old id is stale even if release() re-enters the table. */
static int captab_free_live(struct captab *t, uint32_t slot)
{
	struct captab_entry *e = &t->slots[slot];
	struct kobj *obj = e->obj;
	struct revoke_node *rnode = e->rnode;

	e->gen = captab_next_gen(e->gen);
	t->nlive--;
	captab_push_free(t, slot);
	revoke_entry_detach(rnode);
	return kobj_put(obj);
}

int captab_release(struct captab *t, uint32_t id)
{
	uint32_t slot;
	int err = captab_find(t, id, &slot);

	if (err)
		return err;
	return captab_free_live(t, slot);
}

int captab_clear(struct captab *t)
{
	int first = CAPOS_OK;

	for (uint32_t i = 0; i < t->nslots; i++) {
		if (t->slots[i].state != CAPTAB_LIVE)
			continue;
		int err = captab_free_live(t, i);
		if (err && first == CAPOS_OK)
			first = err;
	}
	return first;
}

int captab_prepare_send(const struct captab *t, uint32_t id, enum captab_xfer mode,
			struct captab_item *out)
{
	const struct captab_entry *e;
	int err = captab_lookup(t, id, CAPTAB_ANY_INTERFACE, &e);

	if (err)
		return err;
	if (mode != CAPTAB_XFER_COPY && mode != CAPTAB_XFER_MOVE)
		return CAPOS_ERR_INVALID;
	if (e->xfer == CAPTAB_XFER_NONE ||
	    (e->xfer == CAPTAB_XFER_MOVE && mode != CAPTAB_XFER_MOVE))
		return CAPOS_ERR_CAP_NOT_TRANSFERABLE;
	out->obj = e->obj;
	out->rnode = e->rnode;
	out->interface_id = e->interface_id;
	out->badge = e->badge;
	out->xfer = e->xfer;
	return CAPOS_OK;
}

int captab_reserve(struct captab *t, uint32_t n, struct captab_txn *txn)
{
	if (!txn || n == 0 || n > CAPTAB_TXN_MAX)
		return CAPOS_ERR_INVALID;
	if (!captab_room(t, n))
		return CAPOS_ERR_CAP_TABLE_FULL;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t slot = captab_pop_free(t);
		t->slots[slot].state = CAPTAB_RESERVED;
		txn->slot[i] = slot;
	}
	t->nreserved += n;
	txn->n = n;
	return CAPOS_OK;
}

/* True when every slot of `txn` is a RESERVED slot of `t`. */
static bool captab_txn_pending(const struct captab *t, const struct captab_txn *txn)
{
	if (!txn || txn->n == 0 || txn->n > CAPTAB_TXN_MAX)
		return false;
	for (uint32_t i = 0; i < txn->n; i++) {
		if (txn->slot[i] >= t->nslots || t->slots[txn->slot[i]].state != CAPTAB_RESERVED)
			return false;
		for (uint32_t j = 0; j < i; j++) {
			if (txn->slot[j] == txn->slot[i])
				return false;
		}
	}
	return true;
}

/* Takes one reference per item; on failure gives back the ones already taken. */
static int captab_ref_items(const struct captab_item *items, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		int err = kobj_get(items[i].obj);
		if (err) {
			while (i-- > 0)
				(void)kobj_put(items[i].obj); /* we hold more: never the last */
			return err;
		}
	}
	return CAPOS_OK;
}

int captab_commit(struct captab *t, struct captab_txn *txn, const struct captab_item *items,
		  uint32_t *out_ids)
{
	if (!captab_txn_pending(t, txn))
		return CAPOS_ERR_CAP_BAD_RESERVATION;
	if (!items || !out_ids)
		return CAPOS_ERR_INVALID;
	for (uint32_t i = 0; i < txn->n; i++) {
		if (!captab_item_ok(&items[i]))
			return CAPOS_ERR_INVALID;
	}
	int err = captab_ref_items(items, txn->n);
	if (err)
		return err;
	for (uint32_t i = 0; i < txn->n; i++) {
		struct captab_entry *e = &t->slots[txn->slot[i]];
		captab_fill(e, &items[i]);
		out_ids[i] = capos_cap_make(txn->slot[i], e->gen);
	}
	t->nreserved -= txn->n;
	t->nlive += txn->n;
	txn->n = 0;
	return CAPOS_OK;
}

int captab_rollback(struct captab *t, struct captab_txn *txn)
{
	if (!captab_txn_pending(t, txn))
		return CAPOS_ERR_CAP_BAD_RESERVATION;
	for (uint32_t i = 0; i < txn->n; i++)
		captab_push_free(t, txn->slot[i]);
	t->nreserved -= txn->n;
	txn->n = 0;
	return CAPOS_OK;
}

int captab_item_get(const struct captab_item *item)
{
	int err = kobj_get(item->obj);

	if (err)
		return err;
	revoke_node_get(item->rnode);
	return CAPOS_OK;
}

int captab_item_put(const struct captab_item *item)
{
	revoke_node_put(item->rnode);
	return kobj_put(item->obj);
}
