/*
 * libcapos server runtime (lib/include/libcapos/server.h), the ring half: RECV a
 * call, answer it through capos_server_handle (server.c), RETURN, release the caps
 * the handler did not take; loop until the endpoint is closed.
 */
#include <libcapos/server.h>

#include <stddef.h>
#include <string.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>

static int server_sqe(struct capos_server *s, struct capos_ring_client *ring, uint8_t op,
		      uint32_t cap, struct capos_sqe **out)
{
	struct capos_sqe *sqe;
	int err = capos_ring_get_sqe(ring, &sqe);

	if (err)
		return err;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->cap = cap;
	sqe->user_data = s->next_ud++ & ~CAPOS_RING_UD_SYNC;
	*out = sqe;
	return CAPOS_OK;
}

/* Queue a RECV into s->recv unless one is in flight (s->recv_ud). */
static int server_recv_submit(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep)
{
	struct capos_sqe *sqe;
	int err;

	if (s->recv_ud != 0)
		return CAPOS_OK;
	err = server_sqe(s, ring, CAPOS_OP_RECV, ep, &sqe);
	if (err)
		return err;
	sqe->result_addr = (uint64_t)(uintptr_t)s->recv;
	sqe->result_len = sizeof(s->recv);
	s->recv_ud = sqe->user_data;
	capos_ring_submit(ring);
	return CAPOS_OK;
}

/* The completion of the RECV in flight (waiting at most timeout_ns); none in flight
 * after it. */
static int server_recv_wait(struct capos_server *s, struct capos_ring_client *ring,
			    uint64_t timeout_ns, struct capos_cqe *cqe)
{
	int err = capos_ring_wait(ring, s->recv_ud, timeout_ns, cqe);

	if (err)
		return err;
	s->recv_ud = 0;
	return cqe->status;
}

static int server_recv(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
		       struct capos_cqe *cqe)
{
	int err = server_recv_submit(s, ring, ep);

	return err ? err : server_recv_wait(s, ring, CAPOS_TIMEOUT_INFINITE, cqe);
}

