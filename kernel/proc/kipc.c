/*
 * Endpoint operations of cap_enter (contract in kernel/include/kernel/kipc.h; the
 * protocol in docs/ipc.md). kernel/cap/endpoint.c decides who gets which call; this
 * file allocates the records, copies the bytes and completes the ring operations:
 *
 *   CALL through a facet: params (<= ENDPOINT_PARAMS_MAX) are copied once into a
 *     kernel record, the CALL is deferred (kring_defer) and either handed to a waiting
 *     RECV at once (header + params written into the receiver's buffer, its RECV
 *     posted; if it was blocked in cap_enter, the caller's wait switches straight to
 *     it) or queued. A full queue answers `overloaded`, a closed endpoint
 *     `disconnected`, both as a CapException at once (layer 2, docs/abi.md §6).
 *   RECV on the raw endpoint: takes the oldest queued call (written into the
 *     receiver's own buffer) or waits (deferred) for the next CALL.
 *   RETURN on the raw endpoint: finds the call by id, copies the results (or a
 *     CapException with CAPOS_SQE_F_EXCEPTION) from the server's memory straight into
 *     the caller's result buffer, posts the caller's CALL and frees the record.
 *   Endpoint.client (a CALL on the raw endpoint, an ordinary kcall method,
 *     kendpoint_iface): mints a client facet and returns it as result cap 0.
 *
 * Death: a caller that dies cancels its queued call (freed) or orphans its in-service
 * call (the RETURN gets CAPOS_ERR_EP_CALL_CANCELLED); a receiver that dies leaves the
 * waiting list; when the last raw cap goes, every call is answered `disconnected`.
 * Every record holds a core reference on its endpoint, so nothing dangles.
 *
 * Lock legend: [S] scheduler state (single CPU, interrupts off).
 */
#include <kernel/kipc.h>

#include <stddef.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/endpoint.h>
#include <kernel/kcall.h>
#include <kernel/kcharge.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/uaccess.h>
#include <kernel/xfer.h>
#include <schema/capos.capnp.h>

/* A CALL through a facet, from its arrival to its answer. */
struct kipc_call {
	struct kring_pending p; /* the caller's deferred CALL */
	struct ep_call c;
	struct xfer_set *xs;  /* caps sent with it (c.ncaps > 0; a charged block), or NULL */
	struct captab *src;   /* the caller's table (moved caps leave it at delivery);
			       * set only for a call with caps */
	struct ledger *payer; /* the caller's ledger, charged `cost` (kcharge.h, no reference) */
	uint32_t cost;	      /* bytes charged to payer (0: a small record, not charged) */
	bool payer_ref;	      /* orphaned and charged: holds a reference on payer */
	uint8_t params[];     /* c.params_len bytes, copied at CALL time */
};

/* A RECV waiting for a call. */
struct kipc_recv {
	struct kring_pending p; /* the receiver's deferred RECV */
	struct ep_recv r;
};

static uint32_t kipc_endpoints_live; /* [S] endpoints not yet freed (leak checks) */
static uint32_t kipc_records_live;   /* [S] kipc_call + kipc_recv records */

/*
 * Record cache: freed records of the common sizes (a RECV, a CALL with at most
 * KIPC_SMALL_PARAMS bytes) are kept on free lists for the next call instead of going
 * back to the heap, whose slab would otherwise be freed and rebuilt on every round
 * trip. Bounded by KIPC_CACHE_MAX per list, and emptied whenever the last endpoint is
 * freed, so an idle system holds no cached memory (free frames return to baseline).
 */
#define KIPC_SMALL_PARAMS 64u
#define KIPC_CACHE_MAX 32u

struct kipc_free {
	struct kipc_free *next;
};

static struct kipc_free *kipc_free_calls, *kipc_free_recvs; /* [S] */
static uint32_t kipc_nfree_calls, kipc_nfree_recvs;	    /* [S] */

static void *kipc_cache_get(struct kipc_free **list, uint32_t *n, size_t size)
{
	struct kipc_free *f = *list;

	if (f == NULL)
		return kmalloc(size);
	*list = f->next;
	(*n)--;
	return f;
}

static void kipc_cache_put(struct kipc_free **list, uint32_t *n, void *rec)
{
	struct kipc_free *f = rec;

	if (*n >= KIPC_CACHE_MAX) {
		kfree(rec);
		return;
	}
	f->next = *list;
	*list = f;
	(*n)++;
}

static void kipc_cache_flush(struct kipc_free **list, uint32_t *n)
{
	while (*list) {
		struct kipc_free *f = *list;

		*list = f->next;
		kfree(f);
	}
	*n = 0;
}

