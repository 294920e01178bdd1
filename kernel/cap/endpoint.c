/*
 * Endpoint state machine (contract in kernel/include/kernel/endpoint.h; protocol in
 * docs/ipc.md). Decides, never copies: every function checks everything first and
 * then changes the queues in one step, so an error leaves the endpoint as it was.
 *
 * Call ids: slot index in bits 0..7, the slot's generation (1..65535, never 0) in bits
 * 8..23. A slot's generation advances each time a call leaves it, so an answered or
 * cancelled id is stale at once and an id is never 0.
 */
#include <kernel/endpoint.h>

#include <stddef.h>

#include <capos/error.h>

#define EP_ID_SLOT_BITS 8u
#define EP_ID_SLOT_MASK 0xFFu

_Static_assert(ENDPOINT_IN_SERVICE_MAX <= EP_ID_SLOT_MASK + 1, "slot fits the id");

int endpoint_init(struct endpoint *ep, const struct endpoint_ops *ops,
		  const struct kobj_ops *raw_ops)
{
	if (!ep || !ops || !ops->disconnect_call || !ops->disconnect_recv || !ops->free_core)
		return CAPOS_ERR_INVALID;
	int err = kobj_init(&ep->k, KOBJ_ENDPOINT, raw_ops);
	if (err)
		return err;
	ep->ops = ops;
	ep->core_refs = 1;
	ep->closed = false;
	list_init(&ep->queue);
	list_init(&ep->receivers);
	ep->nqueued = ep->nreceivers = ep->nin_service = 0;
	ep->queue_max = ENDPOINT_QUEUE_MAX;
	ep->in_service_max = ENDPOINT_IN_SERVICE_MAX;
	for (uint32_t i = 0; i < ENDPOINT_IN_SERVICE_MAX; i++) {
		ep->slot[i] = NULL;
		ep->gen[i] = 1;
	}
	ep->calls = ep->overloaded = ep->disconnected = 0;
	return CAPOS_OK;
}

void endpoint_set_bounds(struct endpoint *ep, uint32_t queue, uint32_t in_service)
{
	ep->queue_max = queue < ENDPOINT_QUEUE_MAX ? queue : ENDPOINT_QUEUE_MAX;
	ep->in_service_max =
		in_service < ENDPOINT_IN_SERVICE_MAX ? in_service : ENDPOINT_IN_SERVICE_MAX;
}

void endpoint_core_get(struct endpoint *ep)
{
	ep->core_refs++;
}

void endpoint_core_put(struct endpoint *ep)
{
	if (--ep->core_refs == 0)
		ep->ops->free_core(ep);
}

static uint32_t endpoint_need(const struct ep_call *c)
{
	return ENDPOINT_HEADER_SIZE + c->params_len + (uint32_t)c->ncaps * ENDPOINT_RECORD_SIZE;
}

/* Gives c a free in-service slot (the caller checked that one is free). */
static void endpoint_serve(struct endpoint *ep, struct ep_call *c)
{
	uint32_t i = 0;

	while (ep->slot[i] != NULL)
		i++;
	ep->slot[i] = c;
	ep->nin_service++;
	c->id = ((uint32_t)ep->gen[i] << EP_ID_SLOT_BITS) | i;
	c->state = EP_CALL_IN_SERVICE;
}

/* First waiting receiver whose buffer holds `need` bytes, else NULL. */
static struct ep_recv *endpoint_fitting_receiver(struct endpoint *ep, uint32_t need)
{
	struct list_node *n, *tmp;

	LIST_FOR_EACH_SAFE(n, tmp, &ep->receivers)
	{
		struct ep_recv *r = LIST_ENTRY(n, struct ep_recv, link);

		if (r->capacity >= need)
			return r;
	}
	return NULL;
}

static void endpoint_unlink_recv(struct endpoint *ep, struct ep_recv *r)
{
	list_remove(&r->link);
	ep->nreceivers--;
}

int endpoint_call(struct endpoint *ep, struct ep_call *c, struct ep_recv **recv)
{
	struct ep_recv *r;

	*recv = NULL;
	if (c->params_len > ENDPOINT_PARAMS_MAX)
		return CAPOS_ERR_RING_PARAMS_TOO_LARGE;
	if (ep->closed) {
		ep->disconnected++;
		return CAPOS_ERR_EP_DISCONNECTED;
	}
	r = endpoint_fitting_receiver(ep, endpoint_need(c));
	if (r == NULL && ep->nqueued >= ep->queue_max) {
		ep->overloaded++;
		return CAPOS_ERR_EP_QUEUE_FULL;
	}
	c->ep = ep;
	ep->calls++;
	if (r != NULL) {
		/* A waiting receiver reserved its in-service slot (endpoint_recv). */
		endpoint_unlink_recv(ep, r);
		endpoint_serve(ep, c);
		*recv = r;
		return ENDPOINT_DELIVER;
	}
	c->state = EP_CALL_QUEUED;
	list_push_back(&ep->queue, &c->link);
	ep->nqueued++;
	if (!list_empty(&ep->receivers)) {
		/* Every waiting receiver is too small: tell the oldest how much it needs. */
		r = LIST_ENTRY(list_first(&ep->receivers), struct ep_recv, link);
		endpoint_unlink_recv(ep, r);
		*recv = r;
	}
	return CAPOS_OK;
}

