/*
 * Timer.sleep / Timer.sleepUntil in the kernel (contract in kernel/include/kernel/
 * kring.h): the sleep backend of every granted Timer. A sleep that must wait gets a
 * kmalloc'ed record holding its deferred completion (kring_defer: the CALL keeps its
 * CQ credit and the thread blocks in cap_enter like any deferred op); records wait on
 * one queue sorted by deadline. The queue holds struct ktimeout links, so other
 * deferred ops with a deadline (PARK, kernel/proc/kpark.c) share it and the tick. Records are charged to the sleeper's kernel bytes
 * (kernel/kcharge.h). sched_tick calls ksleep_expire, which posts the due
 * ones in deadline order (framed empty results, status 0; another timeout's own
 * fire callback) and frees them. When the
 * owner thread dies first, kring_thread_cancel runs ksleep_cancel: the record leaves
 * the queue and is freed with nothing posted.
 *
 * Bound: KSLEEP_MAX_PER_PROC sleeps pending per process (counted on the queue, at most
 * that many records per live process), so a process cannot grow the kernel heap
 * without bound; the next one is CAPOS_ERR_TIMER_SLEEP_LIMIT (overloaded: it clears when a
 * sleep completes).
 *
 * Tickless idle: CPU 0 owns the queue's expiry (sched_tick). The head's deadline is
 * published in ksleep_next_ns so an idle CPU 0 can arm its one-shot timer for it
 * without [K]; a timeout that becomes the new head tells the scheduler
 * (sched_timeouts_changed), which wakes a halted CPU 0 to re-arm. The store of the new
 * head and the scheduler's read of the halted mask are both sequentially consistent,
 * as are the idle CPU's set of its halted bit and its read of ksleep_next_ns: one of
 * the two sides always sees the other (docs/scheduler.md "Tickless idle").
 *
 * Lock legend: [S] the kernel lock [K] (every caller holds it: system calls, and the
 * tick on CPU 0 through klock_irq_enter); [A] atomic; [I] immutable.
 */
#include <kernel/kring.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/kcall.h>
#include <kernel/kcharge.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <schema/capos.capnp.h>

struct ksleep {
	struct kring_pending pend; /* [S] the parked CALL */
	struct ktimeout to;	   /* [S] on ksleep_queue */
	struct process *proc;	   /* [I] the sleeper's process (the per-process bound) */
};

/* Framed empty results (sleep and sleepUntil return `()`): table, root pointer. */
#define KSLEEP_RESULT_WORDS 2u

static struct list ksleep_queue = { { &ksleep_queue.head, &ksleep_queue.head } }; /* [S] */
static uint32_t ksleep_live;			     /* [S] timeouts on ksleep_queue */
static uint64_t ksleep_next_ns = UINT64_MAX;	     /* [S] writes, [A] reads: head deadline */
static uint64_t ksleep_results[KSLEEP_RESULT_WORDS]; /* [S] built once, then [I] */
static uint32_t ksleep_results_len;		     /* [S] 0 until built */

uint32_t ksleep_live_count(void)
{
	return ksleep_live;
}

uint64_t ksleep_next_deadline(void)
{
	return __atomic_load_n(&ksleep_next_ns, __ATOMIC_SEQ_CST);
}

/* Publishes the head's deadline (UINT64_MAX when empty). [S]. */
static void ksleep_publish_head(void)
{
	struct list_node *n = list_first(&ksleep_queue);
	uint64_t next = n ? LIST_ENTRY(n, struct ktimeout, link)->deadline_ns : UINT64_MAX;

	__atomic_store_n(&ksleep_next_ns, next, __ATOMIC_SEQ_CST);
}

static void ksleep_fire(struct ktimeout *t);