/*
 * Kernel memory of records (docs/resources.md, "Kernel memory"): a CALL record with
 * params beyond KIPC_SMALL_PARAMS (up to ENDPOINT_PARAMS_MAX) and a transfer set are
 * charged to the caller's LEDGER_KERNEL_BYTES for their heap footprint. The small
 * records of the fast path (a CALL with at most KIPC_SMALL_PARAMS bytes: 256 bytes; a
 * RECV: 128 bytes) are not: each holds a CQ credit of its thread's ring, a CALL also a
 * unit of the caller's calls quota, and a RECV one of its endpoint's few receiver
 * slots, which bound them per process; charging them would add ~100 instructions to
 * an IPC round trip. Any record that needs new heap memory passes the kernel reserve.
 * A charge takes no ledger reference (a record is freed before its process) except
 * for a call orphaned in service, which takes one (kipc_call_cancel).
 */
#define KIPC_CALL(cp) LIST_ENTRY(cp, struct kipc_call, c)
#define KIPC_RECV(rp) LIST_ENTRY(rp, struct kipc_recv, r)

/* ---- CapException answers ---- */

/* Bounds of a kernel-built CapException: root + struct (2 words) + reason text. */
#define KIPC_EXC_WORDS 16u
#define KIPC_REASON_MAX 40u

/* Frames a CapException{type, status = code, reason = the code's name} into buf
 * (8-byte segment table + one segment); *len = framed bytes. */
static int kipc_exception(enum capos_ExceptionType type, int code, uint64_t *buf, uint32_t *len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_CapException_b ex;
	const char *name = capos_error_name(code);
	uint32_t n = 0;

	while (name[n] && n < KIPC_REASON_MAX)
		n++;
	if (capnp_builder_init(&b, &seg, 1, buf + 1, (KIPC_EXC_WORDS - 1) * 8) ||
	    capos_CapException_build_root(&b, &ex))
		return CAPOS_ERR_INVALID;
	capos_CapException_set_type(&ex, type);
	capos_CapException_set_status(&ex, code);
	(void)capos_CapException_set_reason(&ex, name, n);
	if (capnp_builder_error(&b))
		return CAPOS_ERR_INVALID;
	uint32_t header[2] = { 0, seg.used_words };
	__builtin_memcpy(buf, header, sizeof(header));
	*len = 8 + seg.used_words * 8;
	return CAPOS_OK;
}

/* The call failed at the endpoint (type/code) and its caller is the current thread:
 * answer in the op's own CQE. */
static void kipc_fail_now(const struct ring_op *op, struct capos_cqe *cqe,
			  enum capos_ExceptionType type, int code)
{
	uint64_t buf[KIPC_EXC_WORDS];
	uint32_t len;

	if (kipc_exception(type, code, buf, &len))
		panic("ipc: CapException does not fit its bound");
	cqe->result_len = len;
	if (len > op->result_len) {
		cqe->status = CAPOS_ERR_RING_EXCEPTION_TRUNCATED;
		return;
	}
	if (copy_to_user(UADDR(op->result_addr), buf, len)) {
		cqe->status = CAPOS_ERR_RING_RESULT_FAULT;
		cqe->result_len = 0;
		return;
	}
	cqe->status = CAPOS_ERR_RING_EXCEPTION;
}

/* Same for a deferred CALL (its caller may be any thread). */
static void kipc_fail_pending(struct kring_pending *p, enum capos_ExceptionType type, int code)
{
	uint64_t buf[KIPC_EXC_WORDS];
	uint32_t len;

	if (kipc_exception(type, code, buf, &len))
		panic("ipc: CapException does not fit its bound");
	struct capos_cqe cqe = { .status = CAPOS_ERR_RING_EXCEPTION, .result_len = len };
	int err = kring_pending_write(p, 0, buf, len);
	if (err == CAPOS_ERR_RING_RESULT_TOO_SMALL)
		cqe.status = CAPOS_ERR_RING_EXCEPTION_TRUNCATED;
	else if (err)
		cqe = (struct capos_cqe){ .status = err };
	kring_post(p, &cqe);
}

/* ---- records ---- */

/* The reserve check of a record from `cache` (empty: the heap must give one). */
static int kipc_reserve(const struct kipc_free *cache)
{
	return cache ? CAPOS_OK : kmem_reserve_check(1);
}

/* A call record with params beyond KIPC_SMALL_PARAMS, charged to the caller's ledger l
 * (out of line: the fast path's calls are small). */
