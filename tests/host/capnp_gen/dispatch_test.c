/*
 * Host tests of the generated client request builders and server dispatch skeleton
 * (test.capnp's Calculator and Empty): a client builds params with X_M_request, the
 * server side runs X_dispatch, the client decodes X_M_read_results. Hostile twins:
 * unknown ordinals, missing handlers, an interface without methods, malformed params
 * (the handler is never called), and a handler that ignores a reader error (dispatch
 * still reports it).
 */
#include "test.h"

#include <string.h>

#include "tests/host/capnp_gen/test.capnp.h"

struct calc {
	int calls;	 /* handler invocations */
	int last_status; /* what fetch's handler saw from get_label */
};

static int calc_add(void *self, const struct test_Calculator_add_Params_r *p,
		    struct test_Calculator_add_Results_b *r)
{
	struct calc *c = self;
	c->calls++;
	test_Calculator_add_Results_set_sum(r, test_Calculator_add_Params_get_a(p) +
						       test_Calculator_add_Params_get_b(p));
	return 0;
}

static int calc_describe(void *self, const struct test_Calculator_describe_Params_r *p,
			 struct test_Calculator_describe_Results_b *r)
{
	static const char *const names[] = { "red", "green", "blue" };
	enum test_Color color = test_Calculator_describe_Params_get_color(p);
	struct calc *c = self;

	c->calls++;
	if ((unsigned)color >= test_Color_COUNT)
		return CAPOS_ERR_INVALID;
	return test_Calculator_describe_Results_set_name(r, names[color],
							 (uint32_t)strlen(names[color]));
}

/* Deliberately ignores the status of get_label: dispatch must still fail the call. */
static int calc_fetch(void *self, const struct test_Inner_r *p, struct test_Inner_b *r)
{
	struct capnp_text t;
	struct calc *c = self;

	c->calls++;
	c->last_status = test_Inner_get_label(p, &t);
	test_Inner_set_id(r, test_Inner_get_id(p) + 1);
	return 0;
}

static const struct test_Calculator_server calc_server = {
	.add = calc_add,
	.describe = calc_describe,
	.fetch = calc_fetch,
};

/* Params and results buffers of one call. */
struct call {
	uint8_t pbuf[1024] __attribute__((aligned(8)));
	uint8_t rbuf[1024] __attribute__((aligned(8)));
	struct capnp_bseg psegs[1], rsegs[1];
	struct capnp_builder params, results;
	struct capnp_segment prd[1], rrd[1];
	struct capnp_msg pmsg, rmsg;
};

static struct call call;

static int call_init(void)
{
	memset(&call, 0, sizeof call);
	if (capnp_builder_init(&call.params, call.psegs, 1, call.pbuf, sizeof call.pbuf) != 0)
		return -1;
	return capnp_builder_init(&call.results, call.rsegs, 1, call.rbuf, sizeof call.rbuf);
}

/* Hand the built params to the server as a reader (as the ring would). */
static int call_params_ready(void)
{
	return capnp_builder_as_reader(&call.params, &call.pmsg, call.prd, 1, NULL);
}

static int call_results_ready(void)
{
	return capnp_builder_as_reader(&call.results, &call.rmsg, call.rrd, 1, NULL);
}

TEST(dispatch_add_round_trip)
{
	struct test_Calculator_add_Params_b p;
	struct test_Calculator_add_Results_r r;
	struct calc c = { 0 };

	CHECK_EQ(call_init(), 0);
	CHECK_EQ(test_Calculator_add_request(&call.params, &p), 0);
	test_Calculator_add_Params_set_a(&p, 40);
	test_Calculator_add_Params_set_b(&p, 2);
	CHECK_EQ(call_params_ready(), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_add, &call.pmsg,
					  &call.results),
		 0);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(call_results_ready(), 0);
	CHECK_EQ(test_Calculator_add_read_results(&call.rmsg, &r), 0);
	CHECK_EQ(test_Calculator_add_Results_get_sum(&r), 42);
}

TEST(dispatch_describe_and_named_struct_params)
{
	struct test_Calculator_describe_Params_b p;
	struct test_Calculator_describe_Results_r r;
	struct test_Inner_b fp;
	struct test_Inner_r fr;
	struct capnp_text t;
	struct calc c = { 0 };

	CHECK_EQ(call_init(), 0);
	CHECK_EQ(test_Calculator_describe_request(&call.params, &p), 0);
	test_Calculator_describe_Params_set_color(&p, test_Color_blue);
	CHECK_EQ(call_params_ready(), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_describe,
					  &call.pmsg, &call.results),
		 0);
	CHECK_EQ(call_results_ready(), 0);
	CHECK_EQ(test_Calculator_describe_read_results(&call.rmsg, &r), 0);
	CHECK_EQ(test_Calculator_describe_Results_get_name(&r, &t), 0);
	CHECK_STREQ(t.str, "blue");

	CHECK_EQ(call_init(), 0);
	CHECK_EQ(test_Calculator_fetch_request(&call.params, &fp), 0);
	test_Inner_set_id(&fp, 9);
	CHECK_EQ(call_params_ready(), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_fetch,
					  &call.pmsg, &call.results),
		 0);
	CHECK_EQ(c.last_status, 0);
	CHECK_EQ(call_results_ready(), 0);
	CHECK_EQ(test_Calculator_fetch_read_results(&call.rmsg, &fr), 0);
	CHECK_EQ(test_Inner_get_id(&fr), 10);
}

