/*
 * capos-shell: children and the event loop (shell.h "jobs.c", docs/shell.md "run and
 * spawn"). `run`/`spawn` start a binary through the bundle's `launcher`
 * (ProcessSpawner) holding exactly the parsed grants: `name: @cap` a copy of a bundle
 * cap, `name: client @stdio` a CALL-only facet of the shell's stdio endpoint badged
 * with the job number. Nothing else is inherited; the terminal never leaves the shell.
 *
 * The event loop keeps in flight at once: one TerminalSession.readLine, one RECV on
 * the stdio endpoint, and a ProcessHandle.wait per child (capos_ring_wait_any collects
 * whichever completes). While a `run` child is in the foreground its terminal lines
 * are its stdin (a StdIO.readLine with no line typed yet is held and answered when one
 * arrives), and Ctrl-C kills it; a background child's readLine gets eof.
 */
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/server.h>
#include <schema/capos.capnp.h>
#include <schema/session.capnp.h>

#include "shell.h"

struct sh_stdin_line {
	uint32_t len;
	char text[SHELL_LINE_MAX];
};

static struct capos_server sh_srv;
static struct capos_client_call job_msg;
static uint64_t sh_wait_params[4];
static uint32_t sh_wait_plen;
static struct sh_stdin_line sh_stdin[SH_STDIN_LINES]; /* lines typed ahead, FIFO */
static uint32_t sh_stdin_head, sh_stdin_count;
static bool sh_stdin_eof;     /* the foreground child's input ended (Ctrl-D) */
static bool sh_read_held;     /* a foreground StdIO.readLine waits for a line */
static uint32_t sh_read_call; /* ... its call id */
static uint64_t sh_reply_arena[80];
static uint64_t sh_reply_out[81];

/* ---- StdIO server */

static bool sh_caller_is_fg(uint64_t badge)
{
	return sh.fg >= 0 && badge == sh.jobs[sh.fg].number;
}

/* Fill readLine results: the oldest typed line, or eof (background, Ctrl-D). */
static int sh_stdio_fill(struct session_StdIO_readLine_Results_b *r, bool fg)
{
	struct sh_stdin_line *l;
	int err;

	if (!fg || sh_stdin_count == 0) {
		session_StdIO_readLine_Results_set_eof(r, true);
		return CAPOS_OK;
	}
	l = &sh_stdin[sh_stdin_head];
	err = session_StdIO_readLine_Results_set_line(r, l->text, l->len);
	sh_stdin_head = (sh_stdin_head + 1u) % SH_STDIN_LINES;
	sh_stdin_count--;
	return err;
}

static int sh_stdio_write(void *self, const struct session_StdIO_write_Params_r *p,
			  struct session_StdIO_write_Results_b *r)
{
	struct capnp_data d = { 0 };
	int err = session_StdIO_write_Params_get_data(p, &d);

	(void)self;
	(void)r;
	if (err)
		return err;
	return d.len ? sh_term_write(d.ptr, d.len) : CAPOS_OK;
}

static int sh_stdio_read_line(void *self, const struct session_StdIO_readLine_Params_r *p,
			      struct session_StdIO_readLine_Results_b *r)
{
	(void)self;
	(void)p;
	return sh_stdio_fill(r, sh_caller_is_fg(sh_srv.call.badge));
}

static const struct session_StdIO_server sh_stdio_server = { .write = sh_stdio_write,
							     .readLine = sh_stdio_read_line };

static int sh_stdio_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			     struct capnp_builder *results)
{
	return session_StdIO_dispatch(&sh_stdio_server, self, method, params, results);
}

static const struct capos_server_iface sh_stdio_ifaces[] = {
	{ session_StdIO_TYPE_ID, session_StdIO_METHOD_COUNT, sh_stdio_dispatch, NULL },
};

