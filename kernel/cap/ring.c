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
	r->status = 0; /* published by the caller when it is done (ring_drain) */
	return CAPOS_OK;
}

/* Fields each v1 opcode may set, besides opcode, flags and user_data (a bit may name
 * a group: RF_UNSET's bit argument). */
#define RF_CAP 0x01u
#define RF_IID 0x02u
#define RF_ADDR 0x04u
#define RF_METHOD 0x08u
#define RF_RESULT 0x10u
#define RF_AUX 0x20u
#define RF_XFER 0x40u
#define RF_WORD 0x80u	  /* PARK/UNPARK: addr names a word (no len, no range check here) */
#define RF_TIMEOUT 0x100u /* PARK: result_addr is a timeout (no result_len) */

/* struct ring_op is the SQE's first seven words, field for field. */
#define RING_OP_AT(f, sf)                                                                          \
	_Static_assert(offsetof(struct ring_op, f) == offsetof(struct capos_sqe, sf) &&            \
			       sizeof(((struct ring_op *)0)->f) ==                                 \
				       sizeof(((struct capos_sqe *)0)->sf),                        \
		       "ring_op." #f " mirrors capos_sqe." #sf)
RING_OP_AT(opcode, opcode);
RING_OP_AT(rsvd0, rsvd0);
RING_OP_AT(flags, flags);
RING_OP_AT(cap, cap);
RING_OP_AT(interface_id, interface_id);
RING_OP_AT(params_addr, addr);
RING_OP_AT(params_len, len);
RING_OP_AT(method, method);
RING_OP_AT(xfer_count, xfer_count);
RING_OP_AT(result_addr, result_addr);
RING_OP_AT(result_len, result_len);
RING_OP_AT(aux, aux);
RING_OP_AT(xfer_addr, xfer_addr);
_Static_assert(sizeof(struct ring_op) == offsetof(struct capos_sqe, user_data),
	       "ring_op is the SQE without user_data");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "SQE words are little-endian");

/*
 * Per opcode: the bits of words 0-6 that must be zero (a field outside the opcode's
 * set, or rsvd0; flags are checked first, on their own, for their own error), the
 * flags it accepts and its field set. Word layout (docs/abi.md §4): 0 = opcode,
 * rsvd0, flags, cap; 1 = interface_id; 2 = addr; 3 = len, method, xfer_count;
 * 4 = result_addr; 5 = result_len, aux; 6 = xfer_addr.
 */
struct ring_spec {
	uint64_t zero[7];
	uint16_t flags_ok;
	uint16_t fields;
	bool valid;
};

#define RF_UNSET(f, bit, mask) (((f) & (bit)) ? 0ull : (mask))
#define RING_SPEC(f, fl)                                                                           \
	{                                                                                          \
		.zero = { 0xff00ull | RF_UNSET(f, RF_CAP, 0xffffffff00000000ull),                  \
			  RF_UNSET(f, RF_IID, ~0ull),                                              \
			  RF_UNSET(f, RF_ADDR | RF_WORD, ~0ull),                                   \
			  RF_UNSET(f, RF_ADDR, 0xffffffffull) |                                    \
				  RF_UNSET(f, RF_METHOD, 0xffff00000000ull) |                      \
				  RF_UNSET(f, RF_XFER, 0xffff000000000000ull),                     \
			  RF_UNSET(f, RF_RESULT | RF_TIMEOUT, ~0ull),                              \
			  RF_UNSET(f, RF_RESULT, 0xffffffffull) |                                  \
				  RF_UNSET(f, RF_AUX, 0xffffffff00000000ull),                      \
			  RF_UNSET(f, RF_XFER, ~0ull) },                                           \
		.flags_ok = (fl), .fields = (f), .valid = true                                     \
	}

