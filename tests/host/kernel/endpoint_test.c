/*
 * Host tests of the endpoint state machine (kernel/cap/endpoint.c, compiled
 * unmodified) with recording ops standing in for the kernel glue: call/receiver
 * matching in both orders, FIFO order, the queue and in-service bounds (overflow is
 * refused with nothing changed), receivers too small for a call, call ids (issued
 * non-zero, stale after RETURN, forged), caller death before and after delivery
 * (queued: freed; in service: orphaned, RETURN reports it), receiver death, and
 * close (every call and receiver handed back exactly once, memory freed last).
 */
#include "test.h"

#include <string.h>

#include <capos/error.h>
#include <kernel/endpoint.h>

static unsigned disc_calls, disc_orphans, disc_recvs, cores_freed;

static void t_disconnect_call(struct ep_call *c)
{
	if (c->state == EP_CALL_ORPHAN)
		disc_orphans++;
	else
		disc_calls++;
}

static void t_disconnect_recv(struct ep_recv *r)
{
	(void)r;
	disc_recvs++;
}

static void t_free_core(struct endpoint *ep)
{
	(void)ep;
	cores_freed++;
}

static void t_release(struct kobj *obj)
{
	endpoint_close((struct endpoint *)obj);
}

static const struct endpoint_ops t_ops = { t_disconnect_call, t_disconnect_recv, t_free_core };
static const struct kobj_ops t_raw_ops = { .name = "endpoint", .release = t_release };

static void t_init(struct endpoint *ep)
{
	disc_calls = disc_orphans = disc_recvs = cores_freed = 0;
	memset(ep, 0, sizeof(*ep));
	CHECK_EQ(endpoint_init(ep, &t_ops, &t_raw_ops), CAPOS_OK);
}

static struct ep_call t_call(uint16_t method, uint32_t len)
{
	return (struct ep_call){
		.interface_id = 0x1234, .badge = 77, .method = method, .params_len = len
	};
}

