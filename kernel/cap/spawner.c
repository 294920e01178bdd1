/*
 * ProcessSpawner and ProcessHandle kernel objects (contract in
 * kernel/include/kernel/spawn.h; docs/spawn.md).
 *
 * spawn: spawn_decode checks the whole request first and spawn_check_modes each held
 * grant's mode against its transfer descriptor's (nothing changes on a decode error);
 * the invoke builds the whole results and checks with kcall_result_room that the
 * caller's buffer takes them (a short or unwritable buffer creates nothing), then
 * creates the child, its handle, its cap table and CapSet
 * page (grants in list order: kernel sources through kring_grant, held caps inserted
 * from the CALL's caps_in, client facets of a held raw endpoint, fresh endpoints owned
 * by the child whose facets go back to the parent as `exports`), loads the ELF,
 * queues the handle as the last result cap and starts the first thread last. Any
 * failure before the thread starts destroys the unstarted child
 * (proc_destroy_unstarted), which returns every frame and, through the reap hook, the
 * handle's references: the caller sees the error and nothing else.
 *
 * ProcessHandle: the parent's non-transferable view of one child. The child holds a
 * reference to its handle (struct proc_watch) until it is reaped, when the exit status
 * is recorded; so releasing the handle neither kills the child nor loses anything the
 * child still needs. wait answers at once when the child has already been reaped, and
 * otherwise is deferred (kring_defer) and completed from the reap hook (kring_complete);
 * one wait may be pending at a time. kill stops every thread of the child (proc_kill)
 * and is idempotent.
 *
 * Lock legend: [S] scheduler state (boot CPU, interrupts off); [I] immutable.
 */
#include <kernel/spawn.h>

#include <capos/error.h>
#include <kernel/capset.h>
#include <kernel/elf.h>
#include <kernel/endpoint.h>
#include <kernel/kcall.h>
#include <kernel/kcharge.h>
#include <kernel/kring.h>
#include <kernel/load.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <schema/capos.capnp.h>

/* ProcessHandle: one child's end as its parent sees it. */
struct kproc_handle {
	struct kobj k;
	struct proc_watch watch;   /* [S] registered in the child until it is reaped */
	struct process *child;	   /* [S] NULL once reaped */
	struct kspawner *spawner;  /* [I] referenced: its live-child count */
	struct ledger *parent;	   /* [I] referenced: holds one LEDGER_CHILDREN unit of it
				      until the child is reaped (the parent may die first) */
	int64_t exit_code;	   /* [S] valid once `ended` */
	bool ended;		   /* [S] the child was reaped */
	bool killed;		   /* [S] ended by kill or a fault */
	bool waiting;		   /* [S] `wait` below is pending in the parent's ring */
	struct kring_pending wait; /* [S] the one deferred wait */
};

/* Framed wait results: header, root pointer, two data words. */
#define KPROC_WAIT_RESULT_WORDS 4u

/* Scratch of the one spawn being decoded ([S]: one CPU, handlers do not block). */
static struct spawn_request kspawn_req;
static struct elf_image kspawn_elf;

/* ---- ProcessHandle */

static void kproc_handle_release(struct kobj *obj)
{
	struct kproc_handle *h = (struct kproc_handle *)obj;

	(void)kobj_put(&h->spawner->k);
	kfree_charged(h);
}

static const struct kobj_ops kproc_handle_ops = { .name = "process-handle",
						  .release = kproc_handle_release };

/* Builds wait's results (exitCode, killed) into `b`. 0 or a builder error. */
static int kproc_handle_results(const struct kproc_handle *h, struct capnp_builder *b)
{
	struct capos_ProcessHandle_wait_Results_b r;
	int err = capos_ProcessHandle_wait_init_results(b, &r);

	if (err)
		return err;
	capos_ProcessHandle_wait_Results_set_exitCode(&r, h->exit_code);
	capos_ProcessHandle_wait_Results_set_killed(&r, h->killed);
	return capnp_builder_error(b);
}

