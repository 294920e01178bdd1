/*
 * Host tests of libcapos's ring client (lib/libcapos/ring.c, unmodified) against a
 * stand-in kernel: this file defines capos_sys_cap_enter, which consumes SQEs from
 * the shared page and posts CQEs as ABI v1 describes (NOP completes at once; CALL
 * echoes params into the result buffer, or reports CAPOS_ERR_RING_RESULT_TOO_SMALL
 * with the size needed). Modes let it complete in reverse order, never complete, or
 * return a forced status. A CALL with transfer descriptors gets one result-cap record
 * per descriptor behind the echoed params, as docs/abi.md §8 lays them out. Positive
 * cases: sync NOP/CALL, batching, out-of-order matching by user_data, flushing a full
 * SQ, caps sent and result-cap records read. Hostile twins with exact statuses: bad
 * ring geometry, corrupted kernel indices, timeout, CQ overflow, stash exhaustion
 * (nothing lost), kernel errors propagated, too many descriptors, CQEs whose record
 * counts disagree with the buffer.
 */
#include "test.h"

#include <libcapos/ring.h>
#include <libcapos/sys.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <string.h>

enum fk_mode { FK_IMMEDIATE, FK_REVERSE3, FK_SILENT };

static _Alignas(4096) struct capos_ring fk_ring;
static uint32_t fk_sq_head, fk_cq_tail;
static enum fk_mode fk_mode;
static int64_t fk_force_ret;
static unsigned fk_enters, fk_would_block;
static struct capos_sqe fk_last, fk_held[3];
static unsigned fk_nheld;

static void fk_reset(enum fk_mode mode)
{
	struct capos_ring_header *h = &fk_ring.hdr;

	memset(&fk_ring, 0, sizeof(fk_ring));
	h->magic = CAPOS_RING_MAGIC;
	h->version = CAPOS_ABI_VERSION;
	h->header_size = CAPOS_RING_HEADER_SIZE;
	h->sq_entries = CAPOS_RING_SQ_ENTRIES;
	h->cq_entries = CAPOS_RING_CQ_ENTRIES;
	h->sq_mask = CAPOS_RING_SQ_MASK;
	h->cq_mask = CAPOS_RING_CQ_MASK;
	h->sq_offset = CAPOS_RING_SQ_OFFSET;
	h->cq_offset = CAPOS_RING_CQ_OFFSET;
	h->sqe_size = CAPOS_SQE_SIZE;
	h->cqe_size = CAPOS_CQE_SIZE;
	fk_sq_head = fk_cq_tail = 0;
	fk_mode = mode;
	fk_force_ret = 0;
	fk_enters = fk_would_block = fk_nheld = 0;
}

static void fk_post(const struct capos_sqe *s)
{
	struct capos_cqe *e = &fk_ring.cq[fk_cq_tail & CAPOS_RING_CQ_MASK];

	memset(e, 0, sizeof(*e));
	e->user_data = s->user_data;
	if (s->opcode == CAPOS_OP_NOP) {
		e->status = 0;
	} else if (s->opcode == CAPOS_OP_CALL && s->xfer_count) {
		/* Echo, then record i = descriptor i's cap in a new generation. */
		const struct capos_xfer *d = (const struct capos_xfer *)(uintptr_t)s->xfer_addr;
		uint32_t need = s->len + 16u * s->xfer_count;
		if (need > s->result_len) {
			e->status = CAPOS_ERR_RING_RESULT_TOO_SMALL;
			e->result_len = need;
		} else {
			struct capos_xfer_result *r =
				(struct capos_xfer_result *)(uintptr_t)(s->result_addr + s->len);
			memcpy((void *)(uintptr_t)s->result_addr, (const void *)(uintptr_t)s->addr,
			       s->len);
			for (unsigned i = 0; i < s->xfer_count; i++)
				r[i] = (struct capos_xfer_result){ .cap = d[i].cap + 0x10000,
								   .interface_id =
									   0xC0FFEE00u + i };
			e->result_len = need;
			e->xfer_count = s->xfer_count;
			e->flags = CAPOS_CQE_F_XFER;
		}
	} else if (s->opcode == CAPOS_OP_CALL && s->len > s->result_len) {
		e->status = CAPOS_ERR_RING_RESULT_TOO_SMALL;
		e->result_len = s->len;
	} else if (s->opcode == CAPOS_OP_CALL) {
		if (s->len)
			memcpy((void *)(uintptr_t)s->result_addr, (const void *)(uintptr_t)s->addr,
			       s->len);
		e->result_len = s->len;
	} else {
		e->status = CAPOS_ERR_RING_BAD_OPCODE;
	}
	fk_cq_tail++;
	__atomic_store_n(&fk_ring.hdr.cq_tail, fk_cq_tail, __ATOMIC_RELEASE);
}

