/*
 * Host tests of the libcapos server runtime's pure half (lib/libcapos/server.c,
 * unmodified) with the generated demo interfaces (schema/demo.capnp): interface table
 * checks; RECV deliveries decoded (header, params, cap records) and every malformed
 * delivery refused; dispatch to results; the CapException table: unknown interface
 * and method ordinal -> unimplemented, truncated framing / non-struct root / empty
 * params -> invalidArgument with the capnp code, a handler's capos_server_fail -> its
 * type/status/reason, another handler error -> failed; received caps taken once with
 * the interface checked; result caps bounded and dropped by an exception.
 */
#include "test.h"

#include <libcapos/server.h>

#include <capos/error.h>
#include <schema/demo.capnp.h>
#include <string.h>

#define CAP_A 0x00010002u
#define CAP_B 0x00020003u

/* For non-void helpers: record the failure and go on (CHECK returns void). */
#define SOFT_EQ(a, b)                                                                              \
	do {                                                                                       \
		long long soft_a_ = (long long)(a), soft_b_ = (long long)(b);                      \
		if (soft_a_ != soft_b_)                                                            \
			test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, soft_a_,   \
				  soft_b_);                                                        \
	} while (0)

static struct capos_server srv;
static int echo_mode; /* 0 echo, 1 fail invalidArgument, 2 return CAPOS_ERR_BUSY, 3 caps */
static uint32_t taken_cap;

static int t_echo(void *self, const struct demo_Echo_echo_Params_r *p,
		  struct demo_Echo_echo_Results_b *r)
{
	struct capnp_text t;
	uint32_t idx;
	int err = demo_Echo_echo_Params_get_text(p, &t);

	SOFT_EQ(self == &srv, 1);
	if (err)
		return err;
	if (echo_mode == 1)
		return capos_server_fail(&srv, capos_ExceptionType_invalidArgument, -360,
					 "too long");
	if (echo_mode == 2)
		return CAPOS_ERR_BUSY;
	if (echo_mode == 3) {
		SOFT_EQ(capos_server_take_cap(&srv, 2, demo_Notifier_TYPE_ID, &taken_cap),
			CAPOS_ERR_INVALID);
		SOFT_EQ(capos_server_take_cap(&srv, 0, demo_Echo_TYPE_ID, &taken_cap),
			CAPOS_ERR_CAP_WRONG_INTERFACE);
		SOFT_EQ(capos_server_take_cap(&srv, 1, demo_Notifier_TYPE_ID, &taken_cap), 0);
		SOFT_EQ(taken_cap, CAP_B);
		SOFT_EQ(capos_server_take_cap(&srv, 1, demo_Notifier_TYPE_ID, &taken_cap),
			CAPOS_ERR_EXISTS);
		SOFT_EQ(capos_server_result_cap(&srv, CAP_A, 7, &idx), CAPOS_ERR_INVALID);
		for (uint32_t i = 0; i < CAPOS_SERVER_RESULT_CAPS; i++) {
			SOFT_EQ(capos_server_result_cap(&srv, CAP_A, CAPOS_XFER_COPY, &idx), 0);
			SOFT_EQ(idx, i);
		}
		SOFT_EQ(capos_server_result_cap(&srv, CAP_A, CAPOS_XFER_MOVE, &idx),
			CAPOS_ERR_CAP_TABLE_FULL);
	}
	return demo_Echo_echo_Results_set_text(r, t.str, t.len);
}

static const struct demo_Echo_server t_echo_server = { .echo = t_echo };

static int t_dispatch(void *self, uint16_t method, struct capnp_msg *params,
		      struct capnp_builder *results)
{
	return demo_Echo_dispatch(&t_echo_server, self, method, params, results);
}

static const struct capos_server_iface t_ifaces[] = {
	{ demo_Echo_TYPE_ID, demo_Echo_METHOD_COUNT, t_dispatch, &srv },
};

