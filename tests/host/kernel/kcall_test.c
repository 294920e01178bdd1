/*
 * Host tests of kernel-object invocation (kernel/cap/kcall.c with kernel/cap/captab.c,
 * kobj.c, ring.c and lib/capnp, all unmodified). Test objects implement the real
 * Console and Timer interfaces through the capnpc-c dispatch skeletons; "user memory"
 * is an array behind fake checked-copy helpers. Every CALL outcome of the contract is
 * asserted with its exact status: success with framed results, each lookup error,
 * method range, scratch bound, copy faults, malformed params (framing, trailing bytes,
 * a bad pointer met by the handler), result buffer too small, CapException with its
 * fields, transport codes from handlers, result scratch exhaustion, RELEASE, and one
 * CALL end to end through ring_drain.
 */
#include "test.h"

#include <stdio.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/kcall.h>
#include <kernel/kobj.h>
#include <kernel/ring.h>
#include <schema/capos.capnp.h>

/* ---- fake user memory: [UBASE, UBASE + sizeof(umem)) is mapped */
#define UBASE 0x500000ull
static uint8_t umem[1 << 16] __attribute__((aligned(8)));

static int fake_copy_in(void *ctx, void *dst, uint64_t uaddr, uint32_t len)
{
	(void)ctx;
	if (uaddr < UBASE || uaddr - UBASE > sizeof(umem) || len > sizeof(umem) - (uaddr - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(dst, umem + (uaddr - UBASE), len);
	return 0;
}

/* [fault_lo, fault_hi) behaves as an unmapped page for copy_out (0, 0: none). */
static uint64_t fault_lo, fault_hi;

static int fake_copy_out(void *ctx, uint64_t uaddr, const void *src, uint32_t len)
{
	(void)ctx;
	if (uaddr < fault_hi && uaddr + len > fault_lo)
		return CAPOS_ERR_BAD_ADDRESS;
	if (uaddr < UBASE || uaddr - UBASE > sizeof(umem) || len > sizeof(umem) - (uaddr - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(umem + (uaddr - UBASE), src, len);
	return 0;
}

/* ---- test objects */
struct tcons {
	struct kobj k;
	char out[128];
	unsigned calls;
	int fail_with; /* status the handler returns after validating */
	int released;
};

struct ttimer {
	struct kobj k;
	uint64_t now;
	int released;
};

static void tcons_release(struct kobj *o)
{
	((struct tcons *)o)->released++;
}
static void ttimer_release(struct kobj *o)
{
	((struct ttimer *)o)->released++;
}
static const struct kobj_ops tcons_ops = { "console", tcons_release };
static const struct kobj_ops ttimer_ops = { "timer", ttimer_release };

static int tcons_write_line(void *self, const struct capos_Console_writeLine_Params_r *p,
			    struct capos_Console_writeLine_Results_b *r)
{
	struct tcons *c = self;
	struct capnp_text t;
	(void)r;
	int err = capos_Console_writeLine_Params_get_text(p, &t);
	if (err)
		return err;
	if (t.len >= sizeof(c->out))
		return CAPOS_ERR_INVALID;
	if (c->fail_with)
		return c->fail_with;
	memcpy(c->out, t.str, t.len);
	c->out[t.len] = 0;
	c->calls++;
	return 0;
}

static const struct capos_Console_server tcons_server = { .writeLine = tcons_write_line };

static int tcons_call(struct kcall_ctx *c)
{
	return capos_Console_dispatch(&tcons_server, c->obj, c->method, c->params, c->results);
}

static int ttimer_now(void *self, const struct capos_Timer_now_Params_r *p,
		      struct capos_Timer_now_Results_b *r)
{
	(void)p;
	capos_Timer_now_Results_set_ns(r, ((struct ttimer *)self)->now);
	return 0;
}

static const struct capos_Timer_server ttimer_server = { .now = ttimer_now };

static int ttimer_call(struct kcall_ctx *c)
{
	return capos_Timer_dispatch(&ttimer_server, c->obj, c->method, c->params, c->results);
}

static const struct kcall_iface console_iface = { .interface_id = capos_Console_TYPE_ID,
						  .method_count = capos_Console_METHOD_COUNT,
						  .kobj_type = KOBJ_CONSOLE,
						  .call = tcons_call };
static const struct kcall_iface timer_iface = { .interface_id = capos_Timer_TYPE_ID,
						.method_count = capos_Timer_METHOD_COUNT,
						.kobj_type = KOBJ_TIMER,
						.call = ttimer_call };
/* A KOBJ_TEST object whose handler records what kcall_exec hands it. */
#define PROBE_IID 0x7E57C0DE00000001ull
struct tprobe {
	struct kobj k;
	struct kcall_ctx seen; /* copy of the last context */
	int result_cap_status; /* kcall_result_cap of itself, as a handler would */
	int bad_item_status;   /* kcall_result_cap of an item without an object */
	unsigned calls;
	unsigned acted; /* method 1: side effects done after kcall_result_room agreed */
};

static void tprobe_release(struct kobj *o)
{
	(void)o;
}
static const struct kobj_ops tprobe_ops = { "probe", tprobe_release };

static int tprobe_call(struct kcall_ctx *c)
{
	struct tprobe *p = (struct tprobe *)c->obj;
	struct captab_item self = {
		.obj = &p->k, .interface_id = PROBE_IID, .badge = 0, .xfer = CAPTAB_XFER_COPY
	};
	struct captab_item bad = {
		.obj = NULL, .interface_id = PROBE_IID, .badge = 0, .xfer = CAPTAB_XFER_COPY
	};
	uint32_t idx = 99;

	p->calls++;
	p->seen = *c;
	if (c->method == 1) { /* builds an 8-byte Timer.now result, then asks for 2 caps */
		struct capos_Timer_now_Results_b r;
		int err = capos_Timer_now_init_results(c->results, &r);

		if (err == 0)
			err = kcall_result_room(c, 2);
		if (err)
			return err;
		p->acted++;
		capos_Timer_now_Results_set_ns(&r, 5);
		return 0;
	}
	if (c->method == 3) { /* reserves 100 bytes for an answer not built yet */
		int err = kcall_result_room_bytes(c, 100);

		if (err)
			return err;
		p->acted++;
		return 0;
	}
	p->bad_item_status = kcall_result_cap(c, &bad, &idx);
	p->result_cap_status = kcall_result_cap(c, &self, &idx);
	return 0;
}

static const struct kcall_iface probe_iface = {
	.interface_id = PROBE_IID, .method_count = 4, .kobj_type = KOBJ_TEST, .call = tprobe_call
};
/*
 * A KOBJ_TEST object that takes and returns caps, two ways: the real CapabilityManager
 * interface shape (derive: cap index in params -> cap index in results, through the
 * generated dispatch with the kcall_ctx as `self`), and a raw BOX interface whose
 * methods exercise the transfer paths.
 */
#define BOX_IID 0x7E57B0C500000002ull
#define BOX_MAX_OUT 4
enum { BOX_ECHO, BOX_KEEP, BOX_FAIL, BOX_FRESH, BOX_FLOOD, BOX_METHODS };

struct tfresh {
	struct kobj k;
	int released;
};

struct tbox {
	struct kobj k;
	unsigned calls;
	struct kobj *kept[CAPOS_XFER_MAX]; /* references the object took on caps_in */
	unsigned nkept;
	int flood_status[BOX_MAX_OUT + 1];
	struct tfresh fresh; /* BOX_FRESH's new object */
};

static void tfresh_release(struct kobj *o)
{
	((struct tfresh *)o)->released++;
}
static const struct kobj_ops tfresh_ops = { "fresh", tfresh_release };
static const struct kobj_ops tbox_ops = { "box", tprobe_release };

static int tmgr_derive(void *self, const struct capos_CapabilityManager_derive_Params_r *p,
		       struct capos_CapabilityManager_derive_Results_b *r)
{
	struct kcall_ctx *c = self;
	uint32_t in, out;
	int err = capos_CapabilityManager_derive_Params_get_cap(p, &in);

	if (err)
		return err;
	if (in >= c->ncaps_in)
		return CAPOS_ERR_INVALID;
	((struct tbox *)c->obj)->calls++;
	err = kcall_result_cap(c, &c->caps_in[in], &out);
	return err ? err : capos_CapabilityManager_derive_Results_set_derived(r, out);
}

static const struct capos_CapabilityManager_server tmgr_server = { .derive = tmgr_derive };

static int tmgr_call(struct kcall_ctx *c)
{
	return capos_CapabilityManager_dispatch(&tmgr_server, c, c->method, c->params, c->results);
}

static int tbox_call(struct kcall_ctx *c)
{
	struct tbox *b = (struct tbox *)c->obj;
	uint32_t idx;
	int err = 0;

	b->calls++;
	switch (c->method) {
	case BOX_ECHO: /* every cap sent comes back as a result cap, in order */
		for (uint32_t i = 0; i < c->ncaps_in && !err; i++)
			err = kcall_result_cap(c, &c->caps_in[i], &idx);
		return err;
	case BOX_KEEP: /* the object keeps what it was sent */
		for (uint32_t i = 0; i < c->ncaps_in; i++) {
			(void)kobj_get(c->caps_in[i].obj);
			b->kept[b->nkept++] = c->caps_in[i].obj;
		}
		return 0;
	case BOX_FAIL: /* queues a result cap, then refuses */
		if (c->ncaps_in)
			(void)kcall_result_cap(c, &c->caps_in[0], &idx);
		return CAPOS_ERR_INVALID;
	case BOX_FRESH: { /* a new object whose only reference is the queued result cap */
		struct captab_item it = { .obj = &b->fresh.k,
					  .interface_id = BOX_IID,
					  .badge = 0,
					  .xfer = CAPTAB_XFER_NONE };
		memset(&b->fresh, 0, sizeof(b->fresh));
		(void)kobj_init(&b->fresh.k, KOBJ_TEST, &tfresh_ops);
		err = kcall_result_cap(c, &it, &idx);
		(void)kobj_put(&b->fresh.k); /* the creator's reference */
		return err;
	}
	default: /* BOX_FLOOD: one more result cap than max_caps_out */
		for (uint32_t i = 0; i <= BOX_MAX_OUT; i++) {
			struct captab_item it = { .obj = c->obj,
						  .interface_id = BOX_IID,
						  .badge = i,
						  .xfer = CAPTAB_XFER_COPY };
			b->flood_status[i] = kcall_result_cap(c, &it, &idx);
		}
		return 0;
	}
}

static const struct kcall_iface mgr_iface = { .interface_id = capos_CapabilityManager_TYPE_ID,
					      .method_count = capos_CapabilityManager_METHOD_COUNT,
					      .kobj_type = KOBJ_TEST,
					      .max_caps_out = 1,
					      .call = tmgr_call };
/* BOX_FLOOD's bound is above max_caps_out: the lower one wins. */
static const uint8_t box_caps_out[BOX_METHODS] = { [BOX_ECHO] = BOX_MAX_OUT,
						   [BOX_KEEP] = 0,
						   [BOX_FAIL] = 1,
						   [BOX_FRESH] = 1,
						   [BOX_FLOOD] = BOX_MAX_OUT + 3 };
static const struct kcall_iface box_iface = { .interface_id = BOX_IID,
					      .method_count = BOX_METHODS,
					      .kobj_type = KOBJ_TEST,
					      .max_caps_out = BOX_MAX_OUT,
					      .call = tbox_call,
					      .caps_out = box_caps_out };
static const struct kcall_iface *const ifaces[] = { &console_iface, &timer_iface, &probe_iface,
						    &mgr_iface, &box_iface };

/* ---- fixture */
struct fix {
	struct captab table;
	struct captab_entry slots[16];
	struct tcons cons;
	struct ttimer timer;
	struct tprobe probe;
	struct tbox box;
	uint32_t cons_id, timer_id, probe_id, box_id, mgr_id;
	uint64_t pscratch[64]; /* 512-byte params bound */
	uint64_t rscratch[32]; /* 256-byte result scratch */
	struct kcall_env env;
};

static struct fix F;

static void fix_init(void)
{
	memset(&F, 0, sizeof(F));
	memset(umem, 0, sizeof(umem));
	(void)captab_init(&F.table, F.slots, 16);
	fault_lo = fault_hi = 0;
	(void)kobj_init(&F.cons.k, KOBJ_CONSOLE, &tcons_ops);
	(void)kobj_init(&F.timer.k, KOBJ_TIMER, &ttimer_ops);
	F.timer.now = 123456789;
	struct captab_item ci = { .obj = &F.cons.k,
				  .interface_id = capos_Console_TYPE_ID,
				  .badge = 0,
				  .xfer = CAPTAB_XFER_COPY };
	struct captab_item ti = { .obj = &F.timer.k,
				  .interface_id = capos_Timer_TYPE_ID,
				  .badge = 0,
				  .xfer = CAPTAB_XFER_COPY };
	(void)captab_insert(&F.table, &ci, &F.cons_id);
	(void)captab_insert(&F.table, &ti, &F.timer_id);
	(void)kobj_init(&F.probe.k, KOBJ_TEST, &tprobe_ops);
	struct captab_item pi = { .obj = &F.probe.k,
				  .interface_id = PROBE_IID,
				  .badge = 0xB4D6E,
				  .xfer = CAPTAB_XFER_COPY };
	(void)captab_insert(&F.table, &pi, &F.probe_id);
	(void)kobj_init(&F.box.k, KOBJ_TEST, &tbox_ops);
	struct captab_item bi = {
		.obj = &F.box.k, .interface_id = BOX_IID, .badge = 0, .xfer = CAPTAB_XFER_NONE
	};
	struct captab_item mi = { .obj = &F.box.k,
				  .interface_id = capos_CapabilityManager_TYPE_ID,
				  .badge = 0,
				  .xfer = CAPTAB_XFER_NONE };
	(void)captab_insert(&F.table, &bi, &F.box_id);
	(void)captab_insert(&F.table, &mi, &F.mgr_id);
	F.env = (struct kcall_env){
		.table = &F.table,
		.caller = &F,
		.ifaces = ifaces,
		.nifaces = 5,
		.copy_in = fake_copy_in,
		.copy_out = fake_copy_out,
		.params_scratch = F.pscratch,
		.params_scratch_bytes = sizeof(F.pscratch),
		.results_scratch = F.rscratch,
		.results_scratch_bytes = sizeof(F.rscratch),
	};
}

/* Frames a Console.writeLine request for `text` at user address `va`; returns its size. */
static uint32_t put_write_line(uint64_t va, const char *text)
{
	static uint64_t buf[64];
	struct capnp_bseg seg;
	struct capnp_builder b;
	struct capos_Console_writeLine_Params_b p;
	size_t n = 0;
	if (capnp_builder_init(&b, &seg, 1, buf, sizeof(buf)) ||
	    capos_Console_writeLine_request(&b, &p) ||
	    capos_Console_writeLine_Params_set_text(&p, text, (uint32_t)strlen(text)) ||
	    capnp_builder_write_framed(&b, umem + (va - UBASE), sizeof(umem) - (va - UBASE), &n))
		return 0;
	return (uint32_t)n;
}

static struct ring_op call_op(uint32_t cap, uint64_t iid, uint16_t method, uint64_t pa, uint32_t pl,
			      uint64_t ra, uint32_t rl)
{
	return (struct ring_op){ .opcode = CAPOS_OP_CALL,
				 .cap = cap,
				 .interface_id = iid,
				 .method = method,
				 .params_addr = pa,
				 .params_len = pl,
				 .result_addr = ra,
				 .result_len = rl };
}

static struct capos_cqe run(struct ring_op op)
{
	struct capos_cqe cqe = { 0 };
	kcall_exec(&F.env, &op, &cqe);
	return cqe;
}

#define RES (UBASE + 0x8000)

TEST(kcall_console_write_line)
{
	fix_init();
	uint32_t n = put_write_line(UBASE, "hello, ring");
	CHECK(n > 0);
	struct capos_cqe c = run(call_op(F.cons_id, capos_Console_TYPE_ID,
					 capos_Console_METHOD_writeLine, UBASE, n, RES, 64));
	CHECK_EQ(c.status, 0);
	CHECK_STREQ(F.cons.out, "hello, ring");
	CHECK_UEQ(F.cons.calls, 1);
	CHECK_UEQ(c.result_len, 16); /* framing header + a root pointer to an empty struct */
	/* Without a result buffer, all-default results are simply not delivered. */
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, capos_Console_METHOD_writeLine, UBASE, n,
			0, 0));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.result_len, 0);
	CHECK_UEQ(F.cons.calls, 2);
}

TEST(kcall_handler_context)
{
	fix_init();
	uint32_t refs = kobj_refs(&F.probe.k);
	struct capos_cqe c = run(call_op(F.probe_id, PROBE_IID, 2, 0, 0, 0, 0));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.probe.calls, 1);
	CHECK(F.probe.seen.obj == &F.probe.k);
	CHECK_UEQ(F.probe.seen.method, 2);
	CHECK_UEQ(F.probe.seen.badge, 0xB4D6E);
	CHECK(F.probe.seen.table == &F.table);
	CHECK(F.probe.seen.caller == &F);
	CHECK(F.probe.seen.params != NULL && F.probe.seen.results != NULL);
	CHECK(F.probe.seen.caps_in == NULL);
	CHECK_UEQ(F.probe.seen.ncaps_in, 0);
	/* An interface without max_caps_out can queue no result cap; a bad item is refused
	 * first. Neither leaves a reference behind. */
	CHECK_EQ(F.probe.bad_item_status, CAPOS_ERR_INVALID);
	CHECK_EQ(F.probe.result_cap_status, CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(kobj_refs(&F.probe.k), refs);
	CHECK_UEQ(captab_live(&F.table), 5);
}

/* kcall_result_room: framed results (8 header + 8 root + 8 data) + 2 x 16 records =
 * 56 bytes are needed before the handler acts; too small reports the need, a faulting
 * buffer is found by the write probe, and neither lets the side effect happen. */
TEST(kcall_result_room_refuses_before_side_effects)
{
	fix_init();
	struct capos_cqe c = run(call_op(F.probe_id, PROBE_IID, 1, 0, 0, RES, 55));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(c.result_len, 56);
	CHECK_UEQ(F.probe.seen.result_cap, 55);
	c = run(call_op(F.probe_id, PROBE_IID, 1, 0, 0, 0, 0));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(c.result_len, 56);
	fault_lo = RES + 48; /* the last record's page "unmapped" */
	fault_hi = RES + 4096;
	c = run(call_op(F.probe_id, PROBE_IID, 1, 0, 0, RES, 64));
	fault_lo = fault_hi = 0;
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_FAULT);
	CHECK_UEQ(c.result_len, 0);
	CHECK_UEQ(F.probe.acted, 0);
	CHECK_UEQ(F.probe.calls, 3);
	/* Enough room: the handler acts (it queues no cap, so the answer is 24 bytes). */
	memset(umem + (RES - UBASE), 0xAA, 64);
	c = run(call_op(F.probe_id, PROBE_IID, 1, 0, 0, RES, 56));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.result_len, 24);
	CHECK_UEQ(F.probe.acted, 1);
	CHECK_UEQ(umem[RES - UBASE + 40], 0); /* the probe wrote zeros over all 56 bytes */
	CHECK_UEQ(captab_live(&F.table), 5);
}

