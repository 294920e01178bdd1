/*
 * ipcpeer: the child of the two-process IPC tests (user/ipctest spawns it through
 * ProcessSpawner); what its CapSet holds decides its role:
 *   "srv"    (Endpoint, a fresh endpoint it owns; its facet went to the parent):
 *            RECV one call and exit IPCPEER_GONE without answering it, so the
 *            parent's calls must come back `disconnected` when this process is gone
 *   "caller" (a client facet of the parent's endpoint): CALL it once and wait for the
 *            answer, which never comes: the parent kills this process mid-call
 *   "timed"  (a client facet of the parent's endpoint): CALL it (method 4) and wait
 *            IPCPEER_WAIT_NS for the answer, which must time out (the parent holds the
 *            call, running on this thread's scheduling entity after the handoff:
 *            the timeout ends that donation); then CALL again (method 5: the parent's
 *            sign that the wait expired), collect both answers, exit IPCPEER_TIMED
 * Anything else: exit IPCPEER_BAD. Exit codes tell the parent's wait what happened.
 */
#include <stdint.h>
#include <string.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define IPCPEER_GONE 50	    /* served nothing, exited with a call in service */
#define IPCPEER_ANSWERED 51 /* the caller's CALL was answered (it should not be) */
#define IPCPEER_BAD 52	    /* wrong CapSet or ring error */
#define IPCPEER_TIMED 53    /* "timed": the wait expired, then both calls were answered */
#define IPCPEER_WAIT_NS (20ull * 1000 * 1000)
#define IPCPEER_IFACE UINT64_C(0xC0FFEE0012345678) /* user/ipctest's IPC_IFACE */

static int ipcpeer_serve_once(struct capos_ring_client *ring, uint32_t ep)
{
	static uint64_t buf[64];
	struct capos_sqe *sqe;
	struct capos_cqe cqe;

	if (capos_ring_get_sqe(ring, &sqe))
		return IPCPEER_BAD;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = CAPOS_OP_RECV;
	sqe->cap = ep;
	sqe->result_addr = (uint64_t)(uintptr_t)buf;
	sqe->result_len = sizeof(buf);
	sqe->user_data = 1;
	capos_ring_submit(ring);
	if (capos_ring_wait(ring, 1, CAPOS_TIMEOUT_INFINITE, &cqe) || cqe.status)
		return IPCPEER_BAD;
	return IPCPEER_GONE; /* exit with the call in service: the kernel disconnects it */
}

static int ipcpeer_call(struct capos_ring_client *ring, uint32_t facet)
{
	static uint64_t res[8];
	struct capos_cqe cqe;

	(void)capos_ring_call(ring, facet, IPCPEER_IFACE, 3, NULL, 0, res, sizeof(res), &cqe);
	return IPCPEER_ANSWERED;
}

static int ipcpeer_timed_call(struct capos_ring_client *ring, uint32_t facet)
{
	static uint64_t res1[8], res2[8];
	struct capos_sqe *sqe;
	struct capos_cqe cqe;

	if (capos_ring_get_sqe(ring, &sqe))
		return IPCPEER_BAD;
	memset(sqe, 0, sizeof(*sqe));
	capos_ring_prep_call(sqe, facet, IPCPEER_IFACE, 4, NULL, 0, res1, sizeof(res1));
	sqe->user_data = 1;
	capos_ring_submit(ring);
	if (capos_ring_wait(ring, 1, IPCPEER_WAIT_NS, &cqe) != CAPOS_ERR_RING_TIMED_OUT)
		return IPCPEER_ANSWERED; /* the parent holds it: the wait must expire */
	if (capos_ring_call(ring, facet, IPCPEER_IFACE, 5, NULL, 0, res2, sizeof(res2), &cqe) ||
	    cqe.status)
		return IPCPEER_BAD;
	if (capos_ring_wait(ring, 1, CAPOS_TIMEOUT_INFINITE, &cqe) || cqe.status)
		return IPCPEER_BAD;
	return IPCPEER_TIMED;
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	struct capos_ring_client *ring;
	uint32_t cap;

	if (capos_ring_self(&ring))
		return IPCPEER_BAD;
	if (capos_capset_lookup(cs, "srv", capos_Endpoint_TYPE_ID, &cap) == 0)
		return ipcpeer_serve_once(ring, cap);
	if (capos_capset_lookup(cs, "caller", IPCPEER_IFACE, &cap) == 0)
		return ipcpeer_call(ring, cap);
	if (capos_capset_lookup(cs, "timed", IPCPEER_IFACE, &cap) == 0)
		return ipcpeer_timed_call(ring, cap);
	return IPCPEER_BAD;
}
