/*
 * Spawning child processes and waiting for them (lib/libcapos/spawn.c): one
 * ProcessSpawner.spawn request built from a plain description (binary, name, optional
 * resource profile, grants), ProcessHandle.wait and ProcessHandle.kill, each one
 * synchronous CALL on the given ring. The request is framed into a per-thread buffer,
 * so threads of one process may spawn concurrently on their own rings.
 */
#ifndef LIBCAPOS_SPAWN_H
#define LIBCAPOS_SPAWN_H

#include <stdint.h>

#include <libcapos/ring.h>

/* One capability given to the child: a fresh kernel object (kernel is a
 * KernelCapSource other than none) or a copy of one of the caller's caps (kernel ==
 * capos_KernelCapSource_none, the cap in `held`). */
struct capos_spawn_grant {
	const char *name;    /* the child's CapSet name */
	uint16_t kernel;     /* a KernelCapSource, or capos_KernelCapSource_none for `held` */
	uint32_t held;	     /* the caller's cap, copied (kernel == none) */
	uint64_t export_iid; /* non-zero: an exported endpoint (kernel == endpoint) whose
				facet of this interface comes back in req->exports */
};

#define CAPOS_SPAWN_GRANTS_MAX 8u

/* What to spawn: the BootPackage binary `binary` as process `name`, under resource
 * profile `profile` (NULL: the spawner's default), with grants[0..ngrants). */
struct capos_spawn_req {
	const char *binary;
	const char *name;
	const char *profile;
	const struct capos_spawn_grant *grants;
	uint32_t ngrants;
	uint32_t *exports; /* out: one facet per grant with export_iid, in grant order */
};

/*
 * ProcessSpawner.spawn of `req` on `spawner` through `ring`; the child's ProcessHandle
 * in *handle, the facets of its exported endpoints in req->exports (docs/spawn.md:
 * exports come first in the result, in grant order). Errors: CAPOS_ERR_INVALID (more
 * than CAPOS_SPAWN_GRANTS_MAX grants, a NULL binary or name, exports without
 * req->exports), the CALL's status (the spawner's refusals, e.g.
 * CAPOS_ERR_SPAWN_* codes; docs/spawn.md), capnp builder and ring client errors.
 */
int capos_spawn(struct capos_ring_client *ring, uint32_t spawner, const struct capos_spawn_req *req,
		uint32_t *handle);

/* ProcessHandle.wait on h: the exit code in *code and whether it was killed in
 * *killed. Errors: the CALL's status, ring client and capnp reader errors. */
int capos_process_wait(struct capos_ring_client *ring, uint32_t h, int64_t *code, int *killed);

/* Decodes the completion `cqe` of a ProcessHandle.wait CALL whose results went to
 * [res, res + res_cap) (for a wait kept in flight with capos_ring_prep_call): the
 * exit code in *code, whether it was killed in *killed. Errors: the CQE's status,
 * CAPOS_ERR_INVALID (result_len beyond res_cap), capnp reader errors. */
int capos_process_wait_results(const struct capos_cqe *cqe, const void *res, uint32_t res_cap,
			       int64_t *code, int *killed);

/* ProcessHandle.kill on h. Errors: the CALL's status, ring client errors. */
int capos_process_kill(struct capos_ring_client *ring, uint32_t h);

#endif
