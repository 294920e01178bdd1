/*
 * memtest: the MemoryObject / FrameAllocator boot test (tests/qemu/memobj_tests.py),
 * run as three services of system/tests/memobj.capnp under the real init; the CapSet
 * decides the role:
 *   "serve" (Endpoint)  memsrv: single-process steps (info, zero fill, aliasing, W^X
 *                       within and across mappings,
 *                       hostile arguments, VirtualMemory refusals, frame quota, the
 *                       mapping bound, mapping-before-cap order, stale and forged
 *                       caps), then serves the client: each call carries a
 *                       MemoryObject whose word 0 says what to do (share: map and keep
 *                       it; cycle: check, answer, unmap, release) or none (stop).
 *   "peer" (facet)      memcli: shares an object with the server (both see the other's
 *                       writes; its cap released before its mapping), then 1,000
 *                       create/map/transfer/unmap/release cycles, copy and move
 *                       alternating, then stop.
 *   "crash" + "peer"    memfault: sends the server an object it keeps, then unmaps
 *                       one of its two mappings and reads it: #PF; the kill drops the
 *                       other mapping and the cap; the object outlives it.
 * Every line starts with the role, so the judge orders each role's lines separately.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/capid.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define MT_CYCLES 1000u
#define MT_OP_SHARE 1u
#define MT_OP_CYCLE 2u
#define MT_OP_KEEP 3u
#define MT_PAGE 4096u
#define MT_MAPS_MAX 64u	   /* MEMOBJ_MAPS_MAX */
#define MT_MAX_PAGES 1024u /* MEMOBJ_MAX_PAGES */
#define MT_R CAPOS_VM_READ
#define MT_RW (CAPOS_VM_READ | CAPOS_VM_WRITE)

static struct capos_ring_client *mt_ring;
static uint64_t mt_arena[64], mt_framed[65], mt_res[64];
static uint64_t mt_recv[(16 + 4096 + 16 * CAPOS_XFER_MAX) / 8];
static int mt_failed;
static int mt_last_type = -1; /* the last call's CapException type, -1 if none */
static const char *mt_role = "memtest";

static const char mt_client_text[] = "written by the client";
static const char mt_server_text[] = "written by the server";
static const char mt_fault_text[] = "written by the faulter";

static void mt_check(int ok, const char *what)
{
	if (!ok)
		mt_failed = 1;
	printf("%s: %s: %s\n", mt_role, what, ok ? "ok" : "FAILED");
}

/* The results message of the last call (result-cap records excluded). */
static int mt_results(const struct capos_cqe *cqe, struct capnp_msg *m)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	uint32_t recs = (cqe->flags & CAPOS_CQE_F_XFER) ? cqe->xfer_count * 16u : 0;

	if (recs > cqe->result_len)
		return CAPOS_ERR_INVALID;
	return capnp_msg_init_framed(m, mt_res, cqe->result_len - recs, segs, 2, &lim, NULL);
}

/* CALL with b's message (or none) and caps x[0..nx): the CQE status, or for a
 * CapException its status. */
static int mt_call(uint32_t cap, uint64_t iid, uint16_t method, struct capnp_builder *b,
		   const struct capos_xfer *x, uint16_t nx, struct capos_cqe *cqe)
{
	struct capos_CapException_r ex;
	struct capnp_msg m;
	size_t n = 0;
	int err = b ? capnp_builder_error(b) : CAPOS_OK;

	mt_last_type = -1;
	if (err == CAPOS_OK && b)
		err = capnp_builder_write_framed(b, mt_framed, sizeof(mt_framed), &n);
	if (err == CAPOS_OK)
		err = capos_ring_call_xfer(mt_ring, cap, iid, method, n ? mt_framed : NULL,
					   (uint32_t)n, x, nx, mt_res, sizeof(mt_res), cqe);
	if (err != CAPOS_ERR_RING_EXCEPTION)
		return err;
	if (mt_results(cqe, &m) || capos_CapException_read_root(&m, &ex))
		return CAPOS_ERR_INVALID;
	mt_last_type = (int)capos_CapException_get_type(&ex);
	return capos_CapException_get_status(&ex);
}

static int mt_begin(struct capnp_builder *b, struct capnp_bseg *seg)
{
	return capnp_builder_init(b, seg, 1, mt_arena, sizeof(mt_arena));
}

