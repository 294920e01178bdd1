/*
 * MemoryObject capability object (kernel/include/kernel/memobj.h): a set of zeroed
 * frames charged to the ledger of the process that allocated it, mapped by whichever
 * process holds a cap into that process's own address space. Each mapping holds one
 * kobj reference, so the object (and its frames and charge) lives until the last cap
 * and the last mapping are both gone; the release op scrubs the frames before they
 * return to the allocator. Handlers decode every argument (protection, page range,
 * explicit address, overlap, the per-process mapping bound) before changing anything.
 * W^X holds object-wide: while any mapping of an object is writable, none may be
 * executable, and the reverse, in every address space (memmap_check_wx).
 * Relies on the address-space primitives of kernel/proc/vm.c (vm_map_frames & co.)
 * and the pure bookkeeping of kernel/cap/memmap.c.
 */
#include <kernel/memobj.h>

#include <capos/error.h>
#include <kernel/frame.h>
#include <kernel/kcharge.h>
#include <kernel/kpark.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/vm.h>
#include <kernel/vmres.h>
#include <schema/capos.capnp.h>

static uint32_t memobj_live; /* [S] objects not yet released (one CPU, interrupts off) */
static uint32_t memobj_maps; /* [S] mappings in every process */

uint32_t memobj_live_count(void)
{
	return memobj_live;
}

uint32_t memobj_maps_live(void)
{
	return memobj_maps;
}

static void memobj_zero(uint64_t phys)
{
	uint64_t *p = phys_to_virt(phys);

	for (unsigned i = 0; i < FRAME_SIZE / 8; i++)
		p[i] = 0;
}

/* Scrubs and frees frames[0..n) of o (all of them individually allocated, or the
 * whole contiguous run when o->contiguous). */
static void memobj_free_frames(struct memobj *o, uint64_t n)
{
	int err = CAPOS_OK;

	for (uint64_t i = 0; i < n; i++)
		memobj_zero(o->frames[i]);
	if (o->contiguous && n > 0)
		err = frame_free_contig(o->frames[0], n);
	for (uint64_t i = 0; !o->contiguous && i < n && err == CAPOS_OK; i++)
		err = frame_free(o->frames[i]);
	if (err)
		panic("memobj: freeing frames: %s", capos_error_name(err));
}

/* Last reference (caps and mappings all gone): frames back, charge back. */
static void memobj_release(struct kobj *k)
{
	struct memobj *o = (struct memobj *)k;

	if (o->maps != 0)
		panic("memobj: released with %u mapping(s)", o->maps);
	kpark_memobj_gone(o); /* bound park spaces and their waiters: before the frames go */
	memobj_free_frames(o, o->pages);
	ledger_release(o->ledger, LEDGER_FRAMES, o->pages);
	o->ledger->object_frames -= o->pages;
	ledger_put(o->ledger);
	memobj_live--;
	kfree_charged(o);
}

static const struct kobj_ops memobj_ops = { .name = "memobj", .release = memobj_release };

/* Fills o->frames with zeroed frames, each past the kernel's reserve check (they are
 * taken on a process's behalf). Errors: CAPOS_ERR_KERNEL_LOW_MEMORY,
 * CAPOS_ERR_NO_MEMORY (none kept). */
static int memobj_alloc_frames(struct memobj *o)
{
	int err;

	if (o->contiguous) {
		err = kmem_reserve_check(o->pages);
		if (err == CAPOS_OK && frame_alloc_contig(o->pages, &o->frames[0]))
			err = CAPOS_ERR_NO_MEMORY;
		if (err)
			return err;
		for (uint64_t i = 1; i < o->pages; i++)
			o->frames[i] = o->frames[0] + i * FRAME_SIZE;
	}
	/* Invariant: frames [0, i) are allocated. */
	for (uint64_t i = 0; !o->contiguous && i < o->pages; i++) {
		err = frame_alloc_user(&o->frames[i]);
		if (err) {
			memobj_free_frames(o, i);
			return err;
		}
	}
	for (uint64_t i = 0; i < o->pages; i++)
		memobj_zero(o->frames[i]);
	return CAPOS_OK;
}

int memobj_create(struct ledger *l, uint64_t pages, bool contiguous, struct memobj **out)
{
	struct ledger_hold hold;
	struct memobj *o;
	int err;

	if (pages == 0 || pages > MEMOBJ_MAX_PAGES)
		return CAPOS_ERR_MEMOBJ_PAGES;
	err = ledger_hold(l, LEDGER_FRAMES, pages, &hold);
	if (err)
		return err;
	/* The object's kernel memory is charged with its frames, to the same ledger. */
	err = kzalloc_charged(l, sizeof(*o) + pages * sizeof(o->frames[0]), (void **)&o);
	if (err)
		goto out_hold;
	o->pages = pages;
	o->contiguous = contiguous;
	err = memobj_alloc_frames(o);
	if (err)
		goto out_obj;
	err = kobj_init(&o->k, KOBJ_MEMORY_OBJECT, &memobj_ops);
	if (err)
		goto out_frames;
	ledger_get(l);
	o->ledger = l;
	l->object_frames += pages;
	ledger_commit(&hold);
	memobj_live++;
	*out = o;
	return CAPOS_OK;
out_frames:
	memobj_free_frames(o, pages);
out_obj:
	kfree_charged(o);
out_hold:
	ledger_drop(&hold);
	return err;
}

