/*
 * Host tests of the ring engine (kernel/cap/ring.c, compiled unmodified) over a ring
 * page in ordinary memory, with a recording exec callback standing in for dispatch:
 * geometry, NOP batches, decoded CALL/RELEASE hand-off, every SQE decode error
 * (each with exec never reached), the corrupted-header checks and their repair, CQ
 * credits and overflow with nothing lost or duplicated, index wraparound, and
 * in-flight credits.
 */
#include "test.h"

#include <stddef.h>
#include <stdio.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/ring.h>

static struct capos_ring page __attribute__((aligned(4096)));

struct rec {
	unsigned calls;
	struct ring_op last;
	int32_t status; /* what exec answers */
};

static void rec_exec(void *ctx, const struct ring_op *op, struct capos_cqe *cqe)
{
	struct rec *rec = ctx;
	rec->calls++;
	rec->last = *op;
	cqe->status = rec->status;
	cqe->result_len = op->result_len ? 8 : 0;
	cqe->user_data = 0xBAD; /* the engine must restore the SQE's user_data */
}

static void submit(struct capos_ring *p, const struct capos_sqe *sqe)
{
	p->sq[p->hdr.sq_tail & CAPOS_RING_SQ_MASK] = *sqe;
	p->hdr.sq_tail++;
}

static void submit_nop(struct capos_ring *p, uint64_t user_data)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_NOP, .user_data = user_data };
	submit(p, &s);
}

static struct capos_sqe call_sqe(void)
{
	return (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
				   .cap = 0x10003,
				   .interface_id = 0xABCDEF,
				   .method = 2,
				   .addr = 0x500000,
				   .len = 64,
				   .result_addr = 0x600000,
				   .result_len = 128,
				   .user_data = 77 };
}

/* Reaps one CQE the way userspace does. */
static struct capos_cqe reap(struct capos_ring *p)
{
	struct capos_cqe c = p->cq[p->hdr.cq_head & CAPOS_RING_CQ_MASK];
	p->hdr.cq_head++;
	return c;
}

TEST(ring_init_writes_geometry)
{
	struct ring r;
	memset(&page, 0xA5, sizeof(page));
	CHECK_EQ(ring_init(&r, &page, 3), CAPOS_OK);
	CHECK_UEQ(page.hdr.magic, CAPOS_RING_MAGIC);
	CHECK_UEQ(page.hdr.version, CAPOS_ABI_VERSION);
	CHECK_UEQ(page.hdr.sq_entries, 16);
	CHECK_UEQ(page.hdr.cq_entries, 64);
	CHECK_UEQ(page.hdr.sq_mask, 15);
	CHECK_UEQ(page.hdr.cq_offset, 0x800);
	CHECK_UEQ(page.hdr.thread_id, 3);
	CHECK_UEQ(page.hdr.sq_tail, 0);
	CHECK_UEQ(page.cq[63].user_data, 0); /* the whole page was cleared */
	CHECK_EQ(ring_init(NULL, &page, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(ring_init(&r, NULL, 0), CAPOS_ERR_INVALID);
}

TEST(ring_nop_batch_completes_in_order)
{
	struct ring r;
	struct rec rec = { 0 };
	uint32_t n;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 0);
	CHECK_UEQ(n, 0);
	for (uint64_t i = 0; i < 16; i++)
		submit_nop(&page, 1000 + i);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 16);
	CHECK_UEQ(n, 16);
	CHECK_UEQ(rec.calls, 0);
	CHECK_UEQ(page.hdr.sq_head, 16);
	CHECK_UEQ(page.hdr.cq_tail, 16);
	for (uint64_t i = 0; i < 16; i++) {
		struct capos_cqe c = reap(&page);
		CHECK_UEQ(c.user_data, 1000 + i);
		CHECK_EQ(c.status, 0);
	}
	CHECK_EQ(ring_ready(&r), 0);
}

