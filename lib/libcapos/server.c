/*
 * libcapos server runtime (lib/include/libcapos/server.h), the pure half: decoding a
 * RECV delivery, dispatching it through the interface table and building the answer
 * (results or CapException). No ring, no allocation; host-tested unmodified
 * (tests/host/libcapos/server_test.c). The ring loop is server_ring.c.
 */
#include <libcapos/server.h>

#include <stddef.h>
#include <string.h>

#include <capos/error.h>

#define SERVER_XFER_REC sizeof(struct capos_xfer_result)

int capos_server_init(struct capos_server *s, const struct capos_server_iface *ifaces,
		      uint32_t nifaces)
{
	if (!s || (!ifaces && nifaces))
		return CAPOS_ERR_INVALID;
	for (uint32_t i = 0; i < nifaces; i++) {
		if (ifaces[i].interface_id == 0 || !ifaces[i].dispatch)
			return CAPOS_ERR_INVALID;
		for (uint32_t j = 0; j < i; j++)
			if (ifaces[j].interface_id == ifaces[i].interface_id)
				return CAPOS_ERR_INVALID;
	}
	memset(&s->call, 0, sizeof(s->call));
	s->ifaces = ifaces;
	s->nifaces = nifaces;
	s->stop = 0;
	s->calls = 0;
	s->next_ud = 1;
	s->recv_ud = 0;
	return CAPOS_OK;
}

int capos_server_decode(struct capos_server *s, const struct capos_cqe *cqe)
{
	const struct capos_recv_header *h = (const struct capos_recv_header *)s->recv;
	uint32_t ncaps = (cqe->flags & CAPOS_CQE_F_XFER) ? cqe->xfer_count : 0;
	uint64_t need;

	if (cqe->status != 0 || cqe->call_id == 0 || cqe->result_len < sizeof(*h) ||
	    cqe->result_len > sizeof(s->recv) || ncaps > CAPOS_XFER_MAX ||
	    (!(cqe->flags & CAPOS_CQE_F_XFER) && cqe->xfer_count) || h->rsvd0)
		return CAPOS_ERR_INVALID;
	need = sizeof(*h) + (uint64_t)h->params_len + (uint64_t)ncaps * SERVER_XFER_REC;
	if (need != cqe->result_len || h->params_len > CAPOS_SERVER_PARAMS_MAX)
		return CAPOS_ERR_INVALID;
	memset(&s->call, 0, sizeof(s->call));
	s->call.call_id = cqe->call_id;
	s->call.badge = cqe->badge;
	s->call.interface_id = h->interface_id;
	s->call.method = h->method;
	s->call.params = (const uint8_t *)s->recv + sizeof(*h);
	s->call.params_len = h->params_len;
	s->call.caps =
		(const struct capos_xfer_result *)((const uint8_t *)s->recv + cqe->result_len -
						   ncaps * SERVER_XFER_REC);
	s->call.ncaps = ncaps;
	return CAPOS_OK;
}

int capos_server_fail(struct capos_server *s, int type, int status, const char *reason)
{
	s->call.ex_set = 1;
	s->call.ex_type = type;
	s->call.ex_status = status;
	s->call.ex_reason = reason;
	return status ? status : CAPOS_ERR_INVALID;
}

int capos_server_take_cap(struct capos_server *s, uint32_t index, uint64_t interface_id,
			  uint32_t *cap)
{
	if (index >= s->call.ncaps)
		return CAPOS_ERR_INVALID;
	if (s->call.caps[index].interface_id != interface_id)
		return CAPOS_ERR_CAP_WRONG_INTERFACE;
	if (s->call.taken & (1u << index))
		return CAPOS_ERR_EXISTS;
	s->call.taken |= 1u << index;
	*cap = s->call.caps[index].cap;
	return CAPOS_OK;
}

int capos_server_result_cap(struct capos_server *s, uint32_t cap, uint16_t mode, uint32_t *index)
{
	if (mode != CAPOS_XFER_COPY && mode != CAPOS_XFER_MOVE)
		return CAPOS_ERR_INVALID;
	if (s->call.nret >= CAPOS_SERVER_RESULT_CAPS)
		return CAPOS_ERR_CAP_TABLE_FULL;
	s->call.ret[s->call.nret] = (struct capos_xfer){ .cap = cap, .mode = mode };
	*index = s->call.nret++;
	return CAPOS_OK;
}

