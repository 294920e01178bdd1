/*
 * CapabilityManager object (contract in kernel/include/kernel/capmgr.h; semantics in
 * docs/caps.md). Handlers get the whole kcall_ctx as their `self`, because every
 * method acts on the caller (its table, its process, the caps it sent), not on the
 * object. derive and revoke read the cap they act on from params cap index 0, which
 * names an entry of the CALL's sideband caps (kcall_ctx.caps_in).
 */
#include <kernel/capmgr.h>

#include <stdbool.h>
#include <stddef.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static void kcapmgr_release(struct kobj *obj)
{
	struct kcapmgr *cm = (struct kcapmgr *)obj;

	if (cm->destroy)
		cm->destroy(cm);
}

static const struct kobj_ops kcapmgr_ops = { .name = "capmgr", .release = kcapmgr_release };

int kcapmgr_init(struct kcapmgr *cm, const struct kcapmgr_backend *be, struct revoke_alloc *alloc,
		 void (*destroy)(struct kcapmgr *))
{
	if (!cm || !be || !be->usage || !be->capset_get || !be->capset_put || !alloc)
		return CAPOS_ERR_INVALID;
	cm->be = be;
	cm->alloc = alloc;
	cm->destroy = destroy;
	return kobj_init(&cm->k, KOBJ_CAPMGR, &kcapmgr_ops);
}

/* Every interface schema/capos.capnp declares, from the generated table. */
#define KCAPMGR_NAME_ENTRY(cname, sname, iid) { iid, sname },
static const struct {
	uint64_t id;
	const char *name;
} kcapmgr_names[] = { capos_INTERFACES(KCAPMGR_NAME_ENTRY) };
#undef KCAPMGR_NAME_ENTRY

const char *kcapmgr_interface_name(uint64_t interface_id)
{
	for (size_t i = 0; i < sizeof(kcapmgr_names) / sizeof(kcapmgr_names[0]); i++) {
		if (kcapmgr_names[i].id == interface_id)
			return kcapmgr_names[i].name;
	}
	return "";
}

