/*
 * init's executor (user/init/exec.h): spawn requests built from the validated plan,
 * ProcessHandle waits in flight for every supervised service at once, restart budgets,
 * and the kill of `ignore` services when the graph is done.
 */
#include "exec.h"

#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

#include "graph.h"

#define EXEC_RES_WORDS 128u /* spawn results: framed results + 16 bytes per result cap */
#define EXEC_WAIT_WORDS 16u /* ProcessHandle.wait results */
#define EXEC_UD_TAG (UINT64_C(1) << 62) /* executor user_data: tag | instance << 8 | index */
#define EXEC_UD_MISC (EXEC_UD_TAG | 0xffu)

/* One service's supervision state. */
struct exec_svc {
	int running;	   /* an instance was started and its end not yet seen */
	int waiting;	   /* a wait CALL for it is in flight (ud) */
	int done;	   /* ended for good */
	int failed;	   /* ended for good and counts as failure */
	uint32_t handle;   /* ProcessHandle of the running instance */
	uint64_t pid;	   /* of the running instance */
	uint64_t ud;	   /* user_data of the wait in flight */
	uint32_t restarts; /* respawns made under `restart` */
	uint64_t wait_res[EXEC_WAIT_WORDS];
};

struct exec {
	struct capos_ring_client *ring;
	const struct manifest_plan *plan;
	int have_spawner;
	uint32_t spawner;
	uint64_t instances; /* counter for user_data */
	int not_started;    /* a spawn failed */
	struct exec_svc svc[MANIFEST_MAX_SERVICES];
	uint8_t have_facet[MANIFEST_MAX_TOTAL_EXPORTS];
	uint32_t facet[MANIFEST_MAX_TOTAL_EXPORTS]; /* client facet of each export */
};

static struct exec exec_state;
static uint64_t exec_arena[1024];
static uint64_t exec_framed[1025];
static uint64_t exec_res[EXEC_RES_WORDS];
static struct capos_xfer exec_xfer[CAPOS_XFER_MAX];

static const struct manifest_service *exec_service(const struct exec *ex, uint32_t i)
{
	return &ex->plan->services[i];
}

/* Framed results at buf[0..len) into *m (bounded). */
static int exec_msg(const void *buf, uint32_t len, struct capnp_msg *m)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 1024, .nesting = 8 };

	return capnp_msg_init_framed(m, buf, len, segs, 2, &lim, NULL);
}

/* The CQE status, or for an application failure the CapException's status. */
static int exec_status(int status, const struct capos_cqe *cqe, const void *buf, uint32_t cap)
{
	const struct capos_xfer_result *recs;
	struct capos_CapException_r ex;
	struct capnp_msg m;
	uint32_t len = 0;

	if (status != CAPOS_ERR_RING_EXCEPTION)
		return status;
	if (capos_ring_result_caps(cqe, buf, cap, &recs, &len) < 0 || exec_msg(buf, len, &m) ||
	    capos_CapException_read_root(&m, &ex))
		return CAPOS_ERR_INVALID;
	return capos_CapException_get_status(&ex);
}

/* The interface the service serves on its endpoint cap `gcap` (global cap index): the
 * export naming that cap, 0 if none does (the spawner then refuses the grant). */
static uint64_t exec_served(const struct manifest_plan *p, const struct manifest_service *s,
			    uint32_t gcap)
{
	for (uint32_t e = s->first_export; e < s->first_export + s->nexports; e++)
		if (p->exports[e].cap_index == gcap)
			return p->exports[e].interface_id;
	return 0;
}

/* Appends one grant for plan cap `gcap` to the request; held caps go to exec_xfer. */
static int exec_grant(struct exec *ex, const struct manifest_service *s, uint32_t gcap,
		      struct capos_CapGrant_b *g, uint32_t *nxfer)
{
	const struct manifest_cap *c = &ex->plan->caps[gcap];
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(g);