static __attribute__((noinline)) int kipc_call_alloc_big(struct ledger *l, uint32_t params_len,
							 struct kipc_call **out)
{
	uint64_t cost = kmem_block_cost(sizeof(struct kipc_call) + params_len);
	int err = kmem_charge_noref(l, cost, (cost + FRAME_SIZE - 1) / FRAME_SIZE);
	struct kipc_call *kc;

	if (err)
		return err;
	kc = kmalloc(sizeof(struct kipc_call) + params_len);
	if (kc == NULL) {
		kmem_uncharge_noref(l, cost);
		return CAPOS_ERR_RING_QUOTA;
	}
	kc->payer = l;
	kc->cost = (uint32_t)cost;
	kc->payer_ref = false;
	*out = kc;
	return CAPOS_OK;
}

/* A call record for params_len bytes; beyond KIPC_SMALL_PARAMS it is charged to the
 * caller's ledger l. Errors: CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY,
 * CAPOS_ERR_RING_QUOTA (heap exhausted). */
static int kipc_call_alloc(struct ledger *l, uint32_t params_len, struct kipc_call **out)
{
	struct kipc_call *kc;
	int err;

	if (params_len > KIPC_SMALL_PARAMS)
		return kipc_call_alloc_big(l, params_len, out);
	err = kipc_reserve(kipc_free_calls);
	if (err)
		return err;
	kc = kipc_cache_get(&kipc_free_calls, &kipc_nfree_calls,
			    sizeof(struct kipc_call) + KIPC_SMALL_PARAMS);
	if (kc == NULL)
		return CAPOS_ERR_RING_QUOTA;
	kc->cost = 0; /* not charged: payer and payer_ref stay unused */
	*out = kc;
	return CAPOS_OK;
}

/* A record that never reached the endpoint (no core reference, not counted); its
 * caps, if any were taken, stay with the caller. */
static __attribute__((noinline)) void kipc_call_drop_caps(struct kipc_call *kc)
{
	xfer_drop(kc->xs);
	kfree_charged(kc->xs);
}

/* A charged record's end: freed, its charge given back (and the orphan's reference). */
static __attribute__((noinline)) void kipc_call_discard_big(struct kipc_call *kc)
{
	struct ledger *payer = kc->payer;
	uint32_t cost = kc->cost;
	bool ref = kc->payer_ref;

	kfree(kc);
	kmem_uncharge_noref(payer, cost);
	if (ref)
		ledger_put(payer); /* an orphan outlived its caller: may free the ledger */
}

static void kipc_call_discard(struct kipc_call *kc)
{
	if (kc->xs)
		kipc_call_drop_caps(kc); /* out of line: the common call carries no caps */
	if (kc->cost)
		kipc_call_discard_big(kc);
	else
		kipc_cache_put(&kipc_free_calls, &kipc_nfree_calls, kc);
}

/* A RECV record (not charged, see above). Errors: CAPOS_ERR_KERNEL_LOW_MEMORY,
 * CAPOS_ERR_RING_QUOTA (heap exhausted). */
static int kipc_recv_alloc(struct kipc_recv **out)
{
	int err = kipc_reserve(kipc_free_recvs);

	if (err)
		return err;
	*out = kipc_cache_get(&kipc_free_recvs, &kipc_nfree_recvs, sizeof(**out));
	return *out ? CAPOS_OK : CAPOS_ERR_RING_QUOTA;
}

static void kipc_call_free(struct kipc_call *kc)
{
	struct endpoint *ep = kc->c.ep;

	kipc_call_discard(kc);
	kipc_records_live--;
	endpoint_core_put(ep);
}

static void kipc_recv_free(struct kipc_recv *kr)
{
	struct endpoint *ep = kr->r.ep;

	kipc_cache_put(&kipc_free_recvs, &kipc_nfree_recvs, kr);
	kipc_records_live--;
	endpoint_core_put(ep);
}

/* The caller died with its CALL pending. */
static void kipc_call_cancel(struct kring_pending *p)
{
	struct kipc_call *kc = LIST_ENTRY(p, struct kipc_call, p);

	if (endpoint_cancel_call(&kc->c)) {
		kipc_call_free(kc); /* was queued */
		return;
	}
	/* In service: it waits for RETURN or close and may outlive the caller's process,
	 * so a charge it carries now holds the caller's ledger. */
	if (kc->cost) {
		ledger_get(kc->payer);
		kc->payer_ref = true;
	}
}

/* The receiver died with its RECV waiting. */
static void kipc_recv_cancel(struct kring_pending *p)
{
	struct kipc_recv *kr = LIST_ENTRY(p, struct kipc_recv, p);

	endpoint_cancel_recv(&kr->r);
	kipc_recv_free(kr);
}

