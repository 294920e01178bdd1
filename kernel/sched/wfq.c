/*
 * Weighted fair queueing run queue (kernel/wfq.h): virtual-runtime accounting,
 * placement, the time-slice rule, migration and the work-stealing decision, over an
 * intrusive red-black tree keyed by (vruntime modulo 2^64, arrival sequence).
 *
 * Pure and freestanding (stdint/stdbool only): no locks, no allocation, no clock. The
 * caller holds the queue's lock ([RQ] in the kernel) and supplies elapsed times.
 *
 * The tree is the classic one with a per-queue black sentinel (`nil`) standing for
 * every leaf and the root's parent; children are an array indexed by direction (0 left,
 * 1 right) so each rebalancing case is written once for both mirror images.
 *
 * Wrap-around: keys are compared with wfq_before (signed difference), valid while the
 * vruntimes of one queue are within 2^63 of each other. A charge adds at most
 * WFQ_CHARGE_MAX_NS * WFQ_WEIGHT_UNIT = 2^54 and placement keeps newcomers within
 * WFQ_WAKE_CREDIT of min_vruntime, so the spread only grows by entities running while
 * others wait, i.e. far below 2^63 for any real workload.
 */
#include <kernel/wfq.h>

enum { WFQ_LEFT = 0, WFQ_RIGHT = 1 };

#define WFQ_CHILD(e, d) ((d) == WFQ_LEFT ? (e)->left : (e)->right)

/* A weight forced into 1..WFQ_WEIGHT_MAX (out of contract: stay defined). Every
 * entity's weight passes through it (wfq_entity_init, wfq_set_weight), so the charge
 * divides by it unchecked. */
static uint32_t wfq_weight_in_range(uint32_t weight)
{
	if (weight == 0)
		return 1;
	return weight > WFQ_WEIGHT_MAX ? WFQ_WEIGHT_MAX : weight;
}

/* wfq_vdelta for a weight already in range (an entity's). */
static inline uint64_t wfq_vdelta_of(uint64_t delta_ns, uint32_t weight)
{
	if (delta_ns > WFQ_CHARGE_MAX_NS)
		delta_ns = WFQ_CHARGE_MAX_NS;
	return delta_ns * WFQ_WEIGHT_UNIT / weight; /* <= 2^44 * 2^10: no overflow */
}

uint64_t wfq_vdelta(uint64_t delta_ns, uint32_t weight)
{
	return wfq_vdelta_of(delta_ns, wfq_weight_in_range(weight));
}

void wfq_init(struct wfq_queue *q)
{
	*q = (struct wfq_queue){ 0 };
	q->nil.left = q->nil.right = q->nil.parent = &q->nil;
	q->root = &q->nil;
}

void wfq_entity_init(struct wfq_entity *e, uint32_t weight)
{
	*e = (struct wfq_entity){ .weight = wfq_weight_in_range(weight) };
}

/* Strict key order: vruntime modulo 2^64, then arrival. */
static bool wfq_less(const struct wfq_entity *a, const struct wfq_entity *b)
{
	if (a->vruntime != b->vruntime)
		return wfq_before(a->vruntime, b->vruntime);
	return a->seq < b->seq;
}

static void wfq_set_child(struct wfq_entity *e, int d, struct wfq_entity *c)
{
	if (d == WFQ_LEFT)
		e->left = c;
	else
		e->right = c;
}

/* Makes v take u's place under u's parent (v's own children are untouched). */
static void wfq_transplant(struct wfq_queue *q, struct wfq_entity *u, struct wfq_entity *v)
{
	struct wfq_entity *p = u->parent;

	if (p == &q->nil)
		q->root = v;
	else
		wfq_set_child(p, p->left == u ? WFQ_LEFT : WFQ_RIGHT, v);
	v->parent = p;
}

