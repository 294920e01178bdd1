/*
 * ipctest: endpoint IPC inside one process (tests/qemu/ipc_tests.py, manifest
 * tests/qemu/ipc/ipc.capnp: init = this program with "console" and two fresh raw
 * endpoints, "ep" and "ep2"). The process is both server (raw cap: RECV/RETURN) and client (a facet it
 * mints with Endpoint.client), so every step's completion can be checked exactly:
 *   facet minting and its hostile twins, CALL then RECV and RECV then CALL round trips
 *   (header, params, call id, badge, results), a CapException RETURN, RETURN with a
 *   stale / forged call id, RECV and RETURN through a facet or a non-endpoint cap,
 *   oversize params, a caller result buffer and a RECV buffer too small, queue
 *   overflow answered `overloaded`, the in-service bound, and last the owner
 *   releasing its raw cap: queued, in-service and later calls answered
 *   `disconnected`, a waiting RECV completed with EP_DISCONNECTED.
 * Each check prints "ok <what>" or "not ok <what>: <detail>" on COM2; the exit status
 * is the number of failures (0: all passed).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <libcapos/spawn.h>
#include <schema/capos.capnp.h>

#define IPC_IFACE UINT64_C(0xC0FFEE0012345678) /* the interface the test "serves" */
#define IPC_BADGE 42u
#define IPC_EXIT_NO_CAP 90

static struct capos_ring_client *ring;
static uint32_t ep, ep2, facet, console, spawner;
static uint64_t next_ud = 1;
static int failures;

static void check(int ok, const char *what, const char *fmt, long long a, long long b)
{
	if (ok) {
		printf("ok %s\n", what);
		return;
	}
	failures++;
	printf("not ok %s: ", what);
	printf(fmt, a, b);
	printf("\n");
}

/* Evaluates `got` once (it is often a submit-and-wait). */
static void check_status(const char *what, long long got, long long want)
{
	check(got == want, what, "status %lld, want %lld", got, want);
}

#define CHECK_STATUS(what, got, want) check_status(what, (got), (want))

/* Queues one SQE (user_data assigned here) and publishes it; returns its user_data. */
static uint64_t submit(const struct capos_sqe *tmpl)
{
	struct capos_sqe *s;

	if (capos_ring_get_sqe(ring, &s) != CAPOS_OK) {
		printf("not ok submit: SQ full\n");
		failures++;
		return 0;
	}
	*s = *tmpl;
	s->user_data = next_ud++;
	capos_ring_submit(ring);
	return s->user_data;
}

/* Waits for ud's CQE; returns its status (or a client error with *cqe zeroed). */
static int wait_for(uint64_t ud, struct capos_cqe *cqe)
{
	int rc = capos_ring_wait(ring, ud, CAPOS_TIMEOUT_INFINITE, cqe);

	if (rc != CAPOS_OK) {
		memset(cqe, 0, sizeof(*cqe));
		return rc;
	}
	return cqe->status;
}

/* True when ud has not completed: a cap_enter that waits for nothing finds no CQE. */
static int still_pending(uint64_t ud)
{
	struct capos_cqe cqe;

	return capos_ring_wait(ring, ud, 0, &cqe) == CAPOS_ERR_RING_TIMED_OUT;
}

static uint64_t sub_call(uint32_t cap, uint16_t method, const void *p, uint32_t plen, void *res,
			 uint32_t rlen)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_CALL,
			       .cap = cap,
			       .interface_id = IPC_IFACE,
			       .method = method,
			       .addr = (uint64_t)(uintptr_t)p,
			       .len = plen,
			       .result_addr = (uint64_t)(uintptr_t)res,
			       .result_len = rlen };
	if (plen == 0)
		s.addr = 0;
	if (rlen == 0)
		s.result_addr = 0;
	return submit(&s);
}

static uint64_t sub_recv(uint32_t cap, void *buf, uint32_t len)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_RECV,
			       .cap = cap,
			       .result_addr = (uint64_t)(uintptr_t)buf,
			       .result_len = len };
	return submit(&s);
}

static int do_return(uint32_t cap, uint32_t id, const void *res, uint32_t len, uint16_t flags)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_RETURN,
			       .flags = flags,
			       .cap = cap,
			       .addr = len ? (uint64_t)(uintptr_t)res : 0,
			       .len = len,
			       .aux = id };
	struct capos_cqe cqe;

	return wait_for(submit(&s), &cqe);
}

/* Decodes a CapException in buf; 0 with the type and status out, or a capnp error. */
static int exception_of(const void *buf, uint32_t len, unsigned *type, int *status)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	struct capnp_msg m;
	struct capos_CapException_r ex;
	int err = capnp_msg_init_framed(&m, buf, len, segs, 2, &lim, NULL);

	if (err == 0)
		err = capos_CapException_read_root(&m, &ex);
	if (err)
		return err;
	*type = capos_CapException_get_type(&ex);
	*status = capos_CapException_get_status(&ex);
	return capnp_msg_error(&m);
}