static const struct kring_pending_ops kipc_call_ops = { .cancel = kipc_call_cancel };
static const struct kring_pending_ops kipc_recv_ops = { .cancel = kipc_recv_cancel };

/* Defers a RECV, or (call) a CALL holding the caller's LEDGER_CALLS unit; op and cqe
 * are the ones exec received (kring_defer_op). */
static void kipc_defer(struct kring_pending *p, const struct kring_pending_ops *ops,
		       const struct ring_op *op, struct capos_cqe *cqe, bool call)
{
	if (call ? kring_defer_call_op(p, ops, op, cqe) : kring_defer_op(p, ops, op, cqe))
		panic("ipc: deferring outside cap_enter");
}

/* ---- endpoint lifetime ---- */

static void kipc_disconnect_call(struct ep_call *c)
{
	struct kipc_call *kc = KIPC_CALL(c);

	if (c->state != EP_CALL_ORPHAN)
		kipc_fail_pending(&kc->p, capos_ExceptionType_disconnected,
				  CAPOS_ERR_EP_DISCONNECTED);
	kipc_call_free(kc);
}

static void kipc_disconnect_recv(struct ep_recv *r)
{
	struct kipc_recv *kr = KIPC_RECV(r);

	kring_complete(&kr->p, CAPOS_ERR_EP_DISCONNECTED, NULL, 0);
	kipc_recv_free(kr);
}

static void kipc_free_core(struct endpoint *ep)
{
	klog("ipc", "endpoint freed: %llu call(s), %llu overloaded, %llu disconnected",
	     (unsigned long long)ep->calls, (unsigned long long)ep->overloaded,
	     (unsigned long long)ep->disconnected);
	kipc_endpoints_live--;
	kfree_charged(ep);
	if (kipc_endpoints_live == 0) {
		kipc_cache_flush(&kipc_free_calls, &kipc_nfree_calls);
		kipc_cache_flush(&kipc_free_recvs, &kipc_nfree_recvs);
	}
}

static const struct endpoint_ops kipc_ep_ops = {
	.disconnect_call = kipc_disconnect_call,
	.disconnect_recv = kipc_disconnect_recv,
	.free_core = kipc_free_core,
};

static void kipc_raw_release(struct kobj *obj)
{
	endpoint_close((struct endpoint *)obj);
}

static void kipc_facet_release(struct kobj *obj)
{
	struct ep_client *f = (struct ep_client *)obj;
	struct endpoint *ep = f->ep;

	kfree_charged(f);
	endpoint_core_put(ep);
}

static const struct kobj_ops kipc_raw_ops = { .name = "endpoint", .release = kipc_raw_release };
static const struct kobj_ops kipc_facet_ops = { .name = "endpoint client",
						.release = kipc_facet_release };

int endpoint_create(struct process *owner, struct kobj **raw)
{
	struct endpoint *ep;
	int err = kzalloc_charged(owner ? owner->ledger : NULL, sizeof(*ep), (void **)&ep);

	if (err)
		return err;
	if (endpoint_init(ep, &kipc_ep_ops, &kipc_raw_ops)) {
		kfree_charged(ep);
		return CAPOS_ERR_INVALID;
	}
	if (owner)
		endpoint_set_bounds(ep, owner->ledger->ep_queue_depth, owner->ledger->ep_in_flight);
	kipc_endpoints_live++;
	klog("ipc", "endpoint created for %s pid %u", owner ? owner->name : "kernel",
	     owner ? owner->pid : 0);
	*raw = &ep->k;
	return CAPOS_OK;
}

int endpoint_client(struct kobj *raw, struct ledger *payer, struct kobj **client)
{
	struct endpoint *ep = (struct endpoint *)raw;
	struct ep_client *f;
	int err;

	if (!kobj_is_live(raw) || raw->type != KOBJ_ENDPOINT)
		return CAPOS_ERR_INVALID;
	if (ep->closed)
		return CAPOS_ERR_EP_DISCONNECTED;
	err = kzalloc_charged(payer, sizeof(*f), (void **)&f);
	if (err)
		return err;
	if (kobj_init(&f->k, KOBJ_ENDPOINT_CLIENT, &kipc_facet_ops)) {
		kfree_charged(f);
		return CAPOS_ERR_INVALID;
	}
	f->ep = ep;
	endpoint_core_get(ep);
	*client = &f->k;
	return CAPOS_OK;
}

/* ---- delivery ---- */

static struct capos_recv_header kipc_header(const struct ep_call *c)
{
	return (struct capos_recv_header){ .interface_id = c->interface_id,
					   .method = c->method,
					   .params_len = c->params_len };
}