TEST(ring_call_and_release_reach_exec_decoded)
{
	struct ring r;
	struct rec rec = { .status = 0 };
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	struct capos_sqe s = call_sqe();
	submit(&page, &s);
	struct capos_sqe rel = { .opcode = CAPOS_OP_RELEASE, .cap = 0x20001, .user_data = 78 };
	submit(&page, &rel);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 2);
	CHECK_UEQ(rec.calls, 2);
	CHECK_UEQ(rec.last.opcode, CAPOS_OP_RELEASE);
	CHECK_UEQ(rec.last.cap, 0x20001);
	struct capos_cqe c = reap(&page);
	CHECK_UEQ(c.user_data, 77);
	CHECK_UEQ(c.result_len, 8);
	c = reap(&page);
	CHECK_UEQ(c.user_data, 78);
	/* The decoded CALL carries every field. */
	rec.calls = 0;
	submit(&page, &s);
	rec.status = CAPOS_ERR_CAP_STALE;
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
	CHECK_UEQ(rec.last.opcode, CAPOS_OP_CALL);
	CHECK_UEQ(rec.last.cap, 0x10003);
	CHECK_UEQ(rec.last.interface_id, 0xABCDEF);
	CHECK_UEQ(rec.last.method, 2);
	CHECK_UEQ(rec.last.params_addr, 0x500000);
	CHECK_UEQ(rec.last.params_len, 64);
	CHECK_UEQ(rec.last.result_addr, 0x600000);
	CHECK_UEQ(rec.last.result_len, 128);
	c = reap(&page);
	CHECK_EQ(c.status, CAPOS_ERR_CAP_STALE);
}

