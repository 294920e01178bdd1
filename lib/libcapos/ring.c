/*
 * Ring client (contract in libcapos/ring.h). Only the process thread that owns the
 * ring calls in. Every index the kernel writes is read once per use with an acquire
 * load and checked against the client's own copies before it selects a slot.
 */
#include <libcapos/ring.h>
#include <libcapos/sys.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <string.h>

static uint32_t ring_load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void ring_store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int capos_ring_attach(struct capos_ring_client *c, uintptr_t ring_addr)
{
	const struct capos_ring_header *h = (const struct capos_ring_header *)ring_addr;

	if (ring_addr == 0)
		return CAPOS_ERR_INVALID;
	if (h->magic != CAPOS_RING_MAGIC || h->version != CAPOS_ABI_VERSION ||
	    h->header_size != CAPOS_RING_HEADER_SIZE || h->sq_entries != CAPOS_RING_SQ_ENTRIES ||
	    h->cq_entries != CAPOS_RING_CQ_ENTRIES || h->sq_mask != CAPOS_RING_SQ_MASK ||
	    h->cq_mask != CAPOS_RING_CQ_MASK || h->sq_offset != CAPOS_RING_SQ_OFFSET ||
	    h->cq_offset != CAPOS_RING_CQ_OFFSET || h->sqe_size != CAPOS_SQE_SIZE ||
	    h->cqe_size != CAPOS_CQE_SIZE)
		return CAPOS_ERR_INVALID;
	memset(c, 0, sizeof(*c));
	c->ring = (struct capos_ring *)ring_addr;
	c->sq_tail = ring_load(&h->sq_tail);
	c->sq_published = c->sq_tail;
	c->cq_head = ring_load(&h->cq_head);
	return CAPOS_OK;
}

int capos_ring_get_sqe(struct capos_ring_client *c, struct capos_sqe **sqe)
{
	uint32_t head = ring_load(&c->ring->hdr.sq_head);
	uint32_t used = c->sq_tail - head;

	/* The kernel never consumes past what we published. */
	if (used > CAPOS_RING_SQ_ENTRIES || c->sq_published - head > CAPOS_RING_SQ_ENTRIES)
		return CAPOS_ERR_RING_CORRUPT;
	if (used == CAPOS_RING_SQ_ENTRIES)
		return CAPOS_ERR_BUSY;
	*sqe = &c->ring->sq[c->sq_tail & CAPOS_RING_SQ_MASK];
	memset(*sqe, 0, sizeof(**sqe));
	c->sq_tail++;
	return CAPOS_OK;
}

void capos_ring_submit(struct capos_ring_client *c)
{
	ring_store(&c->ring->hdr.sq_tail, c->sq_tail);
	c->sq_published = c->sq_tail;
}

int64_t capos_ring_enter(struct capos_ring_client *c, uint32_t min_complete, uint64_t timeout_ns)
{
	(void)c;
	return capos_sys_cap_enter(min_complete, timeout_ns);
}

/* Remove stash entry i, keeping arrival order. */
static void ring_unstash(struct capos_ring_client *c, uint32_t i, struct capos_cqe *out)
{
	*out = c->stash[i];
	memmove(&c->stash[i], &c->stash[i + 1], (c->stashed - i - 1) * sizeof(c->stash[0]));
	c->stashed--;
}

/* Index in uds[0..n) of `ud`, or -1. */
static int ring_ud_index(const uint64_t *uds, uint32_t n, uint64_t ud)
{
	for (uint32_t i = 0; i < n; i++)
		if (uds[i] == ud)
			return (int)i;
	return -1;
}

/*
 * Read CQEs until one for a user_data of uds[0..n) (1, copied to *out), the CQ is
 * empty (0), or the stash is full (CAPOS_ERR_BUSY; that CQE stays in the CQ, nothing
 * is lost). CAPOS_ERR_RING_CORRUPT if the kernel's cq_tail is not within one CQ of
 * our head. Each CQE is copied out before cq_head is published, since publishing
 * hands the slot back to the kernel.
 */