static const struct ring_spec ring_specs[CAPOS_OP_COUNT] = {
	[CAPOS_OP_NOP] = RING_SPEC(0, CAPOS_SQE_F_V1_ACCEPTED),
	/* invoke cap: interface, params at addr/len, method, result buffer, caps */
	[CAPOS_OP_CALL] = RING_SPEC(RF_CAP | RF_IID | RF_ADDR | RF_METHOD | RF_RESULT | RF_XFER,
				    CAPOS_SQE_F_V1_ACCEPTED),
	[CAPOS_OP_RELEASE] = RING_SPEC(RF_CAP, CAPOS_SQE_F_V1_ACCEPTED),
	/* raw endpoint cap, receive buffer */
	[CAPOS_OP_RECV] = RING_SPEC(RF_CAP | RF_RESULT, CAPOS_SQE_F_V1_ACCEPTED),
	/* raw endpoint cap, results at addr/len, call id in aux, caps */
	[CAPOS_OP_RETURN] = RING_SPEC(RF_CAP | RF_ADDR | RF_AUX | RF_XFER, CAPOS_SQE_F_EXCEPTION),
	/* park space cap, word (address or offset), expected value, timeout */
	[CAPOS_OP_PARK] =
		RING_SPEC(RF_CAP | RF_WORD | RF_AUX | RF_TIMEOUT, CAPOS_SQE_F_V1_ACCEPTED),
	/* park space cap, word, waiters to wake */
	[CAPOS_OP_UNPARK] = RING_SPEC(RF_CAP | RF_WORD | RF_AUX, CAPOS_SQE_F_V1_ACCEPTED),
};

/* A buffer is absent (both zero) or a non-empty range inside the user window (which
 * starts above 0, so a present buffer's address is never 0). */
_Static_assert(CAPOS_USER_BASE > 0, "address 0 is outside the user window");
static bool ring_buffer_ok(uint64_t addr, uint32_t len)
{
	if ((addr | len) == 0)
		return true;
	return len != 0 && capos_user_range_ok(addr, len);
}

/* The descriptor array: absent (both zero), or 1..CAPOS_XFER_MAX descriptors inside
 * the user window. */
static int ring_xfer_ok(uint64_t addr, uint16_t count)
{
	if ((addr | count) == 0)
		return CAPOS_OK; /* absent: the common case, one test */
	if (addr == 0 || count == 0)
		return CAPOS_ERR_RING_BAD_XFER;
	if (count > CAPOS_XFER_MAX)
		return CAPOS_ERR_XFER_TOO_MANY;
	if (count && !capos_user_range_ok(addr, (uint64_t)count * sizeof(struct capos_xfer)))
		return CAPOS_ERR_XFER_FAULT;
	return CAPOS_OK;
}

/* The checks after the opcode's, in docs/abi.md §4.7's order, against spec *sp. Always
 * inlined: with a constant sp (ring_check_words' switch) the masks fold into the code
 * and the checks of fields the opcode cannot have vanish. */
static inline __attribute__((always_inline)) int
ring_check_spec(const struct ring_spec *sp, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
		uint64_t w4, uint64_t w5, uint64_t w6)
{
	uint16_t flags = (uint16_t)(w0 >> 16);

	if (flags & ~sp->flags_ok)
		return CAPOS_ERR_RING_BAD_FLAGS;
	if (((w0 & sp->zero[0]) | (w1 & sp->zero[1]) | (w2 & sp->zero[2]) | (w3 & sp->zero[3]) |
	     (w4 & sp->zero[4]) | (w5 & sp->zero[5]) | (w6 & sp->zero[6])) != 0)
		return CAPOS_ERR_RING_RESERVED_NONZERO;
	if ((sp->fields & RF_IID) && w1 == 0)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	/* A field outside the opcode's set was forced to zero by its mask just above, and
	 * an absent buffer or array passes its check: only the opcode's own are tested
	 * (with a constant sp the others vanish). */
	if ((sp->fields & RF_ADDR) && !ring_buffer_ok(w2, (uint32_t)w3))
		return CAPOS_ERR_RING_PARAMS_FAULT;
	if ((sp->fields & RF_RESULT) && !ring_buffer_ok(w4, (uint32_t)w5))
		return CAPOS_ERR_RING_RESULT_FAULT;
	return (sp->fields & RF_XFER) ? ring_xfer_ok(w6, (uint16_t)(w3 >> 48)) : CAPOS_OK;
}

