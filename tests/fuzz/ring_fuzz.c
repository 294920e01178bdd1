/*
 * libFuzzer target for the ring engine (kernel/cap/ring.c): the input is a hostile
 * ring page (header indices, flags and 16 SQEs) plus the kernel's private indices.
 * After a drain, the engine must have kept its promises: it reported corruption or
 * stayed within the CQ credits, consumed no more than was queued, posted one CQE per
 * consumed SQE with that SQE's user_data, handed exec only well-formed CALL/RELEASE/RECV/
 * RETURN operations, answered every NOP and undecodable SQE with exactly ring_decode's
 * status (whichever path answered it), and republished its own indices. A broken
 * promise aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/ring.h>

static struct capos_ring page __attribute__((aligned(4096)));

static void ring_fuzz_require(int cond)
{
	if (!cond)
		abort();
}

static void ring_fuzz_exec(void *ctx, const struct ring_op *op, struct capos_cqe *cqe)
{
	(void)ctx;
	ring_fuzz_require(op->opcode == CAPOS_OP_CALL || op->opcode == CAPOS_OP_RELEASE ||
			  op->opcode == CAPOS_OP_RECV || op->opcode == CAPOS_OP_RETURN ||
			  op->opcode == CAPOS_OP_PARK || op->opcode == CAPOS_OP_UNPARK);
	if (op->opcode == CAPOS_OP_PARK || op->opcode == CAPOS_OP_UNPARK) {
		/* only cap, the word, aux and (PARK) the timeout may be set */
		ring_fuzz_require(op->interface_id == 0 && op->params_len == 0 && op->method == 0);
		ring_fuzz_require(op->result_len == 0 && op->xfer_addr == 0 && op->xfer_count == 0);
		ring_fuzz_require(op->opcode == CAPOS_OP_PARK || op->result_addr == 0);
	}
	ring_fuzz_require(op->flags == 0 ||
			  (op->opcode == CAPOS_OP_RETURN && op->flags == CAPOS_SQE_F_EXCEPTION));
	if (op->opcode == CAPOS_OP_CALL) {
		ring_fuzz_require(op->interface_id != 0);
		ring_fuzz_require((op->params_addr == 0 && op->params_len == 0) ||
				  capos_user_range_ok(op->params_addr, op->params_len));
		ring_fuzz_require((op->result_addr == 0 && op->result_len == 0) ||
				  capos_user_range_ok(op->result_addr, op->result_len));
		ring_fuzz_require((op->xfer_addr == 0 && op->xfer_count == 0) ||
				  (op->xfer_count <= CAPOS_XFER_MAX &&
				   capos_user_range_ok(op->xfer_addr, op->xfer_count * 16u)));
	}
	cqe->status = (int32_t)(op->cap & 1) ? CAPOS_ERR_CAP_STALE : 0;
}

/*
 * Random bytes almost never form an SQE that is valid but for one field. The
 * header's reserved words choose SQEs to thin out: each chosen SQE keeps an opcode in
 * 0..3 (INVALID, NOP, CALL, RELEASE) and one other word, so NOPs and CALLs with one
 * stray field (the NOP fast path's fallback) are common.
 */
static void ring_fuzz_sparsify(struct capos_ring *in)
{
	uint16_t chosen = (uint16_t)in->hdr.rsvd_user[0];

	for (unsigned i = 0; i < CAPOS_RING_SQ_ENTRIES; i++) {
		if (!(chosen >> i & 1))
			continue;
		uint64_t w[8];
		memcpy(w, &in->sq[i], sizeof(w));
		unsigned j = 1 + (unsigned)(w[0] >> 8 & 0xff) % 7;
		uint64_t keep = w[j], op = w[0] % 4;
		memset(w, 0, sizeof(w));
		w[0] = op;
		w[j] = keep;
		memcpy(&in->sq[i], w, sizeof(w));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ring r;
	struct capos_ring input;
	uint32_t priv[3] = { 0, 0, 0 };

	if (size < sizeof(priv))
		return 0;
	memcpy(priv, data, sizeof(priv));
	data += sizeof(priv);
	size -= sizeof(priv);
	(void)ring_init(&r, &page, 0);
	memset(&input, 0, sizeof(input));
	memcpy(&input, data, size < sizeof(input) ? size : sizeof(input));
	ring_fuzz_sparsify(&input);
	memcpy(&page, &input, sizeof(page));
	r.sq_head = priv[0];
	r.cq_tail = priv[1];
	r.in_flight = priv[2] % (CAPOS_RING_CQ_ENTRIES + 1);

	uint32_t head0 = r.sq_head, tail0 = r.cq_tail, consumed = 0;
	int ret = ring_drain(&r, ring_fuzz_exec, NULL, &consumed);
	uint32_t queued = input.hdr.sq_tail - head0;

	ring_fuzz_require(page.hdr.sq_head == r.sq_head && page.hdr.cq_tail == r.cq_tail);
	ring_fuzz_require(r.sq_head - head0 == consumed && r.cq_tail - tail0 == consumed);
	if (ret == CAPOS_ERR_RING_CORRUPT) {
		ring_fuzz_require(consumed == 0 && page.hdr.status == CAPOS_RING_ST_CORRUPT);
		return 0;
	}
	ring_fuzz_require(queued <= CAPOS_RING_SQ_ENTRIES && consumed <= queued);
	ring_fuzz_require(r.cq_tail - input.hdr.cq_head + r.in_flight <= CAPOS_RING_CQ_ENTRIES);
	ring_fuzz_require(ret == CAPOS_ERR_RING_CQ_OVERFLOW ? consumed < queued
							    : ret >= 0 && consumed == queued);
	for (uint32_t k = 0; k < consumed; k++) {
		const struct capos_cqe *c = &page.cq[(tail0 + k) & CAPOS_RING_CQ_MASK];
		const struct capos_sqe *s = &input.sq[(head0 + k) & CAPOS_RING_SQ_MASK];
		struct ring_op op;
		int decoded = ring_decode(s, &op);
		ring_fuzz_require(c->user_data == s->user_data);
		ring_fuzz_require(c->status <= 0);
		/* Anything exec does not see (NOPs, decode errors) completes with exactly
		 * the decode's status and an otherwise zero CQE, fast path or not. */
		if (decoded || op.opcode == CAPOS_OP_NOP) {
			ring_fuzz_require(c->status == decoded && c->result_len == 0);
			ring_fuzz_require(c->call_id == 0 && c->flags == 0 && c->xfer_count == 0);
			ring_fuzz_require(c->badge == 0);
		}
	}
	return 0;
}