/* Where a delivery writes: a deferred RECV's buffer (any space) or the current
 * thread's own buffer (a RECV executing in its cap_enter; its caps go to the current
 * process's table). 0 or a RING_RESULT_* status. */
struct kipc_sink {
	struct kring_pending *p; /* deferred RECV, or NULL: the current thread's buffer */
	uint64_t addr;		 /* that buffer (current thread) */
};

static int kipc_sink_write(const struct kipc_sink *k, uint32_t off, const void *src, uint32_t len)
{
	if (k->p)
		return kring_pending_write(k->p, off, src, len);
	if (len && copy_to_user(UADDR(k->addr + off), src, len))
		return CAPOS_ERR_RING_RESULT_FAULT;
	return CAPOS_OK;
}

/* A checked copy from the current process (xfer_take_user's copy helper). */
static int kipc_copy_in(void *ctx, void *dst, uint64_t uaddr, uint32_t len)
{
	(void)ctx;
	return copy_from_user(dst, UADDR(uaddr), len);
}

#define KIPC_DELIVER_FAULT 1 /* the receiver's buffer faulted: requeue the call */

/* The receiver's cap table: the deferred RECV's owner's, or the current process's. */
static struct captab *kipc_sink_table(struct kipc_sink k)
{
	return k.p ? k.p->owner->proc->caps : percpu_current()->proc->caps;
}

/*
 * kipc_deliver's caps (kc carries n > 0): into the receiver's table (all or none),
 * then their records at offset off of the sink, and the CQE's transfer fields.
 * Returns 0 or the transfer error (nothing moved). Out of line, so a call without caps
 * does not pay for the records' stack frame; the sink comes by value and the table is
 * found here, so the common path computes neither.
 */
static __attribute__((noinline)) int kipc_deliver_caps(struct kipc_call *kc, struct kipc_sink k,
						       uint32_t off, struct capos_cqe *cqe)
{
	struct capos_xfer_result recs[CAPTAB_TXN_MAX];
	uint32_t n = kc->c.ncaps;
	int err = xfer_deliver(kipc_sink_table(k), kc->src, kc->xs, recs);

	if (err)
		return err;
	/* The caps are in the receiver's table now; a record write can only fault if the
	 * receiver unmapped its own buffer meanwhile: it then learns the call id only. */
	if (kipc_sink_write(&k, off, recs, n * ENDPOINT_RECORD_SIZE))
		cqe->status = CAPOS_ERR_RING_RESULT_FAULT;
	cqe->xfer_count = (uint16_t)n;
	cqe->flags = CAPOS_CQE_F_XFER;
	return CAPOS_OK;
}

/*
 * Delivers call kc (now in service) into a receive buffer whose capacity was checked:
 * header and params first (a fault there: KIPC_DELIVER_FAULT, nothing else changed),
 * then the caps it carries into the receiver's table (all or none; an error, e.g.
 * CAPOS_ERR_CAP_TABLE_FULL or a moved source released meanwhile, is returned and the
 * caps stay with the caller), then their records after the params. On success *cqe is
 * the RECV's completion. Always inlined into its two callers (a CALL meeting a waiting
 * RECV, a RECV finding a queued call): the caps part is out of line.
 */
static inline __attribute__((always_inline)) int
kipc_deliver(struct kipc_call *kc, struct kipc_sink k, struct capos_cqe *cqe)
{
	struct capos_recv_header h = kipc_header(&kc->c);
	uint32_t n = kc->c.ncaps, off = ENDPOINT_HEADER_SIZE + kc->c.params_len;

	/* No params (the common null call): one write; an empty write succeeds anyway. */
	if (kipc_sink_write(&k, 0, &h, sizeof(h)) ||
	    (kc->c.params_len &&
	     kipc_sink_write(&k, ENDPOINT_HEADER_SIZE, kc->params, kc->c.params_len)))
		return KIPC_DELIVER_FAULT;
	*cqe = (struct capos_cqe){ .status = CAPOS_OK,
				   .result_len = off + n * ENDPOINT_RECORD_SIZE,
				   .call_id = kc->c.id,
				   .badge = kc->c.badge };
	if (n == 0)
		return CAPOS_OK;
	return kipc_deliver_caps(kc, k, off, cqe);
}

/* The call could not be delivered because of its caps: it leaves the endpoint and its
 * caller gets `err` (every cap stays with the caller). */
static void kipc_call_reject(struct kipc_call *kc, int err)
{
	struct capos_cqe cqe = { .status = err };

	endpoint_finish(kc->c.ep, &kc->c);
	kring_post(&kc->p, &cqe);
	kipc_call_free(kc);
}