static void mt_set_prot(struct capos_Protection_b *pr, unsigned prot)
{
	capos_Protection_set_read(pr, (prot & CAPOS_VM_READ) != 0);
	capos_Protection_set_write(pr, (prot & CAPOS_VM_WRITE) != 0);
	capos_Protection_set_execute(pr, (prot & CAPOS_VM_EXEC) != 0);
}

/* FrameAllocator.allocate: the new MemoryObject's cap id in *mo. */
static int mt_alloc(uint32_t fa, uint64_t pages, int contiguous, uint32_t *mo)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_FrameAllocator_allocate_Params_b p;
	struct capos_FrameAllocator_allocate_Results_r r;
	struct capnp_msg m;
	struct capos_cqe cqe;
	uint32_t index = 0;
	int err = mt_begin(&b, &seg);

	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_request(&b, &p);
	if (err)
		return err;
	capos_FrameAllocator_allocate_Params_set_pages(&p, pages);
	capos_FrameAllocator_allocate_Params_set_contiguous(&p, contiguous != 0);
	err = mt_call(fa, capos_FrameAllocator_TYPE_ID, capos_FrameAllocator_METHOD_allocate, &b,
		      NULL, 0, &cqe);
	if (err == CAPOS_OK)
		err = mt_results(&cqe, &m);
	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_read_results(&m, &r);
	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_Results_get_memory(&r, &index);
	if (err == CAPOS_OK)
		err = capos_ring_result_cap(&cqe, mt_res, sizeof(mt_res), index,
					    capos_MemoryObject_TYPE_ID, mo);
	return err;
}

/* MemoryObject.map: the address in *addr. */
static int mt_map(uint32_t mo, uint64_t hint, uint64_t off, uint64_t pages, unsigned prot,
		  uint64_t *addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_MemoryObject_map_Params_b p;
	struct capos_MemoryObject_map_Results_r r;
	struct capos_Protection_b pr;
	struct capnp_msg m;
	struct capos_cqe cqe;
	int err = mt_begin(&b, &seg);

	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_Params_init_prot(&p, &pr);
	if (err)
		return err;
	capos_MemoryObject_map_Params_set_hint(&p, hint);
	capos_MemoryObject_map_Params_set_offsetPages(&p, off);
	capos_MemoryObject_map_Params_set_pages(&p, pages);
	mt_set_prot(&pr, prot);
	err = mt_call(mo, capos_MemoryObject_TYPE_ID, capos_MemoryObject_METHOD_map, &b, NULL, 0,
		      &cqe);
	if (err == CAPOS_OK)
		err = mt_results(&cqe, &m);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_read_results(&m, &r);
	if (err == CAPOS_OK)
		*addr = capos_MemoryObject_map_Results_get_addr(&r);
	return err;
}

static int mt_unmap(uint32_t mo, uint64_t addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_MemoryObject_unmap_Params_b p;
	struct capos_cqe cqe;
	int err = mt_begin(&b, &seg);

	if (err == CAPOS_OK)
		err = capos_MemoryObject_unmap_request(&b, &p);
	if (err)
		return err;
	capos_MemoryObject_unmap_Params_set_addr(&p, addr);
	return mt_call(mo, capos_MemoryObject_TYPE_ID, capos_MemoryObject_METHOD_unmap, &b, NULL, 0,
		       &cqe);
}

static int mt_protect(uint32_t mo, uint64_t addr, unsigned prot)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_MemoryObject_protect_Params_b p;
	struct capos_Protection_b pr;
	struct capos_cqe cqe;
	int err = mt_begin(&b, &seg);

	if (err == CAPOS_OK)
		err = capos_MemoryObject_protect_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_protect_Params_init_prot(&p, &pr);
	if (err)
		return err;
	capos_MemoryObject_protect_Params_set_addr(&p, addr);
	mt_set_prot(&pr, prot);
	return mt_call(mo, capos_MemoryObject_TYPE_ID, capos_MemoryObject_METHOD_protect, &b, NULL,
		       0, &cqe);
}

/* VirtualMemory.unmap with the refusal's own status (libcapos's capos_vm_unmap keeps
 * no result buffer, so a CapException reaches it truncated). */
static int mt_vm_unmap(uint32_t vm, uint64_t addr, uint64_t size)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_unmap_Params_b p;
	struct capos_cqe cqe;
	int err = mt_begin(&b, &seg);

	if (err == CAPOS_OK)
		err = capos_VirtualMemory_unmap_request(&b, &p);
	if (err)
		return err;
	capos_VirtualMemory_unmap_Params_set_addr(&p, addr);
	capos_VirtualMemory_unmap_Params_set_size(&p, size);
	return mt_call(vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_unmap, &b, NULL,
		       0, &cqe);
}