int64_t capos_sys_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	uint32_t tail = __atomic_load_n(&fk_ring.hdr.sq_tail, __ATOMIC_ACQUIRE);
	uint32_t avail;

	fk_enters++;
	if (tail - fk_sq_head > CAPOS_RING_SQ_ENTRIES)
		return CAPOS_ERR_RING_CORRUPT;
	while (fk_sq_head != tail && fk_cq_tail - fk_ring.hdr.cq_head < CAPOS_RING_CQ_ENTRIES) {
		struct capos_sqe s = fk_ring.sq[fk_sq_head & CAPOS_RING_SQ_MASK];

		fk_sq_head++;
		fk_ring.hdr.sq_head = fk_sq_head;
		fk_last = s;
		if (fk_mode == FK_IMMEDIATE)
			fk_post(&s);
		else if (fk_mode == FK_REVERSE3 && fk_nheld < 3)
			fk_held[fk_nheld++] = s;
	}
	if (fk_mode == FK_REVERSE3 && fk_nheld == 3) {
		for (unsigned i = 3; i-- > 0;)
			fk_post(&fk_held[i]);
		fk_nheld = 0;
	}
	if (fk_force_ret) {
		int64_t r = fk_force_ret;

		fk_force_ret = 0;
		return r;
	}
	avail = fk_cq_tail - fk_ring.hdr.cq_head;
	/* Nothing else can happen in this model: a real kernel would sleep here. */
	if (avail < min_complete && timeout_ns == CAPOS_TIMEOUT_INFINITE)
		fk_would_block++;
	return avail;
}

_Noreturn void capos_sys_exit(int64_t code)
{
	(void)code;
	__builtin_trap();
}

static struct capos_ring_client cl;

static int attach(enum fk_mode mode)
{
	fk_reset(mode);
	return capos_ring_attach(&cl, (uintptr_t)&fk_ring);
}

TEST(ring_attach_checks_geometry)
{
	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	CHECK_EQ(capos_ring_attach(&cl, 0), CAPOS_ERR_INVALID);
	for (int field = 0; field < 11; field++) {
		fk_reset(FK_IMMEDIATE);
		switch (field) {
		case 0:
			fk_ring.hdr.magic ^= 1;
			break;
		case 1:
			fk_ring.hdr.version++;
			break;
		case 2:
			fk_ring.hdr.header_size = 0x200;
			break;
		case 3:
			fk_ring.hdr.sq_entries = 32;
			break;
		case 4:
			fk_ring.hdr.cq_entries = 128;
			break;
		case 5:
			fk_ring.hdr.sq_mask = 0xff;
			break;
		case 6:
			fk_ring.hdr.cq_mask = 0x1f;
			break;
		case 7:
			fk_ring.hdr.sq_offset = 0x100;
			break;
		case 8:
			fk_ring.hdr.cq_offset = 0xc00;
			break;
		case 9:
			fk_ring.hdr.sqe_size = 32;
			break;
		default:
			fk_ring.hdr.cqe_size = 64;
			break;
		}
		CHECK_EQ(capos_ring_attach(&cl, (uintptr_t)&fk_ring), CAPOS_ERR_INVALID);
	}
}

