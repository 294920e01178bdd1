/*
 * Spawning and waiting for the child processes of the PARK, sync and thread stress boot
 * tests (user/parktest, user/synctest, user/tstress; compiled into each). A grant is a
 * fresh kernel object (kernel != none) or one of the caller's caps (copied).
 */
#ifndef PARKTEST_PEER_H
#define PARKTEST_PEER_H

#include <stdint.h>

#include <libcapos/ring.h>

struct peer_grant {
	const char *name; /* the child's CapSet name */
	uint16_t kernel;  /* a KernelCapSource, or capos_KernelCapSource_none for `held` */
	uint32_t held;	  /* the caller's cap, copied (kernel == none) */
};

#define PEER_GRANTS_MAX 8u

/* ProcessSpawner.spawn of `binary` as `name` with grants g[0..n) (n <= PEER_GRANTS_MAX);
 * the ProcessHandle in *handle. Errors: the call's status, capnp and ring errors,
 * CAPOS_ERR_INVALID (n too large). */
int peer_spawn(struct capos_ring_client *ring, uint32_t spawner, const char *binary,
	       const char *name, const struct peer_grant *g, uint32_t n, uint32_t *handle);

/* ProcessHandle.wait on h: the exit code and whether it was killed. */
int peer_wait(struct capos_ring_client *ring, uint32_t h, int64_t *code, int *killed);

/* ProcessHandle.kill on h. */
int peer_kill(struct capos_ring_client *ring, uint32_t h);

#endif