/*
 * Validates the first seven words of a private copy of an SQE (mutates nothing); the
 * error order is docs/abi.md §4.7's. The fields are taken from the words (layout in
 * the ring_spec comment), so a caller holding the words in registers checks them
 * there instead of reloading a stack copy. The IPC opcodes get their own copy of the
 * checks with their spec as a constant; every opcode runs the same ring_check_spec.
 */
static int ring_check_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
			    uint64_t w5, uint64_t w6)
{
	uint8_t opcode = (uint8_t)w0;

	/* The IPC opcodes are valid (their table entries are constants): they skip the
	 * opcode table check; every other opcode takes it first. */
	switch (opcode) {
	case CAPOS_OP_CALL:
		return ring_check_spec(&ring_specs[CAPOS_OP_CALL], w0, w1, w2, w3, w4, w5, w6);
	case CAPOS_OP_RECV:
		return ring_check_spec(&ring_specs[CAPOS_OP_RECV], w0, w1, w2, w3, w4, w5, w6);
	case CAPOS_OP_RETURN:
		return ring_check_spec(&ring_specs[CAPOS_OP_RETURN], w0, w1, w2, w3, w4, w5, w6);
	default:
		if (opcode >= CAPOS_OP_COUNT || !ring_specs[opcode].valid)
			return CAPOS_ERR_RING_BAD_OPCODE;
		return ring_check_spec(&ring_specs[opcode], w0, w1, w2, w3, w4, w5, w6);
	}
}

/* ring_check_words on a private copy held as a struct ring_op. */
static int ring_check(const struct ring_op *op)
{
	uint64_t w[7];

	__builtin_memcpy(w, op, sizeof(w));
	return ring_check_words(w[0], w[1], w[2], w[3], w[4], w[5], w[6]);
}

int ring_decode(const struct capos_sqe *sqe, struct ring_op *op)
{
	struct ring_op tmp;

	__builtin_memcpy(&tmp, sqe, sizeof(tmp));
	int err = ring_check(&tmp);
	if (err)
		return err;
	*op = tmp;
	return CAPOS_OK;
}

static uint32_t ring_credits(const struct ring *r, const struct ring_snapshot *s)
{
	return CAPOS_RING_CQ_ENTRIES - (r->cq_tail - s->cq_head) - r->in_flight;
}

/* Copies the next SQE out of the shared page (each word read once), checks its first
 * seven words while they are still in registers (ring_check_words), stores them into
 * *op and the last into *user_data, and advances the private head. Returns the check's
 * result; *op is written either way (the caller uses it only on success). */
static int ring_take(struct ring *r, struct ring_op *op, uint64_t *user_data)
{
	const volatile uint64_t *src =
		(const volatile uint64_t *)(void *)&r->page->sq[r->sq_head & CAPOS_RING_SQ_MASK];
	uint64_t w0 = src[0], w1 = src[1], w2 = src[2], w3 = src[3], w4 = src[4], w5 = src[5],
		 w6 = src[6];

	*user_data = src[7];
	r->sq_head++;
	int err = ring_check_words(w0, w1, w2, w3, w4, w5, w6);
	const uint64_t w[7] = { w0, w1, w2, w3, w4, w5, w6 };
	__builtin_memcpy(op, w, sizeof(*op));
	return err;
}

/* The page and tail are read once: the CQE stores could alias r as far as the
 * compiler knows, so re-reading them would cost a load each. */
static void ring_post(struct ring *r, const struct capos_cqe *cqe)
{
	struct capos_ring *page = r->page;
	uint32_t tail = r->cq_tail;

	__builtin_memcpy(&page->cq[tail & CAPOS_RING_CQ_MASK], cqe, sizeof(*cqe));
	r->cq_tail = tail + 1;
	__atomic_store_n(&page->hdr.cq_tail, tail + 1, __ATOMIC_RELEASE);
}