/* Completes the pending wait now that the child has ended. */
static void kproc_handle_complete(struct kproc_handle *h)
{
	uint64_t arena[KPROC_WAIT_RESULT_WORDS], framed[KPROC_WAIT_RESULT_WORDS + 1];
	struct capnp_builder b;
	struct capnp_bseg seg;
	size_t len = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK)
		err = kproc_handle_results(h, &b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, framed, sizeof(framed), &len);
	h->waiting = false;
	if (err) /* the arena is sized for these results: a kernel bug, reported as quota */
		kring_complete(&h->wait, CAPOS_ERR_RING_QUOTA, NULL, 0);
	else
		kring_complete(&h->wait, CAPOS_OK, framed, (uint32_t)len);
}

/* The child is gone (proc_free): record how it ended, answer a pending wait and drop
 * the child's reference (which may free the handle). */
static void kproc_handle_reaped(struct proc_watch *w, int64_t code, bool killed)
{
	struct kproc_handle *h =
		(struct kproc_handle *)((char *)w - __builtin_offsetof(struct kproc_handle, watch));

	h->child = NULL;
	h->exit_code = code;
	h->killed = killed;
	h->ended = true;
	h->spawner->children--;
	ledger_release(h->parent, LEDGER_CHILDREN, 1);
	ledger_put(h->parent);
	h->parent = NULL;
	if (h->waiting)
		kproc_handle_complete(h);
	(void)kobj_put(&h->k);
}

/* The parent died with its wait pending: nothing is posted; forget the wait. */
static void kproc_handle_wait_cancel(struct kring_pending *p)
{
	struct kproc_handle *h =
		(struct kproc_handle *)((char *)p - __builtin_offsetof(struct kproc_handle, wait));

	h->waiting = false;
	if (h->child)
		klog("spawn", "wait on %s pid %u cancelled: its waiter died", h->child->name,
		     h->child->pid);
}

static const struct kring_pending_ops kproc_handle_wait_ops = {
	.cancel = kproc_handle_wait_cancel,
};

/* A handle for `child`, watching it, charged to `payer` (the spawning process): one
 * reference for the caller, one for the child. On success the handle takes over
 * `children` (one LEDGER_CHILDREN unit of the parent's ledger), released when the child
 * is reaped. */
static int kproc_handle_create(struct kspawner *s, struct process *child, struct ledger *payer,
			       struct ledger_hold *children, struct kproc_handle **out)
{
	struct kproc_handle *h;
	int err = kzalloc_charged(payer, sizeof(*h), (void **)&h);

	if (err)
		return err;
	err = kobj_get(&s->k);
	if (err) {
		kfree_charged(h);
		return err;
	}
	err = kobj_init(&h->k, KOBJ_PROCESS, &kproc_handle_ops);
	if (err == CAPOS_OK)
		err = kobj_get(&h->k); /* the child's reference, dropped when it is reaped */
	if (err) {
		(void)kobj_put(&s->k);
		kfree_charged(h);
		return err;
	}
	h->spawner = s;
	h->parent = children->ledger;
	ledger_get(h->parent);
	ledger_commit(children);
	h->child = child;
	h->watch.reaped = kproc_handle_reaped;
	child->watch = &h->watch;
	s->children++;
	*out = h;
	return CAPOS_OK;
}

/* wait: answered now if the child has ended, else deferred until it is reaped. */
static int kproc_handle_wait(struct kcall_ctx *c)
{
	struct kproc_handle *h = (struct kproc_handle *)c->obj;
	int err;

	if (h->ended)
		return kproc_handle_results(h, c->results);
	if (h->waiting)
		return CAPOS_ERR_SPAWN_WAIT_BUSY;
	err = kring_call_reserve(c->caller); /* a wait is a call in flight */
	if (err)
		return err;
	err = kring_defer_call(&h->wait, &kproc_handle_wait_ops);
	if (err) {
		kring_call_unreserve(c->caller);
		return err;
	}
	h->waiting = true;
	return KCALL_DEFERRED;
}

