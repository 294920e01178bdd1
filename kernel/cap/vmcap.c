/*
 * VirtualMemory capability object (kernel/include/kernel/kcaps.h): map, unmap and
 * protect anonymous memory in the holder's own address space, and reserve, commit,
 * decommit and guard ranges of it (docs/abi.md, docs/resources.md). Every argument is
 * checked before the backend runs: sizes and addresses page-aligned and non-empty,
 * ranges inside the anonymous region (so the image, stack, ring and CapSet pages can
 * never be unmapped or remapped through this cap), at least one permission, and never
 * write together with execute (CAPOS_ERR_VM_WX). Quota and overlap are the backend's.
 */
#include <kernel/kcaps.h>

#include <stdbool.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <schema/capos.capnp.h>

static void kvm_release(struct kobj *obj)
{
	struct kvm *v = (struct kvm *)obj;

	if (v->destroy)
		v->destroy(v);
}

static const struct kobj_ops kvm_ops = { .name = "vm", .release = kvm_release };

int kvm_init(struct kvm *v, const struct kvm_backend *be, void *as, void (*destroy)(struct kvm *))
{
	if (!v || !be || !be->map || !be->unmap || !be->protect)
		return CAPOS_ERR_INVALID;
	v->be = be;
	v->as = as;
	v->destroy = destroy;
	return kobj_init(&v->k, KOBJ_VIRTUAL_MEMORY, &kvm_ops);
}

/* A protection struct to KVM_PROT_* (reads the defaults for a null pointer). */
static int kvm_decode_prot(int (*get)(const void *, struct capos_Protection_r *), const void *p,
			   unsigned *out)
{
	struct capos_Protection_r pr;
	int err = get(p, &pr);

	if (err)
		return err;
	*out = (capos_Protection_get_read(&pr) ? KVM_PROT_R : 0) |
	       (capos_Protection_get_write(&pr) ? KVM_PROT_W : 0) |
	       (capos_Protection_get_execute(&pr) ? KVM_PROT_X : 0);
	if (*out == 0)
		return CAPOS_ERR_INVALID;
	if ((*out & KVM_PROT_W) && (*out & KVM_PROT_X))
		return CAPOS_ERR_VM_WX;
	return CAPOS_OK;
}

static int kvm_map_prot(const void *p, struct capos_Protection_r *out)
{
	return capos_VirtualMemory_map_Params_get_prot(p, out);
}

static int kvm_protect_prot(const void *p, struct capos_Protection_r *out)
{
	return capos_VirtualMemory_protect_Params_get_prot(p, out);
}

/* Size: non-zero, page multiple, bounded. */
static int kvm_check_size(uint64_t size)
{
	if (size == 0 || size > KVM_MAX_BYTES)
		return CAPOS_ERR_INVALID;
	return (size & (CAPOS_PAGE_SIZE - 1)) ? CAPOS_ERR_ALIGNMENT : CAPOS_OK;
}

/* [addr, addr + size) page-aligned and inside the anonymous region. */
static int kvm_check_range(uint64_t addr, uint64_t size)
{
	int err = kvm_check_size(size);

	if (err)
		return err;
	if (addr & (CAPOS_PAGE_SIZE - 1))
		return CAPOS_ERR_ALIGNMENT;
	if (addr < CAPOS_USER_ANON_BASE || addr >= CAPOS_USER_ANON_END ||
	    size > CAPOS_USER_ANON_END - addr)
		return CAPOS_ERR_OUT_OF_RANGE;
	return CAPOS_OK;
}

static int kvm_map(void *self, const struct capos_VirtualMemory_map_Params_r *p,
		   struct capos_VirtualMemory_map_Results_b *r)
{
	struct kvm *v = self;
	uint64_t hint = capos_VirtualMemory_map_Params_get_hint(p);
	uint64_t size = capos_VirtualMemory_map_Params_get_size(p);
	unsigned prot;
	int err = kvm_decode_prot(kvm_map_prot, p, &prot);

	if (!err)
		err = hint ? kvm_check_range(hint, size) : kvm_check_size(size);
	if (err)
		return err;
	uint64_t addr = 0;
	err = v->be->map(v->as, hint, size, prot, &addr);
	if (err)
		return err;
	capos_VirtualMemory_map_Results_set_addr(r, addr);
	return CAPOS_OK;
}

static int kvm_unmap(void *self, const struct capos_VirtualMemory_unmap_Params_r *p,
		     struct capos_VirtualMemory_unmap_Results_b *r)
{
	struct kvm *v = self;
	uint64_t addr = capos_VirtualMemory_unmap_Params_get_addr(p);
	uint64_t size = capos_VirtualMemory_unmap_Params_get_size(p);
	int err = kvm_check_range(addr, size);