/* Rotates x down in direction d: its child on the other side takes its place. */
static void wfq_rotate(struct wfq_queue *q, struct wfq_entity *x, int d)
{
	struct wfq_entity *y = WFQ_CHILD(x, !d);
	struct wfq_entity *inner = WFQ_CHILD(y, d);

	wfq_set_child(x, !d, inner);
	if (inner != &q->nil)
		inner->parent = x;
	wfq_transplant(q, x, y);
	wfq_set_child(y, d, x);
	x->parent = y;
}

static void wfq_insert_fixup(struct wfq_queue *q, struct wfq_entity *z)
{
	/* Invariant: the only red-red violation is between z and its parent. */
	while (z->parent->red) {
		struct wfq_entity *p = z->parent, *g = p->parent;
		int d = g->left == p ? WFQ_LEFT : WFQ_RIGHT;
		struct wfq_entity *uncle = WFQ_CHILD(g, !d);

		if (uncle->red) {
			p->red = uncle->red = false;
			g->red = true;
			z = g;
			continue;
		}
		if (z == WFQ_CHILD(p, !d)) {
			z = p;
			wfq_rotate(q, z, d);
			p = z->parent;
		}
		p->red = false;
		g->red = true;
		wfq_rotate(q, g, !d);
	}
	q->root->red = false;
}

static struct wfq_entity *wfq_min_of(const struct wfq_queue *q, struct wfq_entity *e)
{
	while (e->left != &q->nil)
		e = e->left;
	return e;
}

/* Links e (key set) into the tree; updates first. */
static void wfq_tree_insert(struct wfq_queue *q, struct wfq_entity *e)
{
	struct wfq_entity *parent = &q->nil, *x = q->root;
	bool leftmost = true;

	while (x != &q->nil) {
		parent = x;
		if (wfq_less(e, x)) {
			x = x->left;
		} else {
			x = x->right;
			leftmost = false;
		}
	}
	e->parent = parent;
	e->left = e->right = &q->nil;
	e->red = true;
	if (parent == &q->nil)
		q->root = e;
	else
		wfq_set_child(parent, wfq_less(e, parent) ? WFQ_LEFT : WFQ_RIGHT, e);
	if (leftmost)
		q->first = e;
	wfq_insert_fixup(q, e);
}

static void wfq_delete_fixup(struct wfq_queue *q, struct wfq_entity *x)
{
	/* Invariant: x carries an extra black that must be pushed up or absorbed. */
	while (x != q->root && !x->red) {
		struct wfq_entity *p = x->parent;
		int d = p->left == x ? WFQ_LEFT : WFQ_RIGHT;
		struct wfq_entity *w = WFQ_CHILD(p, !d);

		if (w->red) {
			w->red = false;
			p->red = true;
			wfq_rotate(q, p, d);
			w = WFQ_CHILD(p, !d);
		}
		if (!w->left->red && !w->right->red) {
			w->red = true;
			x = p;
			continue;
		}
		if (!WFQ_CHILD(w, !d)->red) {
			WFQ_CHILD(w, d)->red = false;
			w->red = true;
			wfq_rotate(q, w, !d);
			w = WFQ_CHILD(p, !d);
		}
		w->red = p->red;
		p->red = false;
		WFQ_CHILD(w, !d)->red = false;
		wfq_rotate(q, p, d);
		x = q->root;
	}
	x->red = false;
}

/* The in-order successor of the leftmost entity z (which has no left child). */
static struct wfq_entity *wfq_next_of_first(const struct wfq_queue *q, struct wfq_entity *z)
{
	if (z->right != &q->nil)
		return wfq_min_of(q, z->right);
	return z->parent == &q->nil ? NULL : z->parent;
}

static void wfq_tree_delete(struct wfq_queue *q, struct wfq_entity *z)
{
	struct wfq_entity *y = z, *x;
	bool removed_red = y->red;

	if (q->first == z)
		q->first = wfq_next_of_first(q, z);
	if (z->left == &q->nil || z->right == &q->nil) {
		x = z->left == &q->nil ? z->right : z->left;
		wfq_transplant(q, z, x);
	} else {
		y = wfq_min_of(q, z->right);
		removed_red = y->red;
		x = y->right;
		if (y->parent == z) {
			x->parent = y;
		} else {
			wfq_transplant(q, y, y->right);
			y->right = z->right;
			y->right->parent = y;
		}
		wfq_transplant(q, z, y);
		y->left = z->left;
		y->left->parent = y;
		y->red = z->red;
	}
	if (!removed_red)
		wfq_delete_fixup(q, x);
	q->nil.parent = &q->nil; /* the fixup may have parked a parent on the sentinel */
	z->parent = z->left = z->right = NULL;
}