static int ring_drain(struct capos_ring_client *c, const uint64_t *uds, uint32_t n,
		      struct capos_cqe *out)
{
	uint32_t tail = ring_load(&c->ring->hdr.cq_tail);

	if (tail - c->cq_head > CAPOS_RING_CQ_ENTRIES)
		return CAPOS_ERR_RING_CORRUPT;
	while (c->cq_head != tail) {
		struct capos_cqe cqe = c->ring->cq[c->cq_head & CAPOS_RING_CQ_MASK];
		int mine = ring_ud_index(uds, n, cqe.user_data) >= 0;

		if (!mine && c->stashed == CAPOS_RING_CQ_ENTRIES)
			return CAPOS_ERR_BUSY;
		c->cq_head++;
		ring_store(&c->ring->hdr.cq_head, c->cq_head);
		if (mine) {
			*out = cqe;
			return 1;
		}
		c->stash[c->stashed++] = cqe;
	}
	return 0;
}

int capos_ring_wait_any(struct capos_ring_client *c, const uint64_t *uds, uint32_t n,
			uint64_t timeout_ns, struct capos_cqe *out)
{
	for (;;) {
		int64_t entered;
		int rc;

		for (uint32_t i = 0; i < c->stashed; i++) {
			if (ring_ud_index(uds, n, c->stash[i].user_data) >= 0) {
				ring_unstash(c, i, out);
				return ring_ud_index(uds, n, out->user_data);
			}
		}
		rc = ring_drain(c, uds, n, out);
		if (rc == 1)
			return ring_ud_index(uds, n, out->user_data);
		if (rc < 0)
			return rc;
		entered = capos_ring_enter(c, 1, timeout_ns);
		if (entered < 0 && entered != CAPOS_ERR_RING_CQ_OVERFLOW)
			return (int)entered;
		if (entered == 0)
			return CAPOS_ERR_RING_TIMED_OUT;
	}
}

int capos_ring_wait(struct capos_ring_client *c, uint64_t user_data, uint64_t timeout_ns,
		    struct capos_cqe *out)
{
	int rc = capos_ring_wait_any(c, &user_data, 1, timeout_ns, out);

	return rc < 0 ? rc : CAPOS_OK;
}

/* Reserve an SQE for a synchronous helper; a full SQ is flushed once first. */
static int ring_sync_sqe(struct capos_ring_client *c, struct capos_sqe **sqe)
{
	int rc = capos_ring_get_sqe(c, sqe);
	int64_t n;

	if (rc != CAPOS_ERR_BUSY)
		return rc;
	capos_ring_submit(c);
	n = capos_ring_enter(c, 0, 0);
	if (n < 0 && n != CAPOS_ERR_RING_CQ_OVERFLOW)
		return (int)n;
	return capos_ring_get_sqe(c, sqe);
}

static int ring_sync_finish(struct capos_ring_client *c, struct capos_sqe *sqe,
			    struct capos_cqe *out)
{
	uint64_t ud = CAPOS_RING_UD_SYNC | (c->next_sync++ & ~CAPOS_RING_UD_SYNC);
	struct capos_cqe cqe;
	int rc;