static int kproc_handle_kill(struct kcall_ctx *c)
{
	struct kproc_handle *h = (struct kproc_handle *)c->obj;

	return h->child ? proc_kill(h->child) : CAPOS_OK; /* reaped already: nothing to do */
}

static int kproc_handle_call(struct kcall_ctx *c)
{
	switch (c->method) {
	case capos_ProcessHandle_METHOD_wait:
		return kproc_handle_wait(c);
	case capos_ProcessHandle_METHOD_kill:
		return kproc_handle_kill(c);
	default:
		return CAPOS_ERR_CAPNP_UNIMPLEMENTED;
	}
}

const struct kcall_iface kproc_handle_iface = {
	.interface_id = capos_ProcessHandle_TYPE_ID,
	.method_count = capos_ProcessHandle_METHOD_COUNT,
	.kobj_type = KOBJ_PROCESS,
	.max_caps_out = 0,
	.call = kproc_handle_call,
};

/* ---- ProcessSpawner */

static void kspawner_release(struct kobj *obj)
{
	struct kspawner *s = (struct kspawner *)obj;

	klog("spawn", "spawner released: %llu children started", (unsigned long long)s->spawned);
	kfree_charged(s);
}

static const struct kobj_ops kspawner_ops = { .name = "spawner", .release = kspawner_release };

int kspawner_create(const uint8_t *module, uint64_t len, struct ledger *payer, struct kobj **out)
{
	struct kspawner *s;
	int err;

	if (module == NULL || len == 0)
		return CAPOS_ERR_INVALID;
	err = kzalloc_charged(payer, sizeof(*s), (void **)&s);
	if (err)
		return err;
	s->module = module;
	s->module_len = len;
	err = kobj_init(&s->k, KOBJ_SPAWNER, &kspawner_ops);
	if (err) {
		kfree_charged(s);
		return err;
	}
	*out = &s->k;
	return CAPOS_OK;
}

/* One spawn being built: the child, its CapSet page, the CALL and its results. */
struct kspawn_build {
	struct kspawner *s;
	struct process *child;
	struct capos_capset_page *page;
	struct kcall_ctx *c;
	struct capos_ProcessSpawner_spawn_Results_b res;
	struct capos_ExportedCap_blist exports;
	uint32_t nexports; /* export entries filled so far */
};

/* `item` into the child's table and CapSet under g's name (the table takes its own
 * reference; a refused name takes the cap back). */
static int kspawn_insert(struct kspawn_build *b, const struct spawn_grant *g,
			 const struct captab_item *item)
{
	uint32_t id;
	int err = captab_insert(b->child->caps, item, &id);

	if (err)
		return err;
	err = capset_add(b->page, g->name, g->name_len, item->interface_id, id);
	if (err)
		(void)captab_release(b->child->caps, id);
	return err;
}

/* A client facet of `raw` granted as g's interface and badge: into the child's table
 * and CapSet (to_child, charged to the child), or queued as a result cap for the parent
 * (index in *index; charged to the parent). */
static int kspawn_facet(struct kspawn_build *b, const struct spawn_grant *g, struct kobj *raw,
			bool to_child, uint32_t *index)
{
	struct ledger *payer =
		to_child ? b->child->ledger : ((struct process *)b->c->caller)->ledger;
	struct kobj *facet;
	int err = endpoint_client(raw, payer, &facet);

	if (err)
		return err;
	const struct captab_item item = { .obj = facet,
					  .interface_id = g->interface_id,
					  .badge = g->badge,
					  .xfer = CAPTAB_XFER_COPY };
	err = to_child ? kspawn_insert(b, g, &item) : kcall_result_cap(b->c, &item, index);
	(void)kobj_put(facet); /* the table or the queued result cap holds its own */
	return err;
}