/* min_vruntime = max(min_vruntime, min(curr, first)): never goes backwards. */
static void wfq_update_min(struct wfq_queue *q)
{
	const struct wfq_entity *c = q->curr, *f = q->first;
	uint64_t v;

	if (c && f)
		v = wfq_before(f->vruntime, c->vruntime) ? f->vruntime : c->vruntime;
	else if (c || f)
		v = c ? c->vruntime : f->vruntime;
	else
		return;
	if (wfq_before(q->min_vruntime, v))
		q->min_vruntime = v;
}

void wfq_place(const struct wfq_queue *q, struct wfq_entity *e)
{
	uint64_t floor = q->min_vruntime - WFQ_WAKE_CREDIT;

	if (!e->placed) {
		e->vruntime = q->min_vruntime;
		e->placed = true;
	} else if (wfq_before(e->vruntime, floor)) {
		e->vruntime = floor;
	}
}

/* Inserts e with its current vruntime (no placement). */
static void wfq_insert(struct wfq_queue *q, struct wfq_entity *e)
{
	e->seq = q->next_seq++;
	wfq_tree_insert(q, e);
	e->queued = true;
	q->nr_queued++;
	q->load_weight += e->weight;
	wfq_update_min(q);
}

void wfq_enqueue(struct wfq_queue *q, struct wfq_entity *e)
{
	if (q->curr == e) {
		q->curr = NULL;
		q->load_weight -= e->weight;
	}
	wfq_place(q, e);
	wfq_insert(q, e);
}

void wfq_dequeue(struct wfq_queue *q, struct wfq_entity *e)
{
	if (e->queued) {
		wfq_tree_delete(q, e);
		e->queued = false;
		q->nr_queued--;
	} else if (q->curr == e) {
		q->curr = NULL;
	} else {
		return;
	}
	q->load_weight -= e->weight;
	wfq_update_min(q);
}

struct wfq_entity *wfq_pop_first(struct wfq_queue *q)
{
	struct wfq_entity *e = q->first;

	if (e)
		wfq_dequeue(q, e);
	return e;
}

struct wfq_entity *wfq_last(const struct wfq_queue *q)
{
	struct wfq_entity *e = q->root;

	if (e == &q->nil)
		return NULL;
	while (e->right != &q->nil)
		e = e->right;
	return e;
}

void wfq_set_curr(struct wfq_queue *q, struct wfq_entity *e)
{
	if (q->curr)
		q->load_weight -= q->curr->weight;
	q->curr = e;
	if (e)
		q->load_weight += e->weight;
	wfq_update_min(q);
}

void wfq_charge(struct wfq_queue *q, struct wfq_entity *e, uint64_t delta_ns)
{
	e->vruntime += wfq_vdelta_of(delta_ns, e->weight);
	if (e == q->curr)
		wfq_update_min(q);
}

void wfq_switch(struct wfq_queue *q, uint64_t delta_ns, struct wfq_entity *next)
{
	struct wfq_entity *c = q->curr;

	if (c) { /* wfq_charge(q, c, delta_ns), then the first half of wfq_set_curr */
		c->vruntime += wfq_vdelta_of(delta_ns, c->weight);
		wfq_update_min(q);
		q->load_weight -= c->weight;
	}
	q->curr = next;
	if (next)
		q->load_weight += next->weight;
	wfq_update_min(q);
}

void wfq_set_weight(struct wfq_queue *q, struct wfq_entity *e, uint32_t weight)
{
	weight = wfq_weight_in_range(weight);
	if (q && (e->queued || q->curr == e))
		q->load_weight = q->load_weight - e->weight + weight;
	e->weight = weight;
}