/* kcall_result_room_bytes (a read whose answer comes later): 100 bytes reserved; too
 * small reports 100 as needed, a faulting buffer is found by the probe, and the handler
 * acts only when both hold. */
TEST(kcall_result_room_bytes_reserves_the_largest_answer)
{
	fix_init();
	struct capos_cqe c = run(call_op(F.probe_id, PROBE_IID, 3, 0, 0, RES, 99));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(c.result_len, 100);
	fault_lo = RES + 96;
	fault_hi = RES + 4096;
	c = run(call_op(F.probe_id, PROBE_IID, 3, 0, 0, RES, 100));
	fault_lo = fault_hi = 0;
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_FAULT);
	CHECK_UEQ(F.probe.acted, 0);
	memset(umem + (RES - UBASE), 0xAA, 128);
	c = run(call_op(F.probe_id, PROBE_IID, 3, 0, 0, RES, 128));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.probe.acted, 1);
	CHECK_UEQ(umem[RES - UBASE + 99], 0);	  /* probed with zeros over the 100 bytes */
	CHECK_UEQ(umem[RES - UBASE + 100], 0xAA); /* and not beyond */
}

/* The exception-type table of docs/abi.md §6. */
TEST(kcall_exception_type_table)
{
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_INVALID), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_OUT_OF_RANGE), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_OVERFLOW), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_ALIGNMENT), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_NO_MEMORY), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_BUSY), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_UNSUPPORTED), capos_ExceptionType_unimplemented);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_CAPNP_UNIMPLEMENTED),
		 capos_ExceptionType_unimplemented);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_SPAWN_UNKNOWN_BINARY),
		 capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_SPAWN_PROFILE),
		 capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_SPAWN_CHILD_QUOTA), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_SPAWN_WAIT_BUSY), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_SPAWN_FACET_INTERFACE),
		 capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_SPAWN_MODE_MISMATCH),
		 capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_MEMOBJ_PAGES), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_MEMOBJ_OVERLAP),
		 capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_MEMOBJ_TOO_MANY_MAPS),
		 capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_MEMOBJ_NO_SPACE), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_TERM_BUSY), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_TERM_NO_INPUT), capos_ExceptionType_failed);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_MEMOBJ_OBJECT_MAPPING),
		 capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_VMR_OVERLAP), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_VMR_GUARD), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_VMR_TOO_MANY), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_VMR_NO_SPACE), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(-391), capos_ExceptionType_failed);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_EXISTS), capos_ExceptionType_failed);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_ELF_BAD_MAGIC), capos_ExceptionType_failed);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_MANIFEST_LIMIT), capos_ExceptionType_failed);
	CHECK_EQ(kcall_exception_type(-303), capos_ExceptionType_failed);
	/* every quota class: overloaded (it clears when the process gives something back) */
	for (int q = CAPOS_ERR_QUOTA_CAP_SLOTS; q >= CAPOS_ERR_QUOTA_KERNEL_MEMORY; q--)
		CHECK_EQ(kcall_exception_type(q), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(-367), capos_ExceptionType_failed);
	/* the block after the quota block is the memory objects' (invalidArgument) */
	CHECK_EQ(kcall_exception_type(-384), capos_ExceptionType_invalidArgument);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_KERNEL_LOW_MEMORY), capos_ExceptionType_overloaded);
	CHECK_EQ(kcall_exception_type(CAPOS_ERR_KERNEL_BAD_CHARGE), capos_ExceptionType_failed);
}