/* One SQE mutation, one exact CQE status; exec is never reached. */
static const struct {
	const char *name;
	struct capos_sqe sqe;
	int err;
} bad_sqes[] = {
	{ "zeroed", { .opcode = CAPOS_OP_INVALID }, CAPOS_ERR_RING_BAD_OPCODE },
	{ "recv_iid",
	  { .opcode = CAPOS_OP_RECV, .interface_id = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "recv_params", { .opcode = CAPOS_OP_RECV, .len = 4 }, CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "recv_aux", { .opcode = CAPOS_OP_RECV, .aux = 1 }, CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "recv_exception_flag",
	  { .opcode = CAPOS_OP_RECV, .flags = CAPOS_SQE_F_EXCEPTION },
	  CAPOS_ERR_RING_BAD_FLAGS },
	{ "recv_buffer_kernel",
	  { .opcode = CAPOS_OP_RECV, .result_addr = 0xFFFF800000001000ull, .result_len = 16 },
	  CAPOS_ERR_RING_RESULT_FAULT },
	{ "return_result_buffer",
	  { .opcode = CAPOS_OP_RETURN, .result_addr = 0x500000, .result_len = 8 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "return_method",
	  { .opcode = CAPOS_OP_RETURN, .method = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "return_link_flag",
	  { .opcode = CAPOS_OP_RETURN, .flags = CAPOS_SQE_F_LINK },
	  CAPOS_ERR_RING_BAD_FLAGS },
	{ "return_results_null_guard",
	  { .opcode = CAPOS_OP_RETURN, .addr = 0x1000, .len = 8 },
	  CAPOS_ERR_RING_PARAMS_FAULT },
	{ "park_len", { .opcode = CAPOS_OP_PARK, .len = 4 }, CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "park_result_len",
	  { .opcode = CAPOS_OP_PARK, .result_len = 4 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "park_iid",
	  { .opcode = CAPOS_OP_PARK, .interface_id = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "park_method",
	  { .opcode = CAPOS_OP_PARK, .method = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "park_xfer",
	  { .opcode = CAPOS_OP_PARK, .xfer_addr = 8 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "park_flag",
	  { .opcode = CAPOS_OP_PARK, .flags = CAPOS_SQE_F_LINK },
	  CAPOS_ERR_RING_BAD_FLAGS },
	{ "unpark_timeout",
	  { .opcode = CAPOS_OP_UNPARK, .result_addr = 5 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "unpark_len", { .opcode = CAPOS_OP_UNPARK, .len = 4 }, CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "unpark_rsvd0",
	  { .opcode = CAPOS_OP_UNPARK, .rsvd0 = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "timeout_reserved", { .opcode = CAPOS_OP_TIMEOUT }, CAPOS_ERR_RING_BAD_OPCODE },
	{ "cancel_reserved", { .opcode = CAPOS_OP_CANCEL }, CAPOS_ERR_RING_BAD_OPCODE },
	{ "unassigned", { .opcode = 200 }, CAPOS_ERR_RING_BAD_OPCODE },
	{ "nop_flag",
	  { .opcode = CAPOS_OP_NOP, .flags = CAPOS_SQE_F_LINK },
	  CAPOS_ERR_RING_BAD_FLAGS },
	{ "call_pipeline",
	  { .opcode = CAPOS_OP_CALL,
	    .flags = CAPOS_SQE_F_PIPELINE,
	    .cap = 0x10000,
	    .interface_id = 1 },
	  CAPOS_ERR_RING_BAD_FLAGS },
	{ "undefined_flag", { .opcode = CAPOS_OP_NOP, .flags = 0x8000 }, CAPOS_ERR_RING_BAD_FLAGS },
	{ "rsvd0", { .opcode = CAPOS_OP_NOP, .rsvd0 = 1 }, CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "nop_cap", { .opcode = CAPOS_OP_NOP, .cap = 5 }, CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "nop_result",
	  { .opcode = CAPOS_OP_NOP, .result_len = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "release_iid",
	  { .opcode = CAPOS_OP_RELEASE, .cap = 0x10000, .interface_id = 9 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "release_method",
	  { .opcode = CAPOS_OP_RELEASE, .cap = 0x10000, .method = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "call_xfer_count_no_addr",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1, .xfer_count = 1 },
	  CAPOS_ERR_RING_BAD_XFER },
	{ "call_xfer_addr_no_count",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1, .xfer_addr = 0x500000 },
	  CAPOS_ERR_RING_BAD_XFER },
	{ "call_xfer_too_many",
	  { .opcode = CAPOS_OP_CALL,
	    .cap = 0x10000,
	    .interface_id = 1,
	    .xfer_addr = 0x500000,
	    .xfer_count = CAPOS_XFER_MAX + 1 },
	  CAPOS_ERR_XFER_TOO_MANY },
	{ "call_xfer_kernel",
	  { .opcode = CAPOS_OP_CALL,
	    .cap = 0x10000,
	    .interface_id = 1,
	    .xfer_addr = 0xFFFF800000001000ull,
	    .xfer_count = 1 },
	  CAPOS_ERR_XFER_FAULT },
	{ "call_xfer_null_guard",
	  { .opcode = CAPOS_OP_CALL,
	    .cap = 0x10000,
	    .interface_id = 1,
	    .xfer_addr = 0x1000,
	    .xfer_count = 1 },
	  CAPOS_ERR_XFER_FAULT },
	{ "call_xfer_straddle_end",
	  { .opcode = CAPOS_OP_CALL,
	    .cap = 0x10000,
	    .interface_id = 1,
	    .xfer_addr = CAPOS_USER_END - 16,
	    .xfer_count = 2 },
	  CAPOS_ERR_XFER_FAULT },
	{ "release_xfer",
	  { .opcode = CAPOS_OP_RELEASE, .cap = 0x10000, .xfer_addr = 0x500000, .xfer_count = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "nop_xfer_count",
	  { .opcode = CAPOS_OP_NOP, .xfer_count = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "call_aux",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1, .aux = 1 },
	  CAPOS_ERR_RING_RESERVED_NONZERO },
	{ "call_iid_zero",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000 },
	  CAPOS_ERR_CAP_WRONG_INTERFACE },
	{ "params_kernel",
	  { .opcode = CAPOS_OP_CALL,
	    .cap = 0x10000,
	    .interface_id = 1,
	    .addr = 0xFFFF800000001000ull,
	    .len = 16 },
	  CAPOS_ERR_RING_PARAMS_FAULT },
	{ "params_null_guard",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1, .addr = 0x1000, .len = 16 },
	  CAPOS_ERR_RING_PARAMS_FAULT },
	{ "params_straddle_end",
	  { .opcode = CAPOS_OP_CALL,
	    .cap = 0x10000,
	    .interface_id = 1,
	    .addr = CAPOS_USER_END - 8,
	    .len = 16 },
	  CAPOS_ERR_RING_PARAMS_FAULT },
	{ "params_len_no_addr",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1, .len = 16 },
	  CAPOS_ERR_RING_PARAMS_FAULT },
	{ "params_addr_no_len",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1, .addr = 0x500000 },
	  CAPOS_ERR_RING_PARAMS_FAULT },
	{ "result_kernel",
	  { .opcode = CAPOS_OP_CALL,
	    .cap = 0x10000,
	    .interface_id = 1,
	    .result_addr = 0xFFFFFFFF80000000ull,
	    .result_len = 8 },
	  CAPOS_ERR_RING_RESULT_FAULT },
	{ "result_len_no_addr",
	  { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1, .result_len = 8 },
	  CAPOS_ERR_RING_RESULT_FAULT },
};

TEST(ring_bad_sqes_exact_errors)
{
	struct ring r;
	struct rec rec = { 0 };
	unsigned n = sizeof(bad_sqes) / sizeof(bad_sqes[0]);
	unsigned bad = 0;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	for (unsigned i = 0; i < n; i++) {
		struct capos_sqe s = bad_sqes[i].sqe;
		s.user_data = 5000 + i;
		submit(&page, &s);
		CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
		struct capos_cqe c = reap(&page);
		CHECK_UEQ(c.user_data, 5000 + i);
		if (c.status != bad_sqes[i].err) {
			printf("# %s: got %s, want %s\n", bad_sqes[i].name,
			       capos_error_name(c.status), capos_error_name(bad_sqes[i].err));
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_UEQ(rec.calls, 0);
	/* A CALL with neither params nor result buffer is well-formed. */
	struct capos_sqe ok = { .opcode = CAPOS_OP_CALL, .cap = 0x10000, .interface_id = 1 };
	submit(&page, &ok);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
	CHECK_UEQ(rec.calls, 1);
	/* So is one carrying CAPOS_XFER_MAX descriptors at the very end of the window; the
	 * decoded op carries them to exec. */
	struct capos_sqe xf = { .opcode = CAPOS_OP_CALL,
				.cap = 0x10000,
				.interface_id = 1,
				.xfer_addr =
					CAPOS_USER_END - CAPOS_XFER_MAX * sizeof(struct capos_xfer),
				.xfer_count = CAPOS_XFER_MAX };
	struct ring_op op;
	CHECK_EQ(ring_decode(&xf, &op), CAPOS_OK);
	CHECK_UEQ(op.xfer_addr, xf.xfer_addr);
	CHECK_UEQ(op.xfer_count, CAPOS_XFER_MAX);
}

static void expect_corrupt(struct ring *r, struct rec *rec)
{
	uint32_t head = r->sq_head, tail = r->cq_tail, n = 99;
	CHECK_EQ(ring_drain(r, rec_exec, rec, &n), CAPOS_ERR_RING_CORRUPT);
	CHECK_UEQ(n, 0);
	CHECK_UEQ(r->sq_head, head);
	CHECK_UEQ(r->cq_tail, tail);
	CHECK_UEQ(page.hdr.status, CAPOS_RING_ST_CORRUPT);
}

TEST(ring_corrupted_header_rejected_then_repaired)
{
	struct ring r;
	struct rec rec = { 0 };
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	submit_nop(&page, 1);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
	/* Tail far past the head. */
	page.hdr.sq_tail = 1 + CAPOS_RING_SQ_ENTRIES + 1;
	expect_corrupt(&r, &rec);
	page.hdr.sq_tail = 0x80000000u;
	expect_corrupt(&r, &rec);
	/* Tail behind the head. */
	page.hdr.sq_tail = 0;
	expect_corrupt(&r, &rec);
	page.hdr.sq_tail = 1;
	/* Consumer claims completions never posted, or lags beyond the queue. */
	page.hdr.cq_head = 2;
	expect_corrupt(&r, &rec);
	page.hdr.cq_head = 1 - CAPOS_RING_CQ_ENTRIES - 1;
	expect_corrupt(&r, &rec);
	page.hdr.cq_head = 0;
	page.hdr.user_flags = 1;
	expect_corrupt(&r, &rec);
	page.hdr.user_flags = 0;
	/* Scribbles on the kernel line are ignored and repaired. */
	page.hdr.sq_head = 12345;
	page.hdr.cq_tail = 999;
	page.hdr.cq_overflow = 7;
	submit_nop(&page, 2);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 2);
	CHECK_UEQ(page.hdr.sq_head, 2);
	CHECK_UEQ(page.hdr.cq_tail, 2);
	CHECK_UEQ(page.hdr.cq_overflow, 0);
	CHECK_UEQ(page.hdr.status, 0);
	CHECK_UEQ(reap(&page).user_data, 1);
	CHECK_UEQ(reap(&page).user_data, 2);
	/* ring_ready applies the same cq_head check. */
	page.hdr.cq_head = 50;
	CHECK_EQ(ring_ready(&r), CAPOS_ERR_RING_CORRUPT);
	page.hdr.cq_head = 2;
	CHECK_EQ(ring_ready(&r), 0);
}

TEST(ring_cq_overflow_counts_and_loses_nothing)
{
	struct ring r;
	struct rec rec = { 0 };
	uint32_t n;
	uint64_t next = 0, expect = 0;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	/* Four full batches fill the 64-entry CQ without reaping. */
	for (int batch = 0; batch < 4; batch++) {
		for (int i = 0; i < 16; i++)
			submit_nop(&page, next++);
		CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 16 * (batch + 1));
	}
	for (int i = 0; i < 16; i++)
		submit_nop(&page, next++);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), CAPOS_ERR_RING_CQ_OVERFLOW);
	CHECK_UEQ(n, 0);
	CHECK_UEQ(page.hdr.cq_overflow, 1);
	CHECK_UEQ(page.hdr.status, CAPOS_RING_ST_CQ_FULL);
	CHECK_EQ(ring_ready(&r), 64);
	/* Reap 8: exactly 8 more are consumed, the rest still wait. */
	for (int i = 0; i < 8; i++)
		CHECK_UEQ(reap(&page).user_data, expect++);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), CAPOS_ERR_RING_CQ_OVERFLOW);
	CHECK_UEQ(n, 8);
	CHECK_UEQ(page.hdr.cq_overflow, 2);
	/* Reap everything: the remaining 8 complete; every user_data arrives once, in order. */
	while (page.hdr.cq_head != page.hdr.cq_tail)
		CHECK_UEQ(reap(&page).user_data, expect++);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 8);
	CHECK_UEQ(n, 8);
	CHECK_UEQ(page.hdr.status, 0);
	while (page.hdr.cq_head != page.hdr.cq_tail)
		CHECK_UEQ(reap(&page).user_data, expect++);
	CHECK_UEQ(expect, next);
}

TEST(ring_indices_wrap_around_2_32)
{
	struct ring r;
	struct rec rec = { 0 };
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	uint32_t start = UINT32_MAX - 5;
	r.sq_head = r.cq_tail = start;
	page.hdr.sq_tail = page.hdr.cq_head = start;
	for (uint64_t round = 0; round < 3; round++) {
		for (uint64_t i = 0; i < 16; i++)
			submit_nop(&page, round * 100 + i);
		CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 16);
		for (uint64_t i = 0; i < 16; i++)
			CHECK_UEQ(reap(&page).user_data, round * 100 + i);
	}
	CHECK_UEQ(page.hdr.sq_head, start + 48);
}

/* The NOP fast path (words read once, no copy): a non-zero byte anywhere in a NOP
 * but user_data falls back to the full decode and gets its exact code; user_data
 * bytes of any value complete. */
TEST(ring_nop_every_stray_byte_exact_error)
{
	struct ring r;
	struct rec rec = { 0 };
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	for (unsigned off = 1; off < sizeof(struct capos_sqe); off++) {
		struct capos_sqe s = { .opcode = CAPOS_OP_NOP };
		((uint8_t *)&s)[off] = 0x80;
		if (off < offsetof(struct capos_sqe, user_data))
			s.user_data = 9000 + off;
		submit(&page, &s);
		CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
		struct capos_cqe c = reap(&page);
		int want = off >= offsetof(struct capos_sqe, user_data) ? 0
			   : off == 2 || off == 3			? CAPOS_ERR_RING_BAD_FLAGS
						  : CAPOS_ERR_RING_RESERVED_NONZERO;
		CHECK_UEQ(c.user_data, s.user_data);
		if (c.status != want)
			printf("# byte %u: got %d, want %d\n", off, c.status, want);
		CHECK_EQ(c.status, want);
	}
	CHECK_UEQ(rec.calls, 0);
}

/* A batch mixing NOPs, a CALL and a bad NOP, with both queues wrapping inside the
 * NOP runs and stale bytes in every CQ slot: order, user_data, status and every CQE
 * field are exact. */
TEST(ring_nop_runs_mixed_batch_wrap_and_stale_cq)
{
	struct ring r;
	struct rec rec = { 0 };
	uint32_t n;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	memset(page.cq, 0xFF, sizeof(page.cq));
	r.sq_head = 13; /* the SQ wraps after 3 SQEs */
	r.cq_tail = 59; /* the CQ wraps after 5 CQEs */
	page.hdr.sq_tail = 13;
	page.hdr.cq_head = 59;
	struct capos_sqe bad = { .opcode = CAPOS_OP_NOP, .aux = 1, .user_data = 7 };
	struct capos_sqe call = call_sqe();
	for (uint64_t i = 0; i < 16; i++) {
		if (i == 4) {
			call.user_data = i;
			submit(&page, &call);
		} else if (i == 9) {
			bad.user_data = i;
			submit(&page, &bad);
		} else {
			submit_nop(&page, i);
		}
	}
	rec.status = 0;
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 16);
	CHECK_UEQ(n, 16);
	CHECK_UEQ(rec.calls, 1);
	CHECK_UEQ(page.hdr.sq_head, 29);
	CHECK_UEQ(page.hdr.cq_tail, 75);
	for (uint64_t i = 0; i < 16; i++) {
		struct capos_cqe c = reap(&page);
		CHECK_UEQ(c.user_data, i);
		CHECK_EQ(c.status, i == 9 ? CAPOS_ERR_RING_RESERVED_NONZERO : 0);
		CHECK_UEQ(c.result_len, i == 4 ? 8 : 0);
		CHECK_UEQ(c.call_id, 0);
		CHECK_UEQ(c.flags, 0);
		CHECK_UEQ(c.xfer_count, 0);
		CHECK_UEQ(c.badge, 0);
	}
}