/* ---- mappings ---- */

/* Counts (delta 1) or uncounts (-1) a mapping of protection prot in o's W^X counts. */
static void memobj_count_prot(struct memobj *o, unsigned prot, int delta)
{
	if (prot & MEMOBJ_PROT_WRITE)
		o->wmaps += (uint32_t)delta;
	if (prot & MEMOBJ_PROT_EXEC)
		o->xmaps += (uint32_t)delta;
}

/* Drops mapping m of process p: pages out, list entry freed, object reference put. */
static void memobj_unmap_one(struct process *p, struct memmap *m)
{
	struct memobj *o = m->obj;
	int err;

	vm_unmap_frames(&p->vm, m->va, m->pages);
	list_remove(&m->link);
	memobj_count_prot(o, m->prot, -1);
	o->maps--;
	memobj_maps--;
	kfree_charged(m);
	err = kobj_put(&o->k);
	if (err)
		panic("memobj: dropping a mapping's reference: %s", capos_error_name(err));
}

void memobj_unmap_all(void *proc)
{
	struct process *p = proc;

	while (!list_empty(&p->memmaps))
		memobj_unmap_one(p, LIST_ENTRY(list_first(&p->memmaps), struct memmap, link));
}

/* Protection struct to MEMOBJ_PROT_*: at least one permission, never W+X. */
static int memobj_decode_prot(const struct capos_Protection_r *pr, unsigned *out)
{
	bool r = capos_Protection_get_read(pr), w = capos_Protection_get_write(pr);
	bool x = capos_Protection_get_execute(pr);

	if (w && x)
		return CAPOS_ERR_VM_WX;
	if (!r && !w && !x)
		return CAPOS_ERR_INVALID;
	*out = (w ? MEMOBJ_PROT_WRITE : 0) | (x ? MEMOBJ_PROT_EXEC : 0);
	return CAPOS_OK;
}

static unsigned memobj_vm_prot(unsigned prot)
{
	return ((prot & MEMOBJ_PROT_WRITE) ? VM_PROT_WRITE : 0) |
	       ((prot & MEMOBJ_PROT_EXEC) ? VM_PROT_EXEC : 0);
}

/* Kernel-chosen address: first fit in the window among object mappings, skipping
 * ranges where something else (anonymous memory at an explicit hint) is mapped. */
static int memobj_place(struct process *p, uint64_t size, uint64_t *va)
{
	uint64_t from = MEMOBJ_WINDOW_BASE;

	for (unsigned tries = 0; tries < MEMOBJ_MAPS_MAX; tries++) {
		int err = memmap_place(&p->memmaps, from, MEMOBJ_WINDOW_END, size, va);

		if (err)
			return err;
		if (vmres_range_free(&p->vm, *va, size + FRAME_SIZE))
			return CAPOS_OK;
		from = *va + size + FRAME_SIZE;
	}
	return CAPOS_ERR_MEMOBJ_NO_SPACE;
}

/* What a decoded map call does. */
struct memobj_map_req {
	uint64_t va, offset, pages;
	unsigned prot;
};

static int memobj_decode_map(struct process *p, const struct memobj *o,
			     const struct capos_MemoryObject_map_Params_r *params,
			     struct memobj_map_req *req)
{
	uint64_t hint = capos_MemoryObject_map_Params_get_hint(params);
	struct capos_Protection_r pr;
	int err = capos_MemoryObject_map_Params_get_prot(params, &pr);

	req->offset = capos_MemoryObject_map_Params_get_offsetPages(params);
	req->pages = capos_MemoryObject_map_Params_get_pages(params);
	if (err == CAPOS_OK)
		err = memobj_decode_prot(&pr, &req->prot);
	if (err == CAPOS_OK)
		err = memmap_check_wx(o, req->prot, NULL);
	if (err == CAPOS_OK)
		err = memmap_check_range(o->pages, req->offset, req->pages);
	if (err == CAPOS_OK && hint != 0)
		err = memmap_check_hint(hint, req->pages);
	if (err)
		return err;
	if (memmap_count(&p->memmaps, NULL) >= MEMOBJ_MAPS_MAX)
		return CAPOS_ERR_MEMOBJ_TOO_MANY_MAPS;
	if (hint == 0)
		return memobj_place(p, req->pages * FRAME_SIZE, &req->va);
	if (!vmres_range_free(&p->vm, hint, req->pages * FRAME_SIZE))
		return CAPOS_ERR_MEMOBJ_OVERLAP;
	req->va = hint;
	return CAPOS_OK;
}

