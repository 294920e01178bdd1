/*
 * EntropySource capability object (kernel/include/kernel/ksys.h): getBytes(count)
 * checks the count, asks the generator backend (the kernel CSPRNG, kernel/krng.h) for
 * exactly that many bytes into a stack buffer, copies them into the results and wipes
 * the buffer. The object holds no secret itself.
 */
#include <kernel/ksys.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static void kentropy_release(struct kobj *obj)
{
	struct kentropy *e = (struct kentropy *)obj;

	if (e->destroy)
		e->destroy(e);
}

static const struct kobj_ops kentropy_ops = { .name = "entropy", .release = kentropy_release };

int kentropy_init(struct kentropy *e, int (*generate)(void *, void *, size_t), void *ctx,
		  void (*destroy)(struct kentropy *))
{
	if (!e || !generate)
		return CAPOS_ERR_INVALID;
	e->generate = generate;
	e->ctx = ctx;
	e->destroy = destroy;
	return kobj_init(&e->k, KOBJ_ENTROPY, &kentropy_ops);
}

static int kentropy_get_bytes(void *self, const struct capos_EntropySource_getBytes_Params_r *p,
			      struct capos_EntropySource_getBytes_Results_b *r)
{
	struct kentropy *e = self;
	uint32_t n = capos_EntropySource_getBytes_Params_get_count(p);
	uint8_t buf[KENTROPY_MAX_BYTES];
	int err;

	if (n == 0 || n > KENTROPY_MAX_BYTES)
		return CAPOS_ERR_ENTROPY_COUNT;
	err = e->generate(e->ctx, buf, n);
	if (err == CAPOS_OK)
		err = capos_EntropySource_getBytes_Results_set_data(r, buf, n);
	__builtin_memset(buf, 0, sizeof(buf));
	__asm__ volatile("" : : "r"(buf) : "memory"); /* keep the wipe */
	return err;
}

static const struct capos_EntropySource_server kentropy_server = {
	.getBytes = kentropy_get_bytes,
};

static int kentropy_call(struct kcall_ctx *c)
{
	return capos_EntropySource_dispatch(&kentropy_server, c->obj, c->method, c->params,
					    c->results);
}

const struct kcall_iface kentropy_iface = {
	.interface_id = capos_EntropySource_TYPE_ID,
	.method_count = capos_EntropySource_METHOD_COUNT,
	.kobj_type = KOBJ_ENTROPY,
	.call = kentropy_call,
};