TEST(kcall_timer_now_results_and_no_params)
{
	fix_init();
	struct capos_cqe c = run(
		call_op(F.timer_id, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, 0, 0, RES, 64));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.result_len, 24);
	struct capnp_msg m;
	struct capnp_segment segs[2];
	CHECK_EQ(capnp_msg_init_framed(&m, umem + (RES - UBASE), c.result_len, segs, 2, NULL, NULL),
		 CAPOS_OK);
	struct capos_Timer_now_Results_r r;
	CHECK_EQ(capos_Timer_now_read_results(&m, &r), CAPOS_OK);
	CHECK_UEQ(capos_Timer_now_Results_get_ns(&r), 123456789);
}

TEST(kcall_lookup_errors)
{
	fix_init();
	struct capos_cqe c;
	c = run(call_op(CAPOS_CAP_NULL, capos_Timer_TYPE_ID, 0, 0, 0, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_BAD_ID);
	c = run(call_op(capos_cap_make(7, 1), capos_Timer_TYPE_ID, 0, 0, 0, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_EMPTY);
	c = run(call_op(capos_cap_make(capos_cap_slot(F.timer_id), 9), capos_Timer_TYPE_ID, 0, 0, 0,
			RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_STALE);
	c = run(call_op(F.cons_id, capos_Timer_TYPE_ID, 0, 0, 0, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_WRONG_INTERFACE);
	/* A cap whose interface no kernel type serves, and one whose object type differs. */
	struct captab_item odd = { .obj = &F.cons.k,
				   .interface_id = capos_BootPackage_TYPE_ID,
				   .badge = 0,
				   .xfer = CAPTAB_XFER_COPY };
	uint32_t odd_id;
	CHECK_EQ(captab_insert(&F.table, &odd, &odd_id), CAPOS_OK);
	c = run(call_op(odd_id, capos_BootPackage_TYPE_ID, 0, 0, 0, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_WRONG_INTERFACE);
	struct captab_item liar = { .obj = &F.cons.k,
				    .interface_id = capos_Timer_TYPE_ID,
				    .badge = 0,
				    .xfer = CAPTAB_XFER_COPY };
	uint32_t liar_id;
	CHECK_EQ(captab_insert(&F.table, &liar, &liar_id), CAPOS_OK);
	c = run(call_op(liar_id, capos_Timer_TYPE_ID, 0, 0, 0, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_WRONG_INTERFACE);
	CHECK_UEQ(F.cons.calls, 0);
}

TEST(kcall_method_range_and_params_bounds)
{
	fix_init();
	uint32_t n = put_write_line(UBASE, "x");
	struct capos_cqe c;
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, capos_Console_METHOD_COUNT, UBASE, n, RES,
			64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_METHOD_RANGE);
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, sizeof(F.pscratch) + 8, RES,
			64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_PARAMS_TOO_LARGE);
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, 0x900000, n, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_PARAMS_FAULT);
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE + sizeof(umem) - 8, 16, RES,
			64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_PARAMS_FAULT);
	CHECK_UEQ(F.cons.calls, 0);
}

TEST(kcall_malformed_params)
{
	fix_init();
	struct capos_cqe c;
	/* Framing: a segment count far beyond the message. */
	memset(umem, 0xFF, 64);
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, 64, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_MALFORMED_PARAMS);
	/* Trailing bytes after a valid message. */
	uint32_t n = put_write_line(UBASE, "tail");
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, n + 8, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_MALFORMED_PARAMS);
	/* Valid framing, the text pointer aimed outside the segment: found by the handler. */
	n = put_write_line(UBASE, "pointer");
	uint8_t *text_ptr = umem + 8 + 8; /* header, root pointer, then the struct's pointer */
	text_ptr[4] = 0xFF;		  /* huge list offset */
	text_ptr[3] = 0x7F;
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, n, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_MALFORMED_PARAMS);
	CHECK_UEQ(F.cons.calls, 0);
}