static void kipc_call_charged(struct process *p, const struct captab_entry *e,
			      const struct ring_op *op, struct capos_cqe *cqe)
{
	struct endpoint *ep = ((struct ep_client *)e->obj)->ep;
	struct ep_recv *r;
	struct kipc_call *kc;
	int err;

	if (op->params_len > ENDPOINT_PARAMS_MAX) {
		cqe->status = CAPOS_ERR_RING_PARAMS_TOO_LARGE;
		return;
	}
	err = kipc_call_alloc(p->ledger, op->params_len, &kc);
	if (err) {
		cqe->status = err;
		return;
	}
	/* The [I] fields and state NEW; link, id and ep are set by endpoint_call. */
	kc->c.interface_id = op->interface_id;
	kc->c.badge = e->badge;
	kc->c.method = op->method;
	kc->c.state = EP_CALL_NEW;
	kc->c.params_len = op->params_len;
	kc->c.ncaps = op->xfer_count;
	kc->xs = NULL;
	if (op->params_len && copy_from_user(kc->params, UADDR(op->params_addr), op->params_len)) {
		kipc_call_discard(kc);
		cqe->status = CAPOS_ERR_RING_PARAMS_FAULT;
		return;
	}
	if (op->xfer_count) {
		kc->src = p->caps;
		err = kmalloc_charged(p->ledger, sizeof(*kc->xs), (void **)&kc->xs);
		if (err == CAPOS_ERR_NO_MEMORY)
			err = CAPOS_ERR_RING_QUOTA;
		if (err == CAPOS_OK)
			err = xfer_take_user(p->caps, kipc_copy_in, NULL, op->xfer_addr,
					     op->xfer_count, kc->xs);
		if (err) {
			kipc_call_discard(kc);
			cqe->status = err;
			return;
		}
	}
	int rc = endpoint_call(ep, &kc->c, &r);
	if (rc < 0) {
		kipc_call_discard(kc);
		if (rc == CAPOS_ERR_EP_QUEUE_FULL)
			kipc_fail_now(op, cqe, capos_ExceptionType_overloaded, rc);
		else if (rc == CAPOS_ERR_EP_DISCONNECTED)
			kipc_fail_now(op, cqe, capos_ExceptionType_disconnected, rc);
		else
			cqe->status = rc;
		return;
	}
	if (rc == ENDPOINT_DELIVER) {
		/* A waiting RECV: straight into its buffer (and its table, for caps). Done
		 * before the CALL is deferred, so a refused transfer fails it right here. */
		struct kipc_recv *kr = KIPC_RECV(r);
		struct kipc_sink k = { .p = &kr->p };
		struct capos_cqe rcqe;

		err = kipc_deliver(kc, k, &rcqe);
		if (err != CAPOS_OK && err != KIPC_DELIVER_FAULT) {
			endpoint_finish(ep, &kc->c);
			endpoint_recv_wait(ep, &kr->r); /* the receiver keeps waiting */
			kipc_call_discard(kc);		/* every cap stays with the caller */
			cqe->status = err;
			return;
		}
		/* The RECV record's endpoint reference and live count pass to the call
		 * (same endpoint), so no get/put pair: the RECV record goes straight back to
		 * its cache. */
		if (kr->r.ep != ep)
			panic("ipc: a receiver of another endpoint was matched");
		kipc_defer(&kc->p, &kipc_call_ops, op, cqe, true);
		if (err == KIPC_DELIVER_FAULT) {
			endpoint_requeue(ep, &kc->c); /* the receiver's fault: keep the call */
			rcqe = (struct capos_cqe){ .status = CAPOS_ERR_RING_RESULT_FAULT };
		}
		kring_post(&kr->p, &rcqe);
		kipc_cache_put(&kipc_free_recvs, &kipc_nfree_recvs, kr);
		return;
	}
	kipc_records_live++;
	endpoint_core_get(ep);
	kipc_defer(&kc->p, &kipc_call_ops, op, cqe, true);
	if (r != NULL) {
		struct capos_cqe small = { .status = CAPOS_ERR_RING_RESULT_TOO_SMALL,
					   .result_len = ENDPOINT_HEADER_SIZE + kc->c.params_len +
							 kc->c.ncaps * ENDPOINT_RECORD_SIZE };
		struct kipc_recv *kr = KIPC_RECV(r);

		kring_post(&kr->p, &small);
		kipc_recv_free(kr);
	}
}

/* A CALL is in flight from its caller until answered: one LEDGER_CALLS unit, reserved
 * before anything else (refused: an `overloaded` CapException with
 * CAPOS_ERR_QUOTA_CALLS) and kept by the deferred record, or returned when the call
 * was answered at once. */
