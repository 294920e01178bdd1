/*
 * Endpoints (kernel/cap/endpoint.c): the kernel object behind IPC between processes.
 * The owner holds raw endpoint caps (interface Endpoint): they RECV calls and RETURN
 * answers through the ring. Importers hold client facets (a separate object type,
 * KOBJ_ENDPOINT_CLIENT, inserted under the interface the endpoint serves): CALL is all
 * they can do. Attenuation is by object, not by rights bits. docs/ipc.md.
 *
 * This file's state machine is pure code (host-tested, tests/host/kernel/
 * endpoint_test.c): it decides who gets which call, holds the bounded queue, the
 * waiting receivers and the in-service table that issues call ids, and never touches
 * memory, rings or threads. The kernel glue (kernel/proc/kipc.c) allocates calls and
 * receivers, copies bytes and completes ring operations around its decisions.
 *
 * Lifetimes: `struct endpoint` embeds the raw kobj (its refs are the raw caps plus
 * transient kernel references). When the last raw reference goes the endpoint closes
 * (endpoint_close: every queued or in-service call is handed to ops->disconnect_call,
 * every waiting receiver to ops->disconnect_recv) but its memory stays until the last
 * core reference (endpoint_core_get/put: one for the open raw object, one per facet,
 * call and receiver the glue holds) is dropped, then ops->free_core runs.
 *
 * Lock legend: [S] scheduler state (single CPU, interrupts off; SMP: the endpoint's
 * own lock, taken after the caller's cap table lock). [I] fixed at init.
 */
#ifndef KERNEL_ENDPOINT_H
#define KERNEL_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/kobj.h>
#include <kernel/list.h>

/* Bounds per endpoint (constants until resource profiles set them). */
#define ENDPOINT_QUEUE_MAX 16u	    /* calls waiting for a RECV; more: overloaded */
#define ENDPOINT_IN_SERVICE_MAX 16u /* received calls not yet returned + waiting RECVs */
#define ENDPOINT_RECEIVERS_MAX 8u   /* RECVs waiting at once */
#define ENDPOINT_PARAMS_MAX 4096u   /* params bytes one CALL may carry */
#define ENDPOINT_HEADER_SIZE 16u    /* struct capos_recv_header */
#define ENDPOINT_RECORD_SIZE 16u    /* struct capos_xfer_result, one per sent cap */

/* Results of endpoint_call / endpoint_recv besides 0 and errors. */
#define ENDPOINT_DELIVER 1 /* a call and a receiver were matched: copy and complete */

enum ep_call_state {
	EP_CALL_NEW = 0,	/* not yet given to endpoint_call */
	EP_CALL_QUEUED = 1,	/* waiting for a RECV */
	EP_CALL_IN_SERVICE = 2, /* received; waiting for its RETURN under `id` */
	EP_CALL_ORPHAN = 3,	/* in service, but the caller died: RETURN drops it */
	EP_CALL_DONE = 4,	/* out of the endpoint (returned, closed or cancelled) */
};

struct endpoint;

/* One CALL through a facet. The glue embeds it and fills the [I] fields first. */
struct ep_call {
	struct list_node link; /* [S] endpoint queue while QUEUED */
	uint64_t interface_id; /* [I] the facet interface the caller invoked */
	uint64_t badge;	       /* [I] the badge of the caller's facet cap */
	uint16_t method;       /* [I] */
	uint8_t state;	       /* [S] enum ep_call_state */
	uint32_t params_len;   /* [I] params bytes (<= ENDPOINT_PARAMS_MAX) */
	uint16_t ncaps;	       /* [I] caps sent with the call (one result-cap record each) */
	uint32_t id;	       /* [S] call id while IN_SERVICE / ORPHAN */
	struct endpoint *ep;   /* [I] set by endpoint_call */
};

/* One RECV waiting for a call. */
struct ep_recv {
	struct list_node link; /* [S] endpoint receivers while waiting */
	uint32_t capacity;     /* [I] receive buffer bytes */
	struct endpoint *ep;   /* [I] set by endpoint_recv_wait */
};

struct endpoint_ops {
	/* The endpoint closed with c queued or in service (c->state tells which; ORPHAN:
	 * its caller is gone): answer the caller `disconnected` and free c. */
	void (*disconnect_call)(struct ep_call *c);
	/* The endpoint closed with r waiting: complete it and free r. */
	void (*disconnect_recv)(struct ep_recv *r);
	/* The last core reference went: free the endpoint's memory. */
	void (*free_core)(struct endpoint *ep);
};

struct endpoint {
	struct kobj k;			/* the raw endpoint (KOBJ_ENDPOINT) */
	const struct endpoint_ops *ops; /* [I] */
	uint32_t core_refs;		/* [S] see the lifetime note above */
	bool closed;			/* [S] no raw cap left: calls are disconnected */
	struct list queue;		/* [S] QUEUED calls, FIFO */
	uint32_t nqueued;		/* [S] */
	struct list receivers;		/* [S] waiting RECVs, FIFO */
	uint32_t nreceivers;		/* [S] */
	uint32_t nin_service;		/* [S] IN_SERVICE + ORPHAN calls */
	uint32_t queue_max;		/* [I] queued calls bound (endpoint_set_bounds) */
	uint32_t in_service_max;	/* [I] in-service + waiting RECVs bound */
	struct ep_call *slot[ENDPOINT_IN_SERVICE_MAX]; /* [S] in-service table */
	uint16_t gen[ENDPOINT_IN_SERVICE_MAX];	       /* [S] generation per slot, >= 1 */
	uint64_t calls, overloaded, disconnected;      /* [S] counters for reports */
};