/* Endpoint.client(iid, badge): status; *cap = the new facet on success. */
static int mint(uint64_t iid, uint64_t badge, uint32_t *cap, struct capos_cqe *cqe, void *res,
		uint32_t rlen)
{
	static uint64_t arena[16], framed[17];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_Endpoint_client_Params_b p;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0)
		err = capos_Endpoint_client_request(&b, &p);
	if (err)
		return err;
	capos_Endpoint_client_Params_set_interfaceId(&p, iid);
	capos_Endpoint_client_Params_set_badge(&p, badge);
	err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n);
	if (err)
		return err;
	err = capos_ring_call(ring, ep, capos_Endpoint_TYPE_ID, capos_Endpoint_METHOD_client,
			      framed, (uint32_t)n, res, rlen, cqe);
	if (err == 0) {
		const struct capos_xfer_result *rec =
			(const void *)((const uint8_t *)res + cqe->result_len - 16);
		*cap = rec->cap;
	}
	return err;
}

static void test_mint(void)
{
	uint64_t res[8];
	struct capos_cqe cqe;
	unsigned type = 99;
	int st = 0;

	int err = mint(IPC_IFACE, IPC_BADGE, &facet, &cqe, res, sizeof(res));
	CHECK_STATUS("client: Endpoint.client mints a facet", err, 0);
	const struct capos_xfer_result *rec =
		(const void *)((uint8_t *)res + cqe.result_len - sizeof(*rec));
	check(cqe.xfer_count == 1 && (cqe.flags & CAPOS_CQE_F_XFER) &&
		      rec->interface_id == IPC_IFACE && facet != 0,
	      "client: one result-cap record with the served interface",
	      "xfer_count %lld flags %lld", cqe.xfer_count, cqe.flags);
	uint32_t dummy;
	err = mint(0, 1, &dummy, &cqe, res, sizeof(res));
	int dec = exception_of(res, cqe.result_len, &type, &st);
	check(err == CAPOS_ERR_RING_EXCEPTION && dec == 0 &&
		      type == capos_ExceptionType_invalidArgument,
	      "client: interface id 0 is invalidArgument", "status %lld type %lld", err, type);
	err = mint(capos_Endpoint_TYPE_ID, 1, &dummy, &cqe, res, sizeof(res));
	check(err == CAPOS_ERR_RING_EXCEPTION, "client: Endpoint's own interface id is refused",
	      "status %lld (%lld)", err, 0);
	err = mint(IPC_IFACE, 1, &dummy, &cqe, res, 16);
	check(err == CAPOS_ERR_RING_RESULT_TOO_SMALL && cqe.result_len == 40,
	      "client: a result buffer without room for the record: RESULT_TOO_SMALL, 40 needed",
	      "status %lld need %lld", err, cqe.result_len);
}

/* The RECV buffer: header + params. */
static union {
	struct capos_recv_header h;
	uint8_t bytes[512];
} rbuf;

static void test_round_trips(void)
{
	static const char ping[24] = "ping from the client...";
	static const char pong[16] = "pong from server";
	char res[64];
	struct capos_cqe c_call, c_recv;

	/* CALL first: it waits (deferred), RECV takes it. */
	uint64_t call = sub_call(facet, 5, ping, sizeof(ping), res, sizeof(res));
	check(still_pending(call), "call: a CALL with no receiver stays in flight", "%lld%lld", 0,
	      0);
	int st = wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &c_recv);
	CHECK_STATUS("recv: RECV takes the queued call", st, 0);
	check(c_recv.result_len == 16 + sizeof(ping) && c_recv.call_id != 0 &&
		      c_recv.badge == IPC_BADGE,
	      "recv: result_len = header + params, call id set, the facet's badge",
	      "result_len %lld badge %lld", c_recv.result_len, (long long)c_recv.badge);
	check(rbuf.h.interface_id == IPC_IFACE && rbuf.h.method == 5 &&
		      rbuf.h.params_len == sizeof(ping) &&
		      memcmp(rbuf.bytes + 16, ping, sizeof(ping)) == 0,
	      "recv: header names interface and method; params copied", "method %lld len %lld",
	      rbuf.h.method, rbuf.h.params_len);
	check(still_pending(call), "call: still in flight while the server holds it", "%lld%lld", 0,
	      0);
	st = do_return(ep, c_recv.call_id, pong, sizeof(pong), 0);
	CHECK_STATUS("return: RETURN completes with 0", st, 0);
	st = wait_for(call, &c_call);
	check(st == 0 && c_call.result_len == sizeof(pong) && memcmp(res, pong, sizeof(pong)) == 0,
	      "call: the CALL completes with the server's results", "status %lld len %lld", st,
	      c_call.result_len);
	/* The answered id is stale now; 0 and a forged id never name a call. */
	CHECK_STATUS("return: a stale call id", do_return(ep, c_recv.call_id, pong, 4, 0),
		     CAPOS_ERR_EP_BAD_CALL_ID);
	CHECK_STATUS("return: call id 0", do_return(ep, 0, NULL, 0, 0), CAPOS_ERR_EP_BAD_CALL_ID);
	CHECK_STATUS("return: a forged call id", do_return(ep, 0x00ABCD0F, NULL, 0, 0),
		     CAPOS_ERR_EP_BAD_CALL_ID);

	/* RECV first: it waits; the CALL is delivered straight into its buffer. */
	uint64_t recv = sub_recv(ep, &rbuf, sizeof(rbuf));
	check(still_pending(recv), "recv: a RECV with nothing queued waits", "%lld%lld", 0, 0);
	call = sub_call(facet, 7, NULL, 0, res, sizeof(res));
	st = wait_for(recv, &c_recv);
	check(st == 0 && c_recv.result_len == 16 && rbuf.h.method == 7 && rbuf.h.params_len == 0,
	      "recv: a waiting RECV gets the next CALL (no params)", "status %lld len %lld", st,
	      c_recv.result_len);
	/* A CapException RETURN: the caller sees RING_EXCEPTION with the payload. */
	uint64_t arena[16], framed[17];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_CapException_b ex;
	size_t n = 0;
	(void)capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));
	(void)capos_CapException_build_root(&b, &ex);
	capos_CapException_set_type(&ex, capos_ExceptionType_unimplemented);
	capos_CapException_set_status(&ex, -6);
	(void)capnp_builder_write_framed(&b, framed, sizeof(framed), &n);
	st = do_return(ep, c_recv.call_id, framed, (uint32_t)n, CAPOS_SQE_F_EXCEPTION);
	CHECK_STATUS("return: an exception RETURN completes with 0", st, 0);
	unsigned type = 99;
	int exst = 0;
	st = wait_for(call, &c_call);
	int dec = exception_of(res, c_call.result_len, &type, &exst);
	check(st == CAPOS_ERR_RING_EXCEPTION && dec == 0 &&
		      type == capos_ExceptionType_unimplemented && exst == -6,
	      "call: the caller gets RING_EXCEPTION with the server's CapException",
	      "status %lld type %lld", st, type);
}