	(void)capos_CapGrant_set_name(g, c->name.str, c->name.len);
	capos_CapGrant_set_mode(g, capos_TransferMode_copy);
	switch (c->kind) {
	case MANIFEST_SOURCE_KERNEL:
		capos_CapGrant_source_set_kernel(&src, (enum capos_KernelCapSource)c->kernel);
		if (c->kernel == capos_KernelCapSource_endpoint)
			capos_CapGrant_set_interfaceId(g, exec_served(ex->plan, s, gcap));
		return 0;
	case MANIFEST_SOURCE_SERVICE:
		if (c->export_index >= MANIFEST_MAX_TOTAL_EXPORTS ||
		    !ex->have_facet[c->export_index])
			return CAPOS_ERR_NOT_FOUND;
		if (*nxfer >= CAPOS_XFER_MAX)
			return CAPOS_ERR_XFER_TOO_MANY;
		/* a copy of init's unbadged facet minted with the importer's badge */
		capos_CapGrant_set_mode(g, capos_TransferMode_clientFacet);
		capos_CapGrant_set_interfaceId(g, c->interface_id);
		capos_CapGrant_set_badge(g, s->badge);
		(void)capos_CapGrant_source_set_held(&src, *nxfer);
		exec_xfer[(*nxfer)++] = (struct capos_xfer){ .cap = ex->facet[c->export_index],
							     .mode = CAPOS_XFER_COPY };
		return 0;
	default: /* boot sources: the spawner has no such grant yet */
		return CAPOS_ERR_UNSUPPORTED;
	}
}

/* The profile name a spawn request carries: as written, or "default" when empty and the
 * manifest defines it (the schema's rule; the spawner's empty means the parent's). */
static void exec_profile(const struct manifest_plan *p, const struct manifest_process *pr,
			 const char **name, uint32_t *len)
{
	*name = pr->profile.str;
	*len = pr->profile.len;
	if (*len == 0 && pr->profile_index == MANIFEST_NONE) {
		for (uint32_t i = 0; i < p->nprofiles; i++)
			if (p->profiles[i].name.len == 7 &&
			    memcmp(p->profiles[i].name.str, "default", 7) == 0) {
				*name = "default";
				*len = 7;
			}
	}
}

/* Builds service i's spawn request into exec_framed; *plen bytes, *nxfer held caps. */
static int exec_encode(struct exec *ex, uint32_t i, uint32_t *plen, uint32_t *nxfer)
{
	const struct manifest_service *s = exec_service(ex, i);
	const struct manifest_process *pr = &s->process;
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	const char *profile;
	uint32_t profile_len;
	size_t n = 0;
	int err;

	*nxfer = 0;
	if (capnp_builder_init(&b, &seg, 1, exec_arena, sizeof(exec_arena)) ||
	    capos_ProcessSpawner_spawn_request(&b, &p))
		return CAPOS_ERR_NO_MEMORY;
	exec_profile(ex->plan, pr, &profile, &profile_len);
	(void)capos_ProcessSpawner_spawn_Params_set_name(&p, s->name.str, s->name.len);
	(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, pr->binary.str, pr->binary.len);
	if (profile_len)
		(void)capos_ProcessSpawner_spawn_Params_set_profile(&p, profile, profile_len);
	(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, pr->ncaps, &list);
	for (uint32_t k = 0; k < pr->ncaps; k++) {
		struct capos_CapGrant_b g = capos_CapGrant_list_build(&list, k);

		err = exec_grant(ex, s, pr->first_cap + k, &g, nxfer);
		if (err)
			return err;
	}
	err = capnp_builder_error(&b);
	if (err == 0)
		err = capnp_builder_write_framed(&b, exec_framed, sizeof(exec_framed), &n);
	*plen = (uint32_t)n;
	return err;
}

/* RELEASE of one of init's caps (the executor's own handles and facets). */
static int exec_release(struct exec *ex, uint32_t cap)
{
	return capos_ring_release(ex->ring, cap);
}

