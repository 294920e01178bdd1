/*
 * Typed TerminalSession client (libcapos/terminal.h): params built with the generated
 * accessors, results read with bounded limits, refusals unwrapped to their capOS code
 * with capos_exception_status.
 */
#include <libcapos/terminal.h>

#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <schema/capos.capnp.h>

/* Params arena of a write: the data, its list pointer, the root, and the framing. */
#define TERM_WRITE_WORDS (CAPOS_TERM_WRITE_MAX / 8u + 8u)

/* One synchronous CALL; a CapException becomes its status. */
static int term_call(uint32_t cap, uint16_t method, const void *params, uint32_t plen, void *res,
		     uint32_t res_cap, uint32_t *rlen)
{
	struct capos_ring_client *c;
	struct capos_cqe cqe = { 0 };
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_call(c, cap, capos_TerminalSession_TYPE_ID, method, params, plen,
				      res, res_cap, &cqe);
	if (rlen)
		*rlen = cqe.result_len;
	if (err == CAPOS_ERR_RING_EXCEPTION && res) {
		int st = capos_exception_status(res, cqe.result_len, NULL);

		if (st != 0)
			err = st;
	}
	return err;
}

/* Frames b into buf[0..cap) unless err is set already; the length in *len. */
static int term_frame(struct capnp_builder *b, int err, void *buf, size_t cap, uint32_t *len)
{
	size_t n = 0;

	if (err == CAPOS_OK)
		err = capnp_builder_error(b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(b, buf, cap, &n);
	*len = (uint32_t)n;
	return err;
}

int capos_term_write(uint32_t cap, const void *data, uint32_t len)
{
	uint64_t arena[TERM_WRITE_WORDS], framed[TERM_WRITE_WORDS + 1u], res[8];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_TerminalSession_write_Params_b p;
	uint32_t n = 0;
	int err = len > CAPOS_TERM_WRITE_MAX
			  ? CAPOS_ERR_INVALID
			  : capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK)
		err = capos_TerminalSession_write_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_TerminalSession_write_Params_set_data(&p, data, len);
	err = term_frame(&b, err, framed, sizeof(framed), &n);
	if (err == CAPOS_OK)
		err = term_call(cap, capos_TerminalSession_METHOD_write, framed, n, res,
				sizeof(res), NULL);
	return err;
}

int capos_term_read_params(uint16_t method, bool hidden, void *buf, uint32_t buf_bytes,
			   uint32_t *len)
{
	uint64_t arena[4];
	struct capnp_builder b;
	struct capnp_bseg seg;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK && method == capos_TerminalSession_METHOD_readLine) {
		struct capos_TerminalSession_readLine_Params_b p;

		err = capos_TerminalSession_readLine_request(&b, &p);
		if (err == CAPOS_OK)
			capos_TerminalSession_readLine_Params_set_hidden(&p, hidden);
	} else if (err == CAPOS_OK && method == capos_TerminalSession_METHOD_readKey) {
		struct capos_TerminalSession_readKey_Params_b p;

		err = capos_TerminalSession_readKey_request(&b, &p);
	} else if (err == CAPOS_OK) {
		err = CAPOS_ERR_INVALID; /* not a read method */
	}
	return term_frame(&b, err, buf, buf_bytes, len);
}

static int term_decode_line(struct capnp_msg *m, struct capos_term_read *out)
{
	struct capos_TerminalSession_readLine_Results_r r;
	struct capnp_text t = { 0 };
	int err = capos_TerminalSession_readLine_Results_read_root(m, &r);

	if (err == CAPOS_OK)
		err = capos_TerminalSession_readLine_Results_get_line(&r, &t);
	if (err == CAPOS_OK && t.len > CAPOS_TERM_LINE_MAX)
		err = CAPOS_ERR_BUFFER_TOO_SMALL;
	if (err)
		return err;
	out->event = capos_TerminalSession_readLine_Results_get_event(&r);
	out->truncated = capos_TerminalSession_readLine_Results_get_truncated(&r);
	out->dropped = capos_TerminalSession_readLine_Results_get_dropped(&r);
	out->len = t.len;
	if (t.len)
		memcpy(out->line, t.str, t.len);
	out->line[t.len] = '\0';
	return CAPOS_OK;
}

int capos_term_read_decode(uint16_t method, const void *res, uint32_t len,
			   struct capos_term_read *out)
{
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capnp_segment segs[1];
	struct capnp_msg m;
	int err = capnp_msg_init_framed(&m, res, len, segs, 1, &lim, NULL);

	memset(out, 0, sizeof(*out));
	if (err)
		return err;
	if (method == capos_TerminalSession_METHOD_readLine)
		return term_decode_line(&m, out);
	struct capos_TerminalSession_readKey_Results_r r;

	err = capos_TerminalSession_readKey_Results_read_root(&m, &r);
	if (err == CAPOS_OK) {
		out->event = capos_TerminalSession_readKey_Results_get_event(&r);
		out->key = capos_TerminalSession_readKey_Results_get_key(&r);
	}
	return err;
}

/* One read CALL of `method` and its decoded answer. */
static int term_read(uint32_t cap, uint16_t method, bool hidden, struct capos_term_read *out)
{
	uint64_t params[4], res[CAPOS_TERM_ANSWER_MAX / 8u];
	uint32_t plen = 0, rlen = 0;
	int err = capos_term_read_params(method, hidden, params, sizeof(params), &plen);

	if (err == CAPOS_OK)
		err = term_call(cap, method, params, plen, res, sizeof(res), &rlen);
	if (err == CAPOS_OK)
		err = capos_term_read_decode(method, res, rlen, out);
	return err;
}

int capos_term_read_line(uint32_t cap, bool hidden, struct capos_term_read *out)
{
	return term_read(cap, capos_TerminalSession_METHOD_readLine, hidden, out);
}

int capos_term_read_key(uint32_t cap, struct capos_term_read *out)
{
	return term_read(cap, capos_TerminalSession_METHOD_readKey, false, out);
}
