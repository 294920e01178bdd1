/*
 * PARK / UNPARK and the park-space objects (contract in kernel/include/kernel/kpark.h;
 * docs/sync.md). One wait queue (parkq) holds every parked op of every process; a
 * parked op is a deferred completion (kring.h) in a kpark_waiter record charged to the
 * parker, with an optional deadline on the sleep queue (ktimeout, kernel/proc/
 * ksleep.c). A waiter leaves the queue exactly once, by one of: an UNPARK on its key
 * (CAPOS_PARK_WOKEN), its deadline (CAPOS_ERR_RING_TIMED_OUT), its MemoryObject being
 * freed (CAPOS_ERR_PARK_OBJECT_GONE), or its thread dying (cancelled, nothing posted).
 *
 * SharedParkSpace.bind keeps a weak link to the MemoryObject: the space holds no
 * reference (binding cannot keep frames alive); memobj_release calls
 * kpark_memobj_gone, which wakes the object's waiters with CAPOS_ERR_PARK_OBJECT_GONE
 * and marks every space bound to it gone. The word of a shared PARK is read through
 * the object's own frames (the direct map), never through a user mapping.
 *
 * Lock legend: [K] the kernel lock (any CPU holding it, kernel/klock.h); [I] immutable.
 */
#include <kernel/kpark.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/captab.h>
#include <kernel/kcall.h>
#include <kernel/kcharge.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/memobj.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/uaccess.h>
#include <schema/capos.capnp.h>

/* A ParkSpace or SharedParkSpace. */
struct kpark_space {
	struct kobj k;		/* KOBJ_PARK_SPACE */
	bool shared;		/* [I] SharedParkSpace */
	bool gone;		/* [K] was bound; the object has been freed since */
	struct memobj *mo;	/* [K] shared and bound: the object (weak: no reference) */
	struct list_node bound; /* [K] on kpark_bound while mo != NULL */
};

/* One parked op. */
struct kpark_waiter {
	struct kring_pending pend; /* [K] the deferred PARK */
	struct parkq_node q;	   /* [K] on kpark_q */
	struct ktimeout to;	   /* [K] its deadline, armed unless infinite */
	struct process *proc;	   /* [I] the parker (its waiter count) */
};

/* What a decoded PARK/UNPARK names: the key and, for a shared space, the word's frame. */
struct kpark_key {
	const void *space; /* the process (private) or the memobj (shared) */
	uint64_t key;	   /* user address or byte offset */
	struct memobj *mo; /* shared: the object; NULL for a private key */
};

static struct parkq kpark_q; /* [K] */
static bool kpark_q_ready;   /* [K] kpark_q initialised */
static struct list kpark_bound = { { &kpark_bound.head, &kpark_bound.head } }; /* [K] */

uint32_t kpark_live_count(void)
{
	return kpark_q_ready ? kpark_q.count : 0;
}

static struct parkq *kpark_queue(void)
{
	if (!kpark_q_ready) {
		parkq_init(&kpark_q);
		kpark_q_ready = true;
	}
	return &kpark_q;
}

/* ---- waiters ---- */

/* Takes w off the queue and its deadline (wherever it is now) and frees it. */
static void kpark_waiter_free(struct kpark_waiter *w)
{
	if (parkq_queued(&w->q))
		parkq_remove(&kpark_q, &w->q);
	ktimeout_disarm(&w->to);
	w->proc->park_waiters--;
	kfree_charged(w);
}

/* Posts status to w's PARK and frees w (w already off the queue or not). */
static void kpark_finish(struct kpark_waiter *w, int status)
{
	kring_complete(&w->pend, status, NULL, 0);
	kpark_waiter_free(w);
}

static void kpark_cancel(struct kring_pending *p)
{
	kpark_waiter_free(LIST_ENTRY(p, struct kpark_waiter, pend));
}

static const struct kring_pending_ops kpark_ops = { .cancel = kpark_cancel };

static void kpark_timeout(struct ktimeout *t)
{
	kpark_finish(LIST_ENTRY(t, struct kpark_waiter, to), CAPOS_ERR_RING_TIMED_OUT);
}

/* parkq_fn: ctx points at the status to post. */
static void kpark_wake_one(struct parkq_node *n, void *ctx)
{
	kpark_finish(LIST_ENTRY(n, struct kpark_waiter, q), *(const int *)ctx);
}