static int server_return(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			 const struct capos_server_reply *r)
{
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	uint64_t ud;
	int err = server_sqe(s, ring, CAPOS_OP_RETURN, ep, &sqe);

	if (err)
		return err;
	sqe->aux = s->call.call_id;
	sqe->flags = r->flags;
	sqe->addr = r->len ? (uint64_t)(uintptr_t)r->data : 0;
	sqe->len = r->len;
	sqe->xfer_addr = r->nxfer ? (uint64_t)(uintptr_t)r->xfer : 0;
	sqe->xfer_count = r->nxfer;
	ud = sqe->user_data;
	capos_ring_submit(ring);
	err = capos_ring_wait(ring, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
	return err ? err : cqe.status;
}

static void server_release(struct capos_server *s, struct capos_ring_client *ring, uint32_t cap)
{
	struct capos_sqe *sqe;
	struct capos_cqe cqe;

	if (server_sqe(s, ring, CAPOS_OP_RELEASE, cap, &sqe))
		return;
	uint64_t ud = sqe->user_data;
	capos_ring_submit(ring);
	(void)capos_ring_wait(ring, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
}

void capos_server_drop_results(struct capos_server *s, struct capos_ring_client *ring)
{
	for (uint32_t i = 0; i < s->call.nret; i++)
		if (s->call.ret[i].mode == CAPOS_XFER_MOVE)
			server_release(s, ring, s->call.ret[i].cap);
	s->call.nret = 0;
}

/* Answer the decoded call; a RETURN refused for its result caps (the caller's table
 * is full) is answered again as a `failed` exception with that status. */
static int server_answer(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep)
{
	struct capos_server_reply reply;
	int err = capos_server_handle(s, &reply);

	if (err)
		return err;
	err = server_return(s, ring, ep, &reply);
	if (err < 0 && err != CAPOS_ERR_EP_CALL_CANCELLED && reply.nxfer) {
		err = capos_server_refuse(s, capos_ExceptionType_failed, err, "result caps",
					  &reply);
		if (err == 0)
			err = server_return(s, ring, ep, &reply);
	}
	for (uint32_t i = 0; i < s->call.ncaps; i++)
		if (!(s->call.taken & (1u << i)))
			server_release(s, ring, s->call.caps[i].cap);
	s->calls++;
	return err == CAPOS_ERR_EP_CALL_CANCELLED ? CAPOS_OK : err;
}

/* Answer the call whose RECV completed with `cqe` (status 0). */
static int server_serve_received(struct capos_server *s, struct capos_ring_client *ring,
				 uint32_t ep, const struct capos_cqe *cqe)
{
	struct capos_server_reply reply;
	int err = capos_server_decode(s, cqe);

	if (err == 0)
		return server_answer(s, ring, ep);
	/* The kernel's delivery does not add up: refuse the call, keep serving. */
	memset(&s->call, 0, sizeof(s->call));
	s->call.call_id = cqe->call_id;
	err = capos_server_refuse(s, capos_ExceptionType_failed, err, "bad delivery", &reply);
	if (err == 0)
		err = server_return(s, ring, ep, &reply);
	return err == CAPOS_ERR_EP_CALL_CANCELLED ? CAPOS_OK : err;
}

int capos_server_serve_one(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep)
{
	struct capos_cqe cqe;
	int err = server_recv(s, ring, ep, &cqe);

	return err ? err : server_serve_received(s, ring, ep, &cqe);
}

int capos_server_run_until(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			   uint64_t user_data, struct capos_cqe *out)
{
	while (!s->stop) {
		struct capos_cqe cqe;
		int err = server_recv_submit(s, ring, ep);
		const uint64_t uds[2] = { user_data, s->recv_ud };
		/* One stash-aware wait for either. Looking for each in turn (timeout 0) and
		 * then blocking in cap_enter(1) lost wake-ups: the second look could move the
		 * first one's completion, arriving meanwhile, from the CQ into the stash, and
		 * cap_enter, which counts only the CQ, then slept with it there for good
		 * (stdio-streams hung about one boot in four at -smp 4). */
		int which =
			err ? err : capos_ring_wait_any(ring, uds, 2, CAPOS_TIMEOUT_INFINITE, &cqe);

		if (which < 0)
			return which; /* a ring error */
		if (which == 0) {
			*out = cqe; /* the awaited completion */
			return CAPOS_OK;
		}
		s->recv_ud = 0; /* the RECV completed: serve it, or its status ends the loop */
		err = cqe.status ? cqe.status : server_serve_received(s, ring, ep, &cqe);
		if (err)
			return err;
	}
	return CAPOS_ERR_BUSY;
}

int capos_server_run(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep)
{
	while (!s->stop) {
		int err = capos_server_serve_one(s, ring, ep);

		if (err == CAPOS_ERR_EP_DISCONNECTED)
			return CAPOS_OK;
		if (err)
			return err;
	}
	return CAPOS_OK;
}

int capos_server_serve_named(struct capos_server *s, const struct capos_server_iface *ifaces,
			     uint32_t nifaces, const char *ep_name)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	struct capos_ring_client *ring;
	uint32_t ep = 0;
	int err = capos_ring_self(&ring);

	if (err == 0)
		err = capos_capset_lookup(cs, ep_name, capos_Endpoint_TYPE_ID, &ep);
	if (err == 0)
		err = capos_server_init(s, ifaces, nifaces);
	return err ? err : capos_server_run(s, ring, ep);
}

/* Queue a RECV on `ep` (unless one is in flight); its user_data in *ud. */
static int server_post_recv(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			    uint64_t *ud)
{
	int err = server_recv_submit(s, ring, ep);

	*ud = s->recv_ud;
	return err;
}

/* Serve the call the RECV completion `cqe` on `ep` delivered (no RECV in flight after). */
static int server_serve_cqe(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			    const struct capos_cqe *cqe)
{
	s->recv_ud = 0;
	return cqe->status ? cqe->status : server_serve_received(s, ring, ep, cqe);
}

/* Drop entry i of the parallel arrays of run_multi (order does not matter). */
static void server_multi_drop(struct capos_server **s, uint32_t *eps, uint64_t *uds, uint32_t *n,
			      uint32_t i)
{
	(*n)--;
	s[i] = s[*n];
	eps[i] = eps[*n];
	uds[i] = uds[*n];
}

int capos_server_run_multi(struct capos_server *const *servers, const uint32_t *eps, uint32_t n,
			   struct capos_ring_client *ring)
{
	struct capos_server *s[CAPOS_SERVER_MULTI_MAX];
	uint32_t ep[CAPOS_SERVER_MULTI_MAX];
	uint64_t uds[CAPOS_SERVER_MULTI_MAX];
	int err = CAPOS_OK;

	if (n == 0 || n > CAPOS_SERVER_MULTI_MAX)
		return CAPOS_ERR_INVALID;
	for (uint32_t i = 0; i < n && err == CAPOS_OK; i++) {
		s[i] = servers[i];
		ep[i] = eps[i];
		s[i]->next_ud = (uint64_t)i << 48; /* distinct user_data per server */
		err = server_post_recv(s[i], ring, ep[i], &uds[i]);
	}
	while (err == CAPOS_OK && n > 0) {
		struct capos_cqe cqe;
		int i = capos_ring_wait_any(ring, uds, n, CAPOS_TIMEOUT_INFINITE, &cqe);

		if (i < 0)
			return i;
		err = server_serve_cqe(s[i], ring, ep[i], &cqe);
		if (err == CAPOS_ERR_EP_DISCONNECTED) {
			server_multi_drop(s, ep, uds, &n, (uint32_t)i);
			err = CAPOS_OK;
		} else if (err == CAPOS_OK && s[i]->stop) {
			break;
		} else if (err == CAPOS_OK) {
			err = server_post_recv(s[i], ring, ep[i], &uds[i]);
		}
	}
	return err;
}

/* ---- event loops that serve beside other operations (capos-shell's StdIO) */

int capos_server_recv_submit(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			     uint64_t *ud)
{
	return server_post_recv(s, ring, ep, ud);
}

int capos_server_recv_done(struct capos_server *s, const struct capos_cqe *cqe)
{
	s->recv_ud = 0;
	return cqe->status ? cqe->status : capos_server_decode(s, cqe);
}

int capos_server_answer(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep)
{
	return server_answer(s, ring, ep);
}

int capos_server_return(struct capos_server *s, struct capos_ring_client *ring, uint32_t ep,
			uint32_t call_id, const struct capos_server_reply *r)
{
	uint32_t current = s->call.call_id;
	int err;

	s->call.call_id = call_id;
	err = server_return(s, ring, ep, r);
	s->call.call_id = current;
	return err;
}