static void kipc_call(struct process *p, const struct captab_entry *e, const struct ring_op *op,
		      struct capos_cqe *cqe)
{
	if (kring_call_reserve(p)) {
		kipc_fail_now(op, cqe, capos_ExceptionType_overloaded, CAPOS_ERR_QUOTA_CALLS);
		return;
	}
	kipc_call_charged(p, e, op, cqe);
	if (cqe->status != RING_STATUS_DEFERRED)
		kring_call_unreserve(p);
}

static void kipc_recv(struct endpoint *ep, const struct ring_op *op, struct capos_cqe *cqe)
{
	struct ep_call *c;
	uint32_t need = 0;
	int rc;

	/* Invariant: every call taken here is delivered, requeued or rejected. */
	while ((rc = endpoint_recv(ep, op->result_len, &c, &need)) == ENDPOINT_DELIVER) {
		struct kipc_sink k = { .p = NULL, .addr = op->result_addr };
		int err = kipc_deliver(KIPC_CALL(c), k, cqe);

		if (err == CAPOS_OK)
			return;
		if (err == KIPC_DELIVER_FAULT) {
			endpoint_requeue(ep, c);
			*cqe = (struct capos_cqe){ .status = CAPOS_ERR_RING_RESULT_FAULT };
			return;
		}
		kipc_call_reject(KIPC_CALL(c), err); /* its caps could not come: next call */
	}
	if (rc == CAPOS_OK) {
		struct kipc_recv *kr;
		int err = kipc_recv_alloc(&kr);

		if (err) {
			cqe->status = err;
			return;
		}
		kr->r.capacity = op->result_len; /* link and ep: set by endpoint_recv_wait */
		endpoint_recv_wait(ep, &kr->r);
		endpoint_core_get(ep);
		kipc_records_live++;
		kipc_defer(&kr->p, &kipc_recv_ops, op, cqe, false);
		return;
	}
	cqe->status = rc;
	cqe->result_len = rc == CAPOS_ERR_RING_RESULT_TOO_SMALL ? need : 0;
}

/*
 * RETURN's caps: taken from the server (current) and delivered into the caller's
 * table, all or none; records written after the results. Returns 0 (done; *n records),
 * CAPOS_ERR_RING_RESULT_TOO_SMALL (no room for the records: nothing moved), or the
 * take/deliver error (nothing moved; the RETURN fails and the call stays in service).
 */
static int kipc_return_caps(struct process *p, struct kipc_call *kc, const struct ring_op *op,
			    uint32_t *n)
{
	struct xfer_set set;
	struct capos_xfer_result recs[CAPTAB_TXN_MAX];
	uint64_t need = (uint64_t)op->params_len + op->xfer_count * ENDPOINT_RECORD_SIZE;
	int err = xfer_take_user(p->caps, kipc_copy_in, NULL, op->xfer_addr, op->xfer_count, &set);

	*n = 0;
	if (err)
		return err;
	if (need > kc->p.result_len) {
		xfer_drop(&set);
		return CAPOS_ERR_RING_RESULT_TOO_SMALL;
	}
	err = xfer_deliver(kc->p.owner->proc->caps, p->caps, &set, recs);
	if (err) {
		xfer_drop(&set);
		return err;
	}
	*n = op->xfer_count;
	if (kring_pending_write(&kc->p, op->params_len, recs, *n * ENDPOINT_RECORD_SIZE))
		return CAPOS_ERR_RING_RESULT_FAULT; /* the caller unmapped its buffer */
	return CAPOS_OK;
}

static void kipc_return(struct process *p, struct endpoint *ep, const struct ring_op *op,
			struct capos_cqe *cqe)
{
	struct ep_call *c;
	uint32_t n = 0;
	int rc = endpoint_lookup_call(ep, op->aux, &c);

