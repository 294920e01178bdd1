/*
 * Console capability object (kernel/include/kernel/kcaps.h): write and writeLine to
 * the sink the kernel supplies, each bounded by KCONSOLE_MAX_WRITE and checked in
 * full before a byte is written.
 */
#include <kernel/kcaps.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static void kconsole_release(struct kobj *obj)
{
	struct kconsole *c = (struct kconsole *)obj;

	if (c->destroy)
		c->destroy(c);
}

static const struct kobj_ops kconsole_ops = { .name = "console", .release = kconsole_release };

int kconsole_init(struct kconsole *c, int (*write)(void *, const char *, size_t), void *ctx,
		  void (*destroy)(struct kconsole *))
{
	if (!c || !write)
		return CAPOS_ERR_INVALID;
	c->write = write;
	c->ctx = ctx;
	c->destroy = destroy;
	return kobj_init(&c->k, KOBJ_CONSOLE, &kconsole_ops);
}

static int kconsole_write(void *self, const struct capos_Console_write_Params_r *p,
			  struct capos_Console_write_Results_b *r)
{
	struct kconsole *c = self;
	struct capnp_data d;
	int err = capos_Console_write_Params_get_data(p, &d);

	(void)r;
	if (err)
		return err;
	if (d.len > KCONSOLE_MAX_WRITE)
		return CAPOS_ERR_INVALID;
	return d.len ? c->write(c->ctx, (const char *)d.ptr, d.len) : CAPOS_OK;
}

static int kconsole_write_line(void *self, const struct capos_Console_writeLine_Params_r *p,
			       struct capos_Console_writeLine_Results_b *r)
{
	struct kconsole *c = self;
	struct capnp_text t;
	int err = capos_Console_writeLine_Params_get_text(p, &t);

	(void)r;
	if (err)
		return err;
	if (t.len >= KCONSOLE_MAX_WRITE)
		return CAPOS_ERR_INVALID;
	if (t.len) {
		err = c->write(c->ctx, t.str, t.len);
		if (err)
			return err;
	}
	return c->write(c->ctx, "\n", 1);
}

static const struct capos_Console_server kconsole_server = {
	.write = kconsole_write,
	.writeLine = kconsole_write_line,
};

static int kconsole_call(struct kcall_ctx *c)
{
	return capos_Console_dispatch(&kconsole_server, c->obj, c->method, c->params, c->results);
}

const struct kcall_iface kconsole_iface = {
	.interface_id = capos_Console_TYPE_ID,
	.method_count = capos_Console_METHOD_COUNT,
	.kobj_type = KOBJ_CONSOLE,
	.call = kconsole_call,
};