TEST(ring_in_flight_credits_limit_consumption)
{
	struct ring r;
	struct rec rec = { 0 };
	uint32_t n;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	r.in_flight = 60; /* 60 completions owed by asynchronous operations */
	for (int i = 0; i < 8; i++)
		submit_nop(&page, (uint64_t)i);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), CAPOS_ERR_RING_CQ_OVERFLOW);
	CHECK_UEQ(n, 4);
	/* Reaping frees credits: the other 4 complete. */
	for (int i = 0; i < 4; i++)
		CHECK_UEQ(reap(&page).user_data, (uint64_t)i);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 4);
	CHECK_UEQ(n, 4);
	for (int i = 4; i < 8; i++)
		CHECK_UEQ(reap(&page).user_data, (uint64_t)i);
	/* Moving cq_head back past the owed slots would overcommit the CQ: corrupt. */
	page.hdr.cq_head -= 5;
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), CAPOS_ERR_RING_CORRUPT);
	page.hdr.cq_head += 1; /* 4 unreaped + 60 owed == 64: consistent again */
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 4);
}

TEST(ring_recv_return_reach_exec_decoded)
{
	struct ring r;
	struct rec rec = { .status = 0 };
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	struct capos_sqe recv = { .opcode = CAPOS_OP_RECV,
				  .cap = 0x10004,
				  .result_addr = 0x700000,
				  .result_len = 256,
				  .user_data = 5 };
	submit(&page, &recv);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
	CHECK_UEQ(rec.last.opcode, CAPOS_OP_RECV);
	CHECK_UEQ(rec.last.cap, 0x10004);
	CHECK_UEQ(rec.last.result_addr, 0x700000);
	CHECK_UEQ(rec.last.result_len, 256);
	CHECK_UEQ(reap(&page).user_data, 5);
	struct capos_sqe ret = { .opcode = CAPOS_OP_RETURN,
				 .flags = CAPOS_SQE_F_EXCEPTION,
				 .cap = 0x10004,
				 .addr = 0x500000,
				 .len = 24,
				 .aux = 0x1234,
				 .user_data = 6 };
	submit(&page, &ret);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
	CHECK_UEQ(rec.last.opcode, CAPOS_OP_RETURN);
	CHECK_UEQ(rec.last.flags, CAPOS_SQE_F_EXCEPTION);
	CHECK_UEQ(rec.last.aux, 0x1234);
	CHECK_UEQ(rec.last.params_addr, 0x500000);
	CHECK_UEQ(rec.last.params_len, 24);
	CHECK_UEQ(reap(&page).user_data, 6);
}