/* Records the facets of service i's exports from the spawn results (by grant name). */
static int exec_exports(struct exec *ex, uint32_t i, const struct capos_cqe *cqe,
			const struct capos_ProcessSpawner_spawn_Results_r *r)
{
	const struct manifest_service *s = exec_service(ex, i);
	struct capos_ExportedCap_rlist list;
	int err = capos_ProcessSpawner_spawn_Results_get_exports(r, &list);

	for (uint32_t e = s->first_export; err == 0 && e < s->first_export + s->nexports; e++) {
		const struct manifest_export *x = &ex->plan->exports[e];
		const struct manifest_text *want = &ex->plan->caps[x->cap_index].name;
		int found = 0;

		for (uint32_t k = 0; err == 0 && !found && k < capos_ExportedCap_list_len(&list);
		     k++) {
			struct capos_ExportedCap_r c = capos_ExportedCap_list_get(&list, k);
			struct capnp_text name;
			uint32_t index = 0, cap = 0;

			err = capos_ExportedCap_get_name(&c, &name);
			if (err || name.len != want->len || memcmp(name.str, want->str, name.len))
				continue;
			err = capos_ExportedCap_get_cap(&c, &index);
			if (err == 0)
				err = capos_ring_result_cap(cqe, exec_res, sizeof(exec_res), index,
							    x->interface_id, &cap);
			if (err == 0) {
				if (ex->have_facet[e])
					(void)exec_release(ex, ex->facet[e]);
				ex->facet[e] = cap;
				ex->have_facet[e] = 1;
				found = 1;
			}
		}
		if (err == 0 && !found)
			err = CAPOS_ERR_NOT_FOUND;
	}
	return err;
}

/* ProcessSpawner.spawn for service i; on success its handle and pid are recorded. */
static int exec_spawn_one(struct exec *ex, uint32_t i)
{
	struct exec_svc *v = &ex->svc[i];
	struct capos_ProcessSpawner_spawn_Results_r r;
	const struct capos_xfer_result *recs;
	struct capos_cqe cqe;
	struct capnp_msg m;
	uint32_t plen = 0, nxfer = 0, index = 0, len = 0;
	int err;

	if (!ex->have_spawner)
		return CAPOS_ERR_NOT_FOUND;
	err = exec_encode(ex, i, &plen, &nxfer);
	if (err == 0)
		err = exec_status(
			capos_ring_call_xfer(ex->ring, ex->spawner, capos_ProcessSpawner_TYPE_ID,
					     capos_ProcessSpawner_METHOD_spawn, exec_framed, plen,
					     exec_xfer, (uint16_t)nxfer, exec_res, sizeof(exec_res),
					     &cqe),
			&cqe, exec_res, sizeof(exec_res));
	if (err == 0 && capos_ring_result_caps(&cqe, exec_res, sizeof(exec_res), &recs, &len) < 0)
		err = CAPOS_ERR_INVALID;
	if (err == 0)
		err = exec_msg(exec_res, len, &m);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	if (err == 0)
		err = capos_ring_result_cap(&cqe, exec_res, sizeof(exec_res), index,
					    capos_ProcessHandle_TYPE_ID, &v->handle);
	if (err)
		return err;
	v->running = 1;
	v->pid = capos_ProcessSpawner_spawn_Results_get_pid(&r);
	return exec_exports(ex, i, &cqe, &r);
}

/* init_spawn_fn for init_graph_run: start service `index` and print its line. */
static int exec_spawn(void *ctx, const struct manifest_plan *plan, uint32_t index)
{
	struct exec *ex = ctx;
	const struct manifest_service *s = &plan->services[index];
	int err = exec_spawn_one(ex, index);

	if (err) {
		ex->not_started = 1;
		return err;
	}
	printf("init: exec: service \"%.*s\" started (pid %llu, exports %u)\n", (int)s->name.len,
	       s->name.str, (unsigned long long)ex->svc[index].pid, (unsigned)s->nexports);
	return 0;
}