/* A client facet: CALL-only access to `ep`. */
struct ep_client {
	struct kobj k;	     /* KOBJ_ENDPOINT_CLIENT */
	struct endpoint *ep; /* [I] holds a core reference */
};

/*
 * Initialises an open endpoint whose raw object has one reference (the creator's)
 * and one core reference (the open raw object's). `raw_ops` is the raw kobj's ops: its
 * release must call endpoint_close. Errors: CAPOS_ERR_INVALID.
 */
int endpoint_init(struct endpoint *ep, const struct endpoint_ops *ops,
		  const struct kobj_ops *raw_ops);

/*
 * Lowers the endpoint's bounds to its owner's profile (endpointQueueDepth,
 * endpointInFlight; docs/resources.md): at most `queue` calls queued (more: the CALL
 * is `overloaded`, CAPOS_ERR_EP_QUEUE_FULL) and at most `in_service` calls received
 * but unanswered plus RECVs waiting (more: CAPOS_ERR_EP_IN_SERVICE_FULL). Each is
 * clamped to ENDPOINT_QUEUE_MAX / ENDPOINT_IN_SERVICE_MAX, the defaults endpoint_init
 * sets. Call before the endpoint is used.
 */
void endpoint_set_bounds(struct endpoint *ep, uint32_t queue, uint32_t in_service);

void endpoint_core_get(struct endpoint *ep);
/* Drops a core reference; the last one calls ops->free_core. */
void endpoint_core_put(struct endpoint *ep);

/*
 * A CALL arrives (c filled: interface_id, badge, method, params_len, ncaps; the glue
 * holds the params bytes and caps). A receiver "holds the message" when its buffer
 * has room for the header, the params and one record per cap. Returns ENDPOINT_DELIVER with *recv = a waiting receiver whose
 * buffer holds the message (it is unlinked; c is now IN_SERVICE under c->id), or 0:
 * c is QUEUED (*recv = a receiver that was too small for c, unlinked: complete it with
 * RING_RESULT_TOO_SMALL and the size needed; else NULL). Errors (nothing changes):
 * CAPOS_ERR_RING_PARAMS_TOO_LARGE, CAPOS_ERR_EP_DISCONNECTED (closed),
 * CAPOS_ERR_EP_QUEUE_FULL (ENDPOINT_QUEUE_MAX calls queued).
 */
int endpoint_call(struct endpoint *ep, struct ep_call *c, struct ep_recv **recv);

/*
 * A RECV with a buffer of `capacity` bytes. Returns ENDPOINT_DELIVER with *c = the
 * oldest queued call, now IN_SERVICE under c->id, or 0: nothing queued, the receiver
 * may wait (endpoint_recv_wait). Errors (nothing changes):
 * CAPOS_ERR_RING_RESULT_TOO_SMALL (the oldest call needs *need bytes),
 * CAPOS_ERR_EP_IN_SERVICE_FULL (in-service calls + waiting receivers at the bound),
 * CAPOS_ERR_EP_RECEIVERS_FULL (only when it would wait).
 */
int endpoint_recv(struct endpoint *ep, uint32_t capacity, struct ep_call **c, uint32_t *need);

/* Queues r (after endpoint_recv returned 0 for r->capacity). */
void endpoint_recv_wait(struct endpoint *ep, struct ep_recv *r);

/*
 * Finds the call a RETURN names. Returns 0 with *c IN_SERVICE, or (both with *c set)
 * CAPOS_ERR_EP_CALL_CANCELLED (ORPHAN: its caller died). Errors:
 * CAPOS_ERR_EP_BAD_CALL_ID (no such id in service: never issued, answered, stale).
 * Nothing changes: endpoint_finish removes the call once the answer is copied.
 */
int endpoint_lookup_call(struct endpoint *ep, uint32_t id, struct ep_call **c);

/* Takes c (IN_SERVICE or ORPHAN) out of the in-service table: state DONE. */
void endpoint_finish(struct endpoint *ep, struct ep_call *c);

/* Puts an IN_SERVICE c back at the head of the queue (its receiver's buffer faulted). */
void endpoint_requeue(struct endpoint *ep, struct ep_call *c);

/* The caller died. Returns true if c left the endpoint (it was QUEUED: free it now);
 * false if it is in service and now ORPHAN (RETURN or close frees it). */
bool endpoint_cancel_call(struct ep_call *c);

/* The receiver died while waiting: unlinks r (free it after). */
void endpoint_cancel_recv(struct ep_recv *r);

/*
 * The last raw reference went: closes ep (later calls fail CAPOS_ERR_EP_DISCONNECTED),
 * hands every queued and in-service call to ops->disconnect_call and every waiting
 * receiver to ops->disconnect_recv, then drops the open raw object's core reference.
 */
void endpoint_close(struct endpoint *ep);

/* ---- kernel only (kernel/proc/kipc.c) ---- */
struct process;

struct ledger;

/* Creates an open endpoint owned by `owner` and charged to its kernel bytes (NULL: a
 * kernel endpoint, uncharged); *raw gets one reference (the caller's, usually handed to
 * captab_insert then dropped). Errors: CAPOS_ERR_NO_MEMORY,
 * CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY (kernel/kcharge.h). */
int endpoint_create(struct process *owner, struct kobj **raw);

/* Creates a client facet of the raw endpoint `raw` (insert it under the served
 * interface id and a badge), charged to `payer` (the process that asked for it; NULL:
 * uncharged) until the facet's last reference goes, wherever it went; one reference to
 * the caller. Errors: CAPOS_ERR_INVALID (not a live raw endpoint),
 * CAPOS_ERR_EP_DISCONNECTED (closed), CAPOS_ERR_NO_MEMORY,
 * CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY. */
int endpoint_client(struct kobj *raw, struct ledger *payer, struct kobj **client);

#endif
