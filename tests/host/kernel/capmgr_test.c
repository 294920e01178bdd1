/*
 * Host tests of the CapabilityManager object (kernel/cap/capmgr.c) with a fake process
 * backend and a counting node allocator: list and usage end to end through kcall_exec
 * (exact CapabilityInfo / ResourceUsage contents, the CapSet names, revoked flags),
 * derive and revoke through the object's handler with a hand-built kcall_ctx whose
 * caps_in stand for the CALL's sideband caps (the ring path that fills caps_in is the
 * transfer issue's), and every hostile twin with its exact status: null or
 * out-of-range cap index, stale and forged source ids, move-only and table-bound
 * sources, the depth bound, allocation failure (nothing changes), a revoked source.
 * Each test ends with nodes and object references back at their baseline.
 */
#include "test.h"

#include <stdlib.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/capmgr.h>
#include <kernel/captab.h>
#include <kernel/kcall.h>
#include <kernel/xfer.h>
#include <schema/capos.capnp.h>

#define UBASE 0x500000ull
#define RES (UBASE + 0x1000)
static uint8_t umem[1 << 16] __attribute__((aligned(8)));

static int fake_in(void *ctx, void *dst, uint64_t ua, uint32_t len)
{
	(void)ctx;
	if (ua < UBASE || ua - UBASE > sizeof(umem) || len > sizeof(umem) - (ua - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(dst, umem + (ua - UBASE), len);
	return 0;
}

static int fake_out(void *ctx, uint64_t ua, const void *src, uint32_t len)
{
	(void)ctx;
	if (ua < UBASE || ua - UBASE > sizeof(umem) || len > sizeof(umem) - (ua - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(umem + (ua - UBASE), src, len);
	return 0;
}

/* ---- node allocator */
static int fail_allocs, skip_allocs;

static int t_zalloc(void *payer, size_t size, void **out)
{
	(void)payer;
	if (skip_allocs)
		skip_allocs--;
	else if (fail_allocs) {
		fail_allocs--;
		return CAPOS_ERR_NO_MEMORY;
	}
	*out = calloc(1, size);
	return CAPOS_OK;
}

static struct revoke_alloc ra = { .zalloc = t_zalloc, .free = free };

/* ---- fake process backend */
static struct capos_capset_page capset;
static int capset_gets, capset_puts, usage_fail;
static void *seen_caller;

static int f_usage(void *caller, struct kcapmgr_usage *out)
{
	seen_caller = caller;
	if (usage_fail)
		return usage_fail;
	*out = (struct kcapmgr_usage){ .used = { [LEDGER_CAP_SLOTS] = 3,
						 [LEDGER_FRAMES] = 37,
						 [LEDGER_VIRTUAL] = 8192,
						 [LEDGER_CALLS] = 2,
						 [LEDGER_CHILDREN] = 4,
						 [LEDGER_THREADS] = 1,
						 [LEDGER_RING_SCRATCH] = 12288,
						 [LEDGER_KERNEL_BYTES] = 5000 },
				       .max = { [LEDGER_CAP_SLOTS] = 8,
						[LEDGER_FRAMES] = 1024,
						[LEDGER_VIRTUAL] = 1ull << 30,
						[LEDGER_CALLS] = 64,
						[LEDGER_CHILDREN] = 16,
						[LEDGER_THREADS] = 16,
						[LEDGER_RING_SCRATCH] = 65536,
						[LEDGER_KERNEL_BYTES] = UINT64_MAX } };
	return CAPOS_OK;
}

static int f_capset_get(void *caller, const struct capos_capset_page **out)
{
	seen_caller = caller;
	capset_gets++;
	*out = &capset;
	return CAPOS_OK;
}

static void f_capset_put(void *caller, const struct capos_capset_page *page)
{
	(void)caller;
	if (page == &capset)
		capset_puts++;
}

static const struct kcapmgr_backend fbe = { f_usage, f_capset_get, f_capset_put };

/* ---- objects: a plain test object stands for a Console */
struct tobj {
	struct kobj k;
};

static void tobj_release(struct kobj *o)
{
	(void)o;
}

static const struct kobj_ops tobj_ops = { .name = "t", .release = tobj_release };

static const struct kcall_iface *const ifaces[] = { &kcapmgr_iface };

static struct {
	struct captab table;
	struct captab_entry slots[8];
	struct kcapmgr cm;
	struct tobj cons, handle;
	uint32_t cm_id, cons_id, handle_id;
	uint64_t ps[64], rs[512];
	struct kcall_env env;
} F;

static uint32_t grant(struct kobj *o, uint64_t iid, uint8_t xfer, const char *name)
{
	struct captab_item it = { .obj = o, .interface_id = iid, .xfer = xfer };
	uint32_t id = 0;

	(void)captab_insert(&F.table, &it, &id);
	if (name) {
		struct capos_capset_entry *e = &capset.entries[capset.hdr.count++];
		strncpy(e->name, name, sizeof(e->name) - 1);
		e->interface_id = iid;
		e->cap = id;
	}
	return id;
}

static void fix_init(void)
{
	memset(&F, 0, sizeof(F));
	memset(&capset, 0, sizeof(capset));
	capset.hdr.magic = CAPOS_CAPSET_MAGIC;
	capset_gets = capset_puts = usage_fail = fail_allocs = skip_allocs = 0;
	ra.live = 0;
	(void)captab_init(&F.table, F.slots, 8);
	(void)kcapmgr_init(&F.cm, &fbe, &ra, NULL);
	(void)kobj_init(&F.cons.k, KOBJ_TEST, &tobj_ops);
	(void)kobj_init(&F.handle.k, KOBJ_TEST, &tobj_ops);
	F.cm_id = grant(&F.cm.k, capos_CapabilityManager_TYPE_ID, CAPTAB_XFER_COPY, "capmgr");
	F.cons_id = grant(&F.cons.k, capos_Console_TYPE_ID, CAPTAB_XFER_COPY, "console");
	F.handle_id = grant(&F.handle.k, capos_ProcessHandle_TYPE_ID, CAPTAB_XFER_NONE, NULL);
	F.env = (struct kcall_env){ .table = &F.table,
				    .caller = &F,
				    .ifaces = ifaces,
				    .nifaces = 1,
				    .copy_in = fake_in,
				    .copy_out = fake_out,
				    .params_scratch = F.ps,
				    .params_scratch_bytes = sizeof(F.ps),
				    .results_scratch = F.rs,
				    .results_scratch_bytes = sizeof(F.rs) };
}

/* Everything back at the fixture's baseline after the table is torn down. */
static bool fix_clean(void)
{
	if (captab_clear(&F.table) != CAPOS_OK)
		return false;
	return ra.live == 0 && kobj_refs(&F.cm.k) == 1 && kobj_refs(&F.cons.k) == 1 &&
	       kobj_refs(&F.handle.k) == 1 && capset_gets == capset_puts;
}

static struct capos_cqe call(uint16_t method)
{
	struct ring_op op = { .opcode = CAPOS_OP_CALL,
			      .cap = F.cm_id,
			      .interface_id = capos_CapabilityManager_TYPE_ID,
			      .method = method,
			      .result_addr = RES,
			      .result_len = 0x4000 };
	struct capos_cqe cqe = { 0 };

	kcall_exec(&F.env, &op, &cqe);
	return cqe;
}

static struct capnp_segment rsegs[2];

static int results(const struct capos_cqe *c, struct capnp_msg *m)
{
	const struct capnp_limits lim = { .traversal_words = 4096, .nesting = 16 };

	return capnp_msg_init_framed(m, umem + (RES - UBASE), c->result_len, rsegs, 2, &lim, NULL);
}

static bool text_is(const struct capnp_text *t, const char *want)
{
	return t->len == strlen(want) && memcmp(t->str, want, t->len) == 0;
}

struct want_info {
	uint32_t id;
	uint64_t iid;
	const char *name, *iname;
	bool transferable, revocable, revoked;
	uint8_t depth;
};

/* list through kcall_exec, compared field by field with `want`. */
static bool list_is(const struct want_info *want, uint32_t n)
{
	struct capos_cqe c = call(capos_CapabilityManager_METHOD_list);
	struct capnp_msg m;
	struct capos_CapabilityManager_list_Results_r r;
	struct capos_CapabilityInfo_rlist l;
	struct capnp_text t;

	if (c.status != CAPOS_OK || results(&c, &m) ||
	    capos_CapabilityManager_list_Results_read_root(&m, &r) ||
	    capos_CapabilityManager_list_Results_get_caps(&r, &l) ||
	    capos_CapabilityInfo_list_len(&l) != n)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		struct capos_CapabilityInfo_r e = capos_CapabilityInfo_list_get(&l, i);
		if (capos_CapabilityInfo_get_capId(&e) != want[i].id ||
		    capos_CapabilityInfo_get_interfaceId(&e) != want[i].iid ||
		    capos_CapabilityInfo_get_transferable(&e) != want[i].transferable ||
		    capos_CapabilityInfo_get_revocable(&e) != want[i].revocable ||
		    capos_CapabilityInfo_get_revoked(&e) != want[i].revoked ||
		    capos_CapabilityInfo_get_deriveDepth(&e) != want[i].depth)
			return false;
		if (capos_CapabilityInfo_get_name(&e, &t) || !text_is(&t, want[i].name))
			return false;
		if (capos_CapabilityInfo_get_interfaceName(&e, &t) || !text_is(&t, want[i].iname))
			return false;
	}
	return capnp_msg_error(&m) == 0;
}

/* ---- derive and revoke through the handler with a hand-built context */
static struct capnp_segment psegs[1];
static uint64_t pbuf[16];

/* A params message whose root's cap pointer is `index` (CAPNP_CAP_NULL: null). */
static int params_with_cap(uint16_t method, uint32_t index, struct capnp_msg *m)
{
	static struct capnp_bseg bseg;
	static struct capnp_builder b;
	struct capos_CapabilityManager_derive_Params_b p; /* revoke's has the same layout */
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	int err;

	(void)method;
	memset(pbuf, 0, sizeof(pbuf));
	err = capnp_builder_init(&b, &bseg, 1, pbuf, sizeof(pbuf));
	if (!err)
		err = capos_CapabilityManager_derive_request(&b, &p);
	if (!err && index != CAPNP_CAP_NULL)
		err = capos_CapabilityManager_derive_Params_set_cap(&p, index);
	return err ? err : capnp_builder_as_reader(&b, m, psegs, 1, &lim);
}

struct hcall {
	struct kcall_ctx c;
	struct capnp_msg params;
	struct capnp_builder rb;
	struct capnp_bseg rseg;
	uint64_t rbuf[64];
	struct captab_item in[2];
	uint32_t in_ids[2];
};

/* Runs `method` with caps_in = the caller's caps ids[0..n) (read as kcall would). */
static int hrun(struct hcall *h, uint16_t method, uint32_t index, const uint32_t *ids, uint32_t n)
{
	memset(h, 0, sizeof(*h));
	for (uint32_t i = 0; i < n; i++) {
		int err = captab_prepare_send(&F.table, ids[i], CAPTAB_XFER_COPY, &h->in[i]);
		if (err)
			return err;
		h->in_ids[i] = ids[i];
	}
	if (params_with_cap(method, index, &h->params) ||
	    capnp_builder_init(&h->rb, &h->rseg, 1, h->rbuf, sizeof(h->rbuf)))
		return -9999;
	h->c = (struct kcall_ctx){ .obj = &F.cm.k,
				   .method = method,
				   .params = &h->params,
				   .results = &h->rb,
				   .table = &F.table,
				   .caller = &F,
				   .caps_in = h->in,
				   .ncaps_in = n,
				   .caps_in_ids = h->in_ids,
				   .max_out = kcapmgr_iface.max_caps_out };
	return kcapmgr_iface.call(&h->c);
}

/* What kcall does with a queued result cap once the call succeeded: insert it into
 * the caller's table and drop the queue's references. */
static int deliver(struct hcall *h, uint32_t *id)
{
	if (h->c.out.n != 1)
		return -9998;
	int err = captab_insert(&F.table, &h->c.out.item[0], id);
	xfer_drop(&h->c.out);
	return err;
}

/* Drops queued result caps of a call that failed (kcall's rollback). */
static void drop(struct hcall *h)
{
	xfer_drop(&h->c.out);
}

static int derive(uint32_t src, uint32_t *out)
{
	struct hcall h;
	int err = hrun(&h, capos_CapabilityManager_METHOD_derive, 0, &src, 1);

	if (err) {
		drop(&h);
		return err;
	}
	return deliver(&h, out);
}

static int revoke(uint32_t src, uint32_t *count)
{
	struct hcall h;
	struct capnp_msg m;
	struct capnp_segment seg[1];
	struct capos_CapabilityManager_revoke_Results_r r;
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	int err = hrun(&h, capos_CapabilityManager_METHOD_revoke, 0, &src, 1);

	if (err)
		return err;
	if (capnp_builder_as_reader(&h.rb, &m, seg, 1, &lim) ||
	    capos_CapabilityManager_revoke_Results_read_root(&m, &r))
		return -9997;
	*count = capos_CapabilityManager_revoke_Results_get_revoked(&r);
	return h.c.out.n == 0 ? CAPOS_OK : -9996;
}

/* ---- tests */
TEST(capmgr_list_exact)
{
	fix_init();
	const struct want_info want[] = {
		{ F.cm_id, capos_CapabilityManager_TYPE_ID, "capmgr", "CapabilityManager", true,
		  false, false, 0 },
		{ F.cons_id, capos_Console_TYPE_ID, "console", "Console", true, false, false, 0 },
		{ F.handle_id, capos_ProcessHandle_TYPE_ID, "", "ProcessHandle", false, false,
		  false, 0 },
	};
	CHECK(list_is(want, 3));
	CHECK(seen_caller == &F);
	CHECK_EQ(capset_gets, 1);
	CHECK(fix_clean());
}

TEST(capmgr_list_unknown_interface_and_no_capset_name)
{
	struct tobj other;
	fix_init();
	(void)kobj_init(&other.k, KOBJ_TEST, &tobj_ops);
	uint32_t id = grant(&other.k, 0x1234567812345678ull, CAPTAB_XFER_MOVE, NULL);
	/* A CapSet entry with the right slot but an old generation names nothing. */
	struct capos_capset_entry *e = &capset.entries[capset.hdr.count++];
	strcpy(e->name, "stale");
	e->cap = capos_cap_make(capos_cap_slot(id), capos_cap_gen(id) + 1);
	const struct want_info want[] = {
		{ F.cm_id, capos_CapabilityManager_TYPE_ID, "capmgr", "CapabilityManager", true,
		  false, false, 0 },
		{ F.cons_id, capos_Console_TYPE_ID, "console", "Console", true, false, false, 0 },
		{ F.handle_id, capos_ProcessHandle_TYPE_ID, "", "ProcessHandle", false, false,
		  false, 0 },
		{ id, 0x1234567812345678ull, "", "", true, false, false, 0 },
	};
	CHECK(list_is(want, 4));
	CHECK(fix_clean());
	CHECK_UEQ(kobj_refs(&other.k), 1);
}

TEST(capmgr_usage_exact)
{
	fix_init();
	struct capos_cqe c = call(capos_CapabilityManager_METHOD_usage);
	struct capnp_msg m;
	struct capos_CapabilityManager_usage_Results_r r;
	struct capos_ResourceUsage_r u;
	CHECK_EQ(c.status, CAPOS_OK);
	CHECK_EQ(results(&c, &m), CAPOS_OK);
	CHECK_EQ(capos_CapabilityManager_usage_Results_read_root(&m, &r), CAPOS_OK);
	CHECK_EQ(capos_CapabilityManager_usage_Results_get_usage(&r, &u), CAPOS_OK);
	CHECK_EQ(capos_ResourceUsage_get_capSlots(&u), 3);
	CHECK_EQ(capos_ResourceUsage_get_capSlotsMax(&u), 8);
	CHECK_EQ(capos_ResourceUsage_get_framePages(&u), 37);
	CHECK_EQ(capos_ResourceUsage_get_framePagesMax(&u), 1024);
	CHECK_EQ(capos_ResourceUsage_get_virtualBytes(&u), 8192);
	CHECK_UEQ(capos_ResourceUsage_get_virtualBytesMax(&u), 1ull << 30);
	CHECK_EQ(capos_ResourceUsage_get_threads(&u), 1);
	CHECK_EQ(capos_ResourceUsage_get_threadsMax(&u), 16);
	CHECK_EQ(capos_ResourceUsage_get_outstandingCalls(&u), 2);
	CHECK_EQ(capos_ResourceUsage_get_outstandingCallsMax(&u), 64);
	CHECK_EQ(capos_ResourceUsage_get_childProcesses(&u), 4);
	CHECK_EQ(capos_ResourceUsage_get_childProcessesMax(&u), 16);
	CHECK_UEQ(capos_ResourceUsage_get_ringScratchBytes(&u), 12288);
	CHECK_UEQ(capos_ResourceUsage_get_ringScratchBytesMax(&u), 65536);
	CHECK_UEQ(capos_ResourceUsage_get_kernelBytes(&u), 5000);
	CHECK_UEQ(capos_ResourceUsage_get_kernelBytesMax(&u), UINT64_MAX);
	CHECK(seen_caller == &F);
	/* A backend failure is the call's failure (a CapException with its status). */
	usage_fail = CAPOS_ERR_NO_MEMORY;
	c = call(capos_CapabilityManager_METHOD_usage);
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK(fix_clean());
}

TEST(capmgr_derive_revoke_roundtrip)
{
	const struct captab_entry *e;
	uint32_t d1, d2, dd, count = 99;

	fix_init();
	CHECK_EQ(derive(F.cons_id, &d1), CAPOS_OK);
	CHECK_EQ(derive(F.cons_id, &d2), CAPOS_OK);
	CHECK_EQ(derive(d1, &dd), CAPOS_OK);
	CHECK_UEQ(ra.live, 4); /* console's root, d1, d2, dd */
	CHECK_EQ(captab_lookup(&F.table, dd, capos_Console_TYPE_ID, &e), CAPOS_OK);
	CHECK(e->obj == &F.cons.k && e->xfer == CAPTAB_XFER_COPY);
	const struct want_info before[] = {
		{ F.cm_id, capos_CapabilityManager_TYPE_ID, "capmgr", "CapabilityManager", true,
		  false, false, 0 },
		{ F.cons_id, capos_Console_TYPE_ID, "console", "Console", true, false, false, 0 },
		{ F.handle_id, capos_ProcessHandle_TYPE_ID, "", "ProcessHandle", false, false,
		  false, 0 },
		{ d1, capos_Console_TYPE_ID, "", "Console", true, true, false, 1 },
		{ d2, capos_Console_TYPE_ID, "", "Console", true, true, false, 1 },
		{ dd, capos_Console_TYPE_ID, "", "Console", true, true, false, 2 },
	};
	CHECK(list_is(before, 6));
	/* Revoking d1 reaches dd only. */
	CHECK_EQ(revoke(d1, &count), CAPOS_OK);
	CHECK_UEQ(count, 1);
	CHECK_EQ(captab_lookup(&F.table, dd, capos_Console_TYPE_ID, &e), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(captab_lookup(&F.table, d1, capos_Console_TYPE_ID, &e), CAPOS_OK);
	/* Revoking the console reaches d1 and d2; the console itself stays valid. */
	CHECK_EQ(revoke(F.cons_id, &count), CAPOS_OK);
	CHECK_UEQ(count, 2);
	CHECK_EQ(captab_lookup(&F.table, F.cons_id, capos_Console_TYPE_ID, &e), CAPOS_OK);
	CHECK_EQ(captab_lookup(&F.table, d2, capos_Console_TYPE_ID, &e), CAPOS_ERR_CAP_REVOKED);
	const struct want_info after[] = {
		{ F.cm_id, capos_CapabilityManager_TYPE_ID, "capmgr", "CapabilityManager", true,
		  false, false, 0 },
		{ F.cons_id, capos_Console_TYPE_ID, "console", "Console", true, false, false, 0 },
		{ F.handle_id, capos_ProcessHandle_TYPE_ID, "", "ProcessHandle", false, false,
		  false, 0 },
		{ d1, capos_Console_TYPE_ID, "", "Console", true, true, true, 1 },
		{ d2, capos_Console_TYPE_ID, "", "Console", true, true, true, 1 },
		{ dd, capos_Console_TYPE_ID, "", "Console", true, true, true, 2 },
	};
	CHECK(list_is(after, 6));
	/* Again: nothing new to revoke; a cap never derived from revokes nothing. */
	CHECK_EQ(revoke(F.cons_id, &count), CAPOS_OK);
	CHECK_UEQ(count, 0);
	CHECK_EQ(revoke(F.cm_id, &count), CAPOS_OK);
	CHECK_UEQ(count, 0);
	/* A fresh derive after the revoke is valid. */
	uint32_t d3;
	CHECK_EQ(derive(F.cons_id, &d3), CAPOS_OK);
	CHECK_EQ(captab_lookup(&F.table, d3, capos_Console_TYPE_ID, &e), CAPOS_OK);
	/* Releasing revoked caps works; everything is freed with the table. */
	CHECK_EQ(captab_release(&F.table, d1), CAPOS_OK);
	CHECK_EQ(captab_release(&F.table, dd), CAPOS_OK);
	CHECK(fix_clean());
}

TEST(capmgr_derive_hostile)
{
	struct hcall h;
	uint32_t d, id = F.cons_id, count;

	fix_init();
	id = F.cons_id;
	/* Null cap pointer, and an index past the CALL's caps. */
	CHECK_EQ(hrun(&h, capos_CapabilityManager_METHOD_derive, CAPNP_CAP_NULL, &id, 1),
		 CAPOS_ERR_INVALID);
	CHECK_EQ(hrun(&h, capos_CapabilityManager_METHOD_derive, 1, &id, 1), CAPOS_ERR_INVALID);
	CHECK_EQ(hrun(&h, capos_CapabilityManager_METHOD_derive, 0, &id, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(hrun(&h, capos_CapabilityManager_METHOD_revoke, 0, &id, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(h.c.out.n, 0);
	/* A table-bound cap is not derivable (a derived cap is a copy). */
	CHECK_EQ(derive(F.handle_id, &d), CAPOS_ERR_CAP_NOT_TRANSFERABLE);
	/* Allocation failure, first the root then the child: nothing changes. */
	fail_allocs = 1;
	CHECK_EQ(derive(F.cons_id, &d), CAPOS_ERR_NO_MEMORY);
	CHECK_UEQ(ra.live, 0);
	skip_allocs = 1; /* the root is made, the child fails: the root goes again */
	fail_allocs = 1;
	CHECK_EQ(derive(F.cons_id, &d), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(fail_allocs, 0);
	CHECK_UEQ(ra.live, 0);
	CHECK(F.slots[capos_cap_slot(F.cons_id)].rnode == NULL);
	CHECK_EQ(F.table.nlive, 3);
	/* Chained derives up to the bound, then the typed error. */
	uint32_t chain = F.cons_id;
	for (unsigned i = 1; i <= REVOKE_DEPTH_MAX && i < 5; i++)
		CHECK_EQ(derive(chain, &chain), CAPOS_OK);
	CHECK_EQ(F.table.nlive, 7);
	CHECK_EQ(revoke(F.cons_id, &count), CAPOS_OK);
	CHECK_UEQ(count, 4);
	/* A revoked cap cannot be derived from (the lookup refuses it). */
	CHECK_EQ(derive(chain, &d), CAPOS_ERR_CAP_REVOKED);
	CHECK(fix_clean());
}

TEST(capmgr_depth_bound)
{
	struct captab_entry big[REVOKE_DEPTH_MAX + 4];
	uint32_t chain, d;

	fix_init();
	/* A bigger table for the whole chain. */
	(void)captab_clear(&F.table);
	(void)captab_init(&F.table, big, REVOKE_DEPTH_MAX + 4);
	chain = grant(&F.cons.k, capos_Console_TYPE_ID, CAPTAB_XFER_COPY, NULL);
	F.cm_id = grant(&F.cm.k, capos_CapabilityManager_TYPE_ID, CAPTAB_XFER_COPY, NULL);
	for (unsigned i = 1; i <= REVOKE_DEPTH_MAX; i++)
		CHECK_EQ(derive(chain, &chain), CAPOS_OK);
	uint32_t live = F.table.nlive, nodes = ra.live;
	CHECK_EQ(derive(chain, &d), CAPOS_ERR_CAP_DERIVE_DEPTH);
	CHECK_UEQ(F.table.nlive, live);
	CHECK_UEQ(ra.live, nodes);
	CHECK_EQ(captab_clear(&F.table), CAPOS_OK);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(kobj_refs(&F.cons.k), 1);
}

TEST(capmgr_stale_and_forged_sources)
{
	uint32_t d, count;

	fix_init();
	CHECK_EQ(derive(F.cons_id, &d), CAPOS_OK);
	CHECK_EQ(captab_release(&F.table, d), CAPOS_OK);
	/* The released id is stale: kcall's read of caps_in (prepare_send) refuses it. */
	CHECK_EQ(derive(d, &d), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(revoke(d, &count), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(derive(0, &d), CAPOS_ERR_CAP_BAD_ID);
	CHECK_EQ(derive(capos_cap_make(200, 1), &d), CAPOS_ERR_CAP_BAD_ID);
	/* The pure step refuses them too (it never trusts caps_in_ids). */
	struct captab_item out;
	CHECK_EQ(kcapmgr_derive(&F.table, &ra, NULL, d, &out), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(kcapmgr_derive(&F.table, &ra, NULL, capos_cap_make(6, 1), &out),
		 CAPOS_ERR_CAP_EMPTY);
	CHECK(fix_clean());
}

TEST(capmgr_interface_names)
{
	CHECK_STREQ(kcapmgr_interface_name(capos_Console_TYPE_ID), "Console");
	CHECK_STREQ(kcapmgr_interface_name(capos_Endpoint_TYPE_ID), "Endpoint");
	CHECK_STREQ(kcapmgr_interface_name(0), "");
	CHECK_STREQ(kcapmgr_interface_name(0x42), "");
}

TEST(capmgr_init_rejects_bad_arguments)
{
	struct kcapmgr cm;
	static const struct kcapmgr_backend nousage = { NULL, f_capset_get, f_capset_put };
	CHECK_EQ(kcapmgr_init(NULL, &fbe, &ra, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(kcapmgr_init(&cm, NULL, &ra, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(kcapmgr_init(&cm, &nousage, &ra, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(kcapmgr_init(&cm, &fbe, NULL, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(kcapmgr_init(&cm, &fbe, &ra, NULL), CAPOS_OK);
}

/* A default table (64 slots) with 63 live caps and the longest CapSet names does not
 * fit the kernel's 4 KiB result scratch in one list (RING_QUOTA, documented);
 * listRange pages through it within the bound and returns every cap exactly once.
 * With all 64 live, usage still answers and derive is CAP_TABLE_FULL. */
TEST(capmgr_full_table_pages)
{
	static struct captab_entry slots[64];
	static uint64_t rs4k[4096 / 8];
	static uint64_t pb[8];
	uint32_t seen = 0, start = 0, pages = 0;
	bool more = true;

	fix_init();
	(void)captab_clear(&F.table);
	(void)captab_init(&F.table, slots, 64);
	F.env.results_scratch = rs4k;
	F.env.results_scratch_bytes = sizeof(rs4k);
	capset.hdr.count = 0;
	F.cm_id = grant(&F.cm.k, capos_CapabilityManager_TYPE_ID, CAPTAB_XFER_COPY, NULL);
	for (int i = 1; i < 63; i++)
		(void)grant(&F.cons.k, capos_SchedulingPolicy_TYPE_ID, CAPTAB_XFER_COPY, NULL);
	for (int i = 0; i < 63; i++) {
		memset(capset.entries[i].name, 'a' + i % 26, 47);
		capset.entries[i].cap = capos_cap_make((uint32_t)i, 1);
	}
	capset.hdr.count = 63;
	struct capos_cqe c = call(capos_CapabilityManager_METHOD_list);
	CHECK_EQ(c.status, CAPOS_ERR_RING_QUOTA);
	while (more) {
		struct capnp_bseg bs;
		struct capnp_builder b;
		struct capos_CapabilityManager_listRange_Params_b p;
		size_t len = 0;
		CHECK_EQ(capnp_builder_init(&b, &bs, 1, pb, sizeof(pb)), CAPOS_OK);
		CHECK_EQ(capos_CapabilityManager_listRange_request(&b, &p), CAPOS_OK);
		capos_CapabilityManager_listRange_Params_set_startSlot(&p, start);
		CHECK_EQ(capnp_builder_write_framed(&b, umem, 0x800, &len), CAPOS_OK);
		struct ring_op op = { .opcode = CAPOS_OP_CALL,
				      .cap = F.cm_id,
				      .interface_id = capos_CapabilityManager_TYPE_ID,
				      .method = capos_CapabilityManager_METHOD_listRange,
				      .params_addr = UBASE,
				      .params_len = (uint32_t)len,
				      .result_addr = RES,
				      .result_len = 0x4000 };
		c = (struct capos_cqe){ 0 };
		kcall_exec(&F.env, &op, &c);
		CHECK_EQ(c.status, CAPOS_OK);
		struct capnp_msg m;
		struct capos_CapabilityManager_listRange_Results_r r;
		struct capos_CapabilityInfo_rlist l;
		CHECK_EQ(results(&c, &m), CAPOS_OK);
		CHECK_EQ(capos_CapabilityManager_listRange_Results_read_root(&m, &r), CAPOS_OK);
		CHECK_EQ(capos_CapabilityManager_listRange_Results_get_caps(&r, &l), CAPOS_OK);
		uint32_t n = capos_CapabilityInfo_list_len(&l);
		CHECK(n <= KCAPMGR_PAGE);
		for (uint32_t i = 0; i < n; i++) {
			struct capos_CapabilityInfo_r e = capos_CapabilityInfo_list_get(&l, i);
			CHECK_UEQ(capos_CapabilityInfo_get_capId(&e), capos_cap_make(seen + i, 1));
		}
		seen += n;
		start = capos_CapabilityManager_listRange_Results_get_nextSlot(&r);
		more = capos_CapabilityManager_listRange_Results_get_more(&r);
		CHECK(++pages <= 3);
	}
	CHECK_EQ(seen, 63);
	CHECK_EQ(pages, 3);
	CHECK_EQ(start, 63);
	uint32_t last = grant(&F.cons.k, capos_SchedulingPolicy_TYPE_ID, CAPTAB_XFER_COPY, NULL);
	CHECK_UEQ(capos_cap_slot(last), 63);
	/* A full table: usage still answers (it queues no cap, so kcall reserves no slot);
	 * derive is refused before its handler runs (no slot for the derived cap). */
	c = call(capos_CapabilityManager_METHOD_usage);
	CHECK_EQ(c.status, CAPOS_OK);
	c = call(capos_CapabilityManager_METHOD_derive);
	CHECK_EQ(c.status, CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(ra.live, 0);
	CHECK_EQ(captab_clear(&F.table), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&F.cons.k), 1);
	CHECK_UEQ(kobj_refs(&F.cm.k), 1);
}
