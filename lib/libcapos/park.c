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

int capos_unpark_then_park(uint32_t space, uint64_t wake, uint32_t count, uint64_t park,
			   uint32_t expected)
{
	static __thread uint64_t next_pair = 1;
	uint64_t ud[2] = { (next_pair << 1) | (1ull << 61), (next_pair << 1 | 1) | (1ull << 61) };
	struct capos_ring_client *c;
	struct capos_sqe *sqe[2];
	struct capos_cqe cqe[2];
	int err = capos_ring_self(&c);

	next_pair++;
	for (int i = 0; err == CAPOS_OK && i < 2; i++)
		err = capos_ring_get_sqe(c, &sqe[i]);
	if (err)
		return err;
	memset(sqe[0], 0, sizeof(*sqe[0]));
	memset(sqe[1], 0, sizeof(*sqe[1]));
	capos_park_prep(sqe[0], CAPOS_OP_UNPARK, space, wake, count, 0);
	capos_park_prep(sqe[1], CAPOS_OP_PARK, space, park, expected, CAPOS_TIMEOUT_INFINITE);
	sqe[0]->user_data = ud[0];
	sqe[1]->user_data = ud[1];
	capos_ring_submit(c);
	if (capos_ring_enter(c, 2, CAPOS_TIMEOUT_INFINITE) < 0)
		return CAPOS_ERR_RING_CORRUPT;
	for (int i = 0; err == CAPOS_OK && i < 2; i++)
		err = capos_ring_wait(c, ud[i], CAPOS_TIMEOUT_INFINITE, &cqe[i]);
	if (err)
		return err;
	return cqe[0].status < 0 ? cqe[0].status : cqe[1].status;
}

int capos_park_until(uint32_t space, volatile uint32_t *w, uint64_t word, uint32_t want)
{
	uint32_t v;

	while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) != want) {
		int st = capos_park(space, word, v, CAPOS_TIMEOUT_INFINITE);

		if (st < 0)
			return st;
	}
	return CAPOS_OK;
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
