/*
 * BootPackage capability object (kernel/include/kernel/kcaps.h): the boot manifest's
 * size and bounded chunks of it. Reads past the end return empty data; chunk sizes
 * are clamped to KBOOTPKG_MAX_CHUNK (the schema's contract), so no request is refused.
 * readBinary needs the manifest pipeline (next issue) and answers `unimplemented`.
 */
#include <kernel/kcaps.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static void kbootpkg_release(struct kobj *obj)
{
	struct kbootpkg *b = (struct kbootpkg *)obj;

	if (b->destroy)
		b->destroy(b);
}

static const struct kobj_ops kbootpkg_ops = { .name = "bootpkg", .release = kbootpkg_release };

int kbootpkg_init(struct kbootpkg *b, const uint8_t *manifest, uint64_t size,
		  void (*destroy)(struct kbootpkg *))
{
	if (!b || (!manifest && size))
		return CAPOS_ERR_INVALID;
	b->manifest = manifest;
	b->size = size;
	b->destroy = destroy;
	return kobj_init(&b->k, KOBJ_BOOT_PACKAGE, &kbootpkg_ops);
}

static int kbootpkg_size(void *self, const struct capos_BootPackage_manifestSize_Params_r *p,
			 struct capos_BootPackage_manifestSize_Results_b *r)
{
	(void)p;
	capos_BootPackage_manifestSize_Results_set_size(r, ((struct kbootpkg *)self)->size);
	return CAPOS_OK;
}

static int kbootpkg_read(void *self, const struct capos_BootPackage_readManifest_Params_r *p,
			 struct capos_BootPackage_readManifest_Results_b *r)
{
	struct kbootpkg *b = self;
	uint64_t off = capos_BootPackage_readManifest_Params_get_offset(p);
	uint64_t n = capos_BootPackage_readManifest_Params_get_maxBytes(p);

	if (n > KBOOTPKG_MAX_CHUNK)
		n = KBOOTPKG_MAX_CHUNK;
	if (off >= b->size)
		n = 0;
	else if (n > b->size - off)
		n = b->size - off;
	return capos_BootPackage_readManifest_Results_set_data(r, n ? b->manifest + off : NULL,
							       (uint32_t)n);
}

static const struct capos_BootPackage_server kbootpkg_server = {
	.manifestSize = kbootpkg_size,
	.readManifest = kbootpkg_read,
};

static int kbootpkg_call(struct kcall_ctx *c)
{
	return capos_BootPackage_dispatch(&kbootpkg_server, c->obj, c->method, c->params,
					  c->results);
}

const struct kcall_iface kbootpkg_iface = {
	.interface_id = capos_BootPackage_TYPE_ID,
	.method_count = capos_BootPackage_METHOD_COUNT,
	.kobj_type = KOBJ_BOOT_PACKAGE,
	.call = kbootpkg_call,
};