/* Puts a ProcessHandle.wait CALL for service i in flight (completes when it ends). */
static int exec_submit_wait(struct exec *ex, uint32_t i)
{
	struct exec_svc *v = &ex->svc[i];
	struct capos_sqe *sqe;
	int rc = capos_ring_get_sqe(ex->ring, &sqe);

	if (rc)
		return rc;
	v->ud = EXEC_UD_TAG | (++ex->instances << 8) | i;
	sqe->opcode = CAPOS_OP_CALL;
	sqe->cap = v->handle;
	sqe->interface_id = capos_ProcessHandle_TYPE_ID;
	sqe->method = capos_ProcessHandle_METHOD_wait;
	sqe->result_addr = (uint64_t)(uintptr_t)v->wait_res;
	sqe->result_len = sizeof(v->wait_res);
	sqe->user_data = v->ud;
	capos_ring_submit(ex->ring);
	v->waiting = 1;
	return 0;
}

/* Reads a completed wait of service i: (exit code, killed) or the error. */
static int exec_wait_result(struct exec_svc *v, const struct capos_cqe *cqe, int64_t *code,
			    int *killed)
{
	struct capos_ProcessHandle_wait_Results_r r;
	struct capnp_msg m;
	int err = exec_status(cqe->status, cqe, v->wait_res, sizeof(v->wait_res));

	if (err == 0)
		err = exec_msg(v->wait_res, cqe->result_len, &m);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	return err;
}

/* Waits until one in-flight wait completes; *which is its service. One blocking
 * capos_ring_wait_any over every pending user_data: polling them one at a time and then
 * sleeping in cap_enter(1) could stash a completion that arrived during the polls (a
 * service ending on another CPU) and then sleep forever with it in the stash. */
static int exec_next(struct exec *ex, uint32_t *which, struct capos_cqe *cqe)
{
	uint64_t uds[MANIFEST_MAX_SERVICES];
	uint32_t svc[MANIFEST_MAX_SERVICES], n = 0;
	int k;

	for (uint32_t i = 0; i < ex->plan->nservices; i++) {
		if (!ex->svc[i].waiting)
			continue;
		uds[n] = ex->svc[i].ud;
		svc[n++] = i;
	}
	if (n == 0)
		return CAPOS_ERR_NOT_FOUND;
	k = capos_ring_wait_any(ex->ring, uds, n, CAPOS_TIMEOUT_INFINITE, cqe);
	if (k < 0)
		return k;
	ex->svc[svc[k]].waiting = 0;
	*which = svc[k];
	return 0;
}

/* "exited 3" / "was killed" for a line. */
static void exec_print_end(const struct manifest_service *s, int64_t code, int killed,
			   const char *tail)
{
	if (killed)
		printf("init: exec: service \"%.*s\" was killed%s\n", (int)s->name.len, s->name.str,
		       tail);
	else
		printf("init: exec: service \"%.*s\" exited %lld%s\n", (int)s->name.len,
		       s->name.str, (long long)code, tail);
}

/* Service i ended with (code, killed): apply its policy. */
static void exec_ended(struct exec *ex, uint32_t i, int64_t code, int killed)
{
	const struct manifest_service *s = exec_service(ex, i);
	struct exec_svc *v = &ex->svc[i];
	int ok = !killed && code == 0;
	char tail[64];
	int err;

	v->running = 0;
	(void)exec_release(ex, v->handle);
	if (s->restart != manifest_RestartPolicy_restart || ok) {
		exec_print_end(s, code, killed, "");
		v->done = 1;
		v->failed = !ok && s->restart != manifest_RestartPolicy_ignore;
		return;
	}
	if (v->restarts >= s->restart_budget) {
		snprintf(tail, sizeof(tail), "; restart budget %u spent",
			 (unsigned)s->restart_budget);
		exec_print_end(s, code, killed, tail);
		v->done = v->failed = 1;
		return;
	}
	v->restarts++;
	snprintf(tail, sizeof(tail), "; restart %u of %u", (unsigned)v->restarts,
		 (unsigned)s->restart_budget);
	exec_print_end(s, code, killed, tail);
	err = exec_spawn_one(ex, i);
	if (err == 0)
		err = exec_submit_wait(ex, i);
	if (err) {
		printf("init: exec: service \"%.*s\" not restarted: %s\n", (int)s->name.len,
		       s->name.str, capos_error_name(err));
		ex->not_started = 1;
		v->done = v->failed = 1;
	}
}