TEST(ring_sync_nop)
{
	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	CHECK_EQ(capos_ring_nop(&cl), 0);
	CHECK_EQ(fk_enters, 1);
	CHECK_EQ(fk_last.opcode, CAPOS_OP_NOP);
	CHECK(fk_last.user_data & CAPOS_RING_UD_SYNC);
	CHECK_EQ(capos_ring_nop(&cl), 0);
	CHECK_UEQ(fk_ring.hdr.cq_head, 2);
	CHECK_EQ(fk_would_block, 0);
}

TEST(ring_sync_call_echo_and_fields)
{
	char result[16] = { 0 };
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	CHECK_EQ(capos_ring_call(&cl, 0x10005, 0x1122334455667788ull, 3, "hello", 5, result,
				 sizeof(result), &cqe),
		 0);
	CHECK_EQ(cqe.result_len, 5);
	CHECK_MEMEQ(result, "hello", 5);
	CHECK_EQ(fk_last.opcode, CAPOS_OP_CALL);
	CHECK_UEQ(fk_last.cap, 0x10005);
	CHECK_UEQ(fk_last.interface_id, 0x1122334455667788ull);
	CHECK_EQ(fk_last.method, 3);
	CHECK_EQ(fk_last.len, 5);
	CHECK_EQ(fk_last.result_len, sizeof(result));
	CHECK_EQ(fk_last.rsvd0 | fk_last.flags | fk_last.xfer_count | fk_last.aux, 0);
	CHECK_UEQ(fk_last.xfer_addr, 0);
	/* No params and no results: both address and length are zero. */
	CHECK_EQ(capos_ring_call(&cl, 1, 2, 0, "x", 0, result, 0, &cqe), 0);
	CHECK_UEQ(fk_last.addr | fk_last.result_addr, 0);
}

TEST(ring_hostile_result_too_small)
{
	char result[4];
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	CHECK_EQ(capos_ring_call(&cl, 1, 2, 0, "0123456789", 10, result, sizeof(result), &cqe),
		 CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_EQ(cqe.result_len, 10);
}

static void submit_nop(uint64_t ud)
{
	struct capos_sqe *s;

	if (capos_ring_get_sqe(&cl, &s) != CAPOS_OK)
		test_fail(__FILE__, __LINE__, "get_sqe for %llu", (unsigned long long)ud);
	else {
		s->opcode = CAPOS_OP_NOP;
		s->user_data = ud;
	}
}

TEST(ring_out_of_order_matched_by_user_data)
{
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_REVERSE3), CAPOS_OK);
	submit_nop(1);
	submit_nop(2);
	submit_nop(3);
	capos_ring_submit(&cl);
	CHECK_EQ(capos_ring_wait(&cl, 1, CAPOS_TIMEOUT_INFINITE, &cqe), CAPOS_OK);
	CHECK_UEQ(cqe.user_data, 1);
	CHECK_EQ(cl.stashed, 2);
	CHECK_EQ(fk_enters, 1);
	CHECK_EQ(capos_ring_wait(&cl, 2, CAPOS_TIMEOUT_INFINITE, &cqe), CAPOS_OK);
	CHECK_UEQ(cqe.user_data, 2);
	CHECK_EQ(capos_ring_wait(&cl, 3, CAPOS_TIMEOUT_INFINITE, &cqe), CAPOS_OK);
	CHECK_UEQ(cqe.user_data, 3);
	CHECK_EQ(fk_enters, 1); /* both served from the stash */
	CHECK_EQ(cl.stashed, 0);
}

