/*
 * SystemControl capability object (kernel/include/kernel/ksys.h): shutdown(code)
 * hands the caller and the code to the power-off backend, which in the kernel logs
 * who asked and exits QEMU (kernel/proc/ksys.c) and never returns. Every UInt8 code
 * is valid: 0 asks for the clean status, any other the failure status.
 */
#include <kernel/ksys.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static void ksysctl_release(struct kobj *obj)
{
	struct ksysctl *s = (struct ksysctl *)obj;

	if (s->destroy)
		s->destroy(s);
}

static const struct kobj_ops ksysctl_ops = { .name = "sysctl", .release = ksysctl_release };

int ksysctl_init(struct ksysctl *s, int (*shutdown)(void *, void *, uint8_t), void *ctx,
		 void (*destroy)(struct ksysctl *))
{
	if (!s || !shutdown)
		return CAPOS_ERR_INVALID;
	s->shutdown = shutdown;
	s->ctx = ctx;
	s->destroy = destroy;
	return kobj_init(&s->k, KOBJ_SYSCONTROL, &ksysctl_ops);
}

/* `self` is the kcall_ctx: the backend needs the caller (its name goes to the log). */
static int ksysctl_shutdown(void *self, const struct capos_SystemControl_shutdown_Params_r *p,
			    struct capos_SystemControl_shutdown_Results_b *r)
{
	struct kcall_ctx *c = self;
	struct ksysctl *s = (struct ksysctl *)c->obj;

	(void)r;
	return s->shutdown(s->ctx, c->caller, capos_SystemControl_shutdown_Params_get_code(p));
}

static const struct capos_SystemControl_server ksysctl_server = {
	.shutdown = ksysctl_shutdown,
};

static int ksysctl_call(struct kcall_ctx *c)
{
	return capos_SystemControl_dispatch(&ksysctl_server, c, c->method, c->params, c->results);
}

const struct kcall_iface ksysctl_iface = {
	.interface_id = capos_SystemControl_TYPE_ID,
	.method_count = capos_SystemControl_METHOD_COUNT,
	.kobj_type = KOBJ_SYSCONTROL,
	.call = ksysctl_call,
};