/* VirtualMemory.reserve at an explicit hint, with the refusal's own status. */
static int mt_vm_reserve(uint32_t vm, uint64_t hint, uint64_t size)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_reserve_Params_b p;
	struct capos_cqe cqe;
	int err = mt_begin(&b, &seg);

	if (err == CAPOS_OK)
		err = capos_VirtualMemory_reserve_request(&b, &p);
	if (err)
		return err;
	capos_VirtualMemory_reserve_Params_set_hint(&p, hint);
	capos_VirtualMemory_reserve_Params_set_size(&p, size);
	return mt_call(vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_reserve, &b,
		       NULL, 0, &cqe);
}

struct mt_info {
	uint64_t pages, size;
	int contiguous;
	uint32_t mappings;
};

static int mt_info(uint32_t mo, struct mt_info *out)
{
	struct capos_MemoryObject_info_Results_r r;
	struct capos_MemoryInfo_r i;
	struct capnp_msg m;
	struct capos_cqe cqe;
	int err = mt_call(mo, capos_MemoryObject_TYPE_ID, capos_MemoryObject_METHOD_info, NULL,
			  NULL, 0, &cqe);

	if (err == CAPOS_OK)
		err = mt_results(&cqe, &m);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_info_read_results(&m, &r);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_info_Results_get_info(&r, &i);
	if (err)
		return err;
	*out = (struct mt_info){ capos_MemoryInfo_get_pages(&i), capos_MemoryInfo_get_size(&i),
				 capos_MemoryInfo_get_contiguous(&i),
				 capos_MemoryInfo_get_mappings(&i) };
	return CAPOS_OK;
}

static int mt_release(uint32_t cap)
{
	return capos_ring_release(mt_ring, cap);
}

static uint32_t mt_cap(const char *name, uint64_t iid)
{
	uint32_t cap = 0;

	if (capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				&cap))
		return 0;
	return cap;
}

/* A refusal's line: its status and where it came from (a transport status, or the
 * CapException type). */
static void mt_expect(const char *what, int got, int want)
{
	const char *from = capos_exception_type_name(mt_last_type);

	printf("%s: hostile %s -> %s (%s)\n", mt_role, what, capos_error_name(got),
	       from ? from : "transport");
	if (got != want)
		mt_check(0, what);
}