TEST(kcall_result_buffer_too_small_and_fault)
{
	fix_init();
	struct capos_cqe c;
	c = run(call_op(F.timer_id, capos_Timer_TYPE_ID, 0, 0, 0, RES, 16));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(c.result_len, 24);
	c = run(call_op(F.timer_id, capos_Timer_TYPE_ID, 0, 0, 0, 0, 0)); /* ns != 0 */
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(c.result_len, 24);
	c = run(call_op(F.timer_id, capos_Timer_TYPE_ID, 0, 0, 0, 0x900000, 64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_FAULT);
	CHECK_UEQ(c.result_len, 0);
}

TEST(kcall_handler_errors_become_exceptions_or_transport)
{
	fix_init();
	uint32_t n = put_write_line(UBASE, "boom");
	F.cons.fail_with = CAPOS_ERR_OUT_OF_RANGE;
	struct capos_cqe c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, n, RES, 256));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	struct capnp_msg m;
	struct capnp_segment segs[2];
	CHECK_EQ(capnp_msg_init_framed(&m, umem + (RES - UBASE), c.result_len, segs, 2, NULL, NULL),
		 CAPOS_OK);
	struct capos_CapException_r ex;
	CHECK_EQ(capos_CapException_read_root(&m, &ex), CAPOS_OK);
	CHECK_EQ(capos_CapException_get_type(&ex), capos_ExceptionType_invalidArgument);
	CHECK_EQ(capos_CapException_get_status(&ex), CAPOS_ERR_OUT_OF_RANGE);
	struct capnp_text reason;
	CHECK_EQ(capos_CapException_get_reason(&ex, &reason), CAPOS_OK);
	CHECK_STREQ(reason.str, "CAPOS_ERR_OUT_OF_RANGE");
	/* The same exception into a buffer too small for it. */
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, n, RES, 16));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION_TRUNCATED);
	CHECK(c.result_len > 16);
	/* Transport codes from a handler pass through unchanged. */
	F.cons.fail_with = CAPOS_ERR_RING_QUOTA;
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, n, RES, 256));
	CHECK_EQ(c.status, CAPOS_ERR_RING_QUOTA);
	/* An unimplemented method (in range, no handler) is an "unimplemented" exception. */
	F.cons.fail_with = 0;
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, capos_Console_METHOD_write, 0, 0, RES,
			256));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK_EQ(capnp_msg_init_framed(&m, umem + (RES - UBASE), c.result_len, segs, 2, NULL, NULL),
		 CAPOS_OK);
	CHECK_EQ(capos_CapException_read_root(&m, &ex), CAPOS_OK);
	CHECK_EQ(capos_CapException_get_type(&ex), capos_ExceptionType_unimplemented);
}