/* A fresh endpoint owned by the child under g's name; its client facet goes to the
 * parent as the next entry of `exports` (whose name and cap index kspawn_results_init
 * already wrote: the facet must be queued as that index). */
static int kspawn_export(struct kspawn_build *b, const struct spawn_grant *g)
{
	const struct captab_entry *e;
	uint32_t index = 0;
	int err = kring_grant(b->child, b->page, KGRANT_ENDPOINT, g->name, g->name_len, NULL, 0);

	if (err)
		return err;
	err = captab_lookup(b->child->caps, b->page->entries[b->page->hdr.count - 1].cap,
			    capos_Endpoint_TYPE_ID, &e);
	if (err == CAPOS_OK)
		err = kspawn_facet(b, g, e->obj, false, &index);
	if (err)
		return err;
	if (index != b->nexports++)
		return CAPOS_ERR_INVALID; /* result caps queued out of order: a kernel bug */
	return CAPOS_OK;
}

static int kspawn_grant(struct kspawn_build *b, const struct spawn_grant *g)
{
	const struct captab_item *in =
		g->kind == SPAWN_GRANT_KERNEL ? NULL : &b->c->caps_in[g->held];

	switch (g->kind) {
	case SPAWN_GRANT_HELD:
		return kspawn_insert(b, g, in);
	case SPAWN_GRANT_FACET:
		return kspawn_facet(b, g, in->obj, true, NULL);
	case SPAWN_GRANT_MINT: {
		struct captab_item minted = *in; /* same facet object and revocation link */

		minted.badge = g->badge;
		return kspawn_insert(b, g, &minted);
	}
	default:
		if (g->source == capos_KernelCapSource_endpoint)
			return kspawn_export(b, g);
		/* a kernel source spawn_decode accepted */
		return kring_grant(b->child, b->page, kring_source_kind(g->source), g->name,
				   g->name_len, b->s->module, b->s->module_len);
	}
}

/* Fills the child's table and CapSet page with exactly the request's grants, in order. */
static int kspawn_grant_all(struct kspawn_build *b, const struct spawn_request *req)
{
	int err;

	err = kzalloc_charged(b->child->ledger, sizeof(*b->page), (void **)&b->page);
	if (err)
		return err;
	err = capset_init(b->page);
	for (uint32_t i = 0; err == CAPOS_OK && i < req->ngrants; i++)
		err = kspawn_grant(b, &req->grants[i]);
	if (err == CAPOS_OK)
		err = proc_map_capset(b->child, b->page);
	kfree_charged(b->page);
	b->page = NULL;
	return err;
}

/* Queues the handle as the last result cap (index nexports, already in the results)
 * and fills pid. */
static int kspawn_handle_result(struct kspawn_build *b, struct kproc_handle *h)
{
	const struct captab_item item = {
		.obj = &h->k,
		.interface_id = capos_ProcessHandle_TYPE_ID,
		.xfer = CAPTAB_XFER_NONE,
	};
	uint32_t index;
	int err = kcall_result_cap(b->c, &item, &index);

	if (err)
		return err;
	if (index != b->nexports)
		return CAPOS_ERR_INVALID; /* result caps queued out of order: a kernel bug */
	capos_ProcessSpawner_spawn_Results_set_pid(&b->res, b->child->pid);
	return CAPOS_OK;
}

/* The whole results before anything is created: the root, each export's name and
 * result-cap index (exports are queued first, in grant order, then the handle), the
 * handle's index; only pid (a data field) is filled later. Then kcall_result_room:
 * the caller's buffer must take them and their result-cap records, or nothing is
 * created (CAPOS_ERR_RING_RESULT_TOO_SMALL with the size needed, _RESULT_FAULT). */