/* ---- decode ---- */

/* The park space op->cap names in p's table. Errors: captab_lookup's,
 * CAPOS_ERR_CAP_WRONG_INTERFACE (another object). */
static int kpark_lookup(struct process *p, uint32_t cap, struct kpark_space **out)
{
	const struct captab_entry *e;
	int err = captab_lookup(p->caps, cap, CAPTAB_ANY_INTERFACE, &e);

	if (err)
		return err;
	if (e->obj->type != KOBJ_PARK_SPACE)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	*out = (struct kpark_space *)e->obj;
	return CAPOS_OK;
}

/* The key of word `addr` in space s for process p (docs/sync.md, in check order). */
static int kpark_key(struct process *p, const struct kpark_space *s, uint64_t addr,
		     struct kpark_key *k)
{
	if (s->shared && s->gone)
		return CAPOS_ERR_PARK_OBJECT_GONE;
	if (s->shared && s->mo == NULL)
		return CAPOS_ERR_PARK_UNBOUND;
	if (addr & 3u)
		return CAPOS_ERR_PARK_MISALIGNED;
	if (!s->shared && !uaccess_range_ok(addr, sizeof(uint32_t)))
		return CAPOS_ERR_PARK_FAULT;
	if (s->shared && addr >= s->mo->pages * MEMOBJ_PAGE)
		return CAPOS_ERR_PARK_OFFSET_RANGE; /* aligned, so the whole word is inside */
	*k = (struct kpark_key){ .space = s->shared ? (const void *)s->mo : (const void *)p,
				 .key = addr,
				 .mo = s->shared ? s->mo : NULL };
	return CAPOS_OK;
}

/* The word's current value: through the caller's address space (loaded: this is its
 * own cap_enter) or the object's frame. Errors: CAPOS_ERR_PARK_FAULT. */
static int kpark_read(const struct kpark_key *k, uint32_t *val)
{
	if (k->mo) {
		const uint8_t *page = phys_to_virt(k->mo->frames[k->key / MEMOBJ_PAGE]);

		*val = __atomic_load_n(
			(const uint32_t *)(const void *)(page + k->key % MEMOBJ_PAGE),
			__ATOMIC_ACQUIRE);
		return CAPOS_OK;
	}
	return copy_from_user(val, UADDR(k->key), sizeof(*val)) ? CAPOS_ERR_PARK_FAULT : CAPOS_OK;
}

/* ---- invoke ---- */

/* PARK's wait: charge, defer, queue, arm the deadline. Returns the status to post
 * now, or RING_STATUS_DEFERRED. */
static int kpark_wait(struct process *p, const struct kpark_key *k, const struct ring_op *op,
		      struct capos_cqe *cqe)
{
	struct kpark_waiter *w;
	uint64_t timeout = op->result_addr, now;
	int err;

	if (timeout == 0)
		return CAPOS_ERR_RING_TIMED_OUT;
	if (p->park_waiters >= KPARK_MAX_PER_PROC)
		return CAPOS_ERR_PARK_WAITERS_LIMIT;
	err = kzalloc_charged(p->ledger, sizeof(*w), (void **)&w); /* the parker pays */
	if (err)
		return err;
	err = kring_defer_op(&w->pend, &kpark_ops, op, cqe);
	if (err) {
		kfree_charged(w);
		return err;
	}
	w->proc = p;
	p->park_waiters++;
	parkq_add(kpark_queue(), &w->q, k->space, k->key);
	now = timeout == CAPOS_TIMEOUT_INFINITE ? 0 : arch_clock_ns();
	if (timeout != CAPOS_TIMEOUT_INFINITE && timeout <= UINT64_MAX - 1 - now)
		ktimeout_arm(&w->to, now + timeout, kpark_timeout);
	return RING_STATUS_DEFERRED;
}

static int kpark_park(struct process *p, const struct kpark_key *k, const struct ring_op *op,
		      struct capos_cqe *cqe)
{
	uint32_t val;
	int err = kpark_read(k, &val);

	if (err)
		return err;
	if (val != op->aux)
		return CAPOS_PARK_VALUE_CHANGED;
	return kpark_wait(p, k, op, cqe);
}