TEST(kcall_results_beyond_scratch_are_quota)
{
	fix_init();
	F.env.results_scratch_bytes = 16; /* frame header word + the root pointer only */
	struct capos_cqe c = run(call_op(F.timer_id, capos_Timer_TYPE_ID, 0, 0, 0, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_RING_QUOTA);
}

TEST(kcall_release_and_end_to_end_ring)
{
	fix_init();
	static struct capos_ring page __attribute__((aligned(4096)));
	struct ring r;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	uint32_t n = put_write_line(UBASE, "via ring");
	page.sq[0] = (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
					 .cap = F.cons_id,
					 .interface_id = capos_Console_TYPE_ID,
					 .method = capos_Console_METHOD_writeLine,
					 .addr = UBASE,
					 .len = n,
					 .result_addr = RES,
					 .result_len = 64,
					 .user_data = 41 };
	page.sq[1] =
		(struct capos_sqe){ .opcode = CAPOS_OP_RELEASE, .cap = F.cons_id, .user_data = 42 };
	page.sq[2] = (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
					 .cap = F.cons_id,
					 .interface_id = capos_Console_TYPE_ID,
					 .method = capos_Console_METHOD_writeLine,
					 .addr = UBASE,
					 .len = n,
					 .user_data = 43 };
	page.hdr.sq_tail = 3;
	CHECK_EQ(ring_drain(&r, kcall_exec, &F.env, NULL), 3);
	CHECK_UEQ(page.cq[0].user_data, 41);
	CHECK_EQ(page.cq[0].status, 0);
	CHECK_STREQ(F.cons.out, "via ring");
	CHECK_UEQ(page.cq[1].user_data, 42);
	CHECK_EQ(page.cq[1].status, 0);
	CHECK_UEQ(page.cq[2].user_data, 43);
	CHECK_EQ(page.cq[2].status, CAPOS_ERR_CAP_STALE);
	/* The table held the last reference besides the creator's. */
	CHECK_UEQ(kobj_refs(&F.cons.k), 1);
	CHECK_EQ(kobj_put(&F.cons.k), CAPOS_OK);
	CHECK_EQ(F.cons.released, 1);
}

/* ---- capability transfer through kcall (docs/abi.md §8) */
#define XD (UBASE + 0x4000) /* descriptor array */

/* Everything a failed transfer must leave untouched: the caller's table counts, every
 * slot's state and generation and, when live, its contents, and the reference counts
 * of every object. (Only the order of the free list may differ: a rolled-back
 * reservation returns its slots to the tail, and no id was issued for them.) */
struct ksnap {
	struct captab t;
	struct captab_entry slots[16];
	uint32_t refs[4];
};

static void ksnap_take(struct ksnap *x)
{
	memset(x, 0, sizeof(*x));
	x->t.nlive = F.table.nlive;
	x->t.nreserved = F.table.nreserved;
	x->t.nfree = F.table.nfree;
	for (int i = 0; i < 16; i++) {
		x->slots[i].state = F.slots[i].state;
		x->slots[i].gen = F.slots[i].gen;
		if (F.slots[i].state != CAPTAB_LIVE)
			continue;
		x->slots[i].obj = F.slots[i].obj;
		x->slots[i].interface_id = F.slots[i].interface_id;
		x->slots[i].badge = F.slots[i].badge;
		x->slots[i].xfer = F.slots[i].xfer;
	}
	x->refs[0] = kobj_refs(&F.cons.k);
	x->refs[1] = kobj_refs(&F.timer.k);
	x->refs[2] = kobj_refs(&F.box.k);
	x->refs[3] = kobj_refs(&F.probe.k);
}

static bool ksnap_same(const struct ksnap *x)
{
	struct ksnap now;
	ksnap_take(&now);
	return memcmp(&now, x, sizeof(now)) == 0;
}

static bool table_settled(void)
{
	return F.table.nreserved == 0 && F.table.nlive + F.table.nfree == F.table.nslots;
}

static struct capos_xfer XF(uint32_t cap, uint16_t mode) {
	return (struct capos_xfer){ .cap = cap, .mode = mode };
}

static struct ring_op
xcall(uint32_t cap, uint64_t iid, uint16_t method, const struct capos_xfer *d, uint16_t n,
      uint32_t rl)
{
	struct ring_op op = call_op(cap, iid, method, 0, 0, rl ? RES : 0, rl);
	if (n)
		memcpy(umem + (XD - UBASE), d, n * sizeof(*d));
	op.xfer_addr = n ? XD : 0;
	op.xfer_count = n;
	return op;
}

/* The result-cap records of a completed CALL: the last xfer_count * 16 bytes. */
static const struct capos_xfer_result *recs_of(const struct capos_cqe *c)
{
	return (const struct capos_xfer_result *)(const void *)(umem + (RES - UBASE) +
								c->result_len -
								16u * c->xfer_count);
}

static uint32_t put_derive(uint64_t va, uint32_t index)
{
	static uint64_t buf[16];
	struct capnp_bseg seg;
	struct capnp_builder b;
	struct capos_CapabilityManager_derive_Params_b p;
	size_t n = 0;
	if (capnp_builder_init(&b, &seg, 1, buf, sizeof(buf)) ||
	    capos_CapabilityManager_derive_request(&b, &p) ||
	    capos_CapabilityManager_derive_Params_set_cap(&p, index) ||
	    capnp_builder_write_framed(&b, umem + (va - UBASE), sizeof(umem) - (va - UBASE), &n))
		return 0;
	return (uint32_t)n;
}

static uint64_t timer_now(uint32_t id)
{
	struct capos_cqe c = run(call_op(id, capos_Timer_TYPE_ID, 0, 0, 0, RES + 0x1000, 64));
	if (c.status)
		return (uint64_t)(int64_t)c.status;
	return ((const uint64_t *)(const void *)(umem + (RES + 0x1000 - UBASE)))[2];
}

TEST(kcall_xfer_copy_through_capnp_cap_indices)
{
	fix_init();
	uint32_t n = put_derive(UBASE, 0);
	struct capos_xfer d = XF(F.timer_id, CAPOS_XFER_COPY);
	struct ring_op op = xcall(F.mgr_id, capos_CapabilityManager_TYPE_ID,
				  capos_CapabilityManager_METHOD_derive, &d, 1, 256);
	op.params_addr = UBASE;
	op.params_len = n;
	struct capos_cqe c = run(op);
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.flags, CAPOS_CQE_F_XFER);
	CHECK_UEQ(c.xfer_count, 1);
	CHECK_UEQ(c.result_len % 8, 0);
	/* The framed results come first and name result cap index 0. */
	struct capnp_msg m;
	struct capnp_segment segs[2];
	CHECK_EQ(capnp_msg_init_framed(&m, umem + (RES - UBASE), c.result_len - 16, segs, 2, NULL,
				       NULL),
		 CAPOS_OK);
	struct capos_CapabilityManager_derive_Results_r r;
	uint32_t idx = 99;
	CHECK_EQ(capos_CapabilityManager_derive_read_results(&m, &r), CAPOS_OK);
	CHECK_EQ(capos_CapabilityManager_derive_Results_get_derived(&r, &idx), CAPOS_OK);
	CHECK_UEQ(idx, 0);
	const struct capos_xfer_result *rec = recs_of(&c);
	CHECK_UEQ(rec[0].interface_id, capos_Timer_TYPE_ID);
	CHECK_UEQ(rec[0].rsvd0, 0);
	CHECK(rec[0].cap != F.timer_id);
	/* Copy: both the sender's id and the new one work; one more table reference. */
	CHECK_UEQ(timer_now(rec[0].cap), 123456789);
	CHECK_UEQ(timer_now(F.timer_id), 123456789);
	CHECK_UEQ(kobj_refs(&F.timer.k), 3);
	CHECK_UEQ(captab_live(&F.table), 6);
	CHECK(table_settled());
}