/* PARK and UNPARK reach exec with their words unchecked (a shared space's offset, a
 * kernel address and any timeout are judged by the park code, not the ring). */
TEST(ring_park_unpark_reach_exec_decoded)
{
	struct ring r;
	struct rec rec = { .status = 0 };
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	struct capos_sqe park = { .opcode = CAPOS_OP_PARK,
				  .cap = 0x10007,
				  .addr = 0xFFFF800000000003ull,
				  .aux = 7,
				  .result_addr = UINT64_MAX,
				  .user_data = 8 };
	submit(&page, &park);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
	CHECK_UEQ(rec.last.opcode, CAPOS_OP_PARK);
	CHECK_UEQ(rec.last.cap, 0x10007);
	CHECK_UEQ(rec.last.params_addr, 0xFFFF800000000003ull);
	CHECK_UEQ(rec.last.aux, 7);
	CHECK_UEQ(rec.last.result_addr, UINT64_MAX);
	CHECK_UEQ(rec.last.result_len, 0);
	CHECK_UEQ(reap(&page).user_data, 8);
	struct capos_sqe unpark = {
		.opcode = CAPOS_OP_UNPARK, .cap = 0x10007, .addr = 16, .aux = 3, .user_data = 9
	};
	submit(&page, &unpark);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, NULL), 1);
	CHECK_UEQ(rec.last.opcode, CAPOS_OP_UNPARK);
	CHECK_UEQ(rec.last.params_addr, 16);
	CHECK_UEQ(rec.last.aux, 3);
	CHECK_UEQ(reap(&page).user_data, 9);
}