static void test_hostile(void)
{
	char res[64], big[64];
	struct capos_cqe cqe;
	static uint8_t huge[4097];

	CHECK_STATUS("recv: RECV through a client facet",
		     wait_for(sub_recv(facet, &rbuf, 64), &cqe), CAPOS_ERR_EP_FACET);
	CHECK_STATUS("return: RETURN through a client facet", do_return(facet, 1, NULL, 0, 0),
		     CAPOS_ERR_EP_FACET);
	CHECK_STATUS("recv: RECV on a Console cap", wait_for(sub_recv(console, &rbuf, 64), &cqe),
		     CAPOS_ERR_CAP_WRONG_INTERFACE);
	CHECK_STATUS("recv: RECV on a forged cap id",
		     wait_for(sub_recv(0x0001FFFFu, &rbuf, 64), &cqe), CAPOS_ERR_CAP_BAD_ID);
	CHECK_STATUS("call: CALL through the facet under another interface id",
		     wait_for(submit(&(struct capos_sqe){ .opcode = CAPOS_OP_CALL,
							  .cap = facet,
							  .interface_id = capos_Console_TYPE_ID }),
			      &cqe),
		     CAPOS_ERR_CAP_WRONG_INTERFACE);
	CHECK_STATUS("call: the served interface on the raw endpoint (facets only)",
		     wait_for(sub_call(ep, 1, NULL, 0, NULL, 0), &cqe),
		     CAPOS_ERR_CAP_WRONG_INTERFACE);
	CHECK_STATUS("call: params over the 4096-byte bound",
		     wait_for(sub_call(facet, 1, huge, sizeof(huge), res, sizeof(res)), &cqe),
		     CAPOS_ERR_RING_PARAMS_TOO_LARGE);

	/* The caller's result buffer is too small: the call is answered, the size given. */
	uint64_t call = sub_call(facet, 2, NULL, 0, res, 8);
	struct capos_cqe c_recv;
	(void)wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &c_recv);
	memset(big, 'r', sizeof(big));
	CHECK_STATUS("return: answering a caller whose buffer is too small",
		     do_return(ep, c_recv.call_id, big, 32, 0), 0);
	int st = wait_for(call, &cqe);
	check(st == CAPOS_ERR_RING_RESULT_TOO_SMALL && cqe.result_len == 32,
	      "call: RESULT_TOO_SMALL with the 32 bytes needed", "status %lld need %lld", st,
	      cqe.result_len);

	/* The RECV buffer is too small for the queued call: told the size, call kept. */
	call = sub_call(facet, 3, big, 48, res, sizeof(res));
	st = wait_for(sub_recv(ep, &rbuf, 32), &c_recv);
	check(st == CAPOS_ERR_RING_RESULT_TOO_SMALL && c_recv.result_len == 64,
	      "recv: a buffer too small for the queued call: RESULT_TOO_SMALL, 64 needed",
	      "status %lld need %lld", st, c_recv.result_len);
	st = wait_for(sub_recv(ep, &rbuf, 64), &c_recv);
	check(st == 0 && rbuf.h.method == 3, "recv: the same call with a big enough buffer",
	      "status %lld method %lld", st, rbuf.h.method);
	/* The server's results are unreadable: the RETURN fails, the call stays. */
	struct capos_sqe bad = { .opcode = CAPOS_OP_RETURN,
				 .cap = ep,
				 .addr = 0x7FFFF0000000ull,
				 .len = 8,
				 .aux = c_recv.call_id };
	CHECK_STATUS("return: results at an unmapped address", wait_for(submit(&bad), &cqe),
		     CAPOS_ERR_RING_PARAMS_FAULT);
	CHECK_STATUS("return: the call is still answerable",
		     do_return(ep, c_recv.call_id, NULL, 0, 0), 0);
	st = wait_for(call, &cqe);
	CHECK_STATUS("call: completes with empty results", st, 0);
}

