/*
 * The per-thread shared ring client (contract in libcapos/ring.h): one
 * capos_ring_client per thread in TLS, attached to the thread's ring page the first
 * time anyone asks. Separate from ring.c so the host tests of the client need no
 * runtime.
 */
#include <libcapos/ring.h>

#include <stdbool.h>

#include <capos/error.h>
#include <libcapos/runtime.h>

static __thread struct capos_ring_client ring_self;
static __thread bool ring_self_attached;

int capos_ring_self(struct capos_ring_client **out)
{
	if (!ring_self_attached) {
		int err = capos_ring_attach(&ring_self, capos_thread_ring);

		if (err)
			return err;
		ring_self_attached = true;
	}
	*out = &ring_self;
	return CAPOS_OK;
}
