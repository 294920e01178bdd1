/*
 * democlient: the client of the demo graph (docs/demo.md). Its CapSet: `console`,
 * `echo` (an Echo facet), `kv` (a KeyValue facet) and `notify` (a raw endpoint of its
 * own). It calls echo, uses the store (put/get, the store's typed errors, unknown
 * method, malformed params), then mints a Notifier facet of `notify`, hands it to the
 * store with `watch` (a cap moved over IPC) and, while its next put is in flight,
 * serves the store's callback on `notify` (libcapos server runtime). Every answer is
 * checked; one line per step on its console. Exit 0 when every check held, else 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/demo.capnp.h>

#define DC_PUT_UD UINT64_C(0x40000000) /* the in-flight put while serving the callback */
#define DC_BADGE 7u		       /* badge of the Notifier facet it mints */

static struct capos_ring_client *dc_ring;
static uint32_t dc_echo, dc_kv, dc_notify;
static struct capos_server dc_srv;
static struct capnp_builder dc_b;
static struct capnp_bseg dc_seg;
static uint64_t dc_arena[128];
static uint64_t dc_framed[130];
static uint64_t dc_res[64];
static struct capnp_segment dc_segs[2];
static struct capnp_msg dc_msg;
static int dc_failed;
static int dc_notified;

static void dc_check(int ok, const char *what)
{
	if (!ok) {
		dc_failed = 1;
		printf("democlient: CHECK FAILED: %s\n", what);
	}
}

static int dc_begin(void)
{
	return capnp_builder_init(&dc_b, &dc_seg, 1, dc_arena, sizeof(dc_arena));
}

