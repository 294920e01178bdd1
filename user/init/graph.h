/*
 * init's view of the boot manifest (user/init/manifest.c) and the service-graph walk
 * (user/init/graph.c). init reads the manifest through BootPackage in bounded chunks,
 * validates it with lib/manifest (never trusting the build), and walks the validated
 * services in order, handing each to a spawn hook: the executor (user/init/exec.h) plugs
 * in there.
 */
#ifndef INIT_GRAPH_H
#define INIT_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include <libcapos/ring.h>
#include <manifest/manifest.h>

#define INIT_MANIFEST_CHUNK 2048u /* readManifest maxBytes per call (the kernel's bound) */

/* A manifest read and validated by init; the plan points into `buf`. */
struct init_manifest {
	uint8_t *buf; /* malloc'd, `len` bytes */
	size_t len;
	uint32_t chunks;	    /* readManifest calls that returned data */
	struct manifest_plan *plan; /* malloc'd */
};

/*
 * init_manifest_load: BootPackage.manifestSize, then readManifest(offset, CHUNK) until
 * the whole manifest is in a malloc'd buffer, then manifest_check with
 * MANIFEST_CHECK_IMAGES. Prints one line: the summary on success, else one line per
 * finding ("init: manifest: invalid: <message> (<CODE>)"). Returns 0 or the error (a
 * ring/call error, CAPOS_ERR_NO_MEMORY, CAPOS_ERR_OUT_OF_RANGE for a size of 0 or over
 * MANIFEST_MAX_MESSAGE_BYTES, CAPOS_ERR_INVALID for a chunk that is empty or longer than
 * asked before the end, or the first finding's code). On error *m holds nothing.
 */
int init_manifest_load(struct capos_ring_client *ring, uint32_t boot, struct init_manifest *m);

/* Free what init_manifest_load allocated. */
void init_manifest_free(struct init_manifest *m);

/*
 * Start one validated service: plan->services[index], with exactly the caps its
 * ProcessEntry names (plan->caps[first_cap ..]) resolved against what earlier services
 * exported. Returns 0 or an error; `ctx` is the executor's.
 */
typedef int init_spawn_fn(void *ctx, const struct manifest_plan *plan, uint32_t index);

struct init_graph_result {
	uint32_t started; /* services the hook started */
	int error;	  /* the first failure (0: none) */
	uint32_t failed;  /* index of the service that failed (valid when error != 0) */
};

/*
 * init_graph_run: walk plan->services in order (every import names an earlier
 * service, so order is a valid start order) and call spawn for each; stop at the first
 * failure (later services may import from it) and print
 * `init: graph: service "<name>" not started: <CODE>`. spawn == NULL (no executor yet)
 * fails every service with CAPOS_ERR_UNSUPPORTED. Returns 0 or the first error.
 */
int init_graph_run(const struct manifest_plan *plan, init_spawn_fn *spawn, void *ctx,
		   struct init_graph_result *out);

#endif