	sqe->user_data = ud;
	capos_ring_submit(c);
	rc = capos_ring_wait(c, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
	if (rc != CAPOS_OK)
		return rc;
	if (out)
		*out = cqe;
	return cqe.status;
}

void capos_ring_prep_call(struct capos_sqe *sqe, uint32_t cap, uint64_t interface_id,
			  uint16_t method, const void *params, uint32_t params_len, void *result,
			  uint32_t result_cap)
{
	sqe->opcode = CAPOS_OP_CALL;
	sqe->cap = cap;
	sqe->interface_id = interface_id;
	sqe->method = method;
	sqe->addr = params_len ? (uint64_t)(uintptr_t)params : 0;
	sqe->len = params_len;
	sqe->result_addr = result_cap ? (uint64_t)(uintptr_t)result : 0;
	sqe->result_len = result_cap;
}

int capos_ring_call_xfer(struct capos_ring_client *c, uint32_t cap, uint64_t interface_id,
			 uint16_t method, const void *params, uint32_t params_len,
			 const struct capos_xfer *xfers, uint16_t nxfer, void *result,
			 uint32_t result_cap, struct capos_cqe *out)
{
	struct capos_sqe *sqe;
	int rc;

	if (nxfer > CAPOS_XFER_MAX)
		return CAPOS_ERR_XFER_TOO_MANY;
	rc = ring_sync_sqe(c, &sqe);
	if (rc != CAPOS_OK)
		return rc;
	capos_ring_prep_call(sqe, cap, interface_id, method, params, params_len, result,
			     result_cap);
	sqe->xfer_addr = nxfer ? (uint64_t)(uintptr_t)xfers : 0;
	sqe->xfer_count = nxfer;
	return ring_sync_finish(c, sqe, out);
}

int capos_ring_call(struct capos_ring_client *c, uint32_t cap, uint64_t interface_id,
		    uint16_t method, const void *params, uint32_t params_len, void *result,
		    uint32_t result_cap, struct capos_cqe *out)
{
	return capos_ring_call_xfer(c, cap, interface_id, method, params, params_len, NULL, 0,
				    result, result_cap, out);
}

int capos_ring_result_caps(const struct capos_cqe *cqe, const void *result, uint32_t result_cap,
			   const struct capos_xfer_result **recs, uint32_t *results_len)
{
	uint32_t n = cqe->xfer_count;
	uint32_t rec_bytes = n * (uint32_t)sizeof(struct capos_xfer_result);
	int flagged = (cqe->flags & CAPOS_CQE_F_XFER) != 0;

	*recs = NULL;
	*results_len = 0;
	if (cqe->result_len > result_cap || n > CAPOS_XFER_MAX || rec_bytes > cqe->result_len ||
	    flagged != (n != 0))
		return CAPOS_ERR_INVALID;
	if (n && ((uintptr_t)result % 8 != 0 || (cqe->result_len - rec_bytes) % 8 != 0))
		return CAPOS_ERR_INVALID;
	*results_len = cqe->result_len - rec_bytes;
	if (n)
		*recs = (const struct capos_xfer_result *)(const void *)((const char *)result +
									 *results_len);
	return (int)n;
}

int capos_ring_result_cap(const struct capos_cqe *cqe, const void *result, uint32_t result_cap,
			  uint32_t index, uint64_t interface_id, uint32_t *cap)
{
	const struct capos_xfer_result *recs;
	uint32_t results_len;
	int n = capos_ring_result_caps(cqe, result, result_cap, &recs, &results_len);

	if (n < 0)
		return n;
	if (index >= (uint32_t)n)
		return CAPOS_ERR_NOT_FOUND;
	if (recs[index].interface_id != interface_id)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	*cap = recs[index].cap;
	return CAPOS_OK;
}

int capos_ring_nop(struct capos_ring_client *c)
{
	struct capos_sqe *sqe;
	int rc = ring_sync_sqe(c, &sqe);

	if (rc != CAPOS_OK)
		return rc;
	sqe->opcode = CAPOS_OP_NOP;
	return ring_sync_finish(c, sqe, NULL);
}

int capos_ring_release(struct capos_ring_client *c, uint32_t cap)
{
	struct capos_sqe *sqe;
	int rc = ring_sync_sqe(c, &sqe);

	if (rc != CAPOS_OK)
		return rc;
	sqe->opcode = CAPOS_OP_RELEASE;
	sqe->cap = cap;
	return ring_sync_finish(c, sqe, NULL);
}
