/*
 * init's executor (user/init/exec.c): starts the validated service graph through
 * ProcessSpawner and supervises it through ProcessHandles, per each service's restart
 * policy (docs/manifest.md "Executing the graph").
 *
 * Start: services in manifest order (init_graph_run with exec_spawn as its hook), each
 * with exactly the caps its ProcessEntry names: kernel sources as kernel grants, an
 * `endpoint` cap that a service exports as an `endpoint` grant serving the export's
 * interface, an import as a held copy of the client facet init got back when the
 * exporting service started. The first service that cannot start stops the walk; the
 * services already running are killed.
 * Supervise: one ProcessHandle.wait CALL in flight per `wait`/`restart` service at the
 * same time (user_data names the service and its instance), completions taken in the
 * order they arrive:
 *   wait     its end is recorded; exit 0 is success, anything else (or killed) fails
 *   restart  exit 0 ends it for good (success); any other end (non-zero exit, killed)
 *            respawns it with the same grants while fewer than restartBudget restarts
 *            were made, else it has failed for good
 *   ignore   no wait; still running when the graph is done, it is killed then
 * The graph is done when every `wait` and `restart` service has ended for good; init
 * then kills the `ignore` services still running and collects their end, so that the
 * kernel finds every process gone.
 */
#ifndef INIT_EXEC_H
#define INIT_EXEC_H

#include <stdint.h>

#include <libcapos/ring.h>
#include <manifest/manifest.h>

/* init's exit statuses for the graph (0: every service that must finish succeeded). */
#define INIT_EXIT_SERVICE_FAILED 4 /* a `wait` service failed, or a `restart` one for good */
#define INIT_EXIT_NOT_STARTED 5	   /* a service could not be (re)spawned */

/*
 * init_exec_run: start plan's services through the ProcessSpawner cap `spawner`
 * (CAPOS_CAP_NONE-like value 0 with `have_spawner` false: every spawn fails with
 * CAPOS_ERR_NOT_FOUND), supervise them as above and return init's graph status:
 * 0, INIT_EXIT_NOT_STARTED (precedes) or INIT_EXIT_SERVICE_FAILED. Prints one COM2 line
 * per event ("init: exec: ..."). A ring error while supervising kills what still runs
 * and counts as INIT_EXIT_SERVICE_FAILED.
 * Preconditions: plan validated by manifest_check; it stays valid during the call.
 */
int init_exec_run(struct capos_ring_client *ring, int have_spawner, uint32_t spawner,
		  const struct manifest_plan *plan);

#endif
