/*
 * Timer capability object (kernel/include/kernel/kcaps.h): `now` from the kernel's
 * monotonic clock; `sleep`/`sleepUntil` decode the deadline (overflow and range are
 * typed errors, a deadline already reached completes at once) and hand a future one to
 * the sleep backend, which parks the CALL as a deferred completion (in the kernel:
 * kernel/proc/ksleep.c, completed from the timer tick).
 */
#include <kernel/kcaps.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static void ktimer_release(struct kobj *obj)
{
	struct ktimer *t = (struct ktimer *)obj;

	if (t->destroy)
		t->destroy(t);
}

static const struct kobj_ops ktimer_ops = { .name = "timer", .release = ktimer_release };

int ktimer_init(struct ktimer *t, uint64_t (*now_ns)(void *), void *ctx,
		void (*destroy)(struct ktimer *))
{
	if (!t || !now_ns)
		return CAPOS_ERR_INVALID;
	t->now_ns = now_ns;
	t->sleep_until = NULL;
	t->ctx = ctx;
	t->destroy = destroy;
	return kobj_init(&t->k, KOBJ_TIMER, &ktimer_ops);
}

void ktimer_set_sleep(struct ktimer *t, int (*sleep_until)(void *ctx, uint64_t deadline_ns))
{
	t->sleep_until = sleep_until;
}

/* The handlers' `self` is the CALL's kcall_ctx (the sleeps check the result buffer). */
static struct ktimer *ktimer_of(void *self)
{
	return (struct ktimer *)((struct kcall_ctx *)self)->obj;
}

static int ktimer_now(void *self, const struct capos_Timer_now_Params_r *p,
		      struct capos_Timer_now_Results_b *r)
{
	struct ktimer *t = ktimer_of(self);

	(void)p;
	capos_Timer_now_Results_set_ns(r, t->now_ns(t->ctx));
	return CAPOS_OK;
}

/* Sleeps until `deadline` (already range-checked): done now if it has passed, else
 * the backend's answer (KCALL_DEFERRED or an error). The caller's buffer must take the
 * (empty) results before the CALL parks, so a short or unwritable buffer is refused at
 * once (RING_RESULT_TOO_SMALL / _FAULT) rather than after the wait. */
static int ktimer_wait(struct kcall_ctx *c, uint64_t now, uint64_t deadline)
{
	struct ktimer *t = (struct ktimer *)c->obj;
	int err;

	if (deadline <= now)
		return CAPOS_OK;
	if (t->sleep_until == NULL)
		return CAPOS_ERR_CAPNP_UNIMPLEMENTED;
	err = kcall_result_room(c, 0);
	return err ? err : t->sleep_until(t->ctx, deadline);
}

static int ktimer_sleep(void *self, const struct capos_Timer_sleep_Params_r *p,
			struct capos_Timer_sleep_Results_b *r)
{
	struct ktimer *t = ktimer_of(self);
	uint64_t ns = capos_Timer_sleep_Params_get_ns(p), now;

	(void)r;
	if (ns == 0)
		return CAPOS_OK;
	now = t->now_ns(t->ctx);
	if (now > KTIMER_MAX_DEADLINE_NS || ns > KTIMER_MAX_DEADLINE_NS - now)
		return CAPOS_ERR_TIMER_SLEEP_RANGE;
	return ktimer_wait(self, now, now + ns);
}

static int ktimer_sleep_until(void *self, const struct capos_Timer_sleepUntil_Params_r *p,
			      struct capos_Timer_sleepUntil_Results_b *r)
{
	struct ktimer *t = ktimer_of(self);
	uint64_t deadline = capos_Timer_sleepUntil_Params_get_deadlineNs(p);

	(void)r;
	if (deadline > KTIMER_MAX_DEADLINE_NS)
		return CAPOS_ERR_TIMER_SLEEP_RANGE;
	return ktimer_wait(self, t->now_ns(t->ctx), deadline);
}

static const struct capos_Timer_server ktimer_server = {
	.now = ktimer_now,
	.sleep = ktimer_sleep,
	.sleepUntil = ktimer_sleep_until,
};

static int ktimer_call(struct kcall_ctx *c)
{
	return capos_Timer_dispatch(&ktimer_server, c, c->method, c->params, c->results);
}

const struct kcall_iface ktimer_iface = {
	.interface_id = capos_Timer_TYPE_ID,
	.method_count = capos_Timer_METHOD_COUNT,
	.kobj_type = KOBJ_TIMER,
	.call = ktimer_call,
};