static void test_overflow(void)
{
	static char res[17][64];
	uint64_t ud[17];
	struct capos_cqe cqe;
	unsigned type = 99;
	int exst = 0;

	for (int i = 0; i < 16; i++)
		ud[i] = sub_call(facet, (uint16_t)i, NULL, 0, res[i], sizeof(res[i]));
	(void)capos_ring_enter(ring, 0, 0);
	ud[16] = sub_call(facet, 16, NULL, 0, res[16], sizeof(res[16]));
	int st = wait_for(ud[16], &cqe);
	int dec = exception_of(res[16], cqe.result_len, &type, &exst);
	check(st == CAPOS_ERR_RING_EXCEPTION && dec == 0 &&
		      type == capos_ExceptionType_overloaded && exst == CAPOS_ERR_EP_QUEUE_FULL,
	      "overflow: the 17th queued CALL is answered overloaded (EP_QUEUE_FULL) at once",
	      "status %lld type %lld", st, type);
	/* With no result buffer the exception cannot be shown: TRUNCATED with its size. */
	st = wait_for(sub_call(facet, 17, NULL, 0, NULL, 0), &cqe);
	check(st == CAPOS_ERR_RING_EXCEPTION_TRUNCATED && cqe.result_len > 0,
	      "overflow: without a result buffer: EXCEPTION_TRUNCATED and the size",
	      "status %lld len %lld", st, cqe.result_len);
	/* Serve all 16 in order; each caller gets its own answer. */
	int in_order = 1, answered = 1;
	for (int i = 0; i < 16; i++) {
		struct capos_cqe r;
		uint16_t m = (uint16_t)i;
		if (wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &r) != 0 || rbuf.h.method != i)
			in_order = 0;
		if (do_return(ep, r.call_id, &m, sizeof(m), 0) != 0)
			answered = 0;
	}
	for (int i = 0; i < 16; i++) {
		uint16_t m = 0xFFFF;
		if (wait_for(ud[i], &cqe) != 0)
			answered = 0;
		memcpy(&m, res[i], sizeof(m));
		answered &= m == i;
	}
	check(in_order, "overflow: the 16 queued calls are received in FIFO order", "%lld%lld", 0,
	      0);
	check(answered, "overflow: each caller gets its own answer", "%lld%lld", 0, 0);
}

static void test_in_service_bound(void)
{
	static char res[17][16];
	uint64_t ud[16];
	uint32_t ids[16];
	struct capos_cqe cqe;
	int ok = 1;

	for (int i = 0; i < 16; i++) {
		ud[i] = sub_call(facet, (uint16_t)i, NULL, 0, res[i], sizeof(res[i]));
		ok &= wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &cqe) == 0;
		ids[i] = cqe.call_id;
	}
	check(ok, "in-service: 16 calls received and held", "%lld%lld", 0, 0);
	CHECK_STATUS("in-service: a 17th RECV while 16 are held",
		     wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &cqe),
		     CAPOS_ERR_EP_IN_SERVICE_FULL);
	for (int i = 0; i < 16; i++) {
		ok &= do_return(ep, ids[i], NULL, 0, 0) == 0;
		ok &= wait_for(ud[i], &cqe) == 0;
	}
	check(ok, "in-service: all 16 answered", "%lld%lld", 0, 0);
}

static uint64_t sub_call_xfer(uint32_t cap, uint16_t method, const struct capos_xfer *x, uint16_t n,
			      void *res, uint32_t rlen)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_CALL,
			       .cap = cap,
			       .interface_id = IPC_IFACE,
			       .method = method,
			       .result_addr = (uint64_t)(uintptr_t)res,
			       .result_len = rlen,
			       .xfer_addr = (uint64_t)(uintptr_t)x,
			       .xfer_count = n };
	return submit(&s);
}

static int release(uint32_t cap)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_RELEASE, .cap = cap };
	struct capos_cqe cqe;

	return wait_for(submit(&s), &cqe);
}

