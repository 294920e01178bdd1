/*
 * Weighted fair queueing run queue (kernel/sched/wfq.c): the pure core of the
 * scheduler, with no kernel dependency (host-tested in tests/host/kernel/wfq_test.c,
 * fuzzed by tests/fuzz/wfq_fuzz.c). docs/scheduler.md "Weighted fair queueing" has the
 * formulas.
 *
 * Every entity has a weight (1..WFQ_WEIGHT_MAX) and a virtual runtime that advances by
 * delta_ns * WFQ_WEIGHT_UNIT / weight while it runs, so an entity of twice the weight
 * gets twice the CPU time for the same virtual time. A queue keeps its READY entities
 * in a red-black tree ordered by (vruntime, arrival sequence), with the leftmost one
 * cached (pick in O(1), insert/remove in O(log n)), plus the entity running from it
 * (`curr`, not in the tree). min_vruntime follows the smallest vruntime of the tree and
 * curr and never goes backwards; placement is relative to it. Virtual runtimes are
 * compared modulo 2^64 (wfq_before), so they may wrap; entities of one queue must stay
 * within 2^63 of each other, which the bounded charge and placement guarantee in
 * practice (see wfq.c).
 *
 * No locking here: the caller holds whatever protects the queue (the kernel: that
 * CPU's run-queue lock, [RQ]; two queues in CPU-index order for a migration). A queue
 * embeds its tree sentinel, so it must not be copied or moved once initialised.
 */
#ifndef KERNEL_WFQ_H
#define KERNEL_WFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WFQ_WEIGHT_UNIT 1024u /* virtual time scale: weight W runs delta*UNIT/W */
#define WFQ_WEIGHT_MAX 1024u  /* highest weight (the kernel caps lower: profile.h) */
#define WFQ_MS (1000000ull)   /* one millisecond, in ns */
/* A single charge is clamped to this (about 4.9 hours), so delta * UNIT cannot
 * overflow and vruntimes of one queue stay far inside the 2^63 comparison window. */
#define WFQ_CHARGE_MAX_NS (1ull << 44)
/* Virtual-time constants are "real ns at weight 1" scaled by WFQ_WEIGHT_UNIT. */
#define WFQ_WAKE_CREDIT (10 * WFQ_MS * WFQ_WEIGHT_UNIT) /* most a sleeper may lag behind */
#define WFQ_GRANULARITY (1 * WFQ_MS * WFQ_WEIGHT_UNIT)	/* lead needed to preempt */
#define WFQ_BALANCE_MAX_MOVE 4u	   /* entities stolen per balance pass, at most */
#define WFQ_BALANCE_MARGIN_PCT 25u /* weight imbalance (%) below which nothing moves */
#define WFQ_BALANCE_NONE (-1)	   /* struct wfq_balance.src: nothing to steal */

struct wfq_entity {
	struct wfq_entity *parent, *left, *right; /* tree links while queued */
	uint64_t vruntime;			  /* virtual runtime (modulo 2^64) */
	uint64_t seq;	 /* arrival order in its queue: FIFO among equal vruntimes */
	uint32_t weight; /* 1..WFQ_WEIGHT_MAX */
	bool red;	 /* tree colour */
	bool queued;	 /* in a queue's tree */
	bool placed;	 /* has been placed once (not new): wake placement applies */
};

struct wfq_queue {
	struct wfq_entity nil;	  /* tree sentinel (leaves and the root's parent) */
	struct wfq_entity *root;  /* tree of READY entities, or &nil */
	struct wfq_entity *first; /* leftmost (smallest key), or NULL when empty */
	struct wfq_entity *curr;  /* running entity (not in the tree), or NULL */
	uint64_t min_vruntime;	  /* monotonic floor of the tree's and curr's vruntimes */
	uint64_t load_weight;	  /* sum of the weights of the tree and curr */
	uint64_t next_seq;	  /* next arrival sequence number */
	uint32_t nr_queued;	  /* entities in the tree */
};

/* Per-CPU load as the balancer sees it: runnable entities including the running one. */
struct wfq_cpu_load {
	uint64_t weight; /* sum of weights (wfq_queue.load_weight) */
	uint32_t nr;	 /* entity count (wfq_nr) */
};

/* A balance decision: steal `count` entities from CPU `src` (WFQ_BALANCE_NONE: none). */
struct wfq_balance {
	int32_t src;
	uint32_t count;
};

/* a < b in virtual time, modulo 2^64 (valid while |a - b| < 2^63). */
static inline bool wfq_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/* Virtual time for running delta_ns at `weight` (1..WFQ_WEIGHT_MAX):
 * min(delta_ns, WFQ_CHARGE_MAX_NS) * WFQ_WEIGHT_UNIT / weight, without overflow. */
uint64_t wfq_vdelta(uint64_t delta_ns, uint32_t weight);

/* Initialises an empty queue (min_vruntime 0). */
void wfq_init(struct wfq_queue *q);

/* Initialises a new, unqueued entity of `weight` (1..WFQ_WEIGHT_MAX; outside that
 * range it is clamped, as by wfq_set_weight). Its first placement puts it at the
 * queue's min_vruntime. */