TEST(endpoint_call_then_recv_then_return)
{
	struct endpoint ep;
	struct ep_call c = t_call(3, 24), *got;
	struct ep_recv *r;
	uint32_t need = 0;

	t_init(&ep);
	CHECK_EQ(endpoint_call(&ep, &c, &r), CAPOS_OK); /* no receiver: queued */
	CHECK(r == NULL);
	CHECK_UEQ(c.state, EP_CALL_QUEUED);
	CHECK_UEQ(ep.nqueued, 1);
	/* A receiver too small for the head call learns the size; nothing moves. */
	CHECK_EQ(endpoint_recv(&ep, 39, &got, &need), CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(need, ENDPOINT_HEADER_SIZE + 24);
	CHECK_UEQ(ep.nqueued, 1);
	CHECK_EQ(endpoint_recv(&ep, 40, &got, &need), ENDPOINT_DELIVER);
	CHECK(got == &c);
	CHECK_UEQ(c.state, EP_CALL_IN_SERVICE);
	CHECK(c.id != 0);
	CHECK_UEQ(ep.nqueued, 0);
	CHECK_UEQ(ep.nin_service, 1);
	CHECK_EQ(endpoint_lookup_call(&ep, c.id, &got), CAPOS_OK);
	CHECK(got == &c);
	uint32_t id = c.id;
	endpoint_finish(&ep, &c);
	CHECK_UEQ(c.state, EP_CALL_DONE);
	CHECK_UEQ(ep.nin_service, 0);
	/* The answered id is stale; forged ids never match. */
	CHECK_EQ(endpoint_lookup_call(&ep, id, &got), CAPOS_ERR_EP_BAD_CALL_ID);
	CHECK_EQ(endpoint_lookup_call(&ep, 0, &got), CAPOS_ERR_EP_BAD_CALL_ID);
	CHECK_EQ(endpoint_lookup_call(&ep, 0xFFFFFFFFu, &got), CAPOS_ERR_EP_BAD_CALL_ID);
	CHECK_EQ(endpoint_lookup_call(&ep, id + 1, &got), CAPOS_ERR_EP_BAD_CALL_ID);
	CHECK_UEQ(ep.calls, 1);
}

TEST(endpoint_recv_waits_then_call_delivers)
{
	struct endpoint ep;
	struct ep_recv small = { .capacity = 16 }, big = { .capacity = 512 }, *r;
	struct ep_call c = t_call(1, 100), *got;
	uint32_t need;

	t_init(&ep);
	CHECK_EQ(endpoint_recv(&ep, 16, &got, &need), CAPOS_OK); /* nothing queued */
	endpoint_recv_wait(&ep, &small);
	CHECK_EQ(endpoint_recv(&ep, 512, &got, &need), CAPOS_OK);
	endpoint_recv_wait(&ep, &big);
	CHECK_UEQ(ep.nreceivers, 2);
	/* The first receiver that fits gets the call, skipping the small one. */
	CHECK_EQ(endpoint_call(&ep, &c, &r), ENDPOINT_DELIVER);
	CHECK(r == &big);
	CHECK_UEQ(c.state, EP_CALL_IN_SERVICE);
	CHECK_UEQ(ep.nreceivers, 1);
	/* Only a too-small receiver left: the call queues and that receiver is told. */
	struct ep_call c2 = t_call(2, 100);
	CHECK_EQ(endpoint_call(&ep, &c2, &r), CAPOS_OK);
	CHECK(r == &small);
	CHECK_UEQ(ep.nreceivers, 0);
	CHECK_UEQ(c2.state, EP_CALL_QUEUED);
}

TEST(endpoint_fifo_and_queue_bound)
{
	struct endpoint ep;
	struct ep_call c[ENDPOINT_QUEUE_MAX + 1], *got;
	struct ep_recv *r;
	uint32_t need;

	t_init(&ep);
	for (uint32_t i = 0; i < ENDPOINT_QUEUE_MAX; i++) {
		c[i] = t_call((uint16_t)i, 0);
		CHECK_EQ(endpoint_call(&ep, &c[i], &r), CAPOS_OK);
	}
	c[ENDPOINT_QUEUE_MAX] = t_call(99, 0);
	CHECK_EQ(endpoint_call(&ep, &c[ENDPOINT_QUEUE_MAX], &r), CAPOS_ERR_EP_QUEUE_FULL);
	CHECK_UEQ(c[ENDPOINT_QUEUE_MAX].state, EP_CALL_NEW);
	CHECK_UEQ(ep.nqueued, ENDPOINT_QUEUE_MAX);
	CHECK_UEQ(ep.overloaded, 1);
	/* Oversize params are refused before anything else. */
	struct ep_call big = t_call(0, ENDPOINT_PARAMS_MAX + 1);
	CHECK_EQ(endpoint_call(&ep, &big, &r), CAPOS_ERR_RING_PARAMS_TOO_LARGE);
	/* FIFO delivery; distinct ids. */
	uint32_t ids[ENDPOINT_IN_SERVICE_MAX];
	for (uint32_t i = 0; i < ENDPOINT_IN_SERVICE_MAX; i++) {
		CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
		CHECK_UEQ(got->method, i);
		ids[i] = got->id;
		for (uint32_t j = 0; j < i; j++)
			CHECK(ids[j] != ids[i]);
	}
	/* In-service bound: a further RECV is refused until a RETURN. */
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_ERR_EP_IN_SERVICE_FULL);
	CHECK_EQ(endpoint_lookup_call(&ep, ids[5], &got), CAPOS_OK);
	endpoint_finish(&ep, got);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_OK); /* may wait now */
	/* The reused slot issues a new id; the old one stays stale. */
	struct ep_recv w = { .capacity = 64 };
	endpoint_recv_wait(&ep, &w);
	struct ep_call late = t_call(7, 0);
	CHECK_EQ(endpoint_call(&ep, &late, &r), ENDPOINT_DELIVER);
	CHECK(late.id != ids[5]);
	CHECK_EQ(endpoint_lookup_call(&ep, ids[5], &got), CAPOS_ERR_EP_BAD_CALL_ID);
}

/* The owner's profile lowers the bounds (queue 2, in service 1); values above the
 * kernel's constants are clamped to them. */
TEST(endpoint_profile_bounds)
{
	struct endpoint ep;
	struct ep_call c[3], *got;
	struct ep_recv *r;
	uint32_t need;

	t_init(&ep);
	endpoint_set_bounds(&ep, 2, 1);
	for (uint32_t i = 0; i < 3; i++)
		c[i] = t_call((uint16_t)i, 0);
	CHECK_EQ(endpoint_call(&ep, &c[0], &r), CAPOS_OK);
	CHECK_EQ(endpoint_call(&ep, &c[1], &r), CAPOS_OK);
	CHECK_EQ(endpoint_call(&ep, &c[2], &r), CAPOS_ERR_EP_QUEUE_FULL);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_ERR_EP_IN_SERVICE_FULL);
	endpoint_set_bounds(&ep, 1000, 1000);
	CHECK_UEQ(ep.queue_max, ENDPOINT_QUEUE_MAX);
	CHECK_UEQ(ep.in_service_max, ENDPOINT_IN_SERVICE_MAX);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
}

TEST(endpoint_receivers_bound)
{
	struct endpoint ep;
	struct ep_recv r[ENDPOINT_RECEIVERS_MAX];
	struct ep_call *got;
	uint32_t need;

	t_init(&ep);
	for (uint32_t i = 0; i < ENDPOINT_RECEIVERS_MAX; i++) {
		r[i].capacity = 64;
		CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_OK);
		endpoint_recv_wait(&ep, &r[i]);
	}
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_ERR_EP_RECEIVERS_FULL);
	endpoint_cancel_recv(&r[3]); /* a receiver died */
	CHECK_UEQ(ep.nreceivers, ENDPOINT_RECEIVERS_MAX - 1);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_OK);
}

