/*
 * The StdIO side shared by user/stdiotest and user/stdiovanish: the server-runtime
 * table entry that dispatches StdIO (schema/session.capnp) to a handler table, and
 * the record of what the writes carried. Compiled into both programs.
 */
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <libcapos/server.h>
#include <schema/session.capnp.h>

#include "stdiotest.h"

/* `self` is the handler table (the handlers ignore their own `self`). */
static int sx_stdio_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			     struct capnp_builder *results)
{
	return session_StdIO_dispatch(self, self, method, params, results);
}

struct capos_server_iface sx_stdio_iface(const struct session_StdIO_server *handlers)
{
	return (struct capos_server_iface){ session_StdIO_TYPE_ID, session_StdIO_METHOD_COUNT,
					    sx_stdio_dispatch, (void *)handlers };
}

int sx_sink_write(struct sx_sink *k, const struct session_StdIO_write_Params_r *p)
{
	struct capnp_data d;
	int err = session_StdIO_write_Params_get_data(p, &d);

	if (err)
		return err;
	k->writes++;
	if (d.len > k->cap - k->len) {
		k->overflow = 1;
		return CAPOS_OK;
	}
	memcpy(k->buf + k->len, d.ptr, d.len);
	k->len += d.len;
	return CAPOS_OK;
}