static uint32_t kcapmgr_strlen(const char *s, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* ---- derive and revoke: the table and node work */

/* Gives src's entry a root node and its derived cap a child node, or neither. */
static int kcapmgr_new_nodes(struct captab_entry *e, struct revoke_alloc *a, void *payer,
			     struct revoke_node **child)
{
	struct revoke_node *root = NULL;
	int err;

	if (e->rnode == NULL) {
		err = revoke_node_new(a, payer, NULL, &root);
		if (err)
			return err;
	}
	err = revoke_node_new(a, payer, root ? root : e->rnode, child);
	if (err) {
		revoke_node_put(root); /* frees it: nothing else references it */
		return err;
	}
	if (root) {
		e->rnode = root; /* the creator's reference becomes the entry's */
		root->nentries = 1;
	}
	return CAPOS_OK;
}

int kcapmgr_derive(struct captab *t, struct revoke_alloc *a, void *payer, uint32_t src,
		   struct captab_item *out)
{
	const struct captab_entry *ce;
	struct revoke_node *child;
	int err = captab_lookup(t, src, CAPTAB_ANY_INTERFACE, &ce);

	if (err)
		return err;
	if (ce->xfer != CAPTAB_XFER_COPY)
		return CAPOS_ERR_CAP_NOT_TRANSFERABLE; /* a derived cap is a copy */
	if (ce->rnode && ce->rnode->depth >= REVOKE_DEPTH_MAX)
		return CAPOS_ERR_CAP_DERIVE_DEPTH;
	struct captab_entry *e = &t->slots[capos_cap_slot(src)]; /* found live above */
	err = kcapmgr_new_nodes(e, a, payer, &child);
	if (err)
		return err;
	*out = (struct captab_item){ .obj = e->obj,
				     .interface_id = e->interface_id,
				     .badge = e->badge,
				     .xfer = e->xfer,
				     .rnode = child };
	return CAPOS_OK;
}

void kcapmgr_revoke(const struct captab_item *item, uint32_t *count)
{
	*count = item->rnode ? revoke_subtree(item->rnode) : 0;
}

/* ---- handlers (self is the kcall_ctx) */

/* The CapSet name of cap `id` in `page` (length in *len), or "" when not granted so. */
static const char *kcapmgr_capset_name(const struct capos_capset_page *page, uint32_t id,
				       uint32_t *len)
{
	uint32_t n = page->hdr.count <= CAPOS_CAPSET_MAX_ENTRIES ? page->hdr.count : 0;

	for (uint32_t i = 0; i < n; i++) {
		if (page->entries[i].cap == id) {
			*len = kcapmgr_strlen(page->entries[i].name, CAPOS_CAPSET_NAME_MAX - 1);
			return page->entries[i].name;
		}
	}
	*len = 0;
	return "";
}

static int kcapmgr_fill_info(const struct capos_CapabilityInfo_b *b, const struct captab *t,
			     uint32_t slot, const struct capos_capset_page *page)
{
	const struct captab_entry *e = &t->slots[slot];
	uint32_t id = capos_cap_make(slot, e->gen), nlen;
	const char *name = kcapmgr_capset_name(page, id, &nlen);
	const char *iname = kcapmgr_interface_name(e->interface_id);
	int err;

	capos_CapabilityInfo_set_capId(b, id);
	capos_CapabilityInfo_set_interfaceId(b, e->interface_id);
	capos_CapabilityInfo_set_transferable(b, e->xfer != CAPTAB_XFER_NONE);
	capos_CapabilityInfo_set_revocable(b, e->rnode && e->rnode->depth > 0);
	capos_CapabilityInfo_set_revoked(b, e->rnode && e->rnode->revoked);
	capos_CapabilityInfo_set_deriveDepth(b, e->rnode ? e->rnode->depth : 0);
	err = nlen ? capos_CapabilityInfo_set_name(b, name, nlen) : CAPOS_OK;
	if (err == CAPOS_OK && iname[0])
		err = capos_CapabilityInfo_set_interfaceName(b, iname, kcapmgr_strlen(iname, 64));
	return err;
}

/* Lists the live caps of slots [start, nslots) into `l`, at most `max` of them (the
 * list was sized by kcapmgr_count); *next is the slot after the last one listed. */
static int kcapmgr_fill_list(struct kcall_ctx *c, const struct capos_capset_page *page,
			     const struct capos_CapabilityInfo_blist *l, uint32_t start,
			     uint32_t max, uint32_t *next)
{
	const struct captab *t = c->table;
	uint32_t i = 0, s;
	int err = CAPOS_OK;

	for (s = start; err == CAPOS_OK && s < t->nslots && i < max; s++) {
		/* Invariant: i counts the LIVE slots in [start, s), so i < max. */
		if (t->slots[s].state != CAPTAB_LIVE)
			continue;
		struct capos_CapabilityInfo_b b = capos_CapabilityInfo_list_build(l, i++);
		err = kcapmgr_fill_info(&b, t, s, page);
	}
	*next = s;
	return err;
}

/* Live caps in slots [start, nslots), counting at most `max`. */
static uint32_t kcapmgr_count(const struct captab *t, uint32_t start, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t s = start; s < t->nslots && n < max; s++)
		n += t->slots[s].state == CAPTAB_LIVE;
	return n;
}

/* Fills `l` (sized for `max` entries) with the live caps from slot `start`, with
 * their CapSet names from a snapshot of the caller's CapSet page. */
static int kcapmgr_list_into(struct kcall_ctx *c, uint32_t start, uint32_t max,
			     struct capos_CapabilityInfo_blist *l, uint32_t *next)
{
	const struct kcapmgr *cm = (const struct kcapmgr *)c->obj;
	const struct capos_capset_page *page;
	int err = cm->be->capset_get(c->caller, &page);