static int memobj_invoke_map(struct process *p, struct memobj *o, const struct memobj_map_req *req)
{
	struct memmap *m = NULL;
	int err = kzalloc_charged(p->ledger, sizeof(*m), (void **)&m); /* the mapper pays */

	if (err)
		return err;
	err = kobj_get(&o->k);
	if (err)
		goto out_free;
	err = vm_map_frames(&p->vm, req->va, &o->frames[req->offset], req->pages,
			    memobj_vm_prot(req->prot));
	if (err)
		goto out_put;
	*m = (struct memmap){ .obj = o,
			      .va = req->va,
			      .offset = req->offset,
			      .pages = req->pages,
			      .prot = req->prot };
	list_push_back(&p->memmaps, &m->link);
	memobj_count_prot(o, req->prot, 1);
	o->maps++;
	memobj_maps++;
	return CAPOS_OK;
out_put:
	(void)kobj_put(&o->k); /* the caller's cap still holds one: never the last */
out_free:
	kfree_charged(m);
	return err;
}

static int memobj_map(void *self, const struct capos_MemoryObject_map_Params_r *params,
		      struct capos_MemoryObject_map_Results_b *results)
{
	struct kcall_ctx *c = self;
	struct memobj *o = (struct memobj *)c->obj;
	struct memobj_map_req req;
	int err = memobj_decode_map(c->caller, o, params, &req);

	if (err == CAPOS_OK)
		err = memobj_invoke_map(c->caller, o, &req);
	if (err)
		return err;
	capos_MemoryObject_map_Results_set_addr(results, req.va);
	return CAPOS_OK;
}

/* The caller's mapping of the invoked object at `va` (NULL: none there). */
static struct memmap *memobj_caller_map(const struct kcall_ctx *c, uint64_t va)
{
	struct process *p = c->caller;

	return memmap_find(&p->memmaps, (const struct memobj *)c->obj, va);
}

static int memobj_unmap(void *self, const struct capos_MemoryObject_unmap_Params_r *params,
			struct capos_MemoryObject_unmap_Results_b *results)
{
	struct kcall_ctx *c = self;
	struct memmap *m = memobj_caller_map(c, capos_MemoryObject_unmap_Params_get_addr(params));

	(void)results;
	if (m == NULL)
		return CAPOS_ERR_MEMOBJ_NOT_MAPPED;
	memobj_unmap_one(c->caller, m);
	return CAPOS_OK;
}

static int memobj_protect(void *self, const struct capos_MemoryObject_protect_Params_r *params,
			  struct capos_MemoryObject_protect_Results_b *results)
{
	struct kcall_ctx *c = self;
	struct process *p = c->caller;
	struct memmap *m = memobj_caller_map(c, capos_MemoryObject_protect_Params_get_addr(params));
	struct capos_Protection_r pr;
	unsigned prot;
	int err = capos_MemoryObject_protect_Params_get_prot(params, &pr);

	(void)results;
	if (err == CAPOS_OK)
		err = memobj_decode_prot(&pr, &prot);
	if (err == CAPOS_OK && m == NULL)
		err = CAPOS_ERR_MEMOBJ_NOT_MAPPED;
	if (err == CAPOS_OK)
		err = memmap_check_wx(m->obj, prot, m);
	if (err)
		return err;
	vm_protect_frames(&p->vm, m->va, m->pages, memobj_vm_prot(prot));
	memobj_count_prot(m->obj, m->prot, -1);
	memobj_count_prot(m->obj, prot, 1);
	m->prot = prot;
	return CAPOS_OK;
}

static int memobj_info(void *self, const struct capos_MemoryObject_info_Params_r *params,
		       struct capos_MemoryObject_info_Results_b *results)
{
	struct kcall_ctx *c = self;
	const struct memobj *o = (const struct memobj *)c->obj;
	struct process *p = c->caller;
	struct capos_MemoryInfo_b info;
	int err = capos_MemoryObject_info_Results_init_info(results, &info);

	(void)params;
	if (err)
		return err;
	capos_MemoryInfo_set_pages(&info, o->pages);
	capos_MemoryInfo_set_size(&info, o->pages * FRAME_SIZE);
	capos_MemoryInfo_set_contiguous(&info, o->contiguous);
	capos_MemoryInfo_set_mappings(&info, memmap_count(&p->memmaps, o));
	return CAPOS_OK;
}

static const struct capos_MemoryObject_server memobj_server = {
	.info = memobj_info,
	.map = memobj_map,
	.unmap = memobj_unmap,
	.protect = memobj_protect,
};

static int memobj_call(struct kcall_ctx *c)
{
	return capos_MemoryObject_dispatch(&memobj_server, c, c->method, c->params, c->results);
}

const struct kcall_iface kmemobj_iface = {
	.interface_id = capos_MemoryObject_TYPE_ID,
	.method_count = capos_MemoryObject_METHOD_COUNT,
	.kobj_type = KOBJ_MEMORY_OBJECT,
	.max_caps_out = 0,
	.call = memobj_call,
};