/* True when the n bytes at p are all zero. */
static int mt_zero(const volatile uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- memsrv: single-process steps ---- */

/* info, zero fill, two mappings of one frame, a contiguous object. */
static void mt_step_info(uint32_t fa)
{
	struct mt_info a = { 0 }, b = { 0 }, c = { 0 };
	uint64_t va = 0, alias = 0;
	uint32_t mo = 0, co = 0;
	int err = mt_alloc(fa, 3, 0, &mo);

	if (err == CAPOS_OK)
		err = mt_info(mo, &a);
	if (err == CAPOS_OK)
		err = mt_map(mo, 0, 0, 3, MT_RW, &va);
	if (err == CAPOS_OK)
		err = mt_map(mo, 0, 1, 1, MT_R, &alias);
	if (err == CAPOS_OK)
		err = mt_info(mo, &b);
	if (err) {
		printf("memsrv: info: %s\n", capos_error_name(err));
		mt_check(0, "info");
		return;
	}
	int zero = mt_zero((volatile uint8_t *)va, 3 * MT_PAGE);
	((volatile uint8_t *)va)[MT_PAGE + 5] = 0x5a;
	int aliased = ((volatile uint8_t *)alias)[5] == 0x5a;
	printf("memsrv: info: pages %llu size %llu contiguous %d mappings %u, mapped twice: "
	       "mappings %u\n",
	       (unsigned long long)a.pages, (unsigned long long)a.size, a.contiguous, a.mappings,
	       b.mappings);
	mt_check(a.pages == 3 && a.size == 3 * MT_PAGE && !a.contiguous && a.mappings == 0 &&
			 b.mappings == 2,
		 "info");
	mt_check(zero, "fresh object reads zero");
	mt_check(aliased, "a write through one mapping is seen through the other");
	err = mt_unmap(mo, va);
	if (err == CAPOS_OK)
		err = mt_unmap(mo, alias);
	if (err == CAPOS_OK)
		err = mt_info(mo, &a);
	mt_check(err == CAPOS_OK && a.mappings == 0 && mt_release(mo) == CAPOS_OK,
		 "both unmapped, released");
	err = mt_alloc(fa, 2, 1, &co);
	if (err == CAPOS_OK)
		err = mt_info(co, &c);
	printf("memsrv: contiguous: %s, pages %llu contiguous %d\n", capos_error_name(err),
	       (unsigned long long)c.pages, c.contiguous);
	mt_check(err == CAPOS_OK && c.pages == 2 && c.contiguous && mt_release(co) == CAPOS_OK,
		 "contiguous");
}

/* W^X, hostile ranges and addresses, unmap/protect of what is not this object's
 * mapping, VirtualMemory refusing object pages, stale and forged caps. */
static void mt_step_hostile(uint32_t fa, uint32_t vm)
{
	uint64_t va = 0, other_va = 0, x = 0, anon = 0;
	uint32_t mo = 0, other = 0;

	if (mt_alloc(fa, 3, 0, &mo) || mt_alloc(fa, 1, 0, &other) ||
	    mt_map(mo, 0, 0, 3, MT_RW, &va) || mt_map(other, 0, 0, 1, MT_RW, &other_va)) {
		mt_check(0, "hostile setup");
		return;
	}
	mt_expect("map W+X", mt_map(mo, 0, 0, 1, MT_RW | CAPOS_VM_EXEC, &x), CAPOS_ERR_VM_WX);
	mt_expect("protect to W+X", mt_protect(mo, va, MT_RW | CAPOS_VM_EXEC), CAPOS_ERR_VM_WX);
	mt_expect("map no permission", mt_map(mo, 0, 0, 1, 0, &x), CAPOS_ERR_INVALID);
	mt_expect("map past the object", mt_map(mo, 0, 2, 2, MT_R, &x), CAPOS_ERR_MEMOBJ_RANGE);
	mt_expect("map at offset = pages", mt_map(mo, 0, 3, 1, MT_R, &x), CAPOS_ERR_MEMOBJ_RANGE);
	mt_expect("map 0 pages", mt_map(mo, 0, 0, 0, MT_R, &x), CAPOS_ERR_MEMOBJ_RANGE);
	mt_expect("offset overflow", mt_map(mo, 0, UINT64_MAX, 2, MT_R, &x),
		  CAPOS_ERR_MEMOBJ_RANGE);
	mt_expect("pages overflow", mt_map(mo, 0, 1, UINT64_MAX, MT_R, &x), CAPOS_ERR_MEMOBJ_RANGE);
	mt_expect("misaligned hint", mt_map(mo, va + 8 * MT_PAGE + 1, 0, 1, MT_R, &x),
		  CAPOS_ERR_ALIGNMENT);
	mt_expect("hint in the image region", mt_map(mo, 0x400000, 0, 1, MT_R, &x),
		  CAPOS_ERR_OUT_OF_RANGE);
	mt_expect("hint past the anonymous region",
		  mt_map(mo, CAPOS_USER_ANON_END - MT_PAGE, 0, 2, MT_R, &x),
		  CAPOS_ERR_OUT_OF_RANGE);
	mt_expect("hint over its own mapping", mt_map(mo, va + MT_PAGE, 0, 1, MT_R, &x),
		  CAPOS_ERR_MEMOBJ_OVERLAP);
	mt_expect("hint over another object's mapping", mt_map(mo, other_va, 0, 1, MT_R, &x),
		  CAPOS_ERR_MEMOBJ_OVERLAP);
	mt_expect("unmap of another object's mapping", mt_unmap(mo, other_va),
		  CAPOS_ERR_MEMOBJ_NOT_MAPPED);
	mt_expect("unmap inside a mapping", mt_unmap(mo, va + MT_PAGE),
		  CAPOS_ERR_MEMOBJ_NOT_MAPPED);
	mt_expect("unmap of an unmapped address", mt_unmap(mo, 0x500000000000ull - MT_PAGE),
		  CAPOS_ERR_MEMOBJ_NOT_MAPPED);
	mt_expect("protect of another object's mapping", mt_protect(mo, other_va, MT_R),
		  CAPOS_ERR_MEMOBJ_NOT_MAPPED);
	/* VirtualMemory's region table holds no object page: refused before vm_unmap's own
	 * ARCH_MM_OBJECT backstop (MEMOBJ_OBJECT_MAPPING) is reached */
	mt_expect("VirtualMemory.unmap of object pages", mt_vm_unmap(vm, va, MT_PAGE),
		  CAPOS_ERR_MM_NOT_MAPPED);
	mt_expect("VirtualMemory.reserve over object pages", mt_vm_reserve(vm, va, MT_PAGE),
		  CAPOS_ERR_VMR_OVERLAP);
	if (capos_vm_map(vm, va + 8 * MT_PAGE, MT_PAGE, MT_RW, &anon) == CAPOS_OK)
		mt_expect("hint over anonymous memory", mt_map(mo, anon, 0, 1, MT_R, &x),
			  CAPOS_ERR_MEMOBJ_OVERLAP);
	uint64_t res = 0;
	if (capos_vm_reserve(vm, va + 16 * MT_PAGE, 4 * MT_PAGE, &res) == CAPOS_OK)
		mt_expect("hint over a VirtualMemory reservation", mt_map(mo, res, 0, 1, MT_R, &x),
			  CAPOS_ERR_MEMOBJ_OVERLAP);
	mt_check(res != 0 && mt_vm_unmap(vm, res, 4 * MT_PAGE) == CAPOS_OK,
		 "VirtualMemory reservation beside them made and released");
	mt_check(anon != 0 && capos_vm_unmap(vm, anon, MT_PAGE) == CAPOS_OK,
		 "anonymous page beside them mapped and unmapped");
	((volatile uint8_t *)va)[0] = 1; /* refusals changed nothing: still writable */
	mt_check(mt_protect(mo, va, MT_R) == CAPOS_OK && mt_unmap(mo, va) == CAPOS_OK &&
			 mt_unmap(other, other_va) == CAPOS_OK && mt_release(other) == CAPOS_OK,
		 "hostile: mappings intact after the refusals");
	mt_check(mt_release(mo) == CAPOS_OK, "released");
	struct mt_info i;
	mt_expect("info on a released cap", mt_info(mo, &i), CAPOS_ERR_CAP_STALE);
	mt_expect("map through a released cap", mt_map(mo, 0, 0, 1, MT_R, &x), CAPOS_ERR_CAP_STALE);
	mt_expect("forged cap id", mt_info(capos_cap_make(0x7fff, 1), &i), CAPOS_ERR_CAP_BAD_ID);
}

/* W^X across mappings of one object: never writable here and executable there. */
static void mt_step_wx(uint32_t fa)
{
	const unsigned rx = CAPOS_VM_READ | CAPOS_VM_EXEC;
	uint64_t a = 0, b = 0, x = 0;
	uint32_t mo = 0;

	if (mt_alloc(fa, 1, 0, &mo) || mt_map(mo, 0, 0, 1, MT_RW, &a)) {
		mt_check(0, "wx setup");
		return;
	}
	mt_expect("map executable while mapped writable", mt_map(mo, 0, 0, 1, rx, &x),
		  CAPOS_ERR_VM_WX);
	int ok = mt_protect(mo, a, MT_R) == CAPOS_OK && mt_map(mo, 0, 0, 1, rx, &b) == CAPOS_OK;
	mt_expect("protect to writable while mapped executable", mt_protect(mo, a, MT_RW),
		  CAPOS_ERR_VM_WX);
	ok &= mt_unmap(mo, b) == CAPOS_OK && mt_protect(mo, a, MT_RW) == CAPOS_OK;
	((volatile uint8_t *)a)[0] = 1;
	mt_check(ok && mt_unmap(mo, a) == CAPOS_OK && mt_release(mo) == CAPOS_OK,
		 "read-only, then executable, then writable again once the executable one went");
}

/* FrameAllocator bounds and the frame quota; the allocator works again after. */
static void mt_step_quota(uint32_t fa)
{
	uint32_t mo = 0;

	mt_expect("allocate 0 pages", mt_alloc(fa, 0, 0, &mo), CAPOS_ERR_MEMOBJ_PAGES);
	mt_expect("allocate 1025 pages", mt_alloc(fa, MT_MAX_PAGES + 1, 0, &mo),
		  CAPOS_ERR_MEMOBJ_PAGES);
	mt_expect("allocate past the frame quota", mt_alloc(fa, MT_MAX_PAGES, 0, &mo),
		  CAPOS_ERR_QUOTA_FRAMES);
	mt_expect("contiguous past the frame quota", mt_alloc(fa, MT_MAX_PAGES, 1, &mo),
		  CAPOS_ERR_QUOTA_FRAMES);
	mt_check(mt_alloc(fa, 1, 0, &mo) == CAPOS_OK && mt_release(mo) == CAPOS_OK,
		 "quota: one page still allocates");
}

/* 64 mappings of one object at kernel-chosen addresses, the 65th refused. */
static void mt_step_maps(uint32_t fa)
{
	static uint64_t va[MT_MAPS_MAX];
	uint32_t mo = 0, n = 0;
	uint64_t x = 0;
	int distinct = 1;

	if (mt_alloc(fa, 1, 0, &mo)) {
		mt_check(0, "maps setup");
		return;
	}
	while (n < MT_MAPS_MAX && mt_map(mo, 0, 0, 1, MT_RW, &va[n]) == CAPOS_OK)
		n++;
	for (uint32_t i = 1; i < n; i++)
		distinct &= va[i] >= va[i - 1] + 2 * MT_PAGE; /* a guard page between */
	printf("memsrv: maps: %u mappings\n", n);
	mt_expect("mapping 65", mt_map(mo, 0, 0, 1, MT_RW, &x), CAPOS_ERR_MEMOBJ_TOO_MANY_MAPS);
	((volatile uint64_t *)va[0])[0] = 0x1234;
	int shared = ((volatile uint64_t *)va[n - 1])[0] == 0x1234;
	int unmapped = 1;
	for (uint32_t i = 0; i < n; i++)
		unmapped &= mt_unmap(mo, va[i]) == CAPOS_OK;
	mt_check(n == MT_MAPS_MAX && distinct && shared && unmapped && mt_release(mo) == CAPOS_OK,
		 "64 mappings, guard pages between, one frame, all unmapped");
}

/* The last mapping goes before the cap: the frames stay with the object. */
static void mt_step_order(uint32_t fa)
{
	uint64_t va = 0;
	uint32_t mo = 0;
	int err = mt_alloc(fa, 1, 0, &mo);

	if (err == CAPOS_OK)
		err = mt_map(mo, 0, 0, 1, MT_RW, &va);
	if (err == CAPOS_OK) {
		((volatile uint64_t *)va)[0] = 0xfeed;
		err = mt_unmap(mo, va);
	}
	if (err == CAPOS_OK)
		err = mt_map(mo, 0, 0, 1, MT_R, &va);
	int kept = err == CAPOS_OK && ((volatile uint64_t *)va)[0] == 0xfeed;
	mt_check(kept && mt_unmap(mo, va) == CAPOS_OK && mt_release(mo) == CAPOS_OK,
		 "unmapped then mapped again: the contents stayed with the cap");
}

/* ---- memsrv: serving the client ---- */

struct mt_served {
	uint32_t shared;    /* the shared object's cap (0: none yet) */
	uint64_t shared_va; /* its mapping */
	uint32_t kept;	    /* the faulter's object's cap (0: none yet) */
	uint64_t kept_va;   /* its mapping */
	uint32_t cycles;    /* cycle calls answered correctly */
	uint32_t bad;	    /* calls that were not what the client promised */
};

/* One call: the cap it carries (if any) says what to do. 0 = keep serving. */
static int mt_serve_call(struct mt_served *s, const struct capos_xfer_result *recs, uint32_t n)
{
	uint64_t va = 0;

	if (n == 0)
		return 1; /* stop */
	uint32_t mo = recs[0].cap;
	if (recs[0].interface_id != capos_MemoryObject_TYPE_ID || mt_map(mo, 0, 0, 1, MT_RW, &va)) {
		s->bad++;
		(void)mt_release(mo);
		return 0;
	}
	volatile uint64_t *w = (volatile uint64_t *)va;
	if (w[0] == MT_OP_SHARE && s->shared == 0 &&
	    strcmp((const char *)va + 16, mt_client_text) == 0) {
		(void)mt_unmap(mo, va);
		if (mt_map(mo, 0, 0, 2, MT_RW, &va) == CAPOS_OK) {
			memcpy((char *)va + MT_PAGE, mt_server_text, sizeof(mt_server_text));
			s->shared = mo;
			s->shared_va = va;
			return 0;
		}
	} else if (w[0] == MT_OP_KEEP && s->kept == 0 &&
		   strcmp((const char *)va + 16, mt_fault_text) == 0) {
		s->kept = mo;
		s->kept_va = va;
		return 0;
	} else if (w[0] == MT_OP_CYCLE && w[1] == s->cycles) {
		w[1] = ~w[1];
		s->cycles++;
	} else {
		s->bad++;
	}
	(void)mt_unmap(mo, va);
	(void)mt_release(mo);
	return 0;
}

/* RECV one call into mt_recv, serve it, RETURN. 1 after the stop call. */
static int mt_serve_one(uint32_t ep, struct mt_served *s)
{
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	int err = capos_ring_get_sqe(mt_ring, &sqe);

	if (err)
		return err;
	sqe->opcode = CAPOS_OP_RECV;
	sqe->cap = ep;
	sqe->result_addr = (uint64_t)(uintptr_t)mt_recv;
	sqe->result_len = sizeof(mt_recv);
	sqe->user_data = 1;
	capos_ring_submit(mt_ring);
	err = capos_ring_wait(mt_ring, 1, CAPOS_TIMEOUT_INFINITE, &cqe);
	if (err || cqe.status)
		return err ? err : cqe.status;
	uint32_t n = (cqe.flags & CAPOS_CQE_F_XFER) ? cqe.xfer_count : 0;
	const struct capos_xfer_result *recs =
		(const struct capos_xfer_result *)((const uint8_t *)mt_recv + cqe.result_len -
						   16u * n);
	int stop = mt_serve_call(s, recs, n);
	uint32_t call_id = cqe.call_id;
	if ((err = capos_ring_get_sqe(mt_ring, &sqe)) != 0)
		return err;
	sqe->opcode = CAPOS_OP_RETURN;
	sqe->cap = ep;
	sqe->aux = call_id;
	sqe->user_data = 2;
	capos_ring_submit(mt_ring);
	err = capos_ring_wait(mt_ring, 2, CAPOS_TIMEOUT_INFINITE, &cqe);
	return err ? err : cqe.status ? cqe.status : stop;
}

static int mt_server(uint32_t fa, uint32_t vm, uint32_t ep)
{
	struct mt_served s = { 0 };
	struct mt_info i = { 0 };
	int err;

	mt_step_info(fa);
	mt_step_hostile(fa, vm);
	mt_step_wx(fa);
	mt_step_quota(fa);
	mt_step_maps(fa);
	mt_step_order(fa);
	while ((err = mt_serve_one(ep, &s)) == 0)
		;
	printf("memsrv: served %u cycles, %u bad calls, stop: %s\n", s.cycles, s.bad,
	       capos_error_name(err < 0 ? err : 0));
	mt_check(err == 1 && s.cycles == MT_CYCLES && s.bad == 0, "served the client");
	/* The client's cap and mapping are gone (it released the cap and may have exited):
	 * the object lives on through ours, with the client's bytes. */
	int kept = s.shared && strcmp((const char *)s.shared_va + 16, mt_client_text) == 0 &&
		   mt_info(s.shared, &i) == CAPOS_OK && i.mappings == 1;
	mt_check(kept && mt_unmap(s.shared, s.shared_va) == CAPOS_OK &&
			 mt_release(s.shared) == CAPOS_OK,
		 "shared object still holds the client's bytes; unmapped and released");
	/* The faulter was killed after sending its object: the object outlived it, its
	 * charge still on the dead process's ledger until this release. */
	kept = s.kept && strcmp((const char *)s.kept_va + 16, mt_fault_text) == 0;
	mt_check(kept && mt_unmap(s.kept, s.kept_va) == CAPOS_OK && mt_release(s.kept) == CAPOS_OK,
		 "the faulter's object outlived it; unmapped and released");
	printf("memsrv: done, exiting %d\n", mt_failed);
	return mt_failed;
}

/* ---- memcli ---- */

/* A CALL through the facet carrying mo (copy or move), or nothing (stop). */
static int mt_send(uint32_t peer, uint32_t mo, uint16_t mode)
{
	const struct capos_xfer x = { .cap = mo, .mode = mode };
	struct capos_cqe cqe;

	return mt_call(peer, capos_Console_TYPE_ID, 0, NULL, &x, mo ? 1 : 0, &cqe);
}

/* Share a 2-page object: each side sees the other's writes. */
static void mt_share(uint32_t fa, uint32_t peer)
{
	uint64_t va = 0;
	uint32_t mo = 0;
	int err = mt_alloc(fa, 2, 0, &mo);

	if (err == CAPOS_OK)
		err = mt_map(mo, 0, 0, 2, MT_RW, &va);
	if (err == CAPOS_OK) {
		((volatile uint64_t *)va)[0] = MT_OP_SHARE;
		memcpy((char *)va + 16, mt_client_text, sizeof(mt_client_text));
		err = mt_send(peer, mo, CAPOS_XFER_COPY);
	}
	int seen = err == CAPOS_OK && strcmp((const char *)va + MT_PAGE, mt_server_text) == 0;
	printf("memcli: share: %s; the server's bytes %s\n", capos_error_name(err),
	       seen ? "seen" : "missing");
	mt_check(seen, "share");
	/* Cap released first: the mapping keeps the object (and the bytes) alive. */
	mt_check(mt_release(mo) == CAPOS_OK &&
			 strcmp((const char *)va + MT_PAGE, mt_server_text) == 0,
		 "cap released, the mapping still reads the server's bytes");
}

/* One cycle: allocate, map, write i, send (copy: check the answer, then unmap and
 * release; move: unmap first, the server's release is the last reference). */
static int mt_cycle(uint32_t fa, uint32_t peer, uint32_t i)
{
	uint16_t mode = (i & 1) ? CAPOS_XFER_MOVE : CAPOS_XFER_COPY;
	uint64_t va = 0;
	uint32_t mo = 0;
	int err = mt_alloc(fa, 1, 0, &mo);

	if (err == CAPOS_OK)
		err = mt_map(mo, 0, 0, 1, MT_RW, &va);
	if (err)
		return err;
	volatile uint64_t *w = (volatile uint64_t *)va;
	w[0] = MT_OP_CYCLE;
	w[1] = i;
	if (mode == CAPOS_XFER_MOVE)
		err = mt_unmap(mo, va);
	if (err == CAPOS_OK)
		err = mt_send(peer, mo, mode);
	if (err || mode == CAPOS_XFER_MOVE)
		return err;
	if (w[1] != ~(uint64_t)i)
		return CAPOS_ERR_INVALID;
	err = mt_unmap(mo, va);
	return err ? err : mt_release(mo);
}

static int mt_client(uint32_t fa, uint32_t peer)
{
	uint32_t i;
	int err = CAPOS_OK;

	mt_share(fa, peer);
	for (i = 0; i < MT_CYCLES && err == CAPOS_OK; i++)
		err = mt_cycle(fa, peer, i);
	printf("memcli: churn: %u cycles: %s\n", err ? i - 1 : i, capos_error_name(err));
	mt_check(err == CAPOS_OK, "churn");
	err = mt_send(peer, 0, 0);
	mt_check(err == CAPOS_OK, "stop");
	return mt_failed;
}

/* ---- memfault ---- */

static volatile uint64_t mt_sink;

/* Sends the server an object it keeps, then touches its own unmapped mapping while a
 * second mapping and the cap are still held: the kill drops both. */
static int mt_fault(uint32_t fa, uint32_t peer)
{
	uint64_t va = 0, second = 0;
	uint32_t mo = 0;

	if (mt_alloc(fa, 1, 0, &mo) || mt_map(mo, 0, 0, 1, MT_RW, &va) ||
	    mt_map(mo, 0, 0, 1, MT_R, &second))
		return 8;
	((volatile uint64_t *)va)[0] = MT_OP_KEEP;
	memcpy((char *)va + 16, mt_fault_text, sizeof(mt_fault_text));
	if (mt_send(peer, mo, CAPOS_XFER_COPY) || mt_unmap(mo, va))
		return 7;
	printf("memfault: unmapped %#llx, reading it\n", (unsigned long long)va);
	mt_sink = ((volatile uint64_t *)va)[0]; /* #PF: the kernel kills this process */
	return 6;
}

int main(void)
{
	uint32_t fa = mt_cap("frames", capos_FrameAllocator_TYPE_ID), cap;

	if (capos_ring_self(&mt_ring) || fa == 0)
		return 9;
	if ((cap = mt_cap("serve", capos_Endpoint_TYPE_ID)) != 0) {
		mt_role = "memsrv";
		return mt_server(fa, mt_cap("vm", capos_VirtualMemory_TYPE_ID), cap);
	}
	cap = mt_cap("peer", capos_Console_TYPE_ID);
	if (mt_cap("crash", capos_Console_TYPE_ID) != 0) {
		mt_role = "memfault";
		return mt_fault(fa, cap);
	}
	mt_role = "memcli";
	return mt_client(fa, cap);
}