/* wait_any: the first of a set to complete (CQ order, then the stash), its index. */
TEST(ring_wait_any_first_of_a_set)
{
	const uint64_t set[2] = { 2, 1 }, none[1] = { 9 };
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_REVERSE3), CAPOS_OK);
	submit_nop(1);
	submit_nop(2);
	submit_nop(3);
	capos_ring_submit(&cl);
	CHECK_EQ(capos_ring_wait_any(&cl, set, 2, CAPOS_TIMEOUT_INFINITE, &cqe), 0);
	CHECK_UEQ(cqe.user_data, 2); /* completed before 1 (reverse order), after 3 */
	CHECK_EQ(cl.stashed, 1);     /* 3 */
	CHECK_EQ(capos_ring_wait_any(&cl, set, 2, CAPOS_TIMEOUT_INFINITE, &cqe), 1);
	CHECK_UEQ(cqe.user_data, 1);
	CHECK_EQ(capos_ring_wait_any(&cl, &set[1], 0, 0, &cqe), CAPOS_ERR_RING_TIMED_OUT);
	CHECK_EQ(capos_ring_wait_any(&cl, none, 1, 0, &cqe), CAPOS_ERR_RING_TIMED_OUT);
	CHECK_EQ(capos_ring_wait(&cl, 3, CAPOS_TIMEOUT_INFINITE, &cqe), CAPOS_OK);
	CHECK_EQ(cl.stashed, 0);
}

TEST(ring_batch_of_a_full_sq_in_one_enter)
{
	struct capos_sqe *s;
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	for (unsigned i = 0; i < CAPOS_RING_SQ_ENTRIES; i++)
		submit_nop(100 + i);
	CHECK_EQ(capos_ring_get_sqe(&cl, &s), CAPOS_ERR_BUSY);
	capos_ring_submit(&cl);
	CHECK_EQ(capos_ring_enter(&cl, CAPOS_RING_SQ_ENTRIES, CAPOS_TIMEOUT_INFINITE),
		 CAPOS_RING_SQ_ENTRIES);
	for (unsigned i = CAPOS_RING_SQ_ENTRIES; i-- > 0;) {
		CHECK_EQ(capos_ring_wait(&cl, 100 + i, 0, &cqe), CAPOS_OK);
		CHECK_EQ(cqe.status, 0);
	}
	CHECK_EQ(fk_enters, 1);
}

TEST(ring_sync_helper_flushes_a_full_sq)
{
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	for (unsigned i = 0; i < CAPOS_RING_SQ_ENTRIES; i++)
		submit_nop(200 + i);
	capos_ring_submit(&cl);
	CHECK_EQ(capos_ring_nop(&cl), 0);
	for (unsigned i = 0; i < CAPOS_RING_SQ_ENTRIES; i++)
		CHECK_EQ(capos_ring_wait(&cl, 200 + i, 0, &cqe), CAPOS_OK);
	CHECK_EQ(fk_would_block, 0);
}

TEST(ring_hostile_corrupt_kernel_indices)
{
	struct capos_sqe *s;
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	fk_ring.hdr.sq_head = 100; /* a scribble: far past anything published */
	CHECK_EQ(capos_ring_get_sqe(&cl, &s), CAPOS_ERR_RING_CORRUPT);
	fk_ring.hdr.sq_head = 0;
	CHECK_EQ(capos_ring_get_sqe(&cl, &s), CAPOS_OK);
	fk_ring.hdr.cq_tail = CAPOS_RING_CQ_ENTRIES + 1;
	CHECK_EQ(capos_ring_wait(&cl, 5, 0, &cqe), CAPOS_ERR_RING_CORRUPT);
	fk_ring.hdr.cq_tail = (uint32_t)-1; /* behind the head */
	CHECK_EQ(capos_ring_wait(&cl, 5, 0, &cqe), CAPOS_ERR_RING_CORRUPT);
	CHECK_EQ(cl.stashed, 0);
}

TEST(ring_hostile_timeout)
{
	struct capos_cqe cqe;

	CHECK_EQ(attach(FK_SILENT), CAPOS_OK);
	submit_nop(9);
	capos_ring_submit(&cl);
	CHECK_EQ(capos_ring_wait(&cl, 9, 1000, &cqe), CAPOS_ERR_RING_TIMED_OUT);
	CHECK_EQ(fk_enters, 1);
}