/* Sleeps p has queued now (the queue also holds other timeouts: PARK's). */
static uint32_t ksleep_count(const struct process *p)
{
	struct list_node *n, *tmp;
	uint32_t count = 0;

	LIST_FOR_EACH_SAFE(n, tmp, &ksleep_queue)
	{
		struct ktimeout *t = LIST_ENTRY(n, struct ktimeout, link);

		if (t->fire == ksleep_fire && LIST_ENTRY(t, struct ksleep, to)->proc == p)
			count++;
	}
	return count;
}

static void ktimeout_unlink(struct ktimeout *t)
{
	list_remove(&t->link);
	ksleep_live--;
	ksleep_publish_head(); /* a later head only: nobody needs waking for it */
}

void ktimeout_disarm(struct ktimeout *t)
{
	if (list_node_linked(&t->link))
		ktimeout_unlink(t);
}

/* Links t into the queue after every timeout due no later (FIFO among equals). */
void ktimeout_arm(struct ktimeout *t, uint64_t deadline_ns, void (*fire)(struct ktimeout *t))
{
	struct list_node *pos = ksleep_queue.head.next;

	t->deadline_ns = deadline_ns;
	t->fire = fire;
	while (pos != &ksleep_queue.head &&
	       LIST_ENTRY(pos, struct ktimeout, link)->deadline_ns <= deadline_ns)
		pos = pos->next;
	list_insert_before(pos, &t->link);
	ksleep_live++;
	if (list_first(&ksleep_queue) == &t->link) {
		ksleep_publish_head();
		sched_timeouts_changed(); /* an idle CPU 0 armed for a later deadline */
	}
}

static void ksleep_cancel(struct kring_pending *p)
{
	struct ksleep *s = LIST_ENTRY(p, struct ksleep, pend);

	klog("timer", "sleep of %s pid %u cancelled: its thread died", s->proc->name, s->proc->pid);
	ktimeout_disarm(&s->to);
	kfree_charged(s);
}

static const struct kring_pending_ops ksleep_ops = { .cancel = ksleep_cancel };

/* A due sleep (already off the queue): its `()` answer is posted, the record freed. */
static void ksleep_fire(struct ktimeout *t)
{
	struct ksleep *s = LIST_ENTRY(t, struct ksleep, to);

	kring_complete(&s->pend, CAPOS_OK, ksleep_results, ksleep_results_len);
	kfree_charged(s);
}

/* The framed `()` every completed sleep answers (what kcall frames for sleep(0)). */
static int ksleep_build_results(void)
{
	uint64_t arena[KSLEEP_RESULT_WORDS];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_Timer_sleep_Results_b r;
	size_t len = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK)
		err = capos_Timer_sleep_init_results(&b, &r);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, ksleep_results, sizeof(ksleep_results), &len);
	if (err == CAPOS_OK)
		ksleep_results_len = (uint32_t)len;
	return err;
}

int ksleep_until(void *ctx, uint64_t deadline_ns)
{
	struct process *p = percpu_current()->proc;
	struct ksleep *s;
	int err;

	(void)ctx;
	if (ksleep_results_len == 0 && (err = ksleep_build_results()) != CAPOS_OK)
		return err;
	if (ksleep_count(p) >= KSLEEP_MAX_PER_PROC)
		return CAPOS_ERR_TIMER_SLEEP_LIMIT;
	err = kzalloc_charged(p->ledger, sizeof(*s), (void **)&s); /* the sleeper pays */
	if (err)
		return err;
	err = kring_defer(&s->pend, &ksleep_ops);
	if (err) {
		kfree_charged(s);
		return err;
	}
	s->proc = p;
	ktimeout_arm(&s->to, deadline_ns, ksleep_fire);
	return KCALL_DEFERRED;
}

void ksleep_expire(uint64_t now_ns)
{
	struct list_node *n;

	while ((n = list_first(&ksleep_queue)) != NULL) {
		struct ktimeout *t = LIST_ENTRY(n, struct ktimeout, link);

		if (t->deadline_ns > now_ns)
			break;
		ktimeout_unlink(t);
		t->fire(t);
	}
}