static int kpark_unpark(const struct kpark_key *k, uint32_t max)
{
	int woken_status = CAPOS_PARK_WOKEN;
	uint32_t n =
		parkq_wake(kpark_queue(), k->space, k->key, max, kpark_wake_one, &woken_status);

	return (int)(n > INT32_MAX ? INT32_MAX : n);
}

bool kpark_exec(struct process *p, const struct ring_op *op, struct capos_cqe *cqe)
{
	struct kpark_space *s;
	struct kpark_key k;
	int err;

	if (op->opcode != CAPOS_OP_PARK && op->opcode != CAPOS_OP_UNPARK)
		return false;
	err = kpark_lookup(p, op->cap, &s);
	if (err == CAPOS_OK)
		err = kpark_key(p, s, op->params_addr, &k);
	if (err == CAPOS_OK)
		err = op->opcode == CAPOS_OP_PARK ? kpark_park(p, &k, op, cqe)
						  : kpark_unpark(&k, op->aux);
	cqe->status = err;
	return true;
}

/* ---- MemoryObject lifetime ---- */

void kpark_memobj_gone(struct memobj *o)
{
	struct list_node *n, *tmp;
	int gone = CAPOS_ERR_PARK_OBJECT_GONE;

	LIST_FOR_EACH_SAFE(n, tmp, &kpark_bound)
	{
		struct kpark_space *s = LIST_ENTRY(n, struct kpark_space, bound);

		if (s->mo != o)
			continue;
		list_remove(&s->bound);
		s->mo = NULL;
		s->gone = true;
	}
	if (kpark_q_ready && kpark_q.count != 0) {
		uint32_t woken = parkq_wake_space(&kpark_q, o, kpark_wake_one, &gone);

		if (woken)
			klog("park", "memory object freed: %u waiter(s) woken", woken);
	}
}

/* ---- the objects ---- */

static void kpark_space_release(struct kobj *k)
{
	struct kpark_space *s = (struct kpark_space *)k;

	if (s->mo)
		list_remove(&s->bound);
	kfree_charged(s);
}

static const struct kobj_ops kpark_space_ops = { .name = "parkspace",
						 .release = kpark_space_release };

int kpark_space_create(struct process *p, bool shared, struct kobj **obj, uint64_t *iface)
{
	struct kpark_space *s;
	int err = kzalloc_charged(p->ledger, sizeof(*s), (void **)&s);

	if (err)
		return err;
	err = kobj_init(&s->k, KOBJ_PARK_SPACE, &kpark_space_ops);
	if (err) {
		kfree_charged(s);
		return err;
	}
	s->shared = shared;
	*obj = &s->k;
	*iface = shared ? capos_SharedParkSpace_TYPE_ID : capos_ParkSpace_TYPE_ID;
	return CAPOS_OK;
}

/* SharedParkSpace.bind(memory): decode (a shared, never bound space; the cap a live
 * MemoryObject sent with the call), then link. */
static int kpark_bind(void *self, const struct capos_SharedParkSpace_bind_Params_r *params,
		      struct capos_SharedParkSpace_bind_Results_b *results)
{
	struct kcall_ctx *c = self;
	struct kpark_space *s = (struct kpark_space *)c->obj;
	uint32_t index = CAPNP_CAP_NULL;
	int err = capos_SharedParkSpace_bind_Params_get_memory(params, &index);

	(void)results;
	if (err)
		return err;
	if (!s->shared)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	if (s->mo || s->gone)
		return CAPOS_ERR_PARK_ALREADY_BOUND;
	if (index == CAPNP_CAP_NULL || index >= c->ncaps_in)
		return CAPOS_ERR_INVALID;
	if (c->caps_in[index].obj->type != KOBJ_MEMORY_OBJECT)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	s->mo = (struct memobj *)c->caps_in[index].obj;
	list_push_back(&kpark_bound, &s->bound);
	return CAPOS_OK;
}

static const struct capos_SharedParkSpace_server kpark_server = { .bind = kpark_bind };

static int kpark_call(struct kcall_ctx *c)
{
	return capos_SharedParkSpace_dispatch(&kpark_server, c, c->method, c->params, c->results);
}

const struct kcall_iface kpark_shared_iface = {
	.interface_id = capos_SharedParkSpace_TYPE_ID,
	.method_count = capos_SharedParkSpace_METHOD_COUNT,
	.kobj_type = KOBJ_PARK_SPACE,
	.max_caps_out = 0,
	.call = kpark_call,
};
