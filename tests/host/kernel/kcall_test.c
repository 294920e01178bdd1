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

static int fake_copy_out(void *ctx, uint64_t uaddr, const void *src, uint32_t len)
{
	(void)ctx;
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
};

static void tprobe_release(struct kobj *o)
{
	(void)o;
}
static const struct kobj_ops tprobe_ops = { "probe", tprobe_release };

static int tprobe_call(struct kcall_ctx *c)
{
	struct tprobe *p = (struct tprobe *)c->obj;
	struct captab_item self = { &p->k, PROBE_IID, 0, CAPTAB_XFER_COPY };
	struct captab_item bad = { NULL, PROBE_IID, 0, CAPTAB_XFER_COPY };
	uint32_t idx = 99;

	p->calls++;
	p->seen = *c;
	p->bad_item_status = kcall_result_cap(c, &bad, &idx);
	p->result_cap_status = kcall_result_cap(c, &self, &idx);
	return 0;
}

static const struct kcall_iface probe_iface = {
	.interface_id = PROBE_IID, .method_count = 3, .kobj_type = KOBJ_TEST, .call = tprobe_call
};
static const struct kcall_iface *const ifaces[] = { &console_iface, &timer_iface, &probe_iface };

/* ---- fixture */
struct fix {
	struct captab table;
	struct captab_entry slots[8];
	struct tcons cons;
	struct ttimer timer;
	struct tprobe probe;
	uint32_t cons_id, timer_id, probe_id;
	uint64_t pscratch[64]; /* 512-byte params bound */
	uint64_t rscratch[32]; /* 256-byte result scratch */
	struct kcall_env env;
};

static struct fix F;

static void fix_init(void)
{
	memset(&F, 0, sizeof(F));
	memset(umem, 0, sizeof(umem));
	(void)captab_init(&F.table, F.slots, 8);
	(void)kobj_init(&F.cons.k, KOBJ_CONSOLE, &tcons_ops);
	(void)kobj_init(&F.timer.k, KOBJ_TIMER, &ttimer_ops);
	F.timer.now = 123456789;
	struct captab_item ci = { &F.cons.k, capos_Console_TYPE_ID, 0, CAPTAB_XFER_COPY };
	struct captab_item ti = { &F.timer.k, capos_Timer_TYPE_ID, 0, CAPTAB_XFER_COPY };
	(void)captab_insert(&F.table, &ci, &F.cons_id);
	(void)captab_insert(&F.table, &ti, &F.timer_id);
	(void)kobj_init(&F.probe.k, KOBJ_TEST, &tprobe_ops);
	struct captab_item pi = { &F.probe.k, PROBE_IID, 0xB4D6E, CAPTAB_XFER_COPY };
	(void)captab_insert(&F.table, &pi, &F.probe_id);
	F.env = (struct kcall_env){
		.table = &F.table,
		.caller = &F,
		.ifaces = ifaces,
		.nifaces = 3,
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
	CHECK_UEQ(captab_live(&F.table), 3);
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
	struct captab_item odd = { &F.cons.k, capos_BootPackage_TYPE_ID, 0, CAPTAB_XFER_COPY };
	uint32_t odd_id;
	CHECK_EQ(captab_insert(&F.table, &odd, &odd_id), CAPOS_OK);
	c = run(call_op(odd_id, capos_BootPackage_TYPE_ID, 0, 0, 0, RES, 64));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_WRONG_INTERFACE);
	struct captab_item liar = { &F.cons.k, capos_Timer_TYPE_ID, 0, CAPTAB_XFER_COPY };
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
	F.env.results_scratch_bytes = 8; /* room for the root pointer only */
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