/* Frame dc_b into dc_framed; 0 or the builder's error. */
static int dc_frame(uint32_t *len)
{
	size_t n = 0;
	int err = capnp_builder_error(&dc_b);

	if (err == 0)
		err = capnp_builder_write_framed(&dc_b, dc_framed, sizeof(dc_framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* Parse the framed results (or CapException) in dc_res into dc_msg. */
static int dc_results(const struct capos_cqe *cqe)
{
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	uint32_t recs = (cqe->flags & CAPOS_CQE_F_XFER) ? cqe->xfer_count * 16u : 0;

	if (recs > cqe->result_len)
		return CAPOS_ERR_INVALID;
	return capnp_msg_init_framed(&dc_msg, dc_res, cqe->result_len - recs, dc_segs, 2, &lim,
				     NULL);
}

/* CALL and return the CQE status; on RING_EXCEPTION also the exception's type/status. */
static int dc_call(uint32_t cap, uint64_t iid, uint16_t method, const void *params, uint32_t plen,
		   const struct capos_xfer *xfer, uint16_t nxfer, struct capos_cqe *cqe,
		   int *ex_type, int *ex_status)
{
	struct capos_CapException_r ex;
	int err = capos_ring_call_xfer(dc_ring, cap, iid, method, params, plen, xfer, nxfer, dc_res,
				       sizeof(dc_res), cqe);

	if (err && err != cqe->status)
		return err; /* not submitted or not completed */
	if (cqe->status == CAPOS_ERR_RING_EXCEPTION && dc_results(cqe) == 0 &&
	    capos_CapException_read_root(&dc_msg, &ex) == 0) {
		*ex_type = capos_CapException_get_type(&ex);
		*ex_status = capos_CapException_get_status(&ex);
	}
	return cqe->status;
}

static const char *dc_extype(int t)
{
	const char *name = capos_exception_type_name(t);

	return name ? name : "?";
}

static void dc_echo_call(const char *text)
{
	struct demo_Echo_echo_Params_b p;
	struct demo_Echo_echo_Results_r r;
	struct capnp_text t = { 0 };
	struct capos_cqe cqe;
	uint32_t len = 0;
	int xt = -1, xs = 0;
	int err = dc_begin();

	if (err == 0)
		err = demo_Echo_echo_request(&dc_b, &p);
	if (err == 0)
		err = demo_Echo_echo_Params_set_text(&p, text, (uint32_t)strlen(text));
	if (err == 0)
		err = dc_frame(&len);
	if (err == 0)
		err = dc_call(dc_echo, demo_Echo_TYPE_ID, demo_Echo_METHOD_echo, dc_framed, len,
			      NULL, 0, &cqe, &xt, &xs);
	if (err == 0)
		err = dc_results(&cqe);
	if (err == 0)
		err = demo_Echo_echo_read_results(&dc_msg, &r);
	if (err == 0)
		err = demo_Echo_echo_Results_get_text(&r, &t);
	printf("democlient: echo \"%s\" -> \"%.*s\"\n", text, (int)t.len, err ? "" : t.str);
	dc_check(err == 0 && t.len == strlen(text) && memcmp(t.str, text, t.len) == 0, "echo");
}

/* Encode KeyValue.put(key, value) into dc_framed. */
static int dc_put_params(const char *key, uint32_t klen, const char *value, uint32_t vlen,
			 uint32_t *len)
{
	struct demo_KeyValue_put_Params_b p;
	int err = dc_begin();

	if (err == 0)
		err = demo_KeyValue_put_request(&dc_b, &p);
	if (err == 0)
		err = demo_KeyValue_put_Params_set_key(&p, key, klen);
	if (err == 0)
		err = demo_KeyValue_put_Params_set_value(&p, value, vlen);
	return err ? err : dc_frame(len);
}

/* The outcome of a completed put, or -1. */
static int dc_put_outcome(const struct capos_cqe *cqe)
{
	struct demo_KeyValue_put_Results_r r;

	if (cqe->status || dc_results(cqe) || demo_KeyValue_put_read_results(&dc_msg, &r))
		return -1;
	return (int)demo_KeyValue_put_Results_get_outcome(&r);
}

static const char *dc_outcome_name(int o)
{
	return o == demo_PutOutcome_stored	? "stored"
	       : o == demo_PutOutcome_replaced	? "replaced"
	       : o == demo_PutOutcome_tableFull ? "tableFull"
						: "?";
}

/* put(key, value) expecting `want` (an outcome), synchronously. */
static void dc_put(const char *key, const char *value, int want)
{
	struct capos_cqe cqe;
	uint32_t len = 0;
	int xt = -1, xs = 0, o = -1;
	int err = dc_put_params(key, (uint32_t)strlen(key), value, (uint32_t)strlen(value), &len);

	if (err == 0)
		err = dc_call(dc_kv, demo_KeyValue_TYPE_ID, demo_KeyValue_METHOD_put, dc_framed,
			      len, NULL, 0, &cqe, &xt, &xs);
	if (err == 0)
		o = dc_put_outcome(&cqe);
	printf("democlient: put %s = \"%s\" -> %s\n", key, value, dc_outcome_name(o));
	dc_check(o == want, "put outcome");
}

/* get(key): found and the value must match `want` (NULL: not found). */
static void dc_get(const char *key, const char *want)
{
	struct demo_KeyValue_get_Params_b p;
	struct demo_KeyValue_get_Results_r r;
	struct capnp_text v = { 0 };
	struct capos_cqe cqe;
	uint32_t len = 0;
	int xt = -1, xs = 0, found = 0;
	int err = dc_begin();

	if (err == 0)
		err = demo_KeyValue_get_request(&dc_b, &p);
	if (err == 0)
		err = demo_KeyValue_get_Params_set_key(&p, key, (uint32_t)strlen(key));
	if (err == 0)
		err = dc_frame(&len);
	if (err == 0)
		err = dc_call(dc_kv, demo_KeyValue_TYPE_ID, demo_KeyValue_METHOD_get, dc_framed,
			      len, NULL, 0, &cqe, &xt, &xs);
	if (err == 0)
		err = dc_results(&cqe);
	if (err == 0)
		err = demo_KeyValue_get_read_results(&dc_msg, &r);
	if (err == 0) {
		found = demo_KeyValue_get_Results_get_found(&r);
		if (found)
			err = demo_KeyValue_get_Results_get_value(&r, &v);
	}
	if (found)
		printf("democlient: get %s -> \"%.*s\"\n", key, (int)v.len, v.str);
	else
		printf("democlient: get %s -> not found\n", key);
	dc_check(err == 0 && found == (want != NULL), "get found");
	dc_check(!want || (v.len == strlen(want) && memcmp(v.str, want, v.len) == 0), "get value");
}

/* A call that must fail with CapException (type, status). */
static void dc_expect_ex(const char *what, uint32_t cap, uint64_t iid, uint16_t method,
			 const void *params, uint32_t plen, int type, int status)
{
	struct capos_cqe cqe;
	int xt = -1, xs = 0;
	int err = dc_call(cap, iid, method, params, plen, NULL, 0, &cqe, &xt, &xs);

	printf("democlient: %s -> %s (%s)\n", what,
	       err == CAPOS_ERR_RING_EXCEPTION ? dc_extype(xt) : capos_error_name(err),
	       err == CAPOS_ERR_RING_EXCEPTION ? capos_error_name(xs) : "transport");
	dc_check(err == CAPOS_ERR_RING_EXCEPTION && xt == type && xs == status, what);
}

static void dc_hostile(void)
{
	static char big[200];
	/* One segment of 2 words; the root pointer is a capability pointer, not a struct. */
	static const uint8_t junk[24] = { 0, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	uint32_t len = 0;

	memset(big, 'k', sizeof(big));
	if (dc_put_params(big, 33, "v", 1, &len) == 0)
		dc_expect_ex("put with a 33-byte key", dc_kv, demo_KeyValue_TYPE_ID,
			     demo_KeyValue_METHOD_put, dc_framed, len,
			     capos_ExceptionType_invalidArgument, CAPOS_ERR_DEMO_KEY_TOO_LONG);
	if (dc_put_params("big", 3, big, 129, &len) == 0)
		dc_expect_ex("put with a 129-byte value", dc_kv, demo_KeyValue_TYPE_ID,
			     demo_KeyValue_METHOD_put, dc_framed, len,
			     capos_ExceptionType_invalidArgument, CAPOS_ERR_DEMO_VALUE_TOO_LONG);
	dc_put("k2", "two", demo_PutOutcome_stored);
	dc_put("k3", "three", demo_PutOutcome_stored);
	dc_put("k4", "four", demo_PutOutcome_stored);
	dc_put("k5", "five", demo_PutOutcome_tableFull);
	dc_get("k5", NULL);
	dc_expect_ex("KeyValue method 7", dc_kv, demo_KeyValue_TYPE_ID, 7, NULL, 0,
		     capos_ExceptionType_unimplemented, CAPOS_ERR_CAPNP_UNIMPLEMENTED);
	dc_expect_ex("echo with a truncated message", dc_echo, demo_Echo_TYPE_ID,
		     demo_Echo_METHOD_echo, junk, 16, capos_ExceptionType_invalidArgument,
		     CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	dc_expect_ex("echo with a non-struct root", dc_echo, demo_Echo_TYPE_ID,
		     demo_Echo_METHOD_echo, junk, sizeof(junk), capos_ExceptionType_invalidArgument,
		     CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
}

/* Notifier.changed, served on `notify` while the put that causes it is in flight. */
static int dc_changed(void *self, const struct demo_Notifier_changed_Params_r *p,
		      struct demo_Notifier_changed_Results_b *r)
{
	struct capnp_text k, v;
	int err = demo_Notifier_changed_Params_get_key(p, &k);

	(void)self;
	(void)r;
	if (err == 0)
		err = demo_Notifier_changed_Params_get_value(p, &v);
	if (err)
		return err;
	printf("democlient: notified (badge %llu): %.*s = \"%.*s\"\n",
	       (unsigned long long)dc_srv.call.badge, (int)k.len, k.str, (int)v.len, v.str);
	dc_notified++;
	return CAPOS_OK;
}

static const struct demo_Notifier_server dc_notifier = { .changed = dc_changed };

static int dc_notifier_dispatch(void *self, uint16_t method, struct capnp_msg *params,
				struct capnp_builder *results)
{
	return demo_Notifier_dispatch(&dc_notifier, self, method, params, results);
}

static const struct capos_server_iface dc_ifaces[] = {
	{ demo_Notifier_TYPE_ID, demo_Notifier_METHOD_COUNT, dc_notifier_dispatch, NULL },
};

/* Endpoint.client on `notify`: a Notifier facet with DC_BADGE. */
static int dc_mint(uint32_t *facet)
{
	struct capos_Endpoint_client_Params_b p;
	struct capos_cqe cqe;
	uint32_t len = 0;
	int xt = -1, xs = 0;
	int err = dc_begin();

	if (err == 0)
		err = capos_Endpoint_client_request(&dc_b, &p);
	if (err == 0) {
		capos_Endpoint_client_Params_set_interfaceId(&p, demo_Notifier_TYPE_ID);
		capos_Endpoint_client_Params_set_badge(&p, DC_BADGE);
		err = dc_frame(&len);
	}
	if (err == 0)
		err = dc_call(dc_notify, capos_Endpoint_TYPE_ID, capos_Endpoint_METHOD_client,
			      dc_framed, len, NULL, 0, &cqe, &xt, &xs);
	if (err == 0)
		err = capos_ring_result_cap(&cqe, dc_res, sizeof(dc_res), 0, demo_Notifier_TYPE_ID,
					    facet);
	return err;
}

/* Hand a Notifier facet to the store, then put while serving its callback. */
static void dc_watch(void)
{
	struct demo_KeyValue_watch_Params_b p;
	struct capos_xfer x = { .mode = CAPOS_XFER_MOVE };
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	uint32_t len = 0;
	int xt = -1, xs = 0;
	int err = dc_mint(&x.cap);

	if (err == 0)
		err = dc_begin();
	if (err == 0)
		err = demo_KeyValue_watch_request(&dc_b, &p);
	if (err == 0)
		err = demo_KeyValue_watch_Params_set_notifier(&p, 0);
	if (err == 0)
		err = dc_frame(&len);
	if (err == 0)
		err = dc_call(dc_kv, demo_KeyValue_TYPE_ID, demo_KeyValue_METHOD_watch, dc_framed,
			      len, &x, 1, &cqe, &xt, &xs);
	printf("democlient: watch with its own Notifier facet (moved) -> %s\n",
	       capos_error_name(err));
	dc_check(err == 0, "watch");
	if (err)
		return;
	/* The put goes out; the store calls back before answering it, so serve one call. */
	err = dc_put_params("greeting", 8, "bonjour", 7, &len);
	if (err == 0)
		err = capos_ring_get_sqe(dc_ring, &sqe);
	if (err == 0) {
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = CAPOS_OP_CALL;
		sqe->cap = dc_kv;
		sqe->interface_id = demo_KeyValue_TYPE_ID;
		sqe->method = demo_KeyValue_METHOD_put;
		sqe->addr = (uint64_t)(uintptr_t)dc_framed;
		sqe->len = len;
		sqe->result_addr = (uint64_t)(uintptr_t)dc_res;
		sqe->result_len = sizeof(dc_res);
		sqe->user_data = DC_PUT_UD;
		capos_ring_submit(dc_ring);
		err = capos_server_serve_one(&dc_srv, dc_ring, dc_notify);
	}
	dc_check(err == 0 && dc_notified == 1, "callback served");
	if (err == 0)
		err = capos_ring_wait(dc_ring, DC_PUT_UD, CAPOS_TIMEOUT_INFINITE, &cqe);
	int o = err ? -1 : dc_put_outcome(&cqe);
	printf("democlient: put greeting = \"bonjour\" -> %s\n", dc_outcome_name(o));
	dc_check(o == demo_PutOutcome_replaced, "watched put");
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_ring_self(&dc_ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "echo", demo_Echo_TYPE_ID, &dc_echo);
	if (err == 0)
		err = capos_capset_lookup(cs, "kv", demo_KeyValue_TYPE_ID, &dc_kv);
	if (err == 0)
		err = capos_capset_lookup(cs, "notify", capos_Endpoint_TYPE_ID, &dc_notify);
	if (err == 0)
		err = capos_server_init(&dc_srv, dc_ifaces, 1);
	if (err) {
		printf("democlient: bad CapSet: %s\n", capos_error_name(err));
		return 1;
	}
	dc_echo_call("hello, capOS");
	dc_put("greeting", "hello", demo_PutOutcome_stored);
	dc_get("greeting", "hello");
	dc_get("colour", NULL);
	dc_hostile();
	dc_watch();
	dc_get("greeting", "bonjour");
	printf("democlient: %s\n", dc_failed ? "FAILED" : "all checks passed");
	return dc_failed ? 1 : 0;
}
