/*
 * libcapos typed client calls (libcapos/client.h): frame the params the caller built,
 * CALL through this thread's ring (capos_ring_self), turn a CapException into its
 * status and read the results back under fixed limits.
 */
#include <libcapos/client.h>

#include <capos/error.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>

int capos_client_begin(struct capos_client_call *c)
{
	c->ex_type = -1;
	return capnp_builder_init(&c->b, &c->bseg, 1, c->arena, sizeof(c->arena));
}

/* Read the results part of c->res (the bytes before the cap records) into c->msg. */
static int client_results(struct capos_client_call *c)
{
	static const struct capnp_limits lim = { .traversal_words = 4096, .nesting = 8 };
	const struct capos_xfer_result *recs;
	uint32_t len = 0;
	int n = capos_ring_result_caps(&c->cqe, c->res, sizeof(c->res), &recs, &len);

	if (n < 0)
		return n;
	return capnp_msg_init_framed(&c->msg, c->res, len, c->segs, CAPOS_CLIENT_RESULT_SEGS, &lim,
				     NULL);
}

int capos_client_send(struct capos_client_call *c, uint32_t cap, uint64_t interface_id,
		      uint16_t method, const struct capos_xfer *xfers, uint16_t nx)
{
	struct capos_ring_client *ring;
	size_t plen = 0;
	int err = capnp_builder_error(&c->b);

	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&c->b, c->framed, sizeof(c->framed), &plen);
	if (err == CAPOS_OK)
		err = capos_ring_self(&ring);
	if (err == CAPOS_OK)
		err = capos_ring_call_xfer(ring, cap, interface_id, method, c->framed,
					   (uint32_t)plen, xfers, nx, c->res, sizeof(c->res),
					   &c->cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION) {
		err = capos_exception_status(c->res, c->cqe.result_len, &c->ex_type);
		return err ? err : CAPOS_ERR_RING_EXCEPTION; /* a refusal is never success */
	}
	return err ? err : client_results(c);
}

int capos_client_cap(struct capos_client_call *c, uint32_t index, uint64_t interface_id,
		     uint32_t *cap)
{
	return capos_ring_result_cap(&c->cqe, c->res, sizeof(c->res), index, interface_id, cap);
}