	(void)r;
	return err ? err : v->be->unmap(v->as, addr, size);
}

/* protect and commit: the protection, a range, then the backend op (NULL: unsupported). */
static int kvm_prot_op(struct kvm *v, int (*op)(void *, uint64_t, uint64_t, unsigned),
		       int (*get)(const void *, struct capos_Protection_r *), const void *p,
		       uint64_t addr, uint64_t size)
{
	unsigned prot;
	int err = kvm_decode_prot(get, p, &prot);

	if (err == CAPOS_OK)
		err = kvm_check_range(addr, size);
	if (err == CAPOS_OK && op == NULL)
		err = CAPOS_ERR_UNSUPPORTED;
	return err ? err : op(v->as, addr, size, prot);
}

static int kvm_protect(void *self, const struct capos_VirtualMemory_protect_Params_r *p,
		       struct capos_VirtualMemory_protect_Results_b *r)
{
	struct kvm *v = self;

	(void)r;
	return kvm_prot_op(v, v->be->protect, kvm_protect_prot, p,
			   capos_VirtualMemory_protect_Params_get_addr(p),
			   capos_VirtualMemory_protect_Params_get_size(p));
}

static int kvm_reserve(void *self, const struct capos_VirtualMemory_reserve_Params_r *p,
		       struct capos_VirtualMemory_reserve_Results_b *r)
{
	struct kvm *v = self;
	uint64_t hint = capos_VirtualMemory_reserve_Params_get_hint(p);
	uint64_t size = capos_VirtualMemory_reserve_Params_get_size(p);
	uint64_t addr = 0;
	int err = hint ? kvm_check_range(hint, size) : kvm_check_size(size);

	if (err == CAPOS_OK && v->be->reserve == NULL)
		err = CAPOS_ERR_UNSUPPORTED;
	if (err == CAPOS_OK)
		err = v->be->reserve(v->as, hint, size, &addr);
	if (err == CAPOS_OK)
		capos_VirtualMemory_reserve_Results_set_addr(r, addr);
	return err;
}

static int kvm_commit_prot(const void *p, struct capos_Protection_r *out)
{
	return capos_VirtualMemory_commit_Params_get_prot(p, out);
}

static int kvm_commit(void *self, const struct capos_VirtualMemory_commit_Params_r *p,
		      struct capos_VirtualMemory_commit_Results_b *r)
{
	struct kvm *v = self;

	(void)r;
	return kvm_prot_op(v, v->be->commit, kvm_commit_prot, p,
			   capos_VirtualMemory_commit_Params_get_addr(p),
			   capos_VirtualMemory_commit_Params_get_size(p));
}

/* decommit and guard: a range, then the backend op (NULL: unsupported). */
static int kvm_range_op(struct kvm *v, int (*op)(void *, uint64_t, uint64_t), uint64_t addr,
			uint64_t size)
{
	int err = kvm_check_range(addr, size);

	if (err == CAPOS_OK && op == NULL)
		err = CAPOS_ERR_UNSUPPORTED;
	return err ? err : op(v->as, addr, size);
}

static int kvm_decommit(void *self, const struct capos_VirtualMemory_decommit_Params_r *p,
			struct capos_VirtualMemory_decommit_Results_b *r)
{
	struct kvm *v = self;

	(void)r;
	return kvm_range_op(v, v->be->decommit, capos_VirtualMemory_decommit_Params_get_addr(p),
			    capos_VirtualMemory_decommit_Params_get_size(p));
}

static int kvm_guard(void *self, const struct capos_VirtualMemory_guard_Params_r *p,
		     struct capos_VirtualMemory_guard_Results_b *r)
{
	struct kvm *v = self;

	(void)r;
	return kvm_range_op(v, v->be->guard, capos_VirtualMemory_guard_Params_get_addr(p),
			    capos_VirtualMemory_guard_Params_get_size(p));
}

static const struct capos_VirtualMemory_server kvm_server = {
	.map = kvm_map,
	.unmap = kvm_unmap,
	.protect = kvm_protect,
	.reserve = kvm_reserve,
	.commit = kvm_commit,
	.decommit = kvm_decommit,
	.guard = kvm_guard,
};

static int kvm_call(struct kcall_ctx *c)
{
	return capos_VirtualMemory_dispatch(&kvm_server, c->obj, c->method, c->params, c->results);
}

const struct kcall_iface kvm_iface = {
	.interface_id = capos_VirtualMemory_TYPE_ID,
	.method_count = capos_VirtualMemory_METHOD_COUNT,
	.kobj_type = KOBJ_VIRTUAL_MEMORY,
	.call = kvm_call,
};