/* Capability transfer through the endpoint (docs/ipc.md "Caps"). */
static void test_xfer(void)
{
	uint64_t res[8];
	struct capos_cqe cqe, c_recv;
	const struct capos_xfer_result *rec = (const void *)(rbuf.bytes + 16);

	/* CALL copying the console: the receiver gets a new id for the same object. */
	struct capos_xfer x = { .cap = console, .mode = CAPOS_XFER_COPY };
	uint64_t call = sub_call_xfer(facet, 9, &x, 1, res, sizeof(res));
	int st = wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &c_recv);
	check(st == 0 && c_recv.xfer_count == 1 && (c_recv.flags & CAPOS_CQE_F_XFER) &&
		      c_recv.result_len == 32 && rec->interface_id == capos_Console_TYPE_ID &&
		      rec->cap != console && rec->cap != 0,
	      "xfer: CALL copying a cap: RECV gets one record (new id, Console) after the params",
	      "status %lld xfer_count %lld", st, c_recv.xfer_count);
	uint32_t got = rec->cap;
	CHECK_STATUS("xfer: the received copy is released", release(got), 0);
	/* RETURN carrying a cap back: the caller's CQE reports it after the results. */
	static const char ok[8] = "answer!";
	struct capos_xfer back = { .cap = console, .mode = CAPOS_XFER_COPY };
	struct capos_sqe ret = { .opcode = CAPOS_OP_RETURN,
				 .cap = ep,
				 .addr = (uint64_t)(uintptr_t)ok,
				 .len = sizeof(ok),
				 .aux = c_recv.call_id,
				 .xfer_addr = (uint64_t)(uintptr_t)&back,
				 .xfer_count = 1 };
	CHECK_STATUS("xfer: RETURN with a cap", wait_for(submit(&ret), &cqe), 0);
	st = wait_for(call, &cqe);
	const struct capos_xfer_result *rrec = (const void *)((uint8_t *)res + 8);
	check(st == 0 && cqe.xfer_count == 1 && cqe.result_len == 24 &&
		      memcmp(res, ok, sizeof(ok)) == 0 &&
		      rrec->interface_id == capos_Console_TYPE_ID,
	      "xfer: the caller gets the results, then the returned cap's record",
	      "status %lld len %lld", st, cqe.result_len);
	CHECK_STATUS("xfer: the returned copy is released", release(rrec->cap), 0);

	/* MOVE of a second facet: its old id is stale once the RECV delivered it. */
	uint32_t f2 = 0;
	(void)mint(IPC_IFACE, 7, &f2, &cqe, res, sizeof(res));
	struct capos_xfer mv = { .cap = f2, .mode = CAPOS_XFER_MOVE };
	call = sub_call_xfer(facet, 10, &mv, 1, NULL, 0);
	st = wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &c_recv);
	uint32_t moved = rec->cap;
	check(st == 0 && c_recv.xfer_count == 1 && rec->interface_id == IPC_IFACE,
	      "xfer: CALL moving a facet: delivered with RECV", "status %lld n %lld", st,
	      c_recv.xfer_count);
	CHECK_STATUS("xfer: the moved-from id is stale", release(f2), CAPOS_ERR_CAP_STALE);
	CHECK_STATUS("xfer: answering the move", do_return(ep, c_recv.call_id, NULL, 0, 0), 0);
	CHECK_STATUS("xfer: the move's CALL completes", wait_for(call, &cqe), 0);
	CHECK_STATUS("xfer: the moved facet is released", release(moved), 0);

	/* Hostile descriptors: refused at CALL time, nothing queued. */
	struct capos_xfer bad = { .cap = console, .mode = 7 };
	CHECK_STATUS("xfer: a descriptor with mode 7",
		     wait_for(sub_call_xfer(facet, 11, &bad, 1, NULL, 0), &cqe),
		     CAPOS_ERR_XFER_BAD_MODE);
	struct capos_xfer stale = { .cap = f2, .mode = CAPOS_XFER_COPY };
	CHECK_STATUS("xfer: a descriptor naming a released cap",
		     wait_for(sub_call_xfer(facet, 11, &stale, 1, NULL, 0), &cqe),
		     CAPOS_ERR_CAP_STALE);

	/* Receiver table full: a waiting RECV, a CALL carrying a cap fails whole with
	 * CAP_TABLE_FULL (the caller keeps its cap), the RECV keeps waiting. */
	uint32_t fill[64];
	int nfill = 0;
	while (nfill < 64 && mint(IPC_IFACE, 1, &fill[nfill], &cqe, res, sizeof(res)) == 0)
		nfill++;
	uint64_t recv = sub_recv(ep, &rbuf, sizeof(rbuf));
	(void)capos_ring_enter(ring, 0, 0);
	st = wait_for(sub_call_xfer(facet, 12, &x, 1, res, sizeof(res)), &cqe);
	check(st == CAPOS_ERR_CAP_TABLE_FULL && still_pending(recv),
	      "xfer: receiver table full: the CALL fails with CAP_TABLE_FULL, RECV still waits",
	      "status %lld (filled %lld)", st, nfill);
	for (int i = 0; i < nfill; i++)
		(void)release(fill[i]);
	call = sub_call(facet, 13, NULL, 0, NULL, 0);
	st = wait_for(recv, &c_recv);
	check(st == 0 && rbuf.h.method == 13 && c_recv.xfer_count == 0,
	      "xfer: with slots free again the waiting RECV takes the next call",
	      "status %lld method %lld", st, rbuf.h.method);
	CHECK_STATUS("xfer: console still usable by the caller",
		     do_return(ep, c_recv.call_id, NULL, 0, 0), 0);
	(void)wait_for(call, &cqe);
}