/* A delivery as the kernel writes it: header, params, records; *cqe to match. */
static void deliver(uint64_t iid, uint16_t method, const void *params, uint32_t plen,
		    uint32_t ncaps, struct capos_cqe *cqe)
{
	struct capos_recv_header h = { .interface_id = iid, .method = method, .params_len = plen };
	uint8_t *p = (uint8_t *)srv.recv;

	memcpy(p, &h, sizeof(h));
	if (plen)
		memcpy(p + sizeof(h), params, plen);
	for (uint32_t i = 0; i < ncaps; i++) {
		struct capos_xfer_result rec = { .cap = i ? CAP_B : CAP_A,
						 .interface_id = i ? demo_Notifier_TYPE_ID
								   : demo_KeyValue_TYPE_ID };
		memcpy(p + sizeof(h) + plen + i * sizeof(rec), &rec, sizeof(rec));
	}
	memset(cqe, 0, sizeof(*cqe));
	cqe->result_len = (uint32_t)(sizeof(h) + plen + ncaps * sizeof(struct capos_xfer_result));
	cqe->call_id = 0x10005;
	cqe->badge = 7;
	cqe->xfer_count = (uint16_t)ncaps;
	cqe->flags = ncaps ? CAPOS_CQE_F_XFER : 0;
}

static uint64_t req[64];

/* Echo.echo(text) framed into req; returns its length. */
static uint32_t echo_req(const char *text)
{
	static uint64_t arena[32];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct demo_Echo_echo_Params_b p;
	size_t n = 0;

	SOFT_EQ(capnp_builder_init(&b, &seg, 1, arena, sizeof(arena)), 0);
	SOFT_EQ(demo_Echo_echo_request(&b, &p), 0);
	SOFT_EQ(demo_Echo_echo_Params_set_text(&p, text, (uint32_t)strlen(text)), 0);
	SOFT_EQ(capnp_builder_write_framed(&b, req, sizeof(req), &n), 0);
	return (uint32_t)n;
}

/* Decode + handle a delivery; the reply must be a CapException of (type, status). */
static void expect_ex(int type, int status)
{
	struct capos_server_reply r;
	struct capnp_segment segs[2];
	struct capnp_msg m;
	struct capos_CapException_r ex;

	CHECK_EQ(capos_server_handle(&srv, &r), 0);
	CHECK_EQ(r.flags, CAPOS_SQE_F_EXCEPTION);
	CHECK_EQ(r.nxfer, 0);
	CHECK_EQ(capnp_msg_init_framed(&m, r.data, r.len, segs, 2, NULL, NULL), 0);
	CHECK_EQ(capos_CapException_read_root(&m, &ex), 0);
	CHECK_EQ((int)capos_CapException_get_type(&ex), type);
	CHECK_EQ(capos_CapException_get_status(&ex), status);
}

static void setup(void)
{
	CHECK_EQ(capos_server_init(&srv, t_ifaces, 1), 0);
	echo_mode = 0;
}

TEST(server_init_rejects_bad_tables)
{
	const struct capos_server_iface zero[] = { { 0, 1, t_dispatch, NULL } };
	const struct capos_server_iface nofn[] = { { 5, 1, NULL, NULL } };
	const struct capos_server_iface dup[] = { { 5, 1, t_dispatch, NULL },
						  { 5, 2, t_dispatch, NULL } };

	CHECK_EQ(capos_server_init(&srv, zero, 1), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_server_init(&srv, nofn, 1), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_server_init(&srv, dup, 2), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_server_init(&srv, NULL, 1), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_server_init(&srv, t_ifaces, 1), 0);
}