void wfq_entity_init(struct wfq_entity *e, uint32_t weight);

/* Entities of the queue: the tree plus curr. */
static inline uint32_t wfq_nr(const struct wfq_queue *q)
{
	return q->nr_queued + (q->curr != NULL);
}

/* The READY entity with the smallest (vruntime, seq), or NULL; O(1). */
static inline struct wfq_entity *wfq_first(const struct wfq_queue *q)
{
	return q->first;
}

/*
 * Placement of an entity becoming runnable on q: a new entity starts at min_vruntime;
 * one that ran before gets max(vruntime, min_vruntime - WFQ_WAKE_CREDIT), so sleeping
 * earns at most WFQ_WAKE_CREDIT of head start. Does not queue it (the IPC handoff
 * places an entity it runs directly).
 */
void wfq_place(const struct wfq_queue *q, struct wfq_entity *e);

/*
 * Makes e READY on q: places it (wfq_place) and inserts it. If e is q->curr (a running
 * entity going back to the queue: preemption, yield) it stops being curr first.
 * Precondition: e is not queued.
 */
void wfq_enqueue(struct wfq_queue *q, struct wfq_entity *e);

/* Removes e from q: from the tree if queued, or as curr. No-op otherwise. */
void wfq_dequeue(struct wfq_queue *q, struct wfq_entity *e);

/* Removes and returns the first READY entity, or NULL; O(log n). Does not make it
 * curr (wfq_set_curr does, when it actually runs). */
struct wfq_entity *wfq_pop_first(struct wfq_queue *q);

/* The READY entity with the largest key (the one a thief takes first), or NULL. */
struct wfq_entity *wfq_last(const struct wfq_queue *q);

/*
 * Makes e (not queued; NULL: nothing, the idle thread) the running entity of q. The
 * previous curr simply stops being counted (it blocked, died, or was enqueued).
 */
void wfq_set_curr(struct wfq_queue *q, struct wfq_entity *e);

/*
 * Charges delta_ns of CPU time to e (wfq_vdelta at its weight) and, when e is q->curr,
 * advances min_vruntime. Precondition: e is not queued (its key would change).
 */
void wfq_charge(struct wfq_queue *q, struct wfq_entity *e, uint64_t delta_ns);

/*
 * The queue side of a context switch in one call: charges the running entity q->curr
 * (if any) delta_ns, as wfq_charge, then makes `next` (not queued; NULL: the idle
 * thread) curr, as wfq_set_curr; same result as those two calls. An entity that went
 * back to the tree (wfq_enqueue) is no longer curr, so it is not charged here.
 */
void wfq_switch(struct wfq_queue *q, uint64_t delta_ns, struct wfq_entity *next);

/* Sets e's weight (1..WFQ_WEIGHT_MAX, the caller checked; outside it is clamped, so
 * the charge never divides by an unchecked weight) and q's load if e is on q (queued
 * or curr); q may be NULL when e is on no queue. Its vruntime is kept. */
void wfq_set_weight(struct wfq_queue *q, struct wfq_entity *e, uint32_t weight);

/*
 * The time-slice rule: true when the running entity should give way — something is
 * READY and either nothing runs (curr NULL) or curr has run for at least slice_ns and
 * the first READY entity's vruntime is smaller than curr's by more than
 * WFQ_GRANULARITY.
 */
bool wfq_should_preempt(const struct wfq_queue *q, uint64_t ran_ns, uint64_t slice_ns);

/* Rebases e's vruntime from src to dst: vruntime - src->min_vruntime + dst->min_vruntime
 * (its lag relative to the queue is kept). For an entity on neither queue. */
void wfq_renormalise(struct wfq_entity *e, const struct wfq_queue *src,
		     const struct wfq_queue *dst);

/* Moves READY entity e from src to dst, renormalising its vruntime (no wake placement:
 * its lag is kept). Precondition: e is queued on src. */
void wfq_migrate(struct wfq_queue *src, struct wfq_queue *dst, struct wfq_entity *e);

/*
 * The work-stealing decision for CPU `self` given every CPU's load (loads[0..ncpu)):
 * the busiest other CPU by weight that has a READY entity to spare (nr >= 2), and how
 * many entities to take, at most WFQ_BALANCE_MAX_MOVE. An idle CPU (nr 0) takes half
 * the busiest's entities (at least one). A busy one steals only if the source has at
 * least two entities more and WFQ_BALANCE_MARGIN_PCT more weight, and takes at most
 * half the count difference, so after the move the reverse decision is "none"
 * (hysteresis: no ping-pong). Returns src WFQ_BALANCE_NONE when nothing should move.
 */
struct wfq_balance wfq_balance_decide(const struct wfq_cpu_load *loads, uint32_t ncpu,
				      uint32_t self);

/*
 * Checks q's invariants (red-black rules, key order, parent links, first, nr_queued,
 * load_weight, queued flags): for tests and fuzzing.
 */
bool wfq_validate(const struct wfq_queue *q);

#endif
