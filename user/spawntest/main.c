/*
 * spawntest: init of the spawn test manifest (system/spawntest.capnp), driven by
 * tests/qemu/spawn_tests.py. It holds a ProcessSpawner, a Console, two Timers and a
 * raw Endpoint and
 * exercises ProcessSpawner/ProcessHandle against the packaged child user/spawnchild:
 *   print    a child granted a fresh Console prints a line and exits 42; wait says so
 *   copy     a Timer sent with copy: the child uses it (exit 10), the parent still can
 *   move     a Timer sent with move: the child uses it, the parent's id is stale
 *   kill     a spinning child killed: wait says (-1, killed); kill is idempotent
 *   fault    a child killed by a page fault: wait says (-1, killed)
 *   wait-busy  a second concurrent wait is refused; the first completes on the kill
 *   export   a fresh endpoint for the child: its facet comes back in exports, a CALL
 *            through it is served by the child, and after the child's end it is
 *            disconnected
 *   facet    a client facet of the parent's endpoint: the child calls, the parent
 *            serves (badge and interface as granted)
 *   orphan-wait  a middle child killed while its own wait on a grandchild is pending
 *   hostile  each bad request fails with its exact typed error and creates nothing
 *            (the next child's pid follows the last one)
 *   profiles named ResourceProfiles of the manifest set the child's slots and frames
 *   quota    its profile's childProcesses (16) live children, then CAPOS_ERR_QUOTA_CHILDREN
 *   churn    SPAWNTEST_CHURN children, alternately exiting and killed
 * One COM2 line per step; the kernel's end-of-boot check (frames, kernel objects,
 * processes back at their baselines) is judged by the test from COM1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <schema/capos.capnp.h>

#include "spawntest.h"

#define SPAWNTEST_CHURN 1000u
#define SPAWNTEST_MAX_CHILDREN 16u     /* PROFILE_DEFAULT_CHILDREN (kernel/profile.h): no profile */
#define SPAWNTEST_SETTLE_NS 100000000u /* 100 ms: the middle spawns and waits meanwhile */
#define CHILD_PLAIN 42		       /* user/spawnchild exit codes */
#define CHILD_HELD_OK 10

static struct capos_ring_client *st_ring;
uint32_t st_console, st_ep, st_capmgr;
static uint32_t st_timer, st_timer2, st_spawner;
static uint64_t st_arena[1024];
static uint64_t st_framed[1025];
static uint64_t st_res[64];
static uint64_t st_next_ud = 1;
static int st_failed;
static uint32_t st_res_len = sizeof(st_res); /* result buffer given to CALLs */
static uint64_t st_res_addr;		     /* non-zero: result buffer address instead */
int st_last_type = -1;			     /* last st_status's CapException type, -1 if none */
static uint32_t st_last_len;		     /* result_len of the last CQE */

/* One CALL (or RELEASE when method < 0), optionally with transfer descriptors;
 * returns the CQE status and fills *cqe. */
static int st_submit(uint8_t op, uint32_t cap, uint64_t iid, uint16_t method, const void *params,
		     uint32_t plen, const struct capos_xfer *xfer, uint32_t nxfer,
		     struct capos_cqe *cqe)
{
	struct capos_sqe *sqe;
	uint64_t ud = st_next_ud++;
	int rc = capos_ring_get_sqe(st_ring, &sqe);

	if (rc)
		return rc;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->cap = cap;
	sqe->interface_id = iid;
	sqe->method = method;
	sqe->addr = plen ? (uint64_t)(uintptr_t)params : 0;
	sqe->len = plen;
	sqe->result_addr = op != CAPOS_OP_CALL ? 0
			   : st_res_addr       ? st_res_addr
					       : (uint64_t)(uintptr_t)st_res;
	sqe->result_len = op == CAPOS_OP_CALL ? st_res_len : 0;
	sqe->xfer_addr = nxfer ? (uint64_t)(uintptr_t)xfer : 0;
	sqe->xfer_count = (uint16_t)nxfer;
	sqe->user_data = ud;
	capos_ring_submit(st_ring);
	rc = capos_ring_wait(st_ring, ud, CAPOS_TIMEOUT_INFINITE, cqe);
	st_last_len = rc ? 0 : cqe->result_len;
	return rc ? rc : cqe->status;
}

int st_release(uint32_t cap)
{
	struct capos_cqe cqe;

	return st_submit(CAPOS_OP_RELEASE, cap, 0, 0, NULL, 0, NULL, 0, &cqe);
}

/* Reads the framed results in st_res; 0 or a capnp error. */
static int st_results(const struct capos_cqe *cqe, struct capnp_msg *m)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 1024, .nesting = 8 };

	uint32_t recs = (cqe->flags & CAPOS_CQE_F_XFER) ? cqe->xfer_count * 16u : 0;

	if (recs > cqe->result_len)
		return CAPOS_ERR_INVALID;
	return capnp_msg_init_framed(m, st_res, cqe->result_len - recs, segs, 2, &lim, NULL);
}

/* The CQE status, or for an application failure the CapException's status (its type
 * in st_last_type, else -1). */
