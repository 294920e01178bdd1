/*
 * The service-graph walk (user/init/graph.h): the validated services in manifest order,
 * each handed to the executor's spawn hook. Starting processes is the executor's job
 * (ProcessSpawner); this file only fixes the order and the failure policy.
 */
#include "graph.h"

#include <stdio.h>

#include <capos/error.h>

int init_graph_run(const struct manifest_plan *plan, init_spawn_fn *spawn, void *ctx,
		   struct init_graph_result *out)
{
	*out = (struct init_graph_result){ 0 };
	for (uint32_t i = 0; i < plan->nservices; i++) {
		const struct manifest_service *s = &plan->services[i];
		int err = spawn ? spawn(ctx, plan, i) : CAPOS_ERR_UNSUPPORTED;

		if (err) {
			printf("init: graph: service \"%.*s\" not started: %s\n", (int)s->name.len,
			       s->name.str, capos_error_name(err));
			out->error = err;
			out->failed = i;
			return err;
		}
		out->started++;
	}
	return 0;
}