/* Answer the held foreground readLine now (a line arrived, or eof, or its end). */
static void sh_stdio_answer_held(void)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct session_StdIO_readLine_Results_b r;
	struct capos_server_reply reply = { 0 };
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, sh_reply_arena, sizeof(sh_reply_arena));

	sh_read_held = false;
	if (err == 0)
		err = session_StdIO_readLine_init_results(&b, &r);
	if (err == 0)
		err = sh_stdio_fill(&r, sh.fg >= 0 && !sh_stdin_eof);
	if (err == 0)
		err = capnp_builder_write_framed(&b, sh_reply_out, sizeof(sh_reply_out), &n);
	reply.data = sh_reply_out;
	reply.len = (uint32_t)n;
	if (err == 0)
		err = capos_server_return(&sh_srv, sh.ring, sh.stdio, sh_read_call, &reply);
	if (err && err != CAPOS_ERR_EP_CALL_CANCELLED)
		sh_perror("stdio", err);
}

/* A foreground readLine with nothing typed yet is held (caps sent with it released). */
static bool sh_stdio_hold(void)
{
	const struct capos_server_call *c = &sh_srv.call;

	if (c->interface_id != session_StdIO_TYPE_ID ||
	    c->method != session_StdIO_METHOD_readLine || !sh_caller_is_fg(c->badge) ||
	    sh_stdin_count || sh_stdin_eof || sh_read_held)
		return false;
	for (uint32_t i = 0; i < c->ncaps; i++)
		sh_release(c->caps[i].cap);
	sh_read_held = true;
	sh_read_call = c->call_id;
	return true;
}

static int sh_stdio_event(const struct capos_cqe *cqe)
{
	int err;

	sh.stdio_pending = false;
	err = capos_server_recv_done(&sh_srv, cqe);
	if (err == cqe->status && err)
		sh.stdio_closed = true; /* the RECV itself failed: the endpoint is unusable */
	if (err)
		return err;
	if (sh_stdio_hold())
		return CAPOS_OK;
	err = capos_server_answer(&sh_srv, sh.ring, sh.stdio);
	return err == CAPOS_ERR_EP_CALL_CANCELLED ? CAPOS_OK : err;
}

/* ---- children */

static void sh_job_free(struct sh_job *j)
{
	sh_release(j->handle);
	j->used = false;
}

static void sh_job_report(struct sh_job *j, const struct capos_cqe *cqe)
{
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capos_ProcessHandle_wait_Results_r r;
	int err = cqe->status;

	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = sh_exception(j->wait_res, cqe->result_len, NULL);
	if (err == 0)
		err = sh_parse_results(&msg, segs, j->wait_res, cqe->result_len);
	if (err == 0)
		err = capos_ProcessHandle_wait_read_results(&msg, &r);
	if (err)
		sh_printf("[%u] %s: wait failed: %s\n", (unsigned)j->number, j->name,
			  capos_error_name(err));
	else if (capos_ProcessHandle_wait_Results_get_killed(&r))
		sh_printf("[%u] %s: killed\n", (unsigned)j->number, j->name);
	else
		sh_printf("[%u] %s: exit %lld\n", (unsigned)j->number, j->name,
			  (long long)capos_ProcessHandle_wait_Results_get_exitCode(&r));
}

static int sh_job_event(uint32_t slot, const struct capos_cqe *cqe)
{
	struct sh_job *j = &sh.jobs[slot];

	if (!j->used || !j->waiting)
		return CAPOS_ERR_INVALID;
	j->waiting = false;
	sh_job_report(j, cqe);
	if (sh.fg == (int)slot) {
		if (sh_read_held)
			sh_stdio_answer_held(); /* its caller is gone: CALL_CANCELLED, dropped */
		sh.fg = -1;
		sh_stdin_count = 0;
		sh_stdin_eof = false;
	}
	sh_job_free(j);
	return CAPOS_OK;
}