static int kspawn_results_init(struct kspawn_build *b, const struct spawn_request *req)
{
	uint32_t k = 0;
	int err = capos_ProcessSpawner_spawn_init_results(b->c->results, &b->res);

	if (err == CAPOS_OK && req->nexports)
		err = capos_ProcessSpawner_spawn_Results_init_exports(&b->res, req->nexports,
								      &b->exports);
	for (uint32_t i = 0; err == CAPOS_OK && i < req->ngrants; i++) {
		const struct spawn_grant *g = &req->grants[i];

		if (g->kind != SPAWN_GRANT_KERNEL || g->source != capos_KernelCapSource_endpoint)
			continue;
		struct capos_ExportedCap_b x = capos_ExportedCap_list_build(&b->exports, k);
		err = capos_ExportedCap_set_name(&x, g->name, g->name_len);
		if (err == CAPOS_OK)
			err = capos_ExportedCap_set_cap(&x, k);
		k++;
	}
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Results_set_handle(&b->res, req->nexports);
	return err ? err : kcall_result_room(b->c, req->nexports + 1);
}

/* Invoke step: everything below may fail, and every failure undoes it all. */
static int kspawn_invoke(struct kcall_ctx *c, struct kspawner *s, const struct process *parent,
			 const struct spawn_request *req, struct ledger_hold *children)
{
	struct kspawn_build b = { .s = s, .c = c };
	struct kproc_handle *h = NULL;
	struct proc_limits inherited;
	struct proc_entry e;
	int err = kspawn_results_init(&b, req);

	if (err)
		return err;
	if (!req->has_profile)
		profile_inherit(parent->ledger, &inherited);
	err = proc_create(req->name, req->has_profile ? &req->limits : &inherited, &b.child);
	if (err)
		return err;
	err = kproc_handle_create(s, b.child, parent->ledger, children, &h);
	if (err == CAPOS_OK)
		err = kspawn_grant_all(&b, req);
	if (err == CAPOS_OK)
		err = proc_load_elf(b.child, req->image, req->image_len, &e);
	if (err == CAPOS_OK)
		err = kspawn_handle_result(&b, h);
	if (err == CAPOS_OK)
		err = proc_thread_start(b.child, &e, NULL);
	if (err)
		proc_destroy_unstarted(b.child); /* the reap hook drops the child's handle ref */
	else
		s->spawned++;
	if (h)
		(void)kobj_put(&h->k); /* ours; a queued result cap holds its own */
	return err;
}

static int kspawner_spawn(struct kcall_ctx *c)
{
	struct kspawner *s = (struct kspawner *)c->obj;
	const struct process *parent = c->caller;
	int err = spawn_decode(c->params, c->caps_in, c->ncaps_in, s->module, s->module_len,
			       &kspawn_elf, &kspawn_req);

	if (err == CAPOS_OK)
		err = spawn_check_modes(&kspawn_req, c->caps_in_move, c->ncaps_in);
	if (err)
		return err;
	struct ledger_hold children;
	err = ledger_hold(parent->ledger, LEDGER_CHILDREN, 1, &children);
	if (err)
		return err; /* CAPOS_ERR_QUOTA_CHILDREN: the profile's childProcesses are live */
	err = kspawn_invoke(c, s, parent, &kspawn_req, &children);
	ledger_drop(&children); /* no-op once the handle took it */
	return err;
}

static int kspawner_call(struct kcall_ctx *c)
{
	if (c->method == capos_ProcessSpawner_METHOD_spawn)
		return kspawner_spawn(c);
	return CAPOS_ERR_CAPNP_UNIMPLEMENTED;
}

const struct kcall_iface kspawner_iface = {
	.interface_id = capos_ProcessSpawner_TYPE_ID,
	.method_count = capos_ProcessSpawner_METHOD_COUNT,
	.kobj_type = KOBJ_SPAWNER,
	.max_caps_out = SPAWN_MAX_CAPS_OUT,
	.call = kspawner_call,
};
