/*
 * libcapos server runtime (lib/include/libcapos/server.h): the common main loop of a
 * service with one served endpoint: capos_server_serve_named, then say how it ended on
 * the console.
 */
#include <libcapos/server.h>

#include <stdio.h>

#include <capos/error.h>

int capos_server_main(struct capos_server *s, const char *prog, const char *ep_name,
		      const struct capos_server_iface *ifaces, uint32_t nifaces)
{
	int err = capos_server_serve_named(s, ifaces, nifaces, ep_name);

	if (err) {
		printf("%s: stopped: %s\n", prog, capos_error_name(err));
		return 1;
	}
	printf("%s: endpoint closed after %llu calls\n", prog, (unsigned long long)s->calls);
	return 0;
}
