/*
 * Shared by user/stdiotest's files: the child processes it starts (spawn.c), the
 * StdIO server it runs for them (main.c) and the StdIO dispatch entry (stdio_srv.c,
 * also used by user/stdiovanish).
 */
#ifndef STDIOTEST_H
#define STDIOTEST_H

#include <stdint.h>

#include <libcapos/server.h>
#include <schema/session.capnp.h>

#define SX_GRANTS_MAX 4u

enum sx_kind {
	SX_KERNEL, /* a fresh kernel object: `source` */
	SX_FACET,  /* a client facet of the held raw endpoint `cap` (clientFacet) */
	SX_COPY,   /* a copy of the held cap `cap` */
	SX_EXPORT, /* a fresh endpoint owned by the child; its facet comes back */
};

struct sx_grant {
	const char *name;
	enum sx_kind kind;
	uint16_t source; /* SX_KERNEL: enum capos_KernelCapSource */
	uint32_t cap;	 /* SX_FACET, SX_COPY: the cap sent with the spawn */
	uint64_t iid;	 /* interfaceId of facets and exports */
	uint64_t badge;
};

/* A started child: its handle and, with an SX_EXPORT grant, the exported facet. */
struct sx_child {
	uint32_t handle;
	uint32_t export_facet; /* 0 when none */
};

/* Spawn `binary` (also its process name) with grants g[0..n). Errors: the CQE status
 * or a refusal's CapException status, result decoding errors. */
int sx_spawn(const char *binary, const struct sx_grant *g, uint32_t n, struct sx_child *child);

/* Queue ProcessHandle.wait on `handle` without waiting (completion user_data `ud`). */
int sx_wait_submit(uint32_t handle, uint64_t ud);

/* The exit of the child whose wait completed with `cqe`: code, killed. */
int sx_wait_result(const struct capos_cqe *cqe, int64_t *code, int *killed);

/* ProcessHandle.kill on `handle` (synchronous). */
int sx_kill(uint32_t handle);

/* Release the caps of `child`. */
int sx_release(const struct sx_child *child);

/* What a StdIO server received through write. */
struct sx_sink {
	char *buf;	 /* the bytes, in order */
	uint32_t cap;	 /* buf's size */
	uint32_t len;	 /* bytes kept */
	uint32_t writes; /* write calls */
	int overflow;	 /* a write did not fit: not kept */
};

/* Record the write `p` in `k` (counted; its bytes appended, or overflow set). Errors:
 * the params' decoding (CAPOS_ERR_CAPNP_*). */
int sx_sink_write(struct sx_sink *k, const struct session_StdIO_write_Params_r *p);

/* The server-runtime entry serving StdIO with `handlers` (stdio_srv.c; the table must
 * outlive the server). */
struct capos_server_iface sx_stdio_iface(const struct session_StdIO_server *handlers);

#endif