	if (err)
		return err;
	err = kcapmgr_fill_list(c, page, l, start, max, next);
	cm->be->capset_put(c->caller, page);
	return err;
}

static int kcapmgr_list(void *self, const struct capos_CapabilityManager_list_Params_r *p,
			struct capos_CapabilityManager_list_Results_b *r)
{
	struct kcall_ctx *c = self;
	struct capos_CapabilityInfo_blist l;
	uint32_t n = c->table->nlive, next;
	int err = capos_CapabilityManager_list_Results_init_caps(r, n, &l);

	(void)p;
	return err ? err : kcapmgr_list_into(c, 0, n, &l, &next);
}

static int kcapmgr_list_range(void *self,
			      const struct capos_CapabilityManager_listRange_Params_r *p,
			      struct capos_CapabilityManager_listRange_Results_b *r)
{
	struct kcall_ctx *c = self;
	struct capos_CapabilityInfo_blist l;
	uint32_t start = capos_CapabilityManager_listRange_Params_get_startSlot(p), next;
	uint32_t n = start < c->table->nslots ? kcapmgr_count(c->table, start, KCAPMGR_PAGE) : 0;
	int err = capos_CapabilityManager_listRange_Results_init_caps(r, n, &l);

	if (err == CAPOS_OK && n > 0)
		err = kcapmgr_list_into(c, start, n, &l, &next);
	if (err)
		return err;
	if (n == 0)
		next = start > c->table->nslots ? start : c->table->nslots;
	capos_CapabilityManager_listRange_Results_set_nextSlot(r, next);
	capos_CapabilityManager_listRange_Results_set_more(
		r, next < c->table->nslots && kcapmgr_count(c->table, next, 1) > 0);
	return CAPOS_OK;
}

/* The cap params cap index `index` names among the CALL's sideband caps. */
static int kcapmgr_cap_arg(const struct kcall_ctx *c, uint32_t index,
			   const struct captab_item **item, uint32_t *id)
{
	if (index == CAPNP_CAP_NULL || index >= c->ncaps_in)
		return CAPOS_ERR_INVALID;
	*item = &c->caps_in[index];
	*id = c->caps_in_ids[index];
	return CAPOS_OK;
}

static int kcapmgr_derive_call(void *self, const struct capos_CapabilityManager_derive_Params_r *p,
			       struct capos_CapabilityManager_derive_Results_b *r)
{
	struct kcall_ctx *c = self;
	const struct kcapmgr *cm = (const struct kcapmgr *)c->obj;
	const struct captab_item *src;
	struct captab_item derived;
	uint32_t index, id;
	int err = capos_CapabilityManager_derive_Params_get_cap(p, &index);

	if (err == CAPOS_OK)
		err = kcapmgr_cap_arg(c, index, &src, &id);
	if (err == CAPOS_OK)
		err = kcapmgr_derive(c->table, cm->alloc, c->caller, id, &derived);
	if (err)
		return err;
	err = kcall_result_cap(c, &derived, &index);
	revoke_node_put(derived.rnode); /* the queued item holds its own reference */
	if (err == CAPOS_OK)
		err = capos_CapabilityManager_derive_Results_set_derived(r, index);
	return err;
}

static int kcapmgr_revoke_call(void *self, const struct capos_CapabilityManager_revoke_Params_r *p,
			       struct capos_CapabilityManager_revoke_Results_b *r)
{
	struct kcall_ctx *c = self;
	const struct captab_item *src;
	uint32_t index, id, count;
	int err = capos_CapabilityManager_revoke_Params_get_cap(p, &index);

	if (err == CAPOS_OK)
		err = kcapmgr_cap_arg(c, index, &src, &id);
	if (err)
		return err;
	kcapmgr_revoke(src, &count);
	capos_CapabilityManager_revoke_Results_set_revoked(r, count);
	return CAPOS_OK;
}

/* A ledger count as a UInt32 field (limits are clamped far below; UINT64_MAX, an
 * unlimited class, reads as UINT32_MAX). */