	if (rc == CAPOS_ERR_EP_BAD_CALL_ID) {
		cqe->status = rc;
		return;
	}
	struct kipc_call *kc = KIPC_CALL(c);
	if (rc == CAPOS_ERR_EP_CALL_CANCELLED) {
		endpoint_finish(ep, c);
		kipc_call_free(kc);
		cqe->status = rc;
		return;
	}
	bool exc = (op->flags & CAPOS_SQE_F_EXCEPTION) != 0;
	struct capos_cqe done = { .status = exc ? CAPOS_ERR_RING_EXCEPTION : CAPOS_OK,
				  .result_len = op->params_len +
						(uint32_t)op->xfer_count * ENDPOINT_RECORD_SIZE };
	/* Results first (into the caller's buffer, not yet visible), then caps. */
	int err = kring_pending_write_user(&kc->p, 0, op->params_addr, op->params_len);
	if (err == CAPOS_ERR_RING_PARAMS_FAULT) {
		cqe->status = err; /* our results are unreadable: the call stays in service */
		return;
	}
	if (err == CAPOS_OK && op->xfer_count) {
		err = kipc_return_caps(p, kc, op, &n);
		if (err && err != CAPOS_ERR_RING_RESULT_TOO_SMALL &&
		    err != CAPOS_ERR_RING_RESULT_FAULT) {
			cqe->status = err; /* caps refused: nothing moved, the call stays */
			return;
		}
	}
	if (err == CAPOS_ERR_RING_RESULT_TOO_SMALL)
		done.status = exc ? CAPOS_ERR_RING_EXCEPTION_TRUNCATED : err;
	else if (err)
		done = (struct capos_cqe){ .status = err };
	if (n) {
		done.xfer_count = (uint16_t)n;
		done.flags = CAPOS_CQE_F_XFER;
	}
	endpoint_finish(ep, c);
	kring_post(&kc->p, &done);
	kipc_call_free(kc);
	cqe->status = CAPOS_OK;
}

/* ---- Endpoint.client (a kernel method of the raw endpoint, through kcall) ---- */

/* client(interfaceId, badge) -> (client :Capability): a new facet as result cap 0.
 * invalidArgument (CAPOS_ERR_INVALID) for interface 0 or Endpoint's own id. */
static int kipc_client(void *self, const struct capos_Endpoint_client_Params_r *p,
		       struct capos_Endpoint_client_Results_b *r)
{
	struct kcall_ctx *c = self;
	uint64_t iid = capos_Endpoint_client_Params_get_interfaceId(p);
	struct kobj *facet;
	uint32_t index;

	if (iid == 0 || iid == capos_Endpoint_TYPE_ID)
		return CAPOS_ERR_INVALID;
	int err = endpoint_client(c->obj, ((struct process *)c->caller)->ledger, &facet);
	if (err)
		return err;
	const struct captab_item item = { .obj = facet,
					  .interface_id = iid,
					  .badge = capos_Endpoint_client_Params_get_badge(p),
					  .xfer = CAPTAB_XFER_COPY };
	err = kcall_result_cap(c, &item, &index);
	(void)kobj_put(facet); /* the queued result cap holds its own reference */
	return err ? err : capos_Endpoint_client_Results_set_client(r, index);
}

static const struct capos_Endpoint_server kipc_endpoint_server = { .client = kipc_client };

static int kipc_endpoint_call(struct kcall_ctx *c)
{
	return capos_Endpoint_dispatch(&kipc_endpoint_server, c, c->method, c->params, c->results);
}

const struct kcall_iface kendpoint_iface = {
	.interface_id = capos_Endpoint_TYPE_ID,
	.method_count = capos_Endpoint_METHOD_COUNT,
	.kobj_type = KOBJ_ENDPOINT,
	.max_caps_out = 1,
	.call = kipc_endpoint_call,
};

/* ---- dispatch ---- */

bool kipc_exec(struct process *p, const struct ring_op *op, struct capos_cqe *cqe)
{
	const struct captab_entry *e;
	int err;

	if (op->opcode == CAPOS_OP_CALL) {
		if (captab_lookup(p->caps, op->cap, op->interface_id, &e))
			return false; /* kcall_exec reports the lookup error */
		if (e->obj->type != KOBJ_ENDPOINT_CLIENT)
			return false; /* kernel objects, Endpoint.client included: kcall */
		kipc_call(p, e, op, cqe);
		return true;
	}
	if (op->opcode != CAPOS_OP_RECV && op->opcode != CAPOS_OP_RETURN)
		return false;
	err = captab_lookup(p->caps, op->cap, CAPTAB_ANY_INTERFACE, &e);
	if (err == CAPOS_OK && e->obj->type == KOBJ_ENDPOINT_CLIENT)
		err = CAPOS_ERR_EP_FACET;
	else if (err == CAPOS_OK && e->obj->type != KOBJ_ENDPOINT)
		err = CAPOS_ERR_CAP_WRONG_INTERFACE;
	if (err) {
		cqe->status = err;
		return true;
	}
	if (op->opcode == CAPOS_OP_RECV)
		kipc_recv((struct endpoint *)e->obj, op, cqe);
	else
		kipc_return(p, (struct endpoint *)e->obj, op, cqe);
	return true;
}

void kipc_report(void)
{
	klog("ipc", "handoffs %llu, endpoints live %u, call records live %u",
	     (unsigned long long)sched_total_handoffs(), kipc_endpoints_live, kipc_records_live);
}