/*
 * The NOP fast path: NOP uses only user_data, so a well-formed NOP is the first word
 * (opcode, rsvd0, flags, cap) equal to CAPOS_OP_NOP and the next six all zero. Each
 * word of the shared slot is read exactly once (volatile), and the decision and the
 * completion use only the values read, so a concurrent writer cannot split them.
 * Anything else (another opcode, a NOP with a stray field) stops the run without
 * side effects, and ring_run_one then copies that slot and decodes it with the full
 * error order of docs/abi.md §4.7.
 */
#define RING_NOP_WORD0 ((uint64_t)CAPOS_OP_NOP)
_Static_assert(offsetof(struct capos_sqe, opcode) == 0 && offsetof(struct capos_sqe, cap) == 4,
	       "word 0 is opcode, rsvd0, flags, cap");
_Static_assert(offsetof(struct capos_sqe, user_data) == 7 * 8, "user_data is the last word");

static bool ring_nop_ok(const volatile uint64_t *w, uint64_t *user_data)
{
	if (w[0] != RING_NOP_WORD0 || (w[1] | w[2] | w[3] | w[4] | w[5] | w[6]) != 0)
		return false;
	*user_data = w[7];
	return true;
}

static void ring_nop_complete(struct capos_cqe *c, uint64_t user_data)
{
	c->user_data = user_data;
	c->status = 0;
	c->result_len = 0;
	c->call_id = 0;
	c->flags = 0;
	c->xfer_count = 0;
	c->badge = 0;
}

/*
 * Completes well-formed NOPs from sq_head, at most `max` of them; returns how many
 * (0 when the first SQE is not a well-formed NOP). The caller has checked the credits
 * for `max` CQEs. The slots are walked by byte offset (advance, then mask: the queues
 * are powers of two), which keeps a NOP to a few instructions; cq_tail is published
 * with the rest of the kernel line by ring_drain.
 */
#define RING_SQ_BYTES (CAPOS_RING_SQ_ENTRIES * CAPOS_SQE_SIZE)
#define RING_CQ_BYTES (CAPOS_RING_CQ_ENTRIES * CAPOS_CQE_SIZE)

static uint32_t ring_nop_run(struct ring *r, uint32_t max)
{
	uint8_t *sq = (uint8_t *)r->page->sq, *cq = (uint8_t *)r->page->cq;
	size_t so = (r->sq_head & CAPOS_RING_SQ_MASK) * CAPOS_SQE_SIZE;
	size_t co = (r->cq_tail & CAPOS_RING_CQ_MASK) * CAPOS_CQE_SIZE;
	uint32_t left = max;
	uint64_t user_data;

	while (left && ring_nop_ok((const volatile uint64_t *)(void *)(sq + so), &user_data)) {
		ring_nop_complete((struct capos_cqe *)(void *)(cq + co), user_data);
		so = (so + CAPOS_SQE_SIZE) & (RING_SQ_BYTES - 1);
		co = (co + CAPOS_CQE_SIZE) & (RING_CQ_BYTES - 1);
		left--;
	}
	r->sq_head += max - left;
	r->cq_tail += max - left;
	return max - left;
}

/* True when the SQE at sq_head looks like a NOP. A peek only picks the path: whichever
 * path takes the SQE reads it (once) again and decides on that. */
static bool ring_peek_nop(const struct ring *r)
{
	return *(const volatile uint8_t *)&r->page->sq[r->sq_head & CAPOS_RING_SQ_MASK].opcode ==
	       CAPOS_OP_NOP;
}

/* Copies out, decodes and runs (or answers) the SQE at sq_head; posts its CQE. Used
 * by ring_drain_rest only, so the NOP and empty-ring paths never carry it. */
