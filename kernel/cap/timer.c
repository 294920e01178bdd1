/*
 * Timer capability object (kernel/include/kernel/kcaps.h): `now` from the kernel's
 * monotonic clock. sleep/sleepUntil have no handler yet (they block, which needs the
 * scheduler and an in-flight ring credit), so they answer `unimplemented`.
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
	t->ctx = ctx;
	t->destroy = destroy;
	return kobj_init(&t->k, KOBJ_TIMER, &ktimer_ops);
}

static int ktimer_now(void *self, const struct capos_Timer_now_Params_r *p,
		      struct capos_Timer_now_Results_b *r)
{
	struct ktimer *t = self;

	(void)p;
	capos_Timer_now_Results_set_ns(r, t->now_ns(t->ctx));
	return CAPOS_OK;
}

static const struct capos_Timer_server ktimer_server = { .now = ktimer_now };

static int ktimer_call(struct kcall_ctx *c)
{
	return capos_Timer_dispatch(&ktimer_server, c->obj, c->method, c->params, c->results);
}

const struct kcall_iface ktimer_iface = {
	.interface_id = capos_Timer_TYPE_ID,
	.method_count = capos_Timer_METHOD_COUNT,
	.kobj_type = KOBJ_TIMER,
	.call = ktimer_call,
};