/* Keep the StdIO RECV and every child's wait in flight. */
static int sh_keep_in_flight(void)
{
	int err = CAPOS_OK;

	if (!sh.stdio_pending && !sh.stdio_closed) {
		err = capos_server_recv_submit(&sh_srv, sh.ring, sh.stdio, &sh.stdio_ud);
		sh.stdio_pending = err == CAPOS_OK;
	}
	for (uint32_t i = 0; err == 0 && i < SH_JOBS_MAX; i++) {
		struct sh_job *j = &sh.jobs[i];

		if (!j->used || j->waiting)
			continue;
		err = sh_submit(j->handle, capos_ProcessHandle_TYPE_ID,
				capos_ProcessHandle_METHOD_wait, sh_wait_params, sh_wait_plen,
				j->wait_res, sizeof(j->wait_res), SH_UD_WAIT + i);
		j->waiting = err == CAPOS_OK;
	}
	return err;
}

/* The user_data of every operation in flight, into uds; their count. */
static uint32_t sh_in_flight(uint64_t *uds)
{
	uint32_t n = 0;

	if (sh.term_pending)
		uds[n++] = SH_UD_TERM;
	if (sh.stdio_pending)
		uds[n++] = sh.stdio_ud;
	for (uint32_t i = 0; i < SH_JOBS_MAX; i++)
		if (sh.jobs[i].used && sh.jobs[i].waiting)
			uds[n++] = SH_UD_WAIT + i;
	return n;
}

/* Collect one completion and act on it; a terminal line is copied to *line. Errors:
 * the ring's (submitting, waiting) and the terminal read's; a child's are printed. */
static int sh_event(bool hidden, struct capos_term_read *line, bool *got_line)
{
	uint64_t uds[SH_JOBS_MAX + 2];
	struct capos_cqe cqe;
	int err = sh_keep_in_flight();

	*got_line = false;
	if (err == 0)
		err = sh_term_submit(hidden);
	if (err == 0)
		err = capos_ring_wait_any(sh.ring, uds, sh_in_flight(uds), CAPOS_TIMEOUT_INFINITE,
					  &cqe);
	if (err < 0)
		return err;
	if (cqe.user_data == SH_UD_TERM) {
		*got_line = true;
		return sh_term_complete(&cqe, line);
	}
	/* A child's call or end that goes wrong is reported; the loop goes on. */
	if (sh.stdio_pending && cqe.user_data == sh.stdio_ud)
		err = sh_stdio_event(&cqe);
	else if (cqe.user_data >= SH_UD_WAIT && cqe.user_data < SH_UD_WAIT + SH_JOBS_MAX)
		err = sh_job_event((uint32_t)(cqe.user_data - SH_UD_WAIT), &cqe);
	if (err)
		sh_perror("shell: child", err);
	return CAPOS_OK;
}

int sh_read_line(bool hidden, struct capos_term_read *out)
{
	bool got = false;

	while (!got) {
		int err = sh_event(hidden, out, &got);

		if (err)
			return err;
	}
	return CAPOS_OK;
}

static int sh_job_kill(struct sh_job *j)
{
	int err = sh_begin_empty(&job_msg);

	if (err == 0)
		err = capos_client_send(&job_msg, j->handle, capos_ProcessHandle_TYPE_ID,
					capos_ProcessHandle_METHOD_kill, NULL, 0);
	return err;
}

/* A terminal event while a child runs in the foreground: its stdin, or Ctrl-C. */
static void sh_fg_input(const struct capos_term_read *l)
{
	struct sh_stdin_line *q;
	int err;

	if (l->event == capos_TerminalEvent_interrupt) {
		err = sh_job_kill(&sh.jobs[sh.fg]);
		if (err)
			sh_perror("kill", err);
		return;
	}
	if (l->event == capos_TerminalEvent_eof) {
		sh_stdin_eof = true;
	} else if (sh_stdin_count == SH_STDIN_LINES) {
		sh_printf("shell: typed-ahead input full, line dropped\n");
	} else {
		q = &sh_stdin[(sh_stdin_head + sh_stdin_count++) % SH_STDIN_LINES];
		q->len = l->len;
		memcpy(q->text, l->line, l->len);
	}
	if (sh_read_held)
		sh_stdio_answer_held();
}

