/*
 * Capability ring engine (contract in kernel/include/kernel/ring.h; ABI in
 * include/capos/ring.h and docs/abi.md §4). The shared page is hostile memory: user
 * words are read once with atomic loads into a snapshot, kernel words are written
 * from the private copies and never read back, and each SQE is copied out before it
 * is decoded. Completion credits make posting infallible.
 *
 * Invariant (after every operation): cq_tail - snapshot.cq_head + in_flight <=
 * CAPOS_RING_CQ_ENTRIES, and sq_head never passes the snapshot's sq_tail.
 */
#include <kernel/ring.h>

#include <stddef.h>

#include <capos/error.h>
#include <capos/layout.h>

static void ring_publish(struct ring *r)
{
	struct capos_ring_header *h = &r->page->hdr;

	__atomic_store_n(&h->sq_head, r->sq_head, __ATOMIC_RELEASE);
	__atomic_store_n(&h->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	__atomic_store_n(&h->cq_overflow, r->cq_overflow, __ATOMIC_RELAXED);
	__atomic_store_n(&h->status, r->status, __ATOMIC_RELAXED);
}

/* Word loop, not memset: the kernel has no libc and a large clear would call one. */
static void ring_zero_page(struct capos_ring *page)
{
	uint64_t *w = (uint64_t *)(void *)page;

	for (size_t i = 0; i < sizeof(*page) / sizeof(*w); i++)
		w[i] = 0;
}

int ring_init(struct ring *r, struct capos_ring *page, uint32_t thread_id)
{
	if (!r || !page)
		return CAPOS_ERR_INVALID;
	ring_zero_page(page);
	struct capos_ring_header *h = &page->hdr;
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
	h->thread_id = thread_id;
	r->page = page;
	r->sq_head = 0;
	r->cq_tail = 0;
	r->cq_overflow = 0;
	r->in_flight = 0;
	r->status = 0;
	return CAPOS_OK;
}

static bool ring_snapshot_ok(const struct ring *r, const struct ring_snapshot *s)
{
	/* A cq_head moved back inside the window would overcommit the owed slots. */
	return s->sq_tail - r->sq_head <= CAPOS_RING_SQ_ENTRIES &&
	       r->cq_tail - s->cq_head <= CAPOS_RING_CQ_ENTRIES - r->in_flight;
}

int ring_begin(struct ring *r, struct ring_snapshot *snap)
{
	struct capos_ring_header *h = &r->page->hdr;

	snap->sq_tail = __atomic_load_n(&h->sq_tail, __ATOMIC_ACQUIRE);
	snap->cq_head = __atomic_load_n(&h->cq_head, __ATOMIC_ACQUIRE);
	uint32_t user_flags = __atomic_load_n(&h->user_flags, __ATOMIC_RELAXED);

	if (user_flags != 0 || !ring_snapshot_ok(r, snap)) {
		r->status = CAPOS_RING_ST_CORRUPT;
		ring_publish(r);
		return CAPOS_ERR_RING_CORRUPT;
	}
	r->status = 0;
	ring_publish(r);
	return CAPOS_OK;
}

/* Fields each v1 opcode may set, besides opcode, flags and user_data. */
#define RF_CAP 0x01u
#define RF_IID 0x02u
#define RF_ADDR 0x04u
#define RF_METHOD 0x08u
#define RF_RESULT 0x10u
#define RF_AUX 0x20u
#define RF_XFER 0x40u

static int ring_fields_for(uint8_t opcode, unsigned *fields)
{
	switch (opcode) {
	case CAPOS_OP_RECV: /* raw endpoint cap, receive buffer */
		*fields = RF_CAP | RF_RESULT;
		return CAPOS_OK;
	case CAPOS_OP_RETURN: /* raw endpoint cap, results at addr/len, call id in aux */
		*fields = RF_CAP | RF_ADDR | RF_AUX;
		return CAPOS_OK;
	case CAPOS_OP_NOP:
		*fields = 0;
		return CAPOS_OK;
	case CAPOS_OP_CALL:
		*fields = RF_CAP | RF_IID | RF_ADDR | RF_METHOD | RF_RESULT | RF_XFER;
		return CAPOS_OK;
	case CAPOS_OP_RELEASE:
		*fields = RF_CAP;
		return CAPOS_OK;
	default:
		return CAPOS_ERR_RING_BAD_OPCODE;
	}
}

/* SQE flags each opcode accepts. */
static uint16_t ring_flags_for(uint8_t opcode)
{
	return opcode == CAPOS_OP_RETURN ? CAPOS_SQE_F_EXCEPTION : CAPOS_SQE_F_V1_ACCEPTED;
}

/* True when some field outside `fields` (or a reserved field) is non-zero. */
static bool ring_unused_nonzero(const struct capos_sqe *s, unsigned fields)
{
	uint64_t stray = s->rsvd0;

	if (!(fields & RF_CAP))
		stray |= s->cap;
	if (!(fields & RF_IID))
		stray |= s->interface_id;
	if (!(fields & RF_ADDR))
		stray |= s->addr | s->len;
	if (!(fields & RF_METHOD))
		stray |= s->method;
	if (!(fields & RF_RESULT))
		stray |= s->result_addr | s->result_len;
	if (!(fields & RF_AUX))
		stray |= s->aux;
	if (!(fields & RF_XFER))
		stray |= s->xfer_addr | s->xfer_count;
	return stray != 0;
}

/* A buffer is absent (both zero) or a non-empty range inside the user window. */
static bool ring_buffer_ok(uint64_t addr, uint32_t len)
{
	if (addr == 0 && len == 0)
		return true;
	return addr != 0 && len != 0 && capos_user_range_ok(addr, len);
}

/* The descriptor array: absent (both zero), or 1..CAPOS_XFER_MAX descriptors inside
 * the user window. */
static int ring_xfer_ok(uint64_t addr, uint16_t count)
{
	if ((addr == 0) != (count == 0))
		return CAPOS_ERR_RING_BAD_XFER;
	if (count > CAPOS_XFER_MAX)
		return CAPOS_ERR_XFER_TOO_MANY;
	if (count && !capos_user_range_ok(addr, (uint64_t)count * sizeof(struct capos_xfer)))
		return CAPOS_ERR_XFER_FAULT;
	return CAPOS_OK;
}

int ring_decode(const struct capos_sqe *sqe, struct ring_op *op)
{
	unsigned fields;
	int err = ring_fields_for(sqe->opcode, &fields);

	if (err)
		return err;
	if (sqe->flags & ~ring_flags_for(sqe->opcode))
		return CAPOS_ERR_RING_BAD_FLAGS;
	if (ring_unused_nonzero(sqe, fields))
		return CAPOS_ERR_RING_RESERVED_NONZERO;
	if ((fields & RF_IID) && sqe->interface_id == 0)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	if (!ring_buffer_ok(sqe->addr, sqe->len))
		return CAPOS_ERR_RING_PARAMS_FAULT;
	if (!ring_buffer_ok(sqe->result_addr, sqe->result_len))
		return CAPOS_ERR_RING_RESULT_FAULT;
	err = ring_xfer_ok(sqe->xfer_addr, sqe->xfer_count);
	if (err)
		return err;
	*op = (struct ring_op){
		.opcode = sqe->opcode,
		.flags = sqe->flags,
		.method = sqe->method,
		.cap = sqe->cap,
		.interface_id = sqe->interface_id,
		.params_addr = sqe->addr,
		.params_len = sqe->len,
		.result_addr = sqe->result_addr,
		.result_len = sqe->result_len,
		.aux = sqe->aux,
		.xfer_addr = sqe->xfer_addr,
		.xfer_count = sqe->xfer_count,
	};
	return CAPOS_OK;
}

static uint32_t ring_credits(const struct ring *r, const struct ring_snapshot *s)
{
	return CAPOS_RING_CQ_ENTRIES - (r->cq_tail - s->cq_head) - r->in_flight;
}

/* Copies the next SQE out of the shared page and advances the private head. */
static void ring_take(struct ring *r, struct capos_sqe *out)
{
	const struct capos_sqe *src = &r->page->sq[r->sq_head & CAPOS_RING_SQ_MASK];

	__builtin_memcpy(out, src, sizeof(*out));
	r->sq_head++;
}

static void ring_post(struct ring *r, const struct capos_cqe *cqe)
{
	__builtin_memcpy(&r->page->cq[r->cq_tail & CAPOS_RING_CQ_MASK], cqe, sizeof(*cqe));
	r->cq_tail++;
	__atomic_store_n(&r->page->hdr.cq_tail, r->cq_tail, __ATOMIC_RELEASE);
}

static void ring_run_one(struct ring *r, ring_exec_fn *exec, void *ctx)
{
	struct capos_sqe sqe;
	struct ring_op op;
	struct capos_cqe cqe = { 0 };

	ring_take(r, &sqe);
	cqe.user_data = sqe.user_data;
	int err = ring_decode(&sqe, &op);
	if (err) {
		cqe.status = err;
	} else if (op.opcode != CAPOS_OP_NOP) {
		exec(ctx, &op, &cqe);
		if (cqe.status == RING_STATUS_DEFERRED) {
			r->in_flight++; /* the credit stays reserved for ring_complete */
			return;
		}
		cqe.user_data = sqe.user_data; /* exec cannot redirect a completion */
	}
	ring_post(r, &cqe);
}

int ring_complete(struct ring *r, const struct capos_cqe *cqe)
{
	if (r->in_flight == 0)
		return CAPOS_ERR_INVALID;
	r->in_flight--;
	ring_post(r, cqe);
	return CAPOS_OK;
}

int ring_drain(struct ring *r, ring_exec_fn *exec, void *ctx, uint32_t *consumed)
{
	struct ring_snapshot snap;
	uint32_t n = 0;
	int err = ring_begin(r, &snap);

	if (consumed)
		*consumed = 0;
	if (err)
		return err;
	/* Invariant: sq_head <= snap.sq_tail (mod 2^32), credits >= 0. */
	while (r->sq_head != snap.sq_tail && ring_credits(r, &snap) > 0) {
		ring_run_one(r, exec, ctx);
		n++;
	}
	if (consumed)
		*consumed = n;
	if (r->sq_head != snap.sq_tail) {
		r->cq_overflow++;
		r->status = CAPOS_RING_ST_CQ_FULL;
		ring_publish(r);
		return CAPOS_ERR_RING_CQ_OVERFLOW;
	}
	ring_publish(r);
	return (int)(r->cq_tail - snap.cq_head);
}

int ring_ready(struct ring *r)
{
	uint32_t cq_head = __atomic_load_n(&r->page->hdr.cq_head, __ATOMIC_ACQUIRE);

	if (r->cq_tail - cq_head > CAPOS_RING_CQ_ENTRIES)
		return CAPOS_ERR_RING_CORRUPT;
	return (int)(r->cq_tail - cq_head);
}

int ring_check_min_complete(uint64_t min_complete)
{
	return min_complete > CAPOS_RING_CQ_ENTRIES ? CAPOS_ERR_RING_BAD_ARGUMENT : CAPOS_OK;
}