/* ---- two processes (ProcessSpawner, user/ipcpeer) ---- */

#define PEER_GONE 50 /* user/ipcpeer exit codes */
#define PEER_TIMED 53
#define SPIN_POLLS_MAX 50000000u /* polls before the timed caller counts as lost */

/* Spawns ipcpeer with one grant: a fresh endpoint "srv" (kernel source; its facet comes
 * back as exports[0]) or, with `held_ep`, a client facet "caller" of that raw endpoint.
 * 0 with *handle (and *export for "srv"), else the status. */
static int spawn_peer(const char *role, uint32_t held_ep, uint32_t *handle, uint32_t *export)
{
	static uint64_t arena[256], framed[257], res[64];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	struct capos_cqe cqe;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err || (err = capos_ProcessSpawner_spawn_request(&b, &p)))
		return err;
	(void)capos_ProcessSpawner_spawn_Params_set_name(&p, role, (uint32_t)strlen(role));
	(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "ipcpeer", 7);
	(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, 1, &list);
	struct capos_CapGrant_b g = capos_CapGrant_list_build(&list, 0);
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);
	(void)capos_CapGrant_set_name(&g, role, (uint32_t)strlen(role));
	capos_CapGrant_set_interfaceId(&g, IPC_IFACE);
	struct capos_xfer x = { .cap = held_ep, .mode = CAPOS_XFER_COPY };
	if (held_ep) {
		capos_CapGrant_set_mode(&g, capos_TransferMode_clientFacet);
		capos_CapGrant_set_badge(&g, 5);
		(void)capos_CapGrant_source_set_held(&src, 0);
	} else {
		capos_CapGrant_source_set_kernel(&src, capos_KernelCapSource_endpoint);
	}
	if ((err = capnp_builder_error(&b)) ||
	    (err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n)))
		return err;
	struct capos_sqe s = { .opcode = CAPOS_OP_CALL,
			       .cap = spawner,
			       .interface_id = capos_ProcessSpawner_TYPE_ID,
			       .method = capos_ProcessSpawner_METHOD_spawn,
			       .addr = (uint64_t)(uintptr_t)framed,
			       .len = (uint32_t)n,
			       .result_addr = (uint64_t)(uintptr_t)res,
			       .result_len = sizeof(res),
			       .xfer_addr = held_ep ? (uint64_t)(uintptr_t)&x : 0,
			       .xfer_count = held_ep ? 1 : 0 };
	if ((err = wait_for(submit(&s), &cqe)))
		return err;
	/* Result caps end the result bytes: the handle and, for "srv", the exported facet
	 * (told apart by interface id). */
	const struct capos_xfer_result *rec =
		(const void *)((uint8_t *)res + cqe.result_len - 16u * cqe.xfer_count);
	*handle = 0;
	for (uint32_t i = 0; i < cqe.xfer_count; i++) {
		if (rec[i].interface_id == capos_ProcessHandle_TYPE_ID)
			*handle = rec[i].cap;
		else if (export && rec[i].interface_id == IPC_IFACE)
			*export = rec[i].cap;
	}
	return *handle && (!export || *export) && cqe.xfer_count == (export ? 2u : 1u)
		       ? CAPOS_OK
		       : CAPOS_ERR_INVALID;
}

/* ProcessHandle.wait: 0 with the exit code and whether it was killed. */
static int wait_peer(uint32_t handle, int64_t *code, int *killed)
{
	return capos_process_wait(ring, handle, code, killed);
}

static int kill_peer(uint32_t handle)
{
	struct capos_cqe cqe;

	return capos_ring_call(ring, handle, capos_ProcessHandle_TYPE_ID,
			       capos_ProcessHandle_METHOD_kill, NULL, 0, NULL, 0, &cqe);
}

static int exception_type(int st, const void *res, uint32_t len)
{
	unsigned type = 99;
	int exst = 0;

	if (st != CAPOS_ERR_RING_EXCEPTION || exception_of(res, len, &type, &exst))
		return -1;
	return (int)type;
}

/* The server process exits with one call in service and one queued: both callers get
 * `disconnected` once it is gone, and so does a later CALL. */
static void test_server_dies(void)
{
	static char r1[64], r2[64], r3[64];
	uint32_t h = 0, svc = 0;

	svc = 0;
	int64_t code = -1;
	int killed = 1;
	struct capos_cqe c1, c2, c3;

	int err = spawn_peer("srv", 0, &h, &svc);
	CHECK_STATUS("2proc: spawn a server owning a fresh endpoint (facet exported)", err, 0);
	if (err)
		return;
	uint64_t a = sub_call(svc, 1, NULL, 0, r1, sizeof(r1));
	uint64_t b = sub_call(svc, 2, NULL, 0, r2, sizeof(r2));
	int s1 = wait_for(a, &c1), s2 = wait_for(b, &c2);
	check(exception_type(s1, r1, c1.result_len) == capos_ExceptionType_disconnected &&
		      exception_type(s2, r2, c2.result_len) == capos_ExceptionType_disconnected,
	      "2proc: server exits holding one call, one queued: both answered disconnected",
	      "status %lld / %lld", s1, s2);
	int s3 = wait_for(sub_call(svc, 3, NULL, 0, r3, sizeof(r3)), &c3);
	check(exception_type(s3, r3, c3.result_len) == capos_ExceptionType_disconnected,
	      "2proc: a later CALL through the exported facet: disconnected at once",
	      "status %lld (%lld)", s3, 0);
	err = wait_peer(h, &code, &killed);
	check(err == 0 && code == PEER_GONE && !killed, "2proc: the server exited on its own",
	      "code %lld killed %lld", code, killed);
	(void)release(h);
	(void)release(svc);
}