TEST(kcall_xfer_move_succeeds_then_sender_id_is_stale)
{
	fix_init();
	struct capos_xfer d = XF(F.timer_id, CAPOS_XFER_MOVE);
	struct capos_cqe c = run(xcall(F.box_id, BOX_IID, BOX_KEEP, &d, 1, 64));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.xfer_count, 0);
	CHECK_UEQ(c.flags, 0);
	CHECK_UEQ(F.box.nkept, 1);
	CHECK(F.box.kept[0] == &F.timer.k);
	CHECK_EQ(timer_now(F.timer_id), (uint64_t)(int64_t)CAPOS_ERR_CAP_STALE);
	CHECK_UEQ(kobj_refs(&F.timer.k), 2); /* creator + the object: the table's went */
	CHECK_UEQ(captab_live(&F.table), 4);
	CHECK(table_settled());
}

TEST(kcall_xfer_failed_call_changes_nothing)
{
	fix_init();
	struct ksnap before;
	ksnap_take(&before);
	struct capos_xfer d = XF(F.timer_id, CAPOS_XFER_MOVE);
	struct capos_cqe c = run(xcall(F.box_id, BOX_IID, BOX_FAIL, &d, 1, 256));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION); /* INVALID -> invalidArgument */
	CHECK_UEQ(c.xfer_count, 0);
	CHECK_UEQ(F.box.calls, 1);
	CHECK(ksnap_same(&before)); /* the moved cap stayed, the queued result cap was dropped */
	CHECK_UEQ(timer_now(F.timer_id), 123456789);
	/* A transport error from the handler path (params malformed) as well. */
	memset(umem, 0xFF, 64);
	struct ring_op op = xcall(F.mgr_id, capos_CapabilityManager_TYPE_ID,
				  capos_CapabilityManager_METHOD_derive, &d, 1, 256);
	op.params_addr = UBASE;
	op.params_len = 64;
	c = run(op);
	CHECK_EQ(c.status, CAPOS_ERR_RING_MALFORMED_PARAMS);
	CHECK(ksnap_same(&before));
}