int endpoint_recv(struct endpoint *ep, uint32_t capacity, struct ep_call **c, uint32_t *need)
{
	struct list_node *n = list_first(&ep->queue);

	*c = NULL;
	if (ep->nin_service + ep->nreceivers >= ep->in_service_max)
		return CAPOS_ERR_EP_IN_SERVICE_FULL;
	if (n == NULL)
		return ep->nreceivers >= ENDPOINT_RECEIVERS_MAX ? CAPOS_ERR_EP_RECEIVERS_FULL
								: CAPOS_OK;
	struct ep_call *call = LIST_ENTRY(n, struct ep_call, link);
	if (capacity < endpoint_need(call)) {
		*need = endpoint_need(call);
		return CAPOS_ERR_RING_RESULT_TOO_SMALL;
	}
	list_remove(n);
	ep->nqueued--;
	endpoint_serve(ep, call);
	*c = call;
	return ENDPOINT_DELIVER;
}

void endpoint_recv_wait(struct endpoint *ep, struct ep_recv *r)
{
	r->ep = ep;
	list_push_back(&ep->receivers, &r->link);
	ep->nreceivers++;
}

int endpoint_lookup_call(struct endpoint *ep, uint32_t id, struct ep_call **c)
{
	uint32_t i = id & EP_ID_SLOT_MASK;

	*c = NULL;
	if (i >= ENDPOINT_IN_SERVICE_MAX || ep->slot[i] == NULL || ep->slot[i]->id != id)
		return CAPOS_ERR_EP_BAD_CALL_ID;
	*c = ep->slot[i];
	return (*c)->state == EP_CALL_ORPHAN ? CAPOS_ERR_EP_CALL_CANCELLED : CAPOS_OK;
}

/* Frees c's slot and advances the slot's generation (1 follows 65535). */
static void endpoint_vacate(struct endpoint *ep, struct ep_call *c)
{
	uint32_t i = c->id & EP_ID_SLOT_MASK;

	ep->slot[i] = NULL;
	ep->gen[i] = (uint16_t)(ep->gen[i] == 0xFFFFu ? 1u : ep->gen[i] + 1u);
	ep->nin_service--;
}

void endpoint_finish(struct endpoint *ep, struct ep_call *c)
{
	endpoint_vacate(ep, c);
	c->state = EP_CALL_DONE;
}

void endpoint_requeue(struct endpoint *ep, struct ep_call *c)
{
	endpoint_vacate(ep, c);
	c->state = EP_CALL_QUEUED;
	/* Back at the head: it was admitted before anything now queued. */
	c->link.next = ep->queue.head.next;
	c->link.prev = &ep->queue.head;
	ep->queue.head.next->prev = &c->link;
	ep->queue.head.next = &c->link;
	ep->nqueued++;
}

bool endpoint_cancel_call(struct ep_call *c)
{
	struct endpoint *ep = c->ep;

	if (c->state == EP_CALL_QUEUED) {
		list_remove(&c->link);
		ep->nqueued--;
		c->state = EP_CALL_DONE;
		return true;
	}
	c->state = EP_CALL_ORPHAN;
	return false;
}

void endpoint_cancel_recv(struct ep_recv *r)
{
	endpoint_unlink_recv(r->ep, r);
}

void endpoint_close(struct endpoint *ep)
{
	struct list_node *n;

	ep->closed = true;
	while ((n = list_pop_front(&ep->queue)) != NULL) {
		struct ep_call *c = LIST_ENTRY(n, struct ep_call, link);

		ep->nqueued--;
		ep->disconnected++;
		c->state = EP_CALL_DONE;
		ep->ops->disconnect_call(c);
	}
	for (uint32_t i = 0; i < ENDPOINT_IN_SERVICE_MAX; i++) {
		struct ep_call *c = ep->slot[i];

		if (c == NULL)
			continue;
		bool orphan = c->state == EP_CALL_ORPHAN;
		endpoint_vacate(ep, c);
		c->state = orphan ? EP_CALL_ORPHAN : EP_CALL_DONE;
		if (!orphan)
			ep->disconnected++;
		ep->ops->disconnect_call(c);
	}
	while ((n = list_pop_front(&ep->receivers)) != NULL) {
		ep->nreceivers--;
		ep->ops->disconnect_recv(LIST_ENTRY(n, struct ep_recv, link));
	}
	endpoint_core_put(ep);
}