bool wfq_should_preempt(const struct wfq_queue *q, uint64_t ran_ns, uint64_t slice_ns)
{
	const struct wfq_entity *c = q->curr, *f = q->first;

	if (!f)
		return false;
	if (!c)
		return true;
	if (ran_ns < slice_ns)
		return false;
	return wfq_before(f->vruntime + WFQ_GRANULARITY, c->vruntime);
}

void wfq_renormalise(struct wfq_entity *e, const struct wfq_queue *src, const struct wfq_queue *dst)
{
	e->vruntime = e->vruntime - src->min_vruntime + dst->min_vruntime;
}

void wfq_migrate(struct wfq_queue *src, struct wfq_queue *dst, struct wfq_entity *e)
{
	uint64_t src_min = src->min_vruntime; /* the floor e was queued against */

	wfq_dequeue(src, e);
	e->vruntime = e->vruntime - src_min + dst->min_vruntime;
	wfq_insert(dst, e);
}

/* May `self` (load s) steal from a CPU of load b? (see wfq_balance_decide) */
static bool wfq_balance_eligible(const struct wfq_cpu_load *s, const struct wfq_cpu_load *b)
{
	if (b->nr < 2)
		return false; /* only its running entity: nothing to take */
	if (s->nr == 0)
		return true;
	if (b->nr < s->nr + 2)
		return false;
	return b->weight * 100 >= s->weight * (100 + WFQ_BALANCE_MARGIN_PCT);
}

struct wfq_balance wfq_balance_decide(const struct wfq_cpu_load *loads, uint32_t ncpu,
				      uint32_t self)
{
	struct wfq_balance r = { WFQ_BALANCE_NONE, 0 };
	const struct wfq_cpu_load *s, *b;
	int64_t best = -1;
	uint32_t count;

	if (self >= ncpu)
		return r;
	s = &loads[self];
	for (uint32_t i = 0; i < ncpu; i++) {
		if (i == self || !wfq_balance_eligible(s, &loads[i]))
			continue;
		if (best < 0 || loads[i].weight > loads[best].weight)
			best = i;
	}
	if (best < 0)
		return r;
	b = &loads[best];
	count = s->nr == 0 ? b->nr / 2 : (b->nr - s->nr) / 2;
	if (count > WFQ_BALANCE_MAX_MOVE)
		count = WFQ_BALANCE_MAX_MOVE;
	r.src = (int32_t)best;
	r.count = count;
	return r;
}

struct wfq_check {
	const struct wfq_entity *prev; /* last entity seen in order */
	uint32_t count;
	uint64_t weight;
};

/* Black height of the subtree at e, checking order, links and colours; -1 on error. */
static int wfq_check_subtree(const struct wfq_queue *q, const struct wfq_entity *e,
			     struct wfq_check *c)
{
	if (e == &q->nil)
		return 1;
	if ((e->left != &q->nil && e->left->parent != e) ||
	    (e->right != &q->nil && e->right->parent != e) || !e->queued)
		return -1;
	if (e->red && (e->left->red || e->right->red))
		return -1;
	int hl = wfq_check_subtree(q, e->left, c);
	if (hl < 0 || (c->prev && !wfq_less(c->prev, e)))
		return -1;
	c->prev = e;
	c->count++;
	c->weight += e->weight;
	int hr = wfq_check_subtree(q, e->right, c);
	if (hr != hl)
		return -1;
	return hl + !e->red;
}

bool wfq_validate(const struct wfq_queue *q)
{
	struct wfq_check c = { NULL, 0, 0 };
	const struct wfq_entity *first = q->root == &q->nil ? NULL : wfq_min_of(q, q->root);

	if (q->nil.red || q->root->red || q->root->parent != &q->nil)
		return false;
	if (wfq_check_subtree(q, q->root, &c) < 0 || first != q->first)
		return false;
	if (q->curr && q->curr->queued)
		return false;
	return c.count == q->nr_queued &&
	       c.weight + (q->curr ? q->curr->weight : 0) == q->load_weight;
}
