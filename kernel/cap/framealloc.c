/*
 * FrameAllocator capability object (kernel/include/kernel/memobj.h): allocate(pages,
 * contiguous) returns a fresh zero-filled MemoryObject charged to the CALLER's ledger
 * (whoever holds the allocator pays), as a result cap. The object itself holds no
 * state; physical addresses are never part of any answer.
 */
#include <kernel/memobj.h>

#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/kcharge.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <schema/capos.capnp.h>

static void framealloc_release(struct kobj *k)
{
	kfree_charged(k);
}

static const struct kobj_ops framealloc_ops = { .name = "framealloc",
						.release = framealloc_release };

int framealloc_create(struct ledger *l, struct kobj **out)
{
	struct kobj *k = NULL;
	int err = kzalloc_charged(l, sizeof(*k), (void **)&k);

	if (err)
		return err;
	err = kobj_init(k, KOBJ_FRAME_ALLOCATOR, &framealloc_ops);
	if (err) {
		kfree_charged(k);
		return err;
	}
	*out = k;
	return CAPOS_OK;
}

static int framealloc_allocate(void *self, const struct capos_FrameAllocator_allocate_Params_r *p,
			       struct capos_FrameAllocator_allocate_Results_b *r)
{
	struct kcall_ctx *c = self;
	struct process *caller = c->caller;
	struct memobj *o;
	uint32_t index;
	int err = memobj_create(caller->ledger, capos_FrameAllocator_allocate_Params_get_pages(p),
				capos_FrameAllocator_allocate_Params_get_contiguous(p), &o);

	if (err)
		return err;
	const struct captab_item item = { .obj = &o->k,
					  .interface_id = capos_MemoryObject_TYPE_ID,
					  .xfer = CAPTAB_XFER_COPY };
	err = kcall_result_cap(c, &item, &index);
	(void)kobj_put(&o->k); /* the queued result holds its own reference (or none) */
	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_Results_set_memory(r, index);
	return err;
}

static const struct capos_FrameAllocator_server framealloc_server = {
	.allocate = framealloc_allocate,
};

static int framealloc_call(struct kcall_ctx *c)
{
	return capos_FrameAllocator_dispatch(&framealloc_server, c, c->method, c->params,
					     c->results);
}

const struct kcall_iface kframealloc_iface = {
	.interface_id = capos_FrameAllocator_TYPE_ID,
	.method_count = capos_FrameAllocator_METHOD_COUNT,
	.kobj_type = KOBJ_FRAME_ALLOCATOR,
	.max_caps_out = 1,
	.call = framealloc_call,
};