/* A caller process killed while the server (us) holds its call: the RETURN is told
 * EP_CALL_CANCELLED; one killed while its call is queued: the call is gone. */
static void test_caller_killed(void)
{
	struct capos_cqe c_recv, cqe;
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0;

	int err = spawn_peer("caller", ep, &h, NULL);
	CHECK_STATUS("2proc: spawn a caller holding a facet of our endpoint", err, 0);
	if (err)
		return;
	int st = wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &c_recv);
	check(st == 0 && rbuf.h.method == 3 && c_recv.badge == 5,
	      "2proc: the child's CALL arrives (its facet's badge)", "status %lld badge %lld", st,
	      (long long)c_recv.badge);
	CHECK_STATUS("2proc: kill the caller mid-call", kill_peer(h), 0);
	err = wait_peer(h, &code, &killed);
	check(err == 0 && killed, "2proc: its wait reports killed", "status %lld killed %lld", err,
	      killed);
	(void)release(h);
	CHECK_STATUS("2proc: RETURN to the dead caller's call",
		     do_return(ep, c_recv.call_id, NULL, 0, 0), CAPOS_ERR_EP_CALL_CANCELLED);
	CHECK_STATUS("2proc: its id is retired", do_return(ep, c_recv.call_id, NULL, 0, 0),
		     CAPOS_ERR_EP_BAD_CALL_ID);

	/* Killed while queued: spawn, wait until its CALL is queued (a RECV without room
	 * for it completes RESULT_TOO_SMALL when it arrives and leaves it queued; a timed
	 * wait instead lost the race on a loaded host), kill, then our own CALL must be the
	 * first thing a RECV sees. */
	err = spawn_peer("caller", ep, &h, NULL);
	st = err ? err : wait_for(sub_recv(ep, &rbuf, 8), &c_recv);
	check(st == CAPOS_ERR_RING_RESULT_TOO_SMALL,
	      "2proc: the second caller's CALL is queued (a RECV without room for it says so)",
	      "status %lld need %lld", st, c_recv.result_len);
	CHECK_STATUS("2proc: kill a caller whose call is queued", err ? err : kill_peer(h), 0);
	(void)wait_peer(h, &code, &killed);
	(void)release(h);
	uint64_t mine = sub_call(facet, 77, NULL, 0, NULL, 0);
	st = wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &c_recv);
	check(st == 0 && rbuf.h.method == 77,
	      "2proc: the dead caller's queued call is gone (the next RECV gets ours)",
	      "status %lld method %lld", st, rbuf.h.method);
	(void)do_return(ep, c_recv.call_id, NULL, 0, 0);
	(void)wait_for(mine, &cqe);
}

/* Polls (never blocks) until ud completes, at most SPIN_POLLS_MAX times: this thread
 * keeps the CPU, so whatever must happen meanwhile needs a timeout or a preemption. */
static int spin_until(uint64_t ud, struct capos_cqe *cqe)
{
	for (uint32_t i = 0; i < SPIN_POLLS_MAX; i++) {
		int rc = capos_ring_wait(ring, ud, 0, cqe);

		if (rc != CAPOS_ERR_RING_TIMED_OUT)
			return rc ? rc : cqe->status;
	}
	return CAPOS_ERR_RING_TIMED_OUT;
}

/* A caller whose wait times out while we hold its call: after the handoff we run on
 * its scheduling entity (docs/scheduler.md "Donation"), and we keep the CPU (polling,
 * never blocking) until its timeout has ended that donation, it ran and called again. */
static void test_caller_times_out(void)
{
	static uint64_t buf4[16], buf5[16];
	struct capos_cqe c4, c5;
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 1;

	int err = spawn_peer("timed", ep, &h, NULL);
	CHECK_STATUS("2proc: spawn a caller that waits 20 ms for its answer", err, 0);
	if (err)
		return;
	int st = wait_for(sub_recv(ep, buf4, sizeof(buf4)), &c4);
	check(st == 0 && ((const struct capos_recv_header *)buf4)->method == 4,
	      "2proc: its CALL arrives (method 4)", "status %lld method %lld", st,
	      ((const struct capos_recv_header *)buf4)->method);
	st = spin_until(sub_recv(ep, buf5, sizeof(buf5)), &c5);
	check(st == 0 && ((const struct capos_recv_header *)buf5)->method == 5,
	      "2proc: its wait expired while we held the call; it called again (method 5)",
	      "status %lld method %lld", st, ((const struct capos_recv_header *)buf5)->method);
	int r5 = do_return(ep, c5.call_id, NULL, 0, 0), r4 = do_return(ep, c4.call_id, NULL, 0, 0);
	check(r5 == 0 && r4 == 0, "2proc: both RETURNs complete", "status %lld / %lld", r5, r4);
	err = wait_peer(h, &code, &killed);
	check(err == 0 && code == PEER_TIMED && !killed,
	      "2proc: it collected both answers after its timeout and exited",
	      "code %lld killed %lld", code, killed);
	(void)release(h);
}