static void ring_run_one(struct ring *r, ring_exec_fn *exec, void *ctx)
{
	struct ring_op op;
	uint64_t user_data;
	struct capos_cqe cqe = { 0 };

	int err = ring_take(r, &op, &user_data);
	cqe.user_data = user_data;
	if (err) {
		cqe.status = err;
	} else if (op.opcode != CAPOS_OP_NOP) {
		exec(ctx, &op, &cqe);
		if (cqe.status == RING_STATUS_DEFERRED) {
			r->in_flight++; /* the credit stays reserved for ring_complete */
			return;
		}
		cqe.user_data = user_data; /* exec cannot redirect a completion */
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

/* The end of every successful drain: CQ_FULL when SQEs stay queued for lack of CQ
 * room, the kernel line republished, the ready count (or CQ_OVERFLOW). */
static int ring_finish(struct ring *r, struct ring_snapshot snap)
{
	int ret = (int)(r->cq_tail - snap.cq_head);

	if (r->sq_head != snap.sq_tail) {
		r->cq_overflow++;
		r->status = CAPOS_RING_ST_CQ_FULL;
		ret = CAPOS_ERR_RING_CQ_OVERFLOW;
	}
	ring_publish(r);
	return ret;
}

/* Consumes exactly n >= 1 more SQEs (credits checked), starting with ring_run_one
 * (the first SQE is not known to be a well-formed NOP; run_one handles any SQE):
 * other SQEs through ring_run_one, runs of well-formed NOPs in place; then finishes
 * the drain. */
static __attribute__((noinline)) int ring_drain_rest(struct ring *r, ring_exec_fn *exec, void *ctx,
						     uint32_t n, struct ring_snapshot snap)
{
	/* The SQE at sq_head is not a well-formed NOP (ring_drain_n stopped there).
	 * left: SQEs still to consume (nop_run takes at most left of them). */
	for (uint32_t left = n;;) {
		ring_run_one(r, exec, ctx);
		if (--left == 0)
			break;
		if (ring_peek_nop(r)) {
			left -= ring_nop_run(r, left);
			if (left == 0)
				break;
		}
	}
	return ring_finish(r, snap);
}

/* Consumes n >= 1 SQEs: a leading run of NOPs here, the rest (from the first other
 * SQE on) in ring_drain_rest. Only tail calls, so a NOP batch saves no registers. */
static __attribute__((noinline)) int ring_drain_n(struct ring *r, ring_exec_fn *exec, void *ctx,
						  uint32_t n, struct ring_snapshot snap)
{
	uint32_t k = ring_nop_run(r, n);

	if (k < n)
		return ring_drain_rest(r, exec, ctx, n - k, snap);
	return ring_finish(r, snap);
}

/* ring_drain with the consumed count (host tests): the drain moved sq_head by it. */
static __attribute__((noinline)) int ring_drain_counted(struct ring *r, ring_exec_fn *exec,
							void *ctx, uint32_t *consumed)
{
	uint32_t head0 = r->sq_head;
	int ret = ring_drain(r, exec, ctx, NULL);

	*consumed = r->sq_head - head0;
	return ret;
}

int ring_drain(struct ring *r, ring_exec_fn *exec, void *ctx, uint32_t *consumed)
{
	struct ring_snapshot snap;

	if (consumed)
		return ring_drain_counted(r, exec, ctx, consumed);
	int err = ring_begin(r, &snap);
	if (err)
		return err;
	/* Each consumed SQE takes one credit (its CQE now, or an in-flight slot), so
	 * the SQEs this drain may consume are known up front. */
	uint32_t queued = snap.sq_tail - r->sq_head;
	uint32_t credits = ring_credits(r, &snap);
	uint32_t n = queued < credits ? queued : credits;

	if (n == 0)
		return ring_finish(r, snap); /* nothing to consume (or no room: CQ_FULL) */
	if (ring_peek_nop(r))
		return ring_drain_n(r, exec, ctx, n, snap);
	return ring_drain_rest(r, exec, ctx, n, snap);
}

int ring_ready(struct ring *r)
{
	uint32_t cq_head = __atomic_load_n(&r->page->hdr.cq_head, __ATOMIC_ACQUIRE);

	if (r->cq_tail - cq_head > CAPOS_RING_CQ_ENTRIES)
		return CAPOS_ERR_RING_CORRUPT;
	return (int)(r->cq_tail - cq_head);
}
