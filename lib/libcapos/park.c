/*
 * PARK / UNPARK wrappers and SharedParkSpace.bind (libcapos/park.h; docs/sync.md).
 */
#include <libcapos/park.h>

#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <schema/capos.capnp.h>

void capos_park_prep(struct capos_sqe *sqe, uint8_t opcode, uint32_t space, uint64_t word,
		     uint32_t aux, uint64_t timeout_ns)
{
	sqe->opcode = opcode;
	sqe->cap = space;
	sqe->addr = word;
	sqe->aux = aux;
	sqe->result_addr = opcode == CAPOS_OP_PARK ? timeout_ns : 0;
}

/* One PARK or UNPARK, waited for: its CQE status or a client error. */
static int park_op(uint8_t opcode, uint32_t space, uint64_t word, uint32_t aux, uint64_t timeout_ns)
{
	struct capos_ring_client *c;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	static __thread uint64_t next_ud = 1;
	uint64_t ud = (next_ud++) | (1ull << 62); /* apart from other users' small tags */
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_get_sqe(c, &sqe);
	if (err)
		return err;
	memset(sqe, 0, sizeof(*sqe));
	capos_park_prep(sqe, opcode, space, word, aux, timeout_ns);
	sqe->user_data = ud;
	capos_ring_submit(c);
	err = capos_ring_wait(c, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
	return err ? err : cqe.status;
}

int capos_park(uint32_t space, uint64_t word, uint32_t expected, uint64_t timeout_ns)
{
	return park_op(CAPOS_OP_PARK, space, word, expected, timeout_ns);
}

int capos_unpark(uint32_t space, uint64_t word, uint32_t count)
{
	return park_op(CAPOS_OP_UNPARK, space, word, count, 0);
}

int capos_park_bind(uint32_t space, uint32_t memory)
{
	uint64_t arena[8], framed[9], res[16];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_SharedParkSpace_bind_Params_b p;
	struct capos_ring_client *c;
	struct capos_cqe cqe;
	const struct capos_xfer x = { .cap = memory, .mode = CAPOS_XFER_COPY };
	size_t n = 0;
	int type, err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK)
		err = capos_SharedParkSpace_bind_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_SharedParkSpace_bind_Params_set_memory(&p, 0);
	if (err == CAPOS_OK)
		err = capnp_builder_error(&b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n);
	if (err == CAPOS_OK)
		err = capos_ring_self(&c);
	if (err == CAPOS_OK)
		err = capos_ring_call_xfer(c, space, capos_SharedParkSpace_TYPE_ID,
					   capos_SharedParkSpace_METHOD_bind, framed, (uint32_t)n,
					   &x, 1, res, sizeof(res), &cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = capos_exception_status(res, cqe.result_len, &type);
	return err;
}
