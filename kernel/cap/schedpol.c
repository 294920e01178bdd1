/*
 * SchedulingPolicy capability object (kernel/schedpol.h, docs/scheduler.md): the
 * holder sets the WFQ weight of its own process's threads. decode validates the weight
 * against the caller's profile and finds the thread in the caller's thread list
 * (threadId 0: the calling thread); a thread of another process is simply not found
 * there, so it is refused like a dead or unknown id. invoke hands the weight to the
 * scheduler (sched_set_weight), which keeps the thread's virtual runtime.
 * Errors: CAPOS_ERR_SCHED_WEIGHT_RANGE (0 or above min(profile maxWeight,
 * PROFILE_MAX_WEIGHT)), CAPOS_ERR_SCHED_NO_SUCH_THREAD (not a live thread of the
 * caller), both invalidArgument CapExceptions.
 */
#include <kernel/schedpol.h>

#include <capos/error.h>
#include <kernel/kcharge.h>
#include <kernel/ledger.h>
#include <kernel/log.h>
#include <kernel/proc.h>
#include <kernel/profile.h>
#include <kernel/sched.h>
#include <schema/capos.capnp.h>

_Static_assert(PROFILE_MAX_WEIGHT <= WFQ_WEIGHT_MAX, "profile weights fit the run queue");

static void kschedpol_release(struct kobj *obj)
{
	struct kschedpol *s = (struct kschedpol *)obj;

	klog("cap", "schedpol object freed");
	kfree_charged(s);
}

static const struct kobj_ops kschedpol_ops = { .name = "schedpol", .release = kschedpol_release };

int kschedpol_create(struct process *p, struct kobj **obj, uint64_t *iface)
{
	struct kschedpol *s = NULL;
	int err = kzalloc_charged(p->ledger, sizeof(*s), (void **)&s);

	if (err)
		return err;
	err = kobj_init(&s->k, KOBJ_SCHEDPOL, &kschedpol_ops);
	if (err) {
		kfree_charged(s);
		return err;
	}
	*obj = &s->k;
	*iface = capos_SchedulingPolicy_TYPE_ID;
	return CAPOS_OK;
}

/* The live thread `tid` of p (0: the calling thread, if it belongs to p), or NULL. */
static struct thread *kschedpol_thread(struct process *p, uint64_t tid)
{
	struct thread *cur = proc_current_thread();

	if (tid == 0)
		return cur && cur->proc == p ? cur : NULL;
	for (struct list_node *n = p->threads.head.next; n != &p->threads.head; n = n->next) {
		struct thread *t = LIST_ENTRY(n, struct thread, proc_link);

		if (t->tid == tid && t->state != THREAD_DEAD)
			return t;
	}
	return NULL;
}

/* Validates everything, changes nothing: the weight's range, then the thread. */
static int kschedpol_decode(struct process *p, uint64_t tid, uint32_t weight, struct thread **out)
{
	uint32_t max = p->ledger->max_weight;

	if (max > PROFILE_MAX_WEIGHT)
		max = PROFILE_MAX_WEIGHT;
	if (weight == 0 || weight > max)
		return CAPOS_ERR_SCHED_WEIGHT_RANGE;
	*out = kschedpol_thread(p, tid);
	return *out ? CAPOS_OK : CAPOS_ERR_SCHED_NO_SUCH_THREAD;
}

/* `self` is the call context: the scope is its caller, not the object. */
static int kschedpol_set_weight(void *self,
				const struct capos_SchedulingPolicy_setWeight_Params_r *p,
				struct capos_SchedulingPolicy_setWeight_Results_b *r)
{
	struct kcall_ctx *c = self;
	uint32_t weight = capos_SchedulingPolicy_setWeight_Params_get_weight(p);
	struct thread *t;
	int err;

	(void)r;
	err = kschedpol_decode(c->caller, capos_SchedulingPolicy_setWeight_Params_get_threadId(p),
			       weight, &t);
	if (err)
		return err;
	sched_set_weight(t, weight);
	return CAPOS_OK;
}

static const struct capos_SchedulingPolicy_server kschedpol_server = {
	.setWeight = kschedpol_set_weight,
};

static int kschedpol_call(struct kcall_ctx *c)
{
	return capos_SchedulingPolicy_dispatch(&kschedpol_server, c, c->method, c->params,
					       c->results);
}

const struct kcall_iface kschedpol_iface = {
	.interface_id = capos_SchedulingPolicy_TYPE_ID,
	.method_count = capos_SchedulingPolicy_METHOD_COUNT,
	.kobj_type = KOBJ_SCHEDPOL,
	.call = kschedpol_call,
};