static uint32_t kcapmgr_u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Every ResourceUsage field from the caller's ledger: used now and the limit. */
static void kcapmgr_usage_fill(struct capos_ResourceUsage_b *u, const struct kcapmgr_usage *k)
{
	const uint64_t *n = k->used, *m = k->max;

	capos_ResourceUsage_set_capSlots(u, kcapmgr_u32(n[LEDGER_CAP_SLOTS]));
	capos_ResourceUsage_set_capSlotsMax(u, kcapmgr_u32(m[LEDGER_CAP_SLOTS]));
	capos_ResourceUsage_set_framePages(u, n[LEDGER_FRAMES]);
	capos_ResourceUsage_set_framePagesMax(u, m[LEDGER_FRAMES]);
	capos_ResourceUsage_set_virtualBytes(u, n[LEDGER_VIRTUAL]);
	capos_ResourceUsage_set_virtualBytesMax(u, m[LEDGER_VIRTUAL]);
	capos_ResourceUsage_set_outstandingCalls(u, kcapmgr_u32(n[LEDGER_CALLS]));
	capos_ResourceUsage_set_outstandingCallsMax(u, kcapmgr_u32(m[LEDGER_CALLS]));
	capos_ResourceUsage_set_childProcesses(u, kcapmgr_u32(n[LEDGER_CHILDREN]));
	capos_ResourceUsage_set_childProcessesMax(u, kcapmgr_u32(m[LEDGER_CHILDREN]));
	capos_ResourceUsage_set_threads(u, kcapmgr_u32(n[LEDGER_THREADS]));
	capos_ResourceUsage_set_threadsMax(u, kcapmgr_u32(m[LEDGER_THREADS]));
	capos_ResourceUsage_set_ringScratchBytes(u, n[LEDGER_RING_SCRATCH]);
	capos_ResourceUsage_set_ringScratchBytesMax(u, m[LEDGER_RING_SCRATCH]);
	capos_ResourceUsage_set_kernelBytes(u, n[LEDGER_KERNEL_BYTES]);
	capos_ResourceUsage_set_kernelBytesMax(u, m[LEDGER_KERNEL_BYTES]);
}

static int kcapmgr_usage_call(void *self, const struct capos_CapabilityManager_usage_Params_r *p,
			      struct capos_CapabilityManager_usage_Results_b *r)
{
	struct kcall_ctx *c = self;
	const struct kcapmgr *cm = (const struct kcapmgr *)c->obj;
	struct capos_ResourceUsage_b u;
	struct kcapmgr_usage k = { 0 };
	int err = cm->be->usage(c->caller, &k);

	(void)p;
	if (err == CAPOS_OK)
		err = capos_CapabilityManager_usage_Results_init_usage(r, &u);
	if (err)
		return err;
	kcapmgr_usage_fill(&u, &k); /* usage queues no cap: no slot of kcall's is counted */
	return CAPOS_OK;
}

static const struct capos_CapabilityManager_server kcapmgr_server = {
	.list = kcapmgr_list,
	.derive = kcapmgr_derive_call,
	.revoke = kcapmgr_revoke_call,
	.usage = kcapmgr_usage_call,
	.listRange = kcapmgr_list_range,
};

static int kcapmgr_call(struct kcall_ctx *c)
{
	return capos_CapabilityManager_dispatch(&kcapmgr_server, c, c->method, c->params,
						c->results);
}

/* Only derive returns a cap: the others run even when the caller's table is full. */
static const uint8_t kcapmgr_caps_out[capos_CapabilityManager_METHOD_COUNT] = {
	[capos_CapabilityManager_METHOD_derive] = 1,
};

const struct kcall_iface kcapmgr_iface = {
	.interface_id = capos_CapabilityManager_TYPE_ID,
	.method_count = capos_CapabilityManager_METHOD_COUNT,
	.kobj_type = KOBJ_CAPMGR,
	.max_caps_out = 1,
	.call = kcapmgr_call,
	.caps_out = kcapmgr_caps_out,
};