static void sh_run_foreground(uint32_t slot)
{
	sh.fg = (int)slot;
	while (sh.fg == (int)slot) {
		struct capos_term_read l;
		bool got = false;
		int err = sh_event(false, &l, &got);

		if (err) {
			/* The terminal or the ring failed: the child goes on in the background. */
			sh_perror("run", err);
			sh.fg = -1;
		} else if (got) {
			sh_fg_input(&l);
		}
	}
}

/* ---- run / spawn */

/* The names a grant may use: bundle caps (live first) and the served stdio. */
static uint32_t sh_grant_refs(struct shell_ref *refs)
{
	uint32_t n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < sh.nbundle; i++)
			if (sh.bundle[i].ended == (pass == 1))
				refs[n++] = (struct shell_ref){ sh.bundle[i].name, sh.bundle[i].cap,
								sh.bundle[i].interface_id,
								SHELL_REF_HELD };
	refs[n++] =
		(struct shell_ref){ "stdio", sh.stdio, session_StdIO_TYPE_ID, SHELL_REF_SERVED };
	return n;
}

static int sh_free_slot(void)
{
	for (uint32_t i = 0; i < SH_JOBS_MAX; i++)
		if (!sh.jobs[i].used)
			return (int)i;
	return -1;
}

static int sh_spawn_grants(struct capos_ProcessSpawner_spawn_Params_b *p,
			   const struct shell_command *c, const struct shell_ref *refs,
			   const uint32_t *which, uint32_t number, struct capos_xfer *xfer)
{
	struct capos_CapGrant_blist list;
	int err = capos_ProcessSpawner_spawn_Params_init_grants(p, c->ngrants, &list);

	for (uint32_t i = 0; err == 0 && i < c->ngrants; i++) {
		const struct shell_ref *r = &refs[which[i]];
		struct capos_CapGrant_b g = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);
		bool client = c->grants[i].kind == SHELL_GRANT_CLIENT;

		err = capos_CapGrant_set_name(&g, c->grants[i].name,
					      (uint32_t)strlen(c->grants[i].name));
		capos_CapGrant_set_mode(&g, client ? capos_TransferMode_clientFacet
						   : capos_TransferMode_copy);
		capos_CapGrant_set_interfaceId(&g, r->interface_id);
		capos_CapGrant_set_badge(&g, client ? number : 0);
		if (err == 0)
			err = capos_CapGrant_source_set_held(&src, i);
		xfer[i] = (struct capos_xfer){ .cap = r->cap, .mode = CAPOS_XFER_COPY };
	}
	return err;
}

/* launcher.spawn(binary, grants resolved to refs[which[i]]) for job `number`: the
 * handle and pid into *j. */
static int sh_spawn(uint32_t launcher, const struct shell_command *c, const struct shell_ref *refs,
		    const uint32_t *which, uint32_t number, struct sh_job *j)
{
	struct capos_xfer xfer[SHELL_GRANTS_MAX];
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_ProcessSpawner_spawn_Results_r r;
	uint32_t index = CAPNP_CAP_NULL;
	size_t nlen = strlen(c->binary);
	int err = capos_client_begin(&job_msg);

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&job_msg.b, &p);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Params_set_name(&p, c->binary,
								 (uint32_t)(nlen > 15 ? 15 : nlen));
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Params_set_binaryName(&p, c->binary,
								       (uint32_t)nlen);
	if (err == 0)
		err = sh_spawn_grants(&p, c, refs, which, number, xfer);
	if (err == 0)
		err = capos_client_send(&job_msg, launcher, capos_ProcessSpawner_TYPE_ID,
					capos_ProcessSpawner_METHOD_spawn, xfer,
					(uint16_t)c->ngrants);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_read_results(&job_msg.msg, &r);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	if (err == 0)
		err = capos_client_cap(&job_msg, index, capos_ProcessHandle_TYPE_ID, &j->handle);
	if (err)
		return err;
	j->pid = capos_ProcessSpawner_spawn_Results_get_pid(&r);
	return CAPOS_OK;
}