TEST(server_echo_round_trip)
{
	struct capos_cqe cqe;
	struct capos_server_reply r;
	struct capnp_segment segs[2];
	struct capnp_msg m;
	struct demo_Echo_echo_Results_r res;
	struct capnp_text t;
	uint32_t n;

	setup();
	n = echo_req("hello");
	deliver(demo_Echo_TYPE_ID, demo_Echo_METHOD_echo, req, n, 0, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	CHECK_EQ(srv.call.call_id, 0x10005u);
	CHECK_EQ(srv.call.badge, 7u);
	CHECK_EQ(srv.call.params_len, n);
	CHECK_EQ(srv.call.ncaps, 0u);
	CHECK_EQ(capos_server_handle(&srv, &r), 0);
	CHECK_EQ(r.flags, 0);
	CHECK_EQ(r.nxfer, 0);
	CHECK_EQ(capnp_msg_init_framed(&m, r.data, r.len, segs, 2, NULL, NULL), 0);
	CHECK_EQ(demo_Echo_echo_read_results(&m, &res), 0);
	CHECK_EQ(demo_Echo_echo_Results_get_text(&res, &t), 0);
	CHECK(t.len == 5 && memcmp(t.str, "hello", 5) == 0);
}

TEST(server_decode_refuses_bad_deliveries)
{
	struct capos_cqe cqe, bad;
	uint32_t n;

	setup();
	n = echo_req("x");
	deliver(demo_Echo_TYPE_ID, 0, req, n, 2, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	CHECK_EQ(srv.call.ncaps, 2u);
	CHECK_EQ(srv.call.caps[1].cap, CAP_B);
	bad = cqe;
	bad.result_len = 8; /* shorter than the header */
	CHECK_EQ(capos_server_decode(&srv, &bad), CAPOS_ERR_INVALID);
	bad = cqe;
	bad.result_len -= 1; /* params + records do not add up */
	CHECK_EQ(capos_server_decode(&srv, &bad), CAPOS_ERR_INVALID);
	bad = cqe;
	bad.flags = 0; /* records counted without the flag */
	CHECK_EQ(capos_server_decode(&srv, &bad), CAPOS_ERR_INVALID);
	bad = cqe;
	bad.call_id = 0;
	CHECK_EQ(capos_server_decode(&srv, &bad), CAPOS_ERR_INVALID);
	bad = cqe;
	bad.status = CAPOS_ERR_EP_DISCONNECTED;
	CHECK_EQ(capos_server_decode(&srv, &bad), CAPOS_ERR_INVALID);
	bad = cqe;
	bad.xfer_count = CAPOS_XFER_MAX + 1;
	CHECK_EQ(capos_server_decode(&srv, &bad), CAPOS_ERR_INVALID);
	bad = cqe;
	bad.result_len = sizeof(srv.recv) + 16;
	CHECK_EQ(capos_server_decode(&srv, &bad), CAPOS_ERR_INVALID);
	((struct capos_recv_header *)srv.recv)->rsvd0 = 1;
	CHECK_EQ(capos_server_decode(&srv, &cqe), CAPOS_ERR_INVALID);
}

TEST(server_unknown_interface_and_method_unimplemented)
{
	struct capos_cqe cqe;
	uint32_t n;

	setup();
	n = echo_req("x");
	deliver(demo_KeyValue_TYPE_ID, 0, req, n, 0, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	expect_ex(capos_ExceptionType_unimplemented, CAPOS_ERR_CAPNP_UNIMPLEMENTED);
	deliver(demo_Echo_TYPE_ID, demo_Echo_METHOD_COUNT, NULL, 0, 0, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	expect_ex(capos_ExceptionType_unimplemented, CAPOS_ERR_CAPNP_UNIMPLEMENTED);
}

TEST(server_malformed_params_invalid_argument)
{
	static const uint8_t trunc[16] = { 0, 0, 0, 0, 2, 0, 0, 0 };
	static const uint8_t capptr[24] = { 0, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	struct capos_cqe cqe;

	setup();
	deliver(demo_Echo_TYPE_ID, 0, trunc, sizeof(trunc), 0, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	expect_ex(capos_ExceptionType_invalidArgument, CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	deliver(demo_Echo_TYPE_ID, 0, capptr, sizeof(capptr), 0, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	expect_ex(capos_ExceptionType_invalidArgument, CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	deliver(demo_Echo_TYPE_ID, 0, NULL, 0, 0, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	expect_ex(capos_ExceptionType_invalidArgument, CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
}

TEST(server_handler_errors)
{
	struct capos_cqe cqe;
	uint32_t n;

	setup();
	n = echo_req("x");
	echo_mode = 1;
	deliver(demo_Echo_TYPE_ID, 0, req, n, 0, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	expect_ex(capos_ExceptionType_invalidArgument, -360);
	echo_mode = 2;
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	expect_ex(capos_ExceptionType_failed, CAPOS_ERR_BUSY);
}

TEST(server_caps_taken_and_returned)
{
	struct capos_cqe cqe;
	struct capos_server_reply r;
	uint32_t n;

	setup();
	n = echo_req("caps");
	echo_mode = 3;
	deliver(demo_Echo_TYPE_ID, 0, req, n, 2, &cqe);
	CHECK_EQ(capos_server_decode(&srv, &cqe), 0);
	CHECK_EQ(capos_server_handle(&srv, &r), 0);
	CHECK_EQ(r.flags, 0);
	CHECK_EQ(r.nxfer, CAPOS_SERVER_RESULT_CAPS);
	CHECK_EQ(r.xfer[0].cap, CAP_A);
	CHECK_EQ(srv.call.taken, 2u); /* caps[0] untaken: the ring loop releases it */
	/* An exception carries no caps. */
	CHECK_EQ(capos_server_refuse(&srv, capos_ExceptionType_failed, CAPOS_ERR_BUSY, NULL, &r),
		 0);
	CHECK_EQ(r.nxfer, 0);
	CHECK_EQ(srv.call.nret, 0);
}
