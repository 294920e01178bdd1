/*
 * capos-shell: call helpers (shell.h "call.c") beside libcapos's typed client
 * (libcapos/client.h, which makes one synchronous CALL and turns a CapException into
 * its own capOS status, so callers print one typed code whatever layer refused):
 * empty params, asynchronous CALLs for the event loop, their results, secrets wiped.
 */
#include <stdint.h>
#include <string.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/kcaps.h>
#include <schema/capos.capnp.h>

#include "shell.h"

int sh_exception(const void *res, uint32_t len, int *type)
{
	int st = capos_exception_status(res, len, type);

	return st < 0 ? st : CAPOS_ERR_RING_EXCEPTION; /* a refusal is never a success */
}

int sh_begin_empty(struct capos_client_call *c)
{
	struct capnp_struct_builder root;
	int err = capos_client_begin(c);

	return err ? err : capnp_builder_init_root(&c->b, 0, 0, &root);
}

int sh_parse_results(struct capnp_msg *msg, struct capnp_segment *segs, const void *res,
		     uint32_t len)
{
	const struct capnp_limits lim = { .traversal_words = 4096, .nesting = 16 };

	return capnp_msg_init_framed(msg, res, len, segs, 4, &lim, NULL);
}

void sh_wipe(void *p, uint32_t n)
{
	volatile uint8_t *v = p;

	for (uint32_t i = 0; i < n; i++)
		v[i] = 0;
}

void sh_release(uint32_t cap)
{
	int err = capos_ring_release(sh.ring, cap);

	if (err)
		sh_perror("release", err);
}

int sh_submit(uint32_t cap, uint64_t iid, uint16_t method, const void *params, uint32_t plen,
	      void *res, uint32_t res_cap, uint64_t ud)
{
	struct capos_sqe *sqe;
	int err = capos_ring_get_sqe(sh.ring, &sqe);

	if (err)
		return err;
	capos_ring_prep_call(sqe, cap, iid, method, params, plen, res, res_cap);
	sqe->user_data = ud;
	capos_ring_submit(sh.ring);
	return CAPOS_OK;
}

int sh_frame_empty(void *buf, uint32_t cap, uint32_t *len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_struct_builder root;
	uint64_t arena[4];
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0)
		err = capnp_builder_init_root(&b, 0, 0, &root);
	if (err == 0)
		err = capnp_builder_write_framed(&b, buf, cap, &n);
	*len = (uint32_t)n;
	return err;
}