TEST(kcall_xfer_caller_table_full_refused_before_the_handler)
{
	fix_init();
	/* Leave 3 free slots: BOX needs 4 (max_caps_out), CapabilityManager 1. */
	while (captab_free(&F.table) > 3) {
		struct captab_item it = { .obj = &F.cons.k,
					  .interface_id = capos_Console_TYPE_ID,
					  .badge = 0,
					  .xfer = CAPTAB_XFER_COPY };
		uint32_t id;
		CHECK_EQ(captab_insert(&F.table, &it, &id), CAPOS_OK);
	}
	struct ksnap before;
	ksnap_take(&before);
	struct capos_xfer d = XF(F.timer_id, CAPOS_XFER_MOVE);
	struct capos_cqe c = run(xcall(F.box_id, BOX_IID, BOX_ECHO, &d, 1, 256));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(F.box.calls, 0);
	CHECK(ksnap_same(&before));
	/* A method that returns no cap (caps_out 0) needs no free slot: it runs, and the
	 * copy it was sent is kept by the object. */
	struct capos_xfer cp = XF(F.timer_id, CAPOS_XFER_COPY);
	c = run(xcall(F.box_id, BOX_IID, BOX_KEEP, &cp, 1, 64));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.box.calls, 1);
	CHECK_UEQ(kobj_refs(&F.timer.k), 3); /* creator + table + the object */
	/* An interface that needs fewer slots still runs. */
	uint32_t n = put_derive(UBASE, 0);
	struct ring_op op = xcall(F.mgr_id, capos_CapabilityManager_TYPE_ID,
				  capos_CapabilityManager_METHOD_derive, &d, 1, 256);
	op.params_addr = UBASE;
	op.params_len = n;
	c = run(op);
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.xfer_count, 1);
	CHECK_UEQ(timer_now(recs_of(&c)[0].cap), 123456789);
	CHECK_EQ(timer_now(F.timer_id), (uint64_t)(int64_t)CAPOS_ERR_CAP_STALE); /* moved */
	CHECK_UEQ(kobj_refs(&F.timer.k), 3); /* creator + the object + the moved entry */
	CHECK(table_settled());
}

TEST(kcall_xfer_bad_descriptors_exact_errors)
{
	fix_init();
	uint32_t stale = F.cons_id;
	CHECK_EQ(captab_release(&F.table, stale), CAPOS_OK);
	struct captab_item pinned = { .obj = &F.timer.k,
				      .interface_id = capos_Timer_TYPE_ID,
				      .badge = 0,
				      .xfer = CAPTAB_XFER_NONE };
	uint32_t pinned_id;
	CHECK_EQ(captab_insert(&F.table, &pinned, &pinned_id), CAPOS_OK);
	struct {
		const char *name;
		struct capos_xfer d[2];
		uint16_t n;
		int err;
	} bad[] = {
		{ "rsvd0", { { .cap = F.timer_id, .rsvd0 = 1 } }, 1, CAPOS_ERR_XFER_RESERVED },
		{ "rsvd1",
		  { { .cap = F.timer_id, .rsvd1 = 1ull << 63 } },
		  1,
		  CAPOS_ERR_XFER_RESERVED },
		{ "mode", { XF(F.timer_id, 7) }, 1, CAPOS_ERR_XFER_BAD_MODE },
		{ "forged", { XF(capos_cap_make(200, 1), 0) }, 1, CAPOS_ERR_CAP_BAD_ID },
		{ "null", { XF(CAPOS_CAP_NULL, 0) }, 1, CAPOS_ERR_CAP_BAD_ID },
		{ "stale", { XF(stale, 0) }, 1, CAPOS_ERR_CAP_STALE },
		{ "empty", { XF(capos_cap_make(15, 1), 0) }, 1, CAPOS_ERR_CAP_EMPTY },
		{ "pinned", { XF(pinned_id, CAPOS_XFER_MOVE) }, 1, CAPOS_ERR_CAP_NOT_TRANSFERABLE },
		{ "dup_move",
		  { XF(F.timer_id, CAPOS_XFER_MOVE), XF(F.timer_id, CAPOS_XFER_COPY) },
		  2,
		  CAPOS_ERR_XFER_DUPLICATE },
	};
	struct ksnap before;
	ksnap_take(&before);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct capos_cqe c =
			run(xcall(F.box_id, BOX_IID, BOX_ECHO, bad[i].d, bad[i].n, 256));
		if (c.status != bad[i].err || F.box.calls != 0 || c.xfer_count != 0 ||
		    !ksnap_same(&before)) {
			test_fail(__FILE__, __LINE__, "%s: got %s, want %s (calls %u)", bad[i].name,
				  capos_error_name(c.status), capos_error_name(bad[i].err),
				  F.box.calls);
			return;
		}
	}
	/* The array itself: unmapped (the copy helper faults), and over the limit (kcall
	 * checks again even though ring_decode already refuses it). */
	struct capos_xfer d = XF(F.timer_id, 0);
	struct ring_op op = xcall(F.box_id, BOX_IID, BOX_ECHO, &d, 1, 256);
	op.xfer_addr = UBASE + sizeof(umem) - 8;
	CHECK_EQ(run(op).status, CAPOS_ERR_XFER_FAULT);
	op.xfer_addr = 0x900000;
	CHECK_EQ(run(op).status, CAPOS_ERR_XFER_FAULT);
	op.xfer_addr = XD;
	op.xfer_count = CAPOS_XFER_MAX + 1;
	CHECK_EQ(run(op).status, CAPOS_ERR_XFER_TOO_MANY);
	CHECK_UEQ(F.box.calls, 0);
	CHECK(ksnap_same(&before));
}

TEST(kcall_xfer_echo_copy_and_move_records_in_order)
{
	fix_init();
	struct capos_xfer d[2] = { XF(F.timer_id, CAPOS_XFER_COPY),
				   XF(F.cons_id, CAPOS_XFER_MOVE) };
	struct capos_cqe c = run(xcall(F.box_id, BOX_IID, BOX_ECHO, d, 2, 256));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.xfer_count, 2);
	CHECK_UEQ(c.flags, CAPOS_CQE_F_XFER);
	CHECK(c.result_len >= 8 + 32 && c.result_len % 8 == 0);
	/* result_len counts the framed results and the records behind them. */
	const uint32_t *hdr = (const uint32_t *)(const void *)(umem + (RES - UBASE));
	CHECK_UEQ(8 + hdr[1] * 8 + 32, c.result_len);
	const struct capos_xfer_result *rec = recs_of(&c);
	CHECK_UEQ(rec[0].interface_id, capos_Timer_TYPE_ID);
	CHECK_UEQ(rec[1].interface_id, capos_Console_TYPE_ID);
	CHECK_UEQ(timer_now(rec[0].cap), 123456789);
	/* The moved console: the old id is stale, the new one writes. */
	uint32_t n = put_write_line(UBASE, "moved");
	c = run(call_op(F.cons_id, capos_Console_TYPE_ID, 1, UBASE, n, 0, 0));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_STALE);
	c = run(call_op(rec[1].cap, capos_Console_TYPE_ID, 1, UBASE, n, 0, 0));
	CHECK_EQ(c.status, 0);
	CHECK_STREQ(F.cons.out, "moved");
	CHECK_UEQ(kobj_refs(&F.cons.k), 2);
	CHECK_UEQ(kobj_refs(&F.timer.k), 3);
	CHECK(table_settled());
}