static void test_owner_gone(void)
{
	char res[64];
	struct capos_cqe cqe, c_recv;
	unsigned type = 99;
	int exst = 0;

	/* One call in service, one queued, then the owner releases its only raw cap. */
	uint64_t served = sub_call(facet, 1, NULL, 0, res, sizeof(res));
	(void)wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &c_recv);
	static char res2[64];
	uint64_t queued = sub_call(facet, 2, NULL, 0, res2, sizeof(res2));
	struct capos_sqe rel = { .opcode = CAPOS_OP_RELEASE, .cap = ep };
	CHECK_STATUS("owner: RELEASE of the raw endpoint", wait_for(submit(&rel), &cqe), 0);
	int st = wait_for(served, &cqe);
	int dec = exception_of(res, cqe.result_len, &type, &exst);
	check(st == CAPOS_ERR_RING_EXCEPTION && dec == 0 &&
		      type == capos_ExceptionType_disconnected && exst == CAPOS_ERR_EP_DISCONNECTED,
	      "owner: the in-service call is answered disconnected", "status %lld type %lld", st,
	      type);
	type = 99;
	st = wait_for(queued, &cqe);
	dec = exception_of(res2, cqe.result_len, &type, &exst);
	check(st == CAPOS_ERR_RING_EXCEPTION && dec == 0 &&
		      type == capos_ExceptionType_disconnected,
	      "owner: the queued call is answered disconnected", "status %lld type %lld", st, type);
	type = 99;
	st = wait_for(sub_call(facet, 3, NULL, 0, res, sizeof(res)), &cqe);
	dec = exception_of(res, cqe.result_len, &type, &exst);
	check(st == CAPOS_ERR_RING_EXCEPTION && dec == 0 &&
		      type == capos_ExceptionType_disconnected,
	      "owner: a later CALL through the facet is answered disconnected at once",
	      "status %lld type %lld", st, type);
	CHECK_STATUS("owner: the released raw id is stale",
		     wait_for(sub_recv(ep, &rbuf, sizeof(rbuf)), &cqe), CAPOS_ERR_CAP_STALE);
	rel.cap = facet;
	CHECK_STATUS("owner: RELEASE of the facet frees the endpoint", wait_for(submit(&rel), &cqe),
		     0);
	/* Eight RECVs waiting on the second endpoint (the bound), a ninth refused; then its
	 * last raw cap goes and every waiting RECV completes EP_DISCONNECTED. */
	static union {
		struct capos_recv_header h;
		uint8_t bytes[64];
	} bufs[8];
	uint64_t recvs[8];
	for (int i = 0; i < 8; i++)
		recvs[i] = sub_recv(ep2, &bufs[i], sizeof(bufs[i]));
	check(still_pending(recvs[7]), "owner: eight RECVs wait on the second endpoint", "%lld%lld",
	      0, 0);
	CHECK_STATUS("owner: a ninth waiting RECV", wait_for(sub_recv(ep2, &rbuf, 64), &cqe),
		     CAPOS_ERR_EP_RECEIVERS_FULL);
	rel.cap = ep2;
	CHECK_STATUS("owner: RELEASE of the second endpoint", wait_for(submit(&rel), &cqe), 0);
	int all = 1;
	for (int i = 0; i < 8; i++)
		all &= wait_for(recvs[i], &cqe) == CAPOS_ERR_EP_DISCONNECTED;
	check(all, "owner: every waiting RECV completes EP_DISCONNECTED", "%lld%lld", 0, 0);
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;

	if (capos_capset_lookup(cs, "console", capos_Console_TYPE_ID, &console) ||
	    capos_capset_lookup(cs, "ep", capos_Endpoint_TYPE_ID, &ep) ||
	    capos_capset_lookup(cs, "ep2", capos_Endpoint_TYPE_ID, &ep2) ||
	    capos_capset_lookup(cs, "spawner", capos_ProcessSpawner_TYPE_ID, &spawner))
		return IPC_EXIT_NO_CAP;
	if (capos_ring_self(&ring))
		return IPC_EXIT_NO_CAP;
	printf("ipctest: one process, raw endpoint + its own facet\n");
	test_mint();
	test_round_trips();
	test_hostile();
	test_overflow();
	test_in_service_bound();
	test_xfer();
	test_server_dies();
	test_caller_killed();
	test_caller_times_out();
	test_owner_gone();
	printf("ipctest: %d failure(s)\n", failures);
	return failures;
}
