/*
 * graphsrv (user/graphsvc/graphsvc.h): holds a raw Endpoint "serve" that the manifest
 * exports; RECVs one call through it, prints one line, RETURNs empty results, exits 0.
 */
#include <stdio.h>
#include <string.h>

#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/ring.h>
#include <schema/capos.capnp.h>

#include "graphsvc.h"

/* Submits the filled SQE and waits for its completion; its status. */
static int graphsrv_sync(struct capos_ring_client *ring, struct capos_sqe *sqe, uint64_t ud,
			 struct capos_cqe *cqe)
{
	int err;

	sqe->user_data = ud;
	capos_ring_submit(ring);
	err = capos_ring_wait(ring, ud, CAPOS_TIMEOUT_INFINITE, cqe);
	return err ? err : cqe->status;
}

int main(void)
{
	static uint64_t buf[64];
	struct capos_ring_client *ring;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	uint32_t ep;

	if (graphsvc_lookup("serve", capos_Endpoint_TYPE_ID, &ep))
		return GRAPHSVC_EXIT_NO_CAP;
	if (capos_ring_self(&ring) || capos_ring_get_sqe(ring, &sqe))
		return GRAPHSVC_EXIT_IPC;
	sqe->opcode = CAPOS_OP_RECV;
	sqe->cap = ep;
	sqe->result_addr = (uint64_t)(uintptr_t)buf;
	sqe->result_len = sizeof(buf);
	if (graphsrv_sync(ring, sqe, 1, &cqe))
		return GRAPHSVC_EXIT_IPC;
	/* printf uses the ring too: reserve the RETURN's SQE only after it. */
	printf("graphsrv: served one call (badge %llu)\n", (unsigned long long)cqe.badge);
	if (capos_ring_get_sqe(ring, &sqe))
		return GRAPHSVC_EXIT_IPC;
	sqe->opcode = CAPOS_OP_RETURN;
	sqe->cap = ep;
	sqe->aux = cqe.call_id;
	return graphsrv_sync(ring, sqe, 2, &cqe) ? GRAPHSVC_EXIT_IPC : 0;
}
