/*
 * libcapos server runtime (lib/include/libcapos/server.h): the common main loop of a
 * service with one served endpoint: find it in the CapSet, serve until it is closed,
 * say how it ended on the console.
 */
#include <libcapos/server.h>

#include <stdio.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>

int capos_server_main(struct capos_server *s, const char *prog, const char *ep_name,
		      const struct capos_server_iface *ifaces, uint32_t nifaces)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	struct capos_ring_client *ring;
	uint32_t ep;
	int err = capos_ring_self(&ring);

	if (err == CAPOS_OK)
		err = capos_capset_lookup(cs, ep_name, capos_Endpoint_TYPE_ID, &ep);
	if (err == CAPOS_OK)
		err = capos_server_init(s, ifaces, nifaces);
	if (err == CAPOS_OK)
		err = capos_server_run(s, ring, ep);
	if (err) {
		printf("%s: stopped: %s\n", prog, capos_error_name(err));
		return 1;
	}
	printf("%s: endpoint closed after %llu calls\n", prog, (unsigned long long)s->calls);
	return 0;
}