/* UserSession.record("spawn ..."): the session's audit trail of what it started. */
static void sh_audit_spawn(const struct sh_job *j)
{
	struct session_UserSession_record_Params_b p;
	char event[96];
	int n = snprintf(event, sizeof(event), "spawn %s pid %llu", j->name,
			 (unsigned long long)j->pid);
	int err = capos_client_begin(&job_msg);

	if (err == 0)
		err = session_UserSession_record_request(&job_msg.b, &p);
	if (err == 0)
		err = session_UserSession_record_Params_set_event(&p, event, (uint32_t)n);
	if (err == 0)
		err = capos_client_send(&job_msg, sh.session, session_UserSession_TYPE_ID,
					session_UserSession_METHOD_record, NULL, 0);
	if (err)
		sh_perror("audit", err);
}

int sh_cmd_run(const struct shell_command *c)
{
	const struct sh_bcap *launcher = sh_bundle_find("launcher", capos_ProcessSpawner_TYPE_ID);
	struct shell_ref refs[SH_BUNDLE_MAX + 1];
	uint32_t which[SHELL_GRANTS_MAX];
	struct shell_error perr;
	int slot = sh_free_slot();
	struct sh_job *j;
	int err;

	if (launcher == NULL)
		return CAPOS_ERR_SHELL_NOT_PERMITTED;
	err = shell_grants_resolve(c, refs, sh_grant_refs(refs), which, &perr);
	if (err) {
		sh_printf("%s: %s \"%s\" (%s)\n", c->cmd->name, perr.what, perr.detail,
			  capos_error_name(err));
		return CAPOS_OK;
	}
	if (slot < 0)
		return CAPOS_ERR_BUSY;
	j = &sh.jobs[slot];
	memset(j, 0, sizeof(*j));
	j->number = sh.next_job;
	err = sh_spawn(launcher->cap, c, refs, which, j->number, j);
	if (err)
		return err;
	sh.next_job = sh.next_job % SHELL_JOB_MAX + 1u;
	j->used = true;
	memcpy(j->name, c->binary, sizeof(j->name));
	sh_audit_spawn(j);
	if (c->cmd->id == SHELL_CMD_SPAWN) {
		sh_printf("[%u] %s: pid %llu\n", (unsigned)j->number, j->name,
			  (unsigned long long)j->pid);
		return CAPOS_OK;
	}
	sh_run_foreground((uint32_t)slot);
	return CAPOS_OK;
}

int sh_cmd_ps(void)
{
	sh_printf("JOB  PID  NAME\n");
	for (uint32_t i = 0; i < SH_JOBS_MAX; i++)
		if (sh.jobs[i].used)
			sh_printf("%-4u %-4llu %s\n", (unsigned)sh.jobs[i].number,
				  (unsigned long long)sh.jobs[i].pid, sh.jobs[i].name);
	return CAPOS_OK;
}

int sh_cmd_kill(const struct shell_command *c)
{
	for (uint32_t i = 0; i < SH_JOBS_MAX; i++)
		if (sh.jobs[i].used && sh.jobs[i].number == c->number)
			return sh_job_kill(&sh.jobs[i]);
	return CAPOS_ERR_NOT_FOUND;
}

int sh_jobs_init(void)
{
	int err = capos_server_init(&sh_srv, sh_stdio_ifaces, 1);

	if (err == 0)
		err = sh_frame_empty(sh_wait_params, sizeof(sh_wait_params), &sh_wait_plen);
	sh.fg = -1;
	sh.next_job = 1;
	return err;
}