TEST(ring_cq_overflow_status_is_not_fatal)
{
	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	fk_force_ret = CAPOS_ERR_RING_CQ_OVERFLOW;
	CHECK_EQ(capos_ring_nop(&cl), 0);
	CHECK_EQ(fk_enters, 1);
}

TEST(ring_hostile_kernel_errors_propagate)
{
	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	fk_force_ret = CAPOS_ERR_RING_BAD_ARGUMENT;
	CHECK_EQ(capos_ring_nop(&cl), CAPOS_ERR_RING_BAD_ARGUMENT);
	fk_force_ret = CAPOS_ERR_RING_CORRUPT;
	CHECK_EQ(capos_ring_nop(&cl), CAPOS_ERR_RING_CORRUPT);
}

TEST(ring_hostile_stash_exhausted_loses_nothing)
{
	struct capos_cqe cqe;
	unsigned n = 0;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	/* Fill the whole CQ with completions nobody has asked for yet. */
	for (unsigned b = 0; b < CAPOS_RING_CQ_ENTRIES / CAPOS_RING_SQ_ENTRIES; b++) {
		for (unsigned i = 0; i < CAPOS_RING_SQ_ENTRIES; i++)
			submit_nop(1000 + n++);
		capos_ring_submit(&cl);
		CHECK(capos_ring_enter(&cl, 0, 0) >= 0);
	}
	/* 16 more others, then the one we want: they wait in the SQ (CQ full). */
	for (unsigned i = 0; i < CAPOS_RING_SQ_ENTRIES - 1; i++)
		submit_nop(1000 + n++);
	submit_nop(7);
	capos_ring_submit(&cl);
	CHECK_EQ(capos_ring_wait(&cl, 7, 0, &cqe), CAPOS_ERR_BUSY);
	CHECK_EQ(cl.stashed, CAPOS_RING_CQ_ENTRIES);
	/* While the stash is full, a completion still in the CQ stays out of reach... */
	CHECK_EQ(capos_ring_wait(&cl, 1000 + n - 1, 0, &cqe), CAPOS_ERR_BUSY);
	/* ...but nothing was lost: collecting the stashed ones frees room for the rest. */
	for (unsigned i = n; i-- > 0;)
		if (i < CAPOS_RING_CQ_ENTRIES)
			CHECK_EQ(capos_ring_wait(&cl, 1000 + i, 0, &cqe), CAPOS_OK);
	for (unsigned i = CAPOS_RING_CQ_ENTRIES; i < n; i++)
		CHECK_EQ(capos_ring_wait(&cl, 1000 + i, 0, &cqe), CAPOS_OK);
	CHECK_EQ(capos_ring_wait(&cl, 7, 0, &cqe), CAPOS_OK);
	CHECK_UEQ(cqe.user_data, 7);
	CHECK_EQ(cl.stashed, 0);
}