static int st_status(int status, const struct capos_cqe *cqe)
{
	struct capnp_msg m;
	struct capos_CapException_r ex;

	st_last_type = -1;
	if (status != CAPOS_ERR_RING_EXCEPTION)
		return status;
	if (st_results(cqe, &m) || capos_CapException_read_root(&m, &ex))
		return CAPOS_ERR_INVALID;
	st_last_type = (int)capos_CapException_get_type(&ex);
	return capos_CapException_get_status(&ex);
}

/* The receiver-local id of result cap `index`: the records end the result bytes,
 * record i at result_len - 16 * (xfer_count - i) (docs/abi.md §8). */
static int st_result_cap(const struct capos_cqe *cqe, uint32_t index, uint64_t iid, uint32_t *cap)
{
	uint32_t n = cqe->xfer_count;
	const struct capos_xfer_result *rec =
		(const struct capos_xfer_result *)((const uint8_t *)st_res + cqe->result_len -
						   16u * n);

	if (!(cqe->flags & CAPOS_CQE_F_XFER) || index >= n || 16u * n > cqe->result_len)
		return CAPOS_ERR_INVALID;
	*cap = rec[index].cap;
	return rec[index].interface_id == iid ? CAPOS_OK : CAPOS_ERR_INVALID;
}

static int st_encode(const struct st_spawn *s, uint32_t *len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	size_t n = 0;

	if (capnp_builder_init(&b, &seg, 1, st_arena, sizeof(st_arena)) ||
	    capos_ProcessSpawner_spawn_request(&b, &p))
		return CAPOS_ERR_NO_MEMORY;
	(void)capos_ProcessSpawner_spawn_Params_set_name(&p, s->name, (uint32_t)strlen(s->name));
	(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, s->binary,
							       (uint32_t)strlen(s->binary));
	if (s->profile)
		(void)capos_ProcessSpawner_spawn_Params_set_profile(&p, s->profile,
								    (uint32_t)strlen(s->profile));
	(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, s->ngrants, &list);
	for (uint32_t i = 0; i < s->ngrants; i++) {
		const struct st_grant *g = &s->grants[i];
		struct capos_CapGrant_b e = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&e);

		(void)capos_CapGrant_set_name(&e, g->name, (uint32_t)strlen(g->name));
		capos_CapGrant_set_mode(&e, (enum capos_TransferMode)g->mode);
		capos_CapGrant_set_interfaceId(&e, g->iid);
		capos_CapGrant_set_badge(&e, g->badge);
		if (g->held)
			(void)capos_CapGrant_source_set_held(&src, g->index);
		else
			capos_CapGrant_source_set_kernel(&src,
							 (enum capos_KernelCapSource)g->source);
	}
	int err = capnp_builder_error(&b);
	if (err == 0)
		err = capnp_builder_write_framed(&b, st_framed, sizeof(st_framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* The first export of the last successful spawn (cap id, name), if it had one. */
uint32_t st_export_cap;
static char st_export_name[16];

/* exports[0] of the results: its name and the facet it names (served as `iid`). */
static int st_first_export(const struct capos_cqe *cqe,
			   const struct capos_ProcessSpawner_spawn_Results_r *r, uint64_t iid)
{
	struct capos_ExportedCap_rlist list;
	struct capnp_text name;
	uint32_t index = 0;
	int err = capos_ProcessSpawner_spawn_Results_get_exports(r, &list);

	st_export_cap = 0;
	if (err || capos_ExportedCap_list_len(&list) == 0)
		return err;
	struct capos_ExportedCap_r x = capos_ExportedCap_list_get(&list, 0);
	err = capos_ExportedCap_get_name(&x, &name);
	if (err == 0 && name.len < sizeof(st_export_name)) {
		memcpy(st_export_name, name.str, name.len);
		st_export_name[name.len] = '\0';
	}
	if (err == 0)
		err = capos_ExportedCap_get_cap(&x, &index);
	return err ? err : st_result_cap(cqe, index, iid, &st_export_cap);
}

/* ProcessSpawner.spawn: 0 with the handle and pid, or the typed error. */
int st_spawn(const struct st_spawn *s, uint32_t *handle, uint64_t *pid)
{
	struct capos_ProcessSpawner_spawn_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	uint32_t plen = 0, index = 0;
	int err = st_encode(s, &plen);

	if (err)
		return err;
	err = st_status(st_submit(CAPOS_OP_CALL, st_spawner, capos_ProcessSpawner_TYPE_ID,
				  capos_ProcessSpawner_METHOD_spawn, st_framed, plen, s->xfer,
				  s->nxfer, &cqe),
			&cqe);
	if (err == 0)
		err = st_results(&cqe, &m);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	if (err == 0)
		err = st_result_cap(&cqe, index, capos_ProcessHandle_TYPE_ID, handle);
	if (err == 0)
		err = st_first_export(&cqe, &r, capos_Console_TYPE_ID);
	if (err == 0)
		*pid = capos_ProcessSpawner_spawn_Results_get_pid(&r);
	return err;
}

/* ProcessHandle.wait: blocks (the kernel defers the CALL) until the child has ended. */
int st_wait(uint32_t handle, int64_t *code, int *killed)
{
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	int err = st_status(st_submit(CAPOS_OP_CALL, handle, capos_ProcessHandle_TYPE_ID,
				      capos_ProcessHandle_METHOD_wait, NULL, 0, NULL, 0, &cqe),
			    &cqe);

	if (err == 0)
		err = st_results(&cqe, &m);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	return err;
}

int st_kill(uint32_t handle)
{
	struct capos_cqe cqe;

	return st_status(st_submit(CAPOS_OP_CALL, handle, capos_ProcessHandle_TYPE_ID,
				   capos_ProcessHandle_METHOD_kill, NULL, 0, NULL, 0, &cqe),
			 &cqe);
}

/* Timer.now on `timer`: 0 or the CALL's status. */
static int st_now(uint32_t timer)
{
	struct capos_cqe cqe;

	return st_submit(CAPOS_OP_CALL, timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, NULL, 0,
			 NULL, 0, &cqe);
}

void st_check(const char *what, int ok)
{
	if (!ok)
		st_failed = 1;
	printf("spawntest: %s: %s\n", what, ok ? "ok" : "FAILED");
}

struct st_spawn *st_plain(const char *name)
{
	static struct st_spawn s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.binary = "spawnchild";
	return &s;
}

void st_kernel_grant(struct st_spawn *s, const char *name, uint16_t source)
{
	s->grants[s->ngrants++] =
		(struct st_grant){ name, 0, source, 0, capos_TransferMode_copy, 0, 0 };
}

static void st_held_grant(struct st_spawn *s, const char *name, uint32_t cap, uint16_t mode)
{
	s->grants[s->ngrants++] = (struct st_grant){ name, 1, 0, s->nxfer, mode, 0, 0 };
	s->xfer[s->nxfer++] = (struct capos_xfer){ .cap = cap, .mode = mode };
}

/* A fresh endpoint for the child serving `iid`; its facet comes back in exports. */
void st_endpoint_grant(struct st_spawn *s, const char *name, uint64_t iid)
{
	s->grants[s->ngrants++] = (struct st_grant){
		name, 0, capos_KernelCapSource_endpoint, 0, capos_TransferMode_copy, iid, 0
	};
}

/* A client facet of the raw endpoint `ep` the parent holds (sent as a copy). */
void st_facet_grant(struct st_spawn *s, const char *name, uint32_t ep, uint64_t iid, uint64_t badge)
{
	s->grants[s->ngrants++] = (struct st_grant){
		name, 1, 0, s->nxfer, capos_TransferMode_clientFacet, iid, badge
	};
	s->xfer[s->nxfer++] = (struct capos_xfer){ .cap = ep, .mode = CAPOS_XFER_COPY };
}

/* Spawn `s`, wait for it, release the handle; 0 if it ended with (code, killed). */
int st_run(const struct st_spawn *s, int64_t want_code, uint64_t *pid)
{
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0;
	int err = st_spawn(s, &h, pid);

	if (err) {
		printf("spawntest: spawn %s: %s\n", s->name, capos_error_name(err));
		return err;
	}
	err = st_wait(h, &code, &killed);
	(void)st_release(h);
	if (err || code != want_code || killed) {
		printf("spawntest: %s ended: %s code %lld killed %d\n", s->name,
		       capos_error_name(err), (long long)code, killed);
		return err ? err : CAPOS_ERR_INVALID;
	}
	return CAPOS_OK;
}

static uint64_t st_last_pid;

static void st_test_print(void)
{
	struct st_spawn *s = st_plain("child-a");

	st_kernel_grant(s, "console", capos_KernelCapSource_console);
	int err = st_run(s, CHILD_PLAIN, &st_last_pid);
	printf("spawntest: print: child pid %llu exited %d\n", (unsigned long long)st_last_pid,
	       CHILD_PLAIN);
	st_check("print", err == 0);
}

static void st_test_copy_move(void)
{
	struct st_spawn *s = st_plain("child-copy");

	st_held_grant(s, "held", st_timer, capos_TransferMode_copy);
	int err = st_run(s, CHILD_HELD_OK, &st_last_pid);
	st_check("copy: child used the copied timer", err == 0);
	st_check("copy: parent's timer still answers", st_now(st_timer) == 0);

	s = st_plain("child-move");
	st_held_grant(s, "held", st_timer2, capos_TransferMode_move);
	err = st_run(s, CHILD_HELD_OK, &st_last_pid);
	st_check("move: child used the moved timer", err == 0);
	err = st_now(st_timer2);
	printf("spawntest: move: parent's moved id now: %s\n", capos_error_name(err));
	st_check("move: parent's id is stale", err == CAPOS_ERR_CAP_STALE);
}

/* A child killed by a user fault: wait says (-1, killed) like for kill. */
static void st_test_fault(void)
{
	struct st_spawn *s = st_plain("faulter");
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0;

	st_kernel_grant(s, "fault", capos_KernelCapSource_timer);
	int err = st_spawn(s, &h, &st_last_pid);
	if (err == 0)
		err = st_wait(h, &code, &killed);
	if (h)
		(void)st_release(h);
	printf("spawntest: fault: wait -> %s, code %lld killed %d\n", capos_error_name(err),
	       (long long)code, killed);
	st_check("fault", err == 0 && code == -1 && killed);
}

static void st_test_kill(void)
{
	struct st_spawn *s = st_plain("spinner");
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0;

	st_kernel_grant(s, "spin", capos_KernelCapSource_timer);
	int err = st_spawn(s, &h, &st_last_pid);
	if (err == 0)
		err = st_kill(h);
	int again = err ? err : st_kill(h);
	if (err == 0)
		err = st_wait(h, &code, &killed);
	int after = err ? err : st_kill(h);
	(void)st_release(h);
	printf("spawntest: kill: wait -> code %lld killed %d; kill twice %s, after the end %s\n",
	       (long long)code, killed, capos_error_name(again), capos_error_name(after));
	st_check("kill", err == 0 && code == -1 && killed && again == 0 && after == 0);
}

/* The child gets a fresh endpoint "svc" serving Console's interface id; its facet
 * comes back in exports. A CALL through it is served by the child (which then exits
 * 43); once the child has ended, the facet answers disconnected. */
static void st_test_export(void)
{
	struct st_spawn *s = st_plain("server");
	struct capos_cqe cqe;
	uint32_t h = 0, facet = 0;
	int64_t code = 0;
	int killed = 0, call = -1, after = -1;

	st_endpoint_grant(s, "svc", capos_Console_TYPE_ID);
	int err = st_spawn(s, &h, &st_last_pid);
	facet = st_export_cap;
	if (err == 0 && facet == 0)
		err = CAPOS_ERR_NOT_FOUND;
	if (err == 0)
		call = st_submit(CAPOS_OP_CALL, facet, capos_Console_TYPE_ID, 0, NULL, 0, NULL, 0,
				 &cqe);
	if (err == 0)
		err = st_wait(h, &code, &killed);
	if (err == 0)
		after = st_status(st_submit(CAPOS_OP_CALL, facet, capos_Console_TYPE_ID, 0, NULL, 0,
					    NULL, 0, &cqe),
				  &cqe);
	if (facet)
		(void)st_release(facet);
	if (h)
		(void)st_release(h);
	printf("spawntest: export: \"%s\" facet; call -> %s; child exited %lld; call after -> "
	       "%s\n",
	       err == 0 ? st_export_name : "?", capos_error_name(call), (long long)code,
	       capos_error_name(after));
	st_check("export", err == 0 && call == 0 && code == 43 && !killed &&
				   after == CAPOS_ERR_EP_DISCONNECTED);
}

/* The child gets a client facet of the parent's own endpoint "ep" (granted as
 * Console's interface, badge 7) and calls it once; the parent serves the call. */
static void st_test_facet(void)
{
	static uint64_t rbuf[32];
	struct st_spawn *s = st_plain("client");
	const struct capos_recv_header *hdr = (const struct capos_recv_header *)rbuf;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0, ret = -1;

	st_facet_grant(s, "svc-client", st_ep, capos_Console_TYPE_ID, 7);
	int err = st_spawn(s, &h, &st_last_pid);
	if (err == 0)
		err = capos_ring_get_sqe(st_ring, &sqe);
	if (err == 0) {
		uint64_t ud = st_next_ud++;

		*sqe = (struct capos_sqe){ .opcode = CAPOS_OP_RECV,
					   .cap = st_ep,
					   .result_addr = (uint64_t)(uintptr_t)rbuf,
					   .result_len = sizeof(rbuf),
					   .user_data = ud };
		capos_ring_submit(st_ring);
		err = capos_ring_wait(st_ring, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
		err = err ? err : cqe.status;
	}
	uint64_t badge = cqe.badge, iid = err ? 0 : hdr->interface_id;
	if (err == 0)
		err = capos_ring_get_sqe(st_ring, &sqe);
	if (err == 0) {
		uint64_t ud = st_next_ud++;

		*sqe = (struct capos_sqe){
			.opcode = CAPOS_OP_RETURN, .cap = st_ep, .aux = cqe.call_id, .user_data = ud
		};
		capos_ring_submit(st_ring);
		err = capos_ring_wait(st_ring, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
		ret = err ? err : cqe.status;
	}
	if (err == 0)
		err = st_wait(h, &code, &killed);
	if (h)
		(void)st_release(h);
	printf("spawntest: facet: served the child's call (badge %llu, %s interface); return -> "
	       "%s; child exited %lld\n",
	       (unsigned long long)badge, iid == capos_Console_TYPE_ID ? "Console" : "other",
	       capos_error_name(ret), (long long)code);
	st_check("facet", err == 0 && badge == 7 && iid == capos_Console_TYPE_ID && ret == 0 &&
				  code == 44 && !killed);
}

/* A middle child (granted its own ProcessSpawner) spawns a grandchild that naps 300 ms
 * and waits for it; the parent kills the middle while that wait is pending. The
 * kernel cancels the wait ("[spawn] wait on grandchild ... cancelled"), the grandchild
 * ends on its own later, and nothing is posted into the dead middle. */
static void st_test_orphan_wait(void)
{
	struct st_spawn *s = st_plain("middle");
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0;

	st_kernel_grant(s, "spawner", capos_KernelCapSource_processSpawner);
	int err = st_spawn(s, &h, &st_last_pid);
	if (err == 0)
		(void)capos_sys_cap_enter(1, SPAWNTEST_SETTLE_NS); /* the middle reaches its wait */
	if (err == 0)
		err = st_kill(h);
	if (err == 0)
		err = st_wait(h, &code, &killed);
	if (h)
		(void)st_release(h);
	printf("spawntest: orphan-wait: middle killed while waiting: code %lld killed %d\n",
	       (long long)code, killed);
	st_check("orphan-wait", err == 0 && code == -1 && killed);
	st_last_pid++; /* the grandchild took the next pid */
}

/* Two waits on one handle in one batch: the second is refused at once with
 * CAPOS_ERR_SPAWN_WAIT_BUSY; the first completes (killed) once the child is killed. */
static void st_test_wait_busy(void)
{
	static uint64_t first_res[16];
	struct st_spawn *s = st_plain("waited");
	struct capos_sqe *a, *b;
	struct capos_cqe ca, cb;
	uint32_t h = 0;
	int busy = -1, first = -1, killed = 0, busy_type = -1;
	int64_t code = 0;

	st_kernel_grant(s, "spin", capos_KernelCapSource_timer);
	int err = st_spawn(s, &h, &st_last_pid);
	if (err == 0)
		err = capos_ring_get_sqe(st_ring, &a);
	if (err == 0)
		err = capos_ring_get_sqe(st_ring, &b);
	if (err == 0) {
		uint64_t ua = st_next_ud++, ub = st_next_ud++;

		*a = (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
					 .cap = h,
					 .interface_id = capos_ProcessHandle_TYPE_ID,
					 .method = capos_ProcessHandle_METHOD_wait,
					 .result_addr = (uint64_t)(uintptr_t)first_res,
					 .result_len = sizeof(first_res),
					 .user_data = ua };
		*b = *a;
		b->result_addr = (uint64_t)(uintptr_t)st_res;
		b->result_len = sizeof(st_res);
		b->user_data = ub;
		capos_ring_submit(st_ring);
		err = capos_ring_wait(st_ring, ub, CAPOS_TIMEOUT_INFINITE, &cb);
		busy = err ? err : st_status(cb.status, &cb);
		busy_type = st_last_type;
		err = err ? err : st_kill(h);
		if (err == 0)
			err = capos_ring_wait(st_ring, ua, CAPOS_TIMEOUT_INFINITE, &ca);
		if (err == 0) {
			struct capnp_segment segs[1];
			const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
			struct capnp_msg m;
			struct capos_ProcessHandle_wait_Results_r r;

			first = ca.status;
			if (first == 0 &&
			    capnp_msg_init_framed(&m, first_res, ca.result_len, segs, 1, &lim,
						  NULL) == 0 &&
			    capos_ProcessHandle_wait_Results_read_root(&m, &r) == 0) {
				code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
				killed = capos_ProcessHandle_wait_Results_get_killed(&r);
			}
		}
	}
	if (h)
		(void)st_release(h);
	printf("spawntest: wait-busy: second wait -> %s (type %d); first -> %s, code %lld "
	       "killed %d\n",
	       capos_error_name(busy), busy_type, capos_error_name(first), (long long)code, killed);
	st_check("wait-busy", err == 0 && busy == CAPOS_ERR_SPAWN_WAIT_BUSY &&
				      busy_type == capos_ExceptionType_overloaded && first == 0 &&
				      code == -1 && killed);
}

int st_call_async(uint32_t cap, uint64_t iid, uint16_t method, void *res, uint32_t res_len,
		  uint64_t *ud)
{
	struct capos_sqe *sqe;
	int err = capos_ring_get_sqe(st_ring, &sqe);

	if (err)
		return err;
	*ud = st_next_ud++;
	*sqe = (struct capos_sqe){ .opcode = CAPOS_OP_CALL,
				   .cap = cap,
				   .interface_id = iid,
				   .method = method,
				   .result_addr = (uint64_t)(uintptr_t)(res ? res : st_res),
				   .result_len = res ? res_len : sizeof(st_res),
				   .user_data = *ud };
	capos_ring_submit(st_ring);
	int64_t n = capos_ring_enter(st_ring, 0, 0); /* the kernel runs (or defers) it */
	return n < 0 ? (int)n : CAPOS_OK;
}

int st_collect(uint64_t ud, struct capos_cqe *cqe)
{
	int err = capos_ring_wait(st_ring, ud, CAPOS_TIMEOUT_INFINITE, cqe);

	return err ? err : st_status(cqe->status, cqe);
}

int st_call(uint32_t cap, uint64_t iid, uint16_t method, struct capos_cqe *cqe)
{
	return st_status(st_submit(CAPOS_OP_CALL, cap, iid, method, NULL, 0, NULL, 0, cqe), cqe);
}

int st_read_results(const struct capos_cqe *cqe, struct capnp_msg *m)
{
	return st_results(cqe, m);
}

const char *st_type_name(int type)
{
	const char *name = capos_exception_type_name(type);

	if (type == ST_TRANSPORT)
		return "transport";
	return name ? name : "?";
}

/* One hostile request: it must fail with `want` (a CapException of `type`, or
 * ST_TRANSPORT) and create nothing. */
void st_hostile(const char *what, const struct st_spawn *s, int want, int type)
{
	uint32_t h = 0;
	uint64_t pid = 0;
	int err = st_spawn(s, &h, &pid);
	int got = st_last_type;
	char line[128];

	if (err == 0)
		(void)st_release(h);
	snprintf(line, sizeof(line), "hostile %s -> %s (%s)", what, capos_error_name(err),
		 st_type_name(got));
	st_check(line, err == want && got == type);
}

static void st_test_hostile(void)
{
	static char names[SPAWNTEST_MAX_GRANTS][8];
	struct st_spawn *s = st_plain("bad");

	s->binary = "nosuch";
	st_hostile("unknown binary", s, CAPOS_ERR_SPAWN_UNKNOWN_BINARY,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_kernel_grant(s, "dup", capos_KernelCapSource_console);
	st_kernel_grant(s, "dup", capos_KernelCapSource_timer);
	st_hostile("duplicate grant names", s, CAPOS_ERR_SPAWN_DUPLICATE_GRANT,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	s->grants[s->ngrants++] =
		(struct st_grant){ "forged", 1, 0, 3, capos_TransferMode_copy, 0, 0 };
	st_hostile("forged held index", s, CAPOS_ERR_SPAWN_NOT_HELD,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_held_grant(s, "stale", st_timer2, capos_TransferMode_copy);
	st_hostile("stale cap (moved away)", s, CAPOS_ERR_CAP_STALE, ST_TRANSPORT);
	s = st_plain("bad");
	for (uint32_t i = 0; i < 33; i++) {
		snprintf(names[i], sizeof(names[i]), "t%u", (unsigned)i);
		st_kernel_grant(s, names[i], capos_KernelCapSource_timer);
	}
	st_hostile("33 grants", s, CAPOS_ERR_SPAWN_TOO_MANY_GRANTS,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("a-name-longer-than-15");
	st_hostile("name too long", s, CAPOS_ERR_SPAWN_NAME, capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	s->grants[s->ngrants++] = (struct st_grant){
		"console", 0, capos_KernelCapSource_console, 0, capos_TransferMode_move, 0, 0
	};
	st_hostile("kernel source moved", s, CAPOS_ERR_SPAWN_BAD_MODE,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_held_grant(s, "facet", st_timer, capos_TransferMode_clientFacet);
	s->xfer[0].mode = CAPOS_XFER_COPY;
	st_hostile("clientFacet of a timer", s, CAPOS_ERR_SPAWN_BAD_MODE,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_kernel_grant(s, "boot", capos_KernelCapSource_bootPackage);
	st_hostile("bootPackage source", s, CAPOS_ERR_SPAWN_BAD_SOURCE,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_endpoint_grant(s, "svc", 0);
	st_hostile("endpoint without interfaceId", s, CAPOS_ERR_SPAWN_FACET_INTERFACE,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_facet_grant(s, "svc", st_ep, capos_Endpoint_TYPE_ID, 0);
	st_hostile("facet granted as Endpoint", s, CAPOS_ERR_SPAWN_FACET_INTERFACE,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	for (uint32_t i = 0; i < 5; i++) {
		snprintf(names[i], sizeof(names[i]), "e%u", (unsigned)i);
		st_endpoint_grant(s, names[i], capos_Console_TYPE_ID);
	}
	st_hostile("5 endpoint grants", s, CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	s->profile = "gold";
	st_hostile("named profile", s, CAPOS_ERR_SPAWN_PROFILE,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	s->xfer[s->nxfer++] = (struct capos_xfer){ .cap = st_timer, .mode = CAPOS_XFER_COPY };
	st_hostile("sent cap named by no grant", s, CAPOS_ERR_SPAWN_CAP_UNUSED,
		   capos_ExceptionType_invalidArgument);
	/* The grant's mode must agree with the descriptor's (who keeps the cap). */
	s = st_plain("bad");
	st_held_grant(s, "timer", st_timer, capos_TransferMode_copy);
	s->xfer[0].mode = CAPOS_XFER_MOVE;
	st_hostile("copy grant sent as a move", s, CAPOS_ERR_SPAWN_MODE_MISMATCH,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_kernel_grant(s, "console", capos_KernelCapSource_console);
	st_held_grant(s, "timer", st_timer, capos_TransferMode_move);
	s->xfer[0].mode = CAPOS_XFER_COPY;
	st_hostile("move grant sent as a copy", s, CAPOS_ERR_SPAWN_MODE_MISMATCH,
		   capos_ExceptionType_invalidArgument);
	s = st_plain("bad");
	st_facet_grant(s, "svc", st_ep, capos_Console_TYPE_ID, 0);
	s->xfer[0].mode = CAPOS_XFER_MOVE;
	st_hostile("clientFacet sent as a move", s, CAPOS_ERR_SPAWN_MODE_MISMATCH,
		   capos_ExceptionType_invalidArgument);
	/* Only an unbadged facet may be minted with a badge: never re-badge a badged one. */
	uint32_t badged = 0;
	int minted = capos_endpoint_client(st_ep, capos_Console_TYPE_ID, 9, &badged);
	s = st_plain("bad");
	st_facet_grant(s, "svc", badged, capos_Console_TYPE_ID, 3);
	st_hostile("clientFacet of a badged facet", s, CAPOS_ERR_FACET_BADGED,
		   capos_ExceptionType_invalidArgument);
	if (minted == 0)
		(void)st_release(badged);
	int now = st_now(st_timer);
	printf("spawntest: hostile: timer after refused move -> %s\n", capos_error_name(now));
	st_check("refused mode mismatches left the caps with the parent", now == 0);

	uint64_t before = st_last_pid, pid = 0;
	int err = st_run(st_plain("after-hostile"), CHILD_PLAIN, &pid);
	printf("spawntest: hostile: next child pid %llu after %llu\n", (unsigned long long)pid,
	       (unsigned long long)before);
	st_check("hostile requests created no process", err == 0 && pid == before + 1);
	st_last_pid = pid;

	/* A ProcessHandle is not transferable: granting one is refused by the transfer. */
	uint32_t h = 0;
	err = st_spawn(st_plain("holder"), &h, &pid);
	if (err == 0) {
		st_last_pid = pid;
		s = st_plain("bad");
		st_held_grant(s, "handle", h, capos_TransferMode_copy);
		st_hostile("a ProcessHandle granted", s, CAPOS_ERR_CAP_NOT_TRANSFERABLE,
			   ST_TRANSPORT);
		int64_t code = 0;
		int killed = 0;
		err = st_wait(h, &code, &killed);
		(void)st_release(h);
	}
	st_check("holder ended", err == 0);
}

/* A result buffer that cannot take spawn's answer is refused before anything is
 * created: too small (RING_RESULT_TOO_SMALL with the exact size needed), or not
 * writable (RING_RESULT_FAULT: the read-only CapSet page). The next child's pid shows
 * no process was created; the kernel's end-of-boot check shows the frames came back. */
static void st_test_result_room(void)
{
	struct st_spawn *s = st_plain("room");
	uint64_t before = st_last_pid, pid = 0;
	uint32_t h = 0;

	st_kernel_grant(s, "console", capos_KernelCapSource_console);
	st_endpoint_grant(s, "svc", capos_Console_TYPE_ID);
	st_res_len = 16;
	int tiny = st_spawn(s, &h, &pid);
	int tiny_type = st_last_type;
	uint32_t need = st_last_len;
	st_res_len = need - 8;
	int short8 = st_spawn(s, &h, &pid);
	uint32_t need2 = st_last_len;
	st_res_len = sizeof(st_res);
	st_res_addr = (uint64_t)(uintptr_t)capos_boot.capset;
	int fault = st_spawn(s, &h, &pid);
	st_res_addr = 0;
	printf("spawntest: result-room: 16 bytes -> %s (%s), needs %u; %u bytes -> %s, needs %u;"
	       " read-only buffer -> %s\n",
	       capos_error_name(tiny), st_type_name(tiny_type), (unsigned)need,
	       (unsigned)(need - 8), capos_error_name(short8), (unsigned)need2,
	       capos_error_name(fault));
	st_check("result-room refusals",
		 tiny == CAPOS_ERR_RING_RESULT_TOO_SMALL && tiny_type == ST_TRANSPORT &&
			 need > 16 && need <= sizeof(st_res) &&
			 short8 == CAPOS_ERR_RING_RESULT_TOO_SMALL && need2 == need &&
			 fault == CAPOS_ERR_RING_RESULT_FAULT);
	/* Exactly the size reported is enough: the plain child (console, exit 42). */
	s = st_plain("room");
	st_kernel_grant(s, "console", capos_KernelCapSource_console);
	st_res_len = 16;
	int small1 = st_spawn(s, &h, &pid);
	uint32_t need1 = st_last_len;
	st_res_len = need1;
	int err = st_spawn(s, &h, &pid);
	uint32_t got = st_last_len;
	st_res_len = sizeof(st_res);
	int64_t code = 0;
	int killed = 0;
	if (err == 0) {
		err = st_wait(h, &code, &killed);
		(void)st_release(h);
	}
	printf("spawntest: result-room: %u bytes exactly -> %s (result_len %u), pid %llu after "
	       "%llu, exit %lld\n",
	       (unsigned)need1, capos_error_name(err), (unsigned)got, (unsigned long long)pid,
	       (unsigned long long)before, (long long)code);
	st_check("result-room: refused spawns created no process, the exact size works",
		 small1 == CAPOS_ERR_RING_RESULT_TOO_SMALL && err == 0 && got == need1 &&
			 pid == before + 1 && code == CHILD_PLAIN && !killed);
	st_last_pid = pid;
}

/* Named ResourceProfiles of the manifest set the child's limits: "tiny" has 2 cap
 * slots (a third grant does not fit), "starved" 16 frames (the ELF does not load),
 * "roomy" is enough for the child. */
static void st_test_profiles(void)
{
	struct st_spawn *s = st_plain("tiny");
	uint64_t pid = 0;
	uint32_t h = 0;

	s->profile = "tiny";
	st_kernel_grant(s, "t0", capos_KernelCapSource_timer);
	st_kernel_grant(s, "t1", capos_KernelCapSource_timer);
	st_kernel_grant(s, "t2", capos_KernelCapSource_timer);
	int tiny = st_spawn(s, &h, &pid);
	s = st_plain("starved");
	s->profile = "starved";
	int starved = st_spawn(s, &h, &pid);
	s = st_plain("roomy");
	s->profile = "roomy";
	st_kernel_grant(s, "console", capos_KernelCapSource_console);
	int roomy = st_run(s, CHILD_PLAIN, &pid);
	printf("spawntest: profiles: tiny with 3 grants -> %s; starved -> %s; roomy -> %s\n",
	       capos_error_name(tiny), capos_error_name(starved), capos_error_name(roomy));
	st_check("profiles", tiny == CAPOS_ERR_CAP_TABLE_FULL &&
				     starved == CAPOS_ERR_QUOTA_FRAMES && roomy == 0);
}

static void st_test_quota(void)
{
	static uint32_t handles[SPAWNTEST_MAX_CHILDREN];
	struct st_spawn *s = st_plain("q");
	uint32_t n = 0, h = 0, ended = 0;
	uint64_t pid = 0;
	int err = 0;

	st_kernel_grant(s, "spin", capos_KernelCapSource_timer);
	while (n < SPAWNTEST_MAX_CHILDREN && (err = st_spawn(s, &handles[n], &pid)) == 0)
		n++;
	int over = err ? err : st_spawn(s, &h, &pid);
	int over_type = st_last_type;
	for (uint32_t i = 0; i < n; i++) {
		int64_t code = 0;
		int killed = 0;

		if (st_kill(handles[i]) == 0 && st_wait(handles[i], &code, &killed) == 0 && killed)
			ended++;
		(void)st_release(handles[i]);
	}
	printf("spawntest: quota: %u live children, one more -> %s (%s); %u killed\n", (unsigned)n,
	       capos_error_name(over), st_type_name(over_type), (unsigned)ended);
	st_check("quota", n == SPAWNTEST_MAX_CHILDREN && over == CAPOS_ERR_QUOTA_CHILDREN &&
				  over_type == capos_ExceptionType_overloaded && ended == n);
	err = st_run(st_plain("after-quota"), CHILD_PLAIN, &pid);
	st_check("spawn works again after the quota", err == 0);
}

static void st_test_churn(void)
{
	struct st_spawn *s;
	uint32_t exited = 0, killed_n = 0;

	for (uint32_t i = 0; i < SPAWNTEST_CHURN; i++) {
		uint32_t h = 0;
		uint64_t pid = 0;
		int64_t code = 0;
		int killed = 0;

		s = st_plain("churn");
		if (i & 1)
			st_kernel_grant(s, "spin", capos_KernelCapSource_timer);
		int err = st_spawn(s, &h, &pid);
		if (err == 0 && (i & 1))
			err = st_kill(h);
		if (err == 0)
			err = st_wait(h, &code, &killed);
		if (h)
			(void)st_release(h);
		if (err) {
			printf("spawntest: churn %u: %s\n", (unsigned)i, capos_error_name(err));
			break;
		}
		exited += !killed && code == CHILD_PLAIN;
		killed_n += killed && code == -1;
	}
	printf("spawntest: churn: %u processes, %u exited %d, %u killed\n",
	       (unsigned)SPAWNTEST_CHURN, (unsigned)exited, CHILD_PLAIN, (unsigned)killed_n);
	st_check("churn", exited == SPAWNTEST_CHURN / 2 && killed_n == SPAWNTEST_CHURN / 2);
}

static int st_lookup(const char *name, uint64_t iid, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				   cap);
}

int main(void)
{
	if (st_lookup("console", capos_Console_TYPE_ID, &st_console) ||
	    st_lookup("timer", capos_Timer_TYPE_ID, &st_timer) ||
	    st_lookup("timer2", capos_Timer_TYPE_ID, &st_timer2) ||
	    st_lookup("spawner", capos_ProcessSpawner_TYPE_ID, &st_spawner) ||
	    st_lookup("ep", capos_Endpoint_TYPE_ID, &st_ep) ||
	    st_lookup("capmgr", capos_CapabilityManager_TYPE_ID, &st_capmgr))
		return 2;
	if (capos_ring_self(&st_ring))
		return 3;
	printf("spawntest: start (pid %u)\n", (unsigned)capos_boot.pid);
	st_test_print();
	st_test_copy_move();
	st_test_kill();
	st_test_fault();
	st_test_wait_busy();
	st_test_export();
	st_test_facet();
	st_test_orphan_wait();
	st_test_hostile();
	st_test_result_room();
	st_test_profiles();
	st_test_quota();
	st_test_churn();
	st_test_quota_classes();
	printf("spawntest: %s\n", st_failed ? "FAILED" : "done, exiting 0");
	return st_failed ? 1 : 0;
}