TEST(kcall_xfer_result_too_small_drops_result_caps)
{
	fix_init();
	struct ksnap before;
	ksnap_take(&before);
	struct capos_cqe c = run(xcall(F.box_id, BOX_IID, BOX_FRESH, NULL, 0, 16));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK(c.result_len > 16); /* needed: the results and one record */
	CHECK_UEQ(c.xfer_count, 0);
	CHECK_UEQ(c.flags, 0);
	CHECK_EQ(F.box.fresh.released, 1); /* nobody received it: freed exactly once */
	CHECK(ksnap_same(&before));
	/* No result buffer at all: the same, even though the results bytes are defaults. */
	c = run(xcall(F.box_id, BOX_IID, BOX_FRESH, NULL, 0, 0));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_EQ(F.box.fresh.released, 1);
	/* The size it asked for is enough. */
	uint32_t need = c.result_len;
	c = run(xcall(F.box_id, BOX_IID, BOX_FRESH, NULL, 0, need));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.result_len, need);
	CHECK_UEQ(c.xfer_count, 1);
	CHECK_EQ(F.box.fresh.released, 0);
	CHECK_UEQ(kobj_refs(&F.box.fresh.k), 1); /* the caller's table only */
	CHECK_EQ(captab_release(&F.table, recs_of(&c)[0].cap), CAPOS_OK);
	CHECK_EQ(F.box.fresh.released, 1);
	/* A move rides with a call whose results do not fit: the call happened, so the
	 * move is consumed and the echoed copy, never delivered, is dropped. */
	struct capos_xfer d = XF(F.timer_id, CAPOS_XFER_MOVE);
	c = run(xcall(F.box_id, BOX_IID, BOX_ECHO, &d, 1, 16));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_EQ(timer_now(F.timer_id), (uint64_t)(int64_t)CAPOS_ERR_CAP_STALE);
	CHECK_UEQ(kobj_refs(&F.timer.k), 1);
	CHECK(table_settled());
}

TEST(kcall_xfer_copy_out_fault_releases_published_caps)
{
	fix_init();
	struct ksnap before;
	ksnap_take(&before);
	uint32_t first = F.table.free_head; /* the reservation's first slot */
	uint16_t gen = F.slots[first].gen;
	fault_lo = RES + 16; /* the records' page is "unmapped" */
	fault_hi = RES + 256;
	struct capos_cqe c = run(xcall(F.box_id, BOX_IID, BOX_FRESH, NULL, 0, 256));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_FAULT);
	CHECK_UEQ(c.result_len, 0);
	CHECK_UEQ(c.xfer_count, 0);
	CHECK_UEQ(c.flags, 0);
	CHECK_EQ(F.box.fresh.released, 1);
	CHECK_UEQ(captab_live(&F.table), before.t.nlive);
	CHECK(table_settled());
	/* The slot it briefly held has moved on a generation: its id never reached anyone. */
	CHECK_UEQ(F.slots[first].state, CAPTAB_FREE);
	CHECK_UEQ(F.slots[first].gen, gen + 1);
	fault_lo = fault_hi = 0;
	c = run(xcall(F.box_id, BOX_IID, BOX_FRESH, NULL, 0, 256));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.xfer_count, 1);
	CHECK_EQ(F.box.fresh.released, 0);
}

TEST(kcall_xfer_result_caps_limited_to_max_caps_out)
{
	fix_init();
	uint32_t base = kobj_refs(&F.box.k);
	struct capos_cqe c = run(xcall(F.box_id, BOX_IID, BOX_FLOOD, NULL, 0, 512));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.xfer_count, BOX_MAX_OUT);
	for (int i = 0; i < BOX_MAX_OUT; i++)
		CHECK_EQ(F.box.flood_status[i], 0);
	CHECK_EQ(F.box.flood_status[BOX_MAX_OUT], CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(kobj_refs(&F.box.k), base + BOX_MAX_OUT);
	const struct capos_xfer_result *rec = recs_of(&c);
	for (int i = 0; i < BOX_MAX_OUT; i++) {
		const struct captab_entry *e;
		CHECK_EQ(captab_lookup(&F.table, rec[i].cap, BOX_IID, &e), CAPOS_OK);
		CHECK_UEQ(e->badge, (uint64_t)i);
	}
	CHECK(table_settled());
}

TEST(kcall_xfer_end_to_end_ring)
{
	fix_init();
	static struct capos_ring page __attribute__((aligned(4096)));
	struct ring r;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	struct capos_xfer d = XF(F.timer_id, CAPOS_XFER_COPY);
	memcpy(umem + (XD - UBASE), &d, sizeof(d));
	uint32_t n = put_derive(UBASE, 0);
	page.sq[0] = (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
					 .cap = F.mgr_id,
					 .interface_id = capos_CapabilityManager_TYPE_ID,
					 .method = capos_CapabilityManager_METHOD_derive,
					 .addr = UBASE,
					 .len = n,
					 .result_addr = RES,
					 .result_len = 128,
					 .xfer_addr = XD,
					 .xfer_count = 1,
					 .user_data = 7 };
	page.sq[1] = page.sq[0];
	page.sq[1].xfer_addr = 0xFFFF800000000000ull; /* kernel half */
	page.sq[1].user_data = 8;
	page.hdr.sq_tail = 2;
	CHECK_EQ(ring_drain(&r, kcall_exec, &F.env, NULL), 2);
	CHECK_EQ(page.cq[0].status, 0);
	CHECK_UEQ(page.cq[0].xfer_count, 1);
	CHECK_UEQ(page.cq[0].flags, CAPOS_CQE_F_XFER);
	CHECK_UEQ(recs_of(&page.cq[0])[0].interface_id, capos_Timer_TYPE_ID);
	CHECK_UEQ(timer_now(recs_of(&page.cq[0])[0].cap), 123456789);
	CHECK_EQ(page.cq[1].status, CAPOS_ERR_XFER_FAULT);
	CHECK_UEQ(F.box.calls, 1);
	CHECK(table_settled());
}