TEST(ring_call_xfer_sends_descriptors_and_reads_records)
{
	_Alignas(8) char result[64] = { 0 };
	const struct capos_xfer x[2] = { { .cap = 0x10003, .mode = CAPOS_XFER_COPY },
					 { .cap = 0x20004, .mode = CAPOS_XFER_MOVE } };
	const struct capos_xfer_result *recs;
	struct capos_cqe cqe;
	uint32_t rlen, cap = 0;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	CHECK_EQ(capos_ring_call_xfer(&cl, 0x10005, 0x77, 1, "8 bytes!", 8, x, 2, result,
				      sizeof(result), &cqe),
		 0);
	CHECK_UEQ(fk_last.xfer_addr, (uintptr_t)x);
	CHECK_EQ(fk_last.xfer_count, 2);
	CHECK_EQ(capos_ring_result_caps(&cqe, result, sizeof(result), &recs, &rlen), 2);
	CHECK_UEQ(rlen, 8);
	CHECK_MEMEQ(result, "8 bytes!", 8);
	CHECK_UEQ(recs[0].cap, 0x20003);
	CHECK_UEQ(recs[1].cap, 0x30004);
	CHECK_EQ(capos_ring_result_cap(&cqe, result, sizeof(result), 1, 0xC0FFEE01u, &cap), 0);
	CHECK_UEQ(cap, 0x30004);
	CHECK_EQ(capos_ring_result_cap(&cqe, result, sizeof(result), 1, 0xC0FFEE00u, &cap),
		 CAPOS_ERR_CAP_WRONG_INTERFACE);
	CHECK_EQ(capos_ring_result_cap(&cqe, result, sizeof(result), 2, 0xC0FFEE00u, &cap),
		 CAPOS_ERR_NOT_FOUND);
	/* A CALL without caps has no records, and capos_ring_call sends no descriptors. */
	CHECK_EQ(capos_ring_call(&cl, 1, 2, 0, "12345678", 8, result, sizeof(result), &cqe), 0);
	CHECK_UEQ(fk_last.xfer_addr | fk_last.xfer_count, 0);
	CHECK_EQ(capos_ring_result_caps(&cqe, result, sizeof(result), &recs, &rlen), 0);
	CHECK_UEQ(rlen, 8);
	CHECK(recs == NULL);
}

TEST(ring_hostile_xfer_limits_and_forged_cqes)
{
	_Alignas(8) char result[64] = { 0 };
	struct capos_xfer many[CAPOS_XFER_MAX + 1] = { { .cap = 1 } };
	const struct capos_xfer_result *recs;
	struct capos_cqe cqe = { 0 };
	uint32_t rlen;

	CHECK_EQ(attach(FK_IMMEDIATE), CAPOS_OK);
	uint32_t tail = cl.sq_tail;
	CHECK_EQ(capos_ring_call_xfer(&cl, 1, 2, 0, NULL, 0, many, CAPOS_XFER_MAX + 1, result,
				      sizeof(result), &cqe),
		 CAPOS_ERR_XFER_TOO_MANY);
	CHECK_UEQ(cl.sq_tail, tail); /* nothing submitted */
	CHECK_EQ(fk_enters, 0);
	/* The results did not fit: the kernel says how much room results + records need. */
	CHECK_EQ(capos_ring_call_xfer(&cl, 1, 2, 0, "12345678", 8, many, 3, result, 32, &cqe),
		 CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(cqe.result_len, 8 + 48);
	/* CQEs that disagree with the buffer are refused before anything is read. */
	struct capos_cqe bad[] = {
		{ .result_len = 80, .xfer_count = 1, .flags = CAPOS_CQE_F_XFER }, /* > buffer */
		{ .result_len = 8, .xfer_count = 1, .flags = CAPOS_CQE_F_XFER },  /* < records */
		{ .result_len = 24, .xfer_count = 1 },				  /* no flag */
		{ .result_len = 24, .flags = CAPOS_CQE_F_XFER },		  /* no count */
		{ .result_len = 28, .xfer_count = 1, .flags = CAPOS_CQE_F_XFER }, /* unaligned */
		{ .result_len = 64, .xfer_count = 17, .flags = CAPOS_CQE_F_XFER },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (capos_ring_result_caps(&bad[i], result, sizeof(result), &recs, &rlen) !=
		    CAPOS_ERR_INVALID) {
			test_fail(__FILE__, __LINE__, "forged cqe %u accepted", i);
			return;
		}
	}
	struct capos_cqe ok = { .result_len = 24, .xfer_count = 1, .flags = CAPOS_CQE_F_XFER };
	CHECK_EQ(capos_ring_result_caps(&ok, result + 4, sizeof(result) - 4, &recs, &rlen),
		 CAPOS_ERR_INVALID); /* misaligned buffer */
	CHECK_EQ(capos_ring_result_caps(&ok, result, sizeof(result), &recs, &rlen), 1);
}