void capos_server_stop(struct capos_server *s)
{
	s->stop = 1;
}

static const struct capos_server_iface *server_find(const struct capos_server *s, uint64_t iid)
{
	for (uint32_t i = 0; i < s->nifaces; i++)
		if (s->ifaces[i].interface_id == iid)
			return &s->ifaces[i];
	return NULL;
}

/* A capnp reader/builder status: the params did not fit the method's schema. */
static int server_is_capnp(int err)
{
	return err <= CAPOS_ERR_CAPNP_OUT_OF_BOUNDS && err > CAPOS_ERR_CAPNP_UNIMPLEMENTED;
}

int capos_server_refuse(struct capos_server *s, int type, int status, const char *reason,
			struct capos_server_reply *reply)
{
	struct capnp_builder b;
	struct capos_CapException_b ex;
	size_t n = 0;
	int err = capnp_builder_init(&b, &s->bseg, 1, s->arena, sizeof(s->arena));

	if (err == 0)
		err = capos_CapException_build_root(&b, &ex);
	if (err)
		return err;
	capos_CapException_set_type(&ex, (enum capos_ExceptionType)type);
	capos_CapException_set_status(&ex, status);
	if (reason)
		(void)capos_CapException_set_reason(
			&ex, reason, (uint32_t)strnlen(reason, CAPOS_SERVER_REASON_MAX));
	err = capnp_builder_error(&b);
	if (err == 0)
		err = capnp_builder_write_framed(&b, s->out, sizeof(s->out), &n);
	if (err)
		return err;
	*reply = (struct capos_server_reply){ .data = s->out,
					      .len = (uint32_t)n,
					      .flags = CAPOS_SQE_F_EXCEPTION };
	s->call.nret = 0; /* an exception carries no caps */
	return CAPOS_OK;
}

int capos_server_handle(struct capos_server *s, struct capos_server_reply *reply)
{
	const struct capnp_limits lim = { .traversal_words = CAPOS_SERVER_RECV_WORDS * 4u,
					  .nesting = 16 };
	const struct capos_server_iface *f = server_find(s, s->call.interface_id);
	struct capnp_msg params;
	struct capnp_builder b;
	size_t n = 0;
	int err;

	if (!f || s->call.method >= f->method_count)
		return capos_server_refuse(s, capos_ExceptionType_unimplemented,
					   CAPOS_ERR_CAPNP_UNIMPLEMENTED, "no such method", reply);
	err = capnp_msg_init_framed(&params, s->call.params, s->call.params_len, s->psegs,
				    CAPOS_SERVER_PARAM_SEGS, &lim, NULL);
	if (err)
		return capos_server_refuse(s, capos_ExceptionType_invalidArgument, err,
					   "malformed params", reply);
	err = capnp_builder_init(&b, &s->bseg, 1, s->arena, sizeof(s->arena));
	if (err == 0)
		err = f->dispatch(f->self, s->call.method, &params, &b);
	if (err == 0)
		err = capnp_builder_write_framed(&b, s->out, sizeof(s->out), &n);
	if (err == 0) {
		*reply = (struct capos_server_reply){ .data = s->out,
						      .len = (uint32_t)n,
						      .nxfer = s->call.nret,
						      .xfer = s->call.ret };
		return CAPOS_OK;
	}
	if (s->call.ex_set)
		return capos_server_refuse(s, s->call.ex_type, s->call.ex_status, s->call.ex_reason,
					   reply);
	if (err == CAPOS_ERR_CAPNP_UNIMPLEMENTED)
		return capos_server_refuse(s, capos_ExceptionType_unimplemented, err,
					   "no such method", reply);
	if (server_is_capnp(err))
		return capos_server_refuse(s, capos_ExceptionType_invalidArgument, err,
					   "malformed params", reply);
	return capos_server_refuse(s, capos_ExceptionType_failed, err, NULL, reply);
}