/* ProcessHandle.kill, synchronous. */
static int exec_kill(struct exec *ex, uint32_t handle)
{
	struct capos_cqe cqe;
	uint64_t res[8];

	return exec_status(capos_ring_call(ex->ring, handle, capos_ProcessHandle_TYPE_ID,
					   capos_ProcessHandle_METHOD_kill, NULL, 0, res,
					   sizeof(res), &cqe),
			   &cqe, res, sizeof(res));
}

/* Kills every instance still running and collects its end (a wait already in flight,
 * or a new one), so that every process of the graph is gone when init exits. */
static int exec_stop_all(struct exec *ex, const char *why)
{
	int failed = 0;

	for (uint32_t i = 0; i < ex->plan->nservices; i++) {
		const struct manifest_service *s = exec_service(ex, i);
		struct exec_svc *v = &ex->svc[i];
		struct capos_cqe cqe;
		int64_t code = 0;
		int killed = 0;
		int err;

		if (!v->running)
			continue;
		err = exec_kill(ex, v->handle);
		if (err == 0 && !v->waiting)
			err = exec_submit_wait(ex, i);
		if (err == 0)
			err = capos_ring_wait(ex->ring, v->ud, CAPOS_TIMEOUT_INFINITE, &cqe);
		v->waiting = 0;
		if (err == 0)
			err = exec_wait_result(v, &cqe, &code, &killed);
		if (err) {
			printf("init: exec: service \"%.*s\" could not be stopped: %s\n",
			       (int)s->name.len, s->name.str, capos_error_name(err));
			failed = 1;
			continue;
		}
		v->running = 0;
		(void)exec_release(ex, v->handle);
		exec_print_end(s, code, killed, why);
	}
	return failed;
}

/* Supervise until every `wait`/`restart` service has ended for good. */
static int exec_supervise(struct exec *ex)
{
	for (uint32_t i = 0; i < ex->plan->nservices; i++) {
		int err;

		if (exec_service(ex, i)->restart == manifest_RestartPolicy_ignore)
			continue;
		err = exec_submit_wait(ex, i);
		if (err)
			return err;
	}
	for (;;) {
		struct capos_cqe cqe;
		uint32_t i = 0;
		int64_t code = 0;
		int killed = 0;
		int err = exec_next(ex, &i, &cqe);

		if (err == CAPOS_ERR_NOT_FOUND)
			return 0; /* nothing left in flight: the graph is done */
		if (err == 0)
			err = exec_wait_result(&ex->svc[i], &cqe, &code, &killed);
		if (err)
			return err;
		exec_ended(ex, i, code, killed);
	}
}

int init_exec_run(struct capos_ring_client *ring, int have_spawner, uint32_t spawner,
		  const struct manifest_plan *plan)
{
	struct exec *ex = &exec_state;
	struct init_graph_result res;
	int err, failed = 0, status;

	memset(ex, 0, sizeof(*ex));
	ex->ring = ring;
	ex->plan = plan;
	ex->have_spawner = have_spawner;
	ex->spawner = spawner;
	err = init_graph_run(plan, exec_spawn, ex, &res);
	if (err == 0) {
		err = exec_supervise(ex);
		if (err) {
			printf("init: exec: supervision failed: %s\n", capos_error_name(err));
			failed = 1;
		}
	}
	failed |= exec_stop_all(ex, err ? " (stopped: the graph failed)"
					: " (stopped: the graph is done)");
	for (uint32_t i = 0; i < plan->nservices; i++)
		failed |= ex->svc[i].failed;
	for (uint32_t e = 0; e < MANIFEST_MAX_TOTAL_EXPORTS; e++)
		if (ex->have_facet[e])
			(void)exec_release(ex, ex->facet[e]);
	status = ex->not_started ? INIT_EXIT_NOT_STARTED : failed ? INIT_EXIT_SERVICE_FAILED : 0;
	printf("init: exec: graph done: %u services started, status %d\n", (unsigned)res.started,
	       status);
	return status;
}