TEST(dispatch_handler_error_is_returned)
{
	struct test_Calculator_describe_Params_b p;
	struct calc c = { 0 };

	CHECK_EQ(call_init(), 0);
	CHECK_EQ(test_Calculator_describe_request(&call.params, &p), 0);
	test_Calculator_describe_Params_set_color(&p, (enum test_Color)7); /* unknown enumerant */
	CHECK_EQ(call_params_ready(), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_describe,
					  &call.pmsg, &call.results),
		 CAPOS_ERR_INVALID);
}

TEST(dispatch_unknown_ordinal_is_unimplemented)
{
	struct test_Calculator_add_Params_b p;
	struct calc c = { 0 };
	static const uint16_t bad[] = { test_Calculator_METHOD_COUNT, 4, 0x7fff, 0xffff };

	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(call_init(), 0);
		CHECK_EQ(test_Calculator_add_request(&call.params, &p), 0);
		CHECK_EQ(call_params_ready(), 0);
		CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, bad[i], &call.pmsg,
						  &call.results),
			 CAPOS_ERR_CAPNP_UNIMPLEMENTED);
	}
	CHECK_EQ(c.calls, 0);
}

TEST(dispatch_missing_handler_is_unimplemented)
{
	static const struct test_Calculator_server partial = { .add = calc_add };
	struct test_Calculator_describe_Params_b p;
	struct calc c = { 0 };

	CHECK_EQ(call_init(), 0);
	CHECK_EQ(test_Calculator_describe_request(&call.params, &p), 0);
	CHECK_EQ(call_params_ready(), 0);
	CHECK_EQ(test_Calculator_dispatch(&partial, &c, test_Calculator_METHOD_describe, &call.pmsg,
					  &call.results),
		 CAPOS_ERR_CAPNP_UNIMPLEMENTED);
	CHECK_EQ(test_Empty_dispatch(&(struct test_Empty_server){ 0 }, &c, 0, &call.pmsg,
				     &call.results),
		 CAPOS_ERR_CAPNP_UNIMPLEMENTED);
	CHECK_EQ(c.calls, 0);
}

/* Params whose root pointer leaves the segment: the decode step refuses it and the
 * handler never runs (decode, then invoke). */
TEST(dispatch_malformed_params_never_reach_the_handler)
{
	static uint64_t words[2];
	struct capnp_segment seg = { (const uint8_t *)words, 2 };
	struct capnp_msg m;
	struct calc c = { 0 };

	words[0] = (uint64_t)(10u << 2) | ((uint64_t)2 << 32); /* struct at word 11 */
	CHECK_EQ(call_init(), 0);
	CHECK_EQ(capnp_msg_init_segments(&m, &seg, 1, NULL), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_add, &m,
					  &call.results),
		 CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(c.calls, 0);

	/* An empty params message (no root word at all). */
	seg.words = 0;
	CHECK_EQ(capnp_msg_init_segments(&m, &seg, 1, NULL), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_add, &m,
					  &call.results),
		 CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(c.calls, 0);
}

/* fetch's handler ignores a malformed label; the sticky reader error fails the call. */
TEST(dispatch_reports_errors_a_handler_ignored)
{
	static uint64_t words[4];
	struct capnp_segment seg = { (const uint8_t *)words, 4 };
	struct capnp_msg m;
	struct calc c = { 0 };

	words[0] = (uint64_t)test_Inner_DATA_WORDS << 32 | (uint64_t)test_Inner_PTR_COUNT << 48;
	words[2] = (uint64_t)(50u << 2) | 1 | ((uint64_t)2 << 32) | ((uint64_t)5 << 35);
	CHECK_EQ(call_init(), 0);
	CHECK_EQ(capnp_msg_init_segments(&m, &seg, 1, NULL), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_fetch, &m,
					  &call.results),
		 CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.last_status, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
}

/* The results arena is full: the results root cannot be allocated, handler not run. */
TEST(dispatch_results_arena_full)
{
	static uint8_t tiny[8] __attribute__((aligned(8)));
	struct capnp_bseg seg[1];
	struct capnp_builder results;
	struct test_Calculator_add_Params_b p;
	struct calc c = { 0 };

	CHECK_EQ(call_init(), 0);
	CHECK_EQ(test_Calculator_add_request(&call.params, &p), 0);
	CHECK_EQ(call_params_ready(), 0);
	CHECK_EQ(capnp_builder_init(&results, seg, 1, tiny, sizeof tiny), 0);
	CHECK_EQ(test_Calculator_dispatch(&calc_server, &c, test_Calculator_METHOD_add, &call.pmsg,
					  &results),
		 CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(c.calls, 0);
}