TEST(endpoint_caller_death)
{
	struct endpoint ep;
	struct ep_call q = t_call(1, 0), s = t_call(2, 0), *got;
	struct ep_recv *r;
	uint32_t need;

	t_init(&ep);
	CHECK_EQ(endpoint_call(&ep, &s, &r), CAPOS_OK);
	CHECK_EQ(endpoint_call(&ep, &q, &r), CAPOS_OK);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
	CHECK(got == &s);
	/* Queued: leaves at once. In service: orphaned until its RETURN. */
	CHECK(endpoint_cancel_call(&q));
	CHECK_UEQ(ep.nqueued, 0);
	CHECK(!endpoint_cancel_call(&s));
	CHECK_UEQ(s.state, EP_CALL_ORPHAN);
	CHECK_EQ(endpoint_lookup_call(&ep, s.id, &got), CAPOS_ERR_EP_CALL_CANCELLED);
	CHECK(got == &s);
	endpoint_finish(&ep, got);
	CHECK_UEQ(ep.nin_service, 0);
	CHECK_EQ(endpoint_lookup_call(&ep, s.id, &got), CAPOS_ERR_EP_BAD_CALL_ID);
}

TEST(endpoint_requeue_puts_call_first)
{
	struct endpoint ep;
	struct ep_call a = t_call(1, 0), b = t_call(2, 0), *got;
	struct ep_recv *r;
	uint32_t need;

	t_init(&ep);
	CHECK_EQ(endpoint_call(&ep, &a, &r), CAPOS_OK);
	CHECK_EQ(endpoint_call(&ep, &b, &r), CAPOS_OK);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
	uint32_t id = a.id;
	endpoint_requeue(&ep, &a); /* the receiver's buffer faulted */
	CHECK_UEQ(ep.nin_service, 0);
	CHECK_EQ(endpoint_lookup_call(&ep, id, &got), CAPOS_ERR_EP_BAD_CALL_ID);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
	CHECK(got == &a);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
	CHECK(got == &b);
}

TEST(endpoint_close_disconnects_everything_once)
{
	struct endpoint ep;
	struct ep_call q = t_call(1, 0), s = t_call(2, 0), o = t_call(3, 0), *got;
	struct ep_recv *r;
	uint32_t need;

	t_init(&ep);
	endpoint_core_get(&ep); /* a facet */
	CHECK_EQ(endpoint_call(&ep, &s, &r), CAPOS_OK);
	CHECK_EQ(endpoint_call(&ep, &o, &r), CAPOS_OK);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), ENDPOINT_DELIVER);
	CHECK(!endpoint_cancel_call(&o)); /* o's caller died while in service */
	CHECK_EQ(endpoint_call(&ep, &q, &r), CAPOS_OK);
	/* The last raw reference goes: close. */
	CHECK_EQ(kobj_put(&ep.k), CAPOS_OK);
	CHECK(ep.closed);
	CHECK_UEQ(disc_calls, 2); /* q (queued) and s (in service) */
	CHECK_UEQ(disc_orphans, 1);
	CHECK_UEQ(ep.nqueued + ep.nin_service, 0);
	CHECK_UEQ(cores_freed, 0); /* the facet keeps the memory */
	/* Later calls through the facet: disconnected, nothing queued. */
	struct ep_call late = t_call(4, 0);
	CHECK_EQ(endpoint_call(&ep, &late, &r), CAPOS_ERR_EP_DISCONNECTED);
	CHECK_UEQ(ep.nqueued, 0);
	endpoint_core_put(&ep);
	CHECK_UEQ(cores_freed, 1);
}

TEST(endpoint_close_completes_waiting_receivers)
{
	struct endpoint ep;
	struct ep_recv a = { .capacity = 64 }, b = { .capacity = 64 };
	struct ep_call *got;
	uint32_t need;

	t_init(&ep);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_OK);
	endpoint_recv_wait(&ep, &a);
	CHECK_EQ(endpoint_recv(&ep, 64, &got, &need), CAPOS_OK);
	endpoint_recv_wait(&ep, &b);
	CHECK_EQ(kobj_put(&ep.k), CAPOS_OK);
	CHECK_UEQ(disc_recvs, 2);
	CHECK_UEQ(ep.nreceivers, 0);
	CHECK_UEQ(cores_freed, 1); /* nothing else held it */
}

TEST(endpoint_init_rejects_missing_ops)
{
	struct endpoint ep;
	const struct endpoint_ops none = { 0 };

	CHECK_EQ(endpoint_init(&ep, &none, &t_raw_ops), CAPOS_ERR_INVALID);
	CHECK_EQ(endpoint_init(NULL, &t_ops, &t_raw_ops), CAPOS_ERR_INVALID);
}
