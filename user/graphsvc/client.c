/*
 * graphcli (user/graphsvc/graphsvc.h): holds "peer", a client facet of graphsrv's
 * exported endpoint (served as Console) that init wired from the export to this
 * import; CALLs it once (no params) and exits 0 if the server answered.
 */
#include <stdio.h>

#include <capos/error.h>
#include <libcapos/ring.h>
#include <schema/capos.capnp.h>

#include "graphsvc.h"

int main(void)
{
	struct capos_ring_client *ring;
	struct capos_cqe cqe;
	uint32_t peer;
	int err;

	if (graphsvc_lookup("peer", capos_Console_TYPE_ID, &peer))
		return GRAPHSVC_EXIT_NO_CAP;
	if (capos_ring_self(&ring))
		return GRAPHSVC_EXIT_IPC;
	err = capos_ring_call(ring, peer, capos_Console_TYPE_ID, 0, NULL, 0, NULL, 0, &cqe);
	printf("graphcli: call through the import: %s\n", err ? capos_error_name(err) : "answered");
	return err ? GRAPHSVC_EXIT_IPC : 0;
}