/* Deferred operations hold a credit until ring_complete posts their CQE. */
TEST(ring_deferred_completion_holds_credit)
{
	struct ring r;
	struct rec rec = { .status = RING_STATUS_DEFERRED };
	uint32_t n;
	CHECK_EQ(ring_init(&r, &page, 0), CAPOS_OK);
	struct capos_sqe s = call_sqe();
	submit(&page, &s);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 0); /* nothing posted */
	CHECK_UEQ(n, 1);
	CHECK_UEQ(r.in_flight, 1);
	CHECK_UEQ(page.hdr.cq_tail, 0);
	/* 63 NOPs fit beside the owed completion; the 64th waits for a credit. */
	rec.status = 0;
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 16; i++)
			submit_nop(&page, 100);
		int got = ring_drain(&r, rec_exec, &rec, &n);
		CHECK_EQ(got, round < 3 ? 16 * (round + 1) : CAPOS_ERR_RING_CQ_OVERFLOW);
	}
	CHECK_UEQ(n, 15);
	CHECK_UEQ(page.hdr.cq_tail, 63);
	/* The completion always has its slot, even with the CQ otherwise full. */
	struct capos_cqe done = { .user_data = 77, .status = 0, .result_len = 40 };
	CHECK_EQ(ring_complete(&r, &done), CAPOS_OK);
	CHECK_UEQ(r.in_flight, 0);
	CHECK_UEQ(page.hdr.cq_tail, 64);
	CHECK_UEQ(page.cq[63].user_data, 77);
	CHECK_UEQ(page.cq[63].result_len, 40);
	/* Nothing owed: a stray completion is refused and posts nothing. */
	CHECK_EQ(ring_complete(&r, &done), CAPOS_ERR_INVALID);
	CHECK_UEQ(page.hdr.cq_tail, 64);
	for (int i = 0; i < 64; i++)
		(void)reap(&page);
	CHECK_EQ(ring_drain(&r, rec_exec, &rec, &n), 1); /* the last NOP */
	CHECK_UEQ(reap(&page).user_data, 100);
}

TEST(ring_min_complete_bound)
{
	CHECK_EQ(ring_check_min_complete(0), CAPOS_OK);
	CHECK_EQ(ring_check_min_complete(CAPOS_RING_CQ_ENTRIES), CAPOS_OK);
	CHECK_EQ(ring_check_min_complete(CAPOS_RING_CQ_ENTRIES + 1), CAPOS_ERR_RING_BAD_ARGUMENT);
	CHECK_EQ(ring_check_min_complete(UINT64_MAX), CAPOS_ERR_RING_BAD_ARGUMENT);
}
