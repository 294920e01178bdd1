/*
 * threadtest's children: init spawns threadtest again under a role (a Timer granted
 * under the role's name) and judges how the child process ends.
 *   quota  profile threads2 (2 live threads): main + one thread, a second spawn ->
 *          CAPOS_ERR_QUOTA_THREADS (overloaded); the child exits 41 (the exit syscall
 *          from main ends its parked thread too)
 *   exit   a secondary thread calls the exit syscall (43) while main waits in join:
 *          the whole process ends, code 43, not killed
 *   last   main ends itself with ThreadControl.exit(7); the other thread exits later
 *          with 44: the process ends with the last thread's code, 44
 *   kill   three threads (sleeping, spinning, joining) and main sleeping: killed from
 *          init; wait says (-1, killed) and everything is reaped (COM1 leak check).
 *          init kills only once the child said its threads are in place: the child
 *          watches its sleeper's and joiner's ring pages until the kernel has consumed
 *          their blocking CALL (deferred: pending in the kernel), then answers init's
 *          call on the `ready` endpoint it was spawned with (exported to init). A fixed
 *          100 ms wait before the kill was overrun on a busy host (the child's threads
 *          not blocked yet: no cancel markers; thread-suite@smp1/2 under load).
 */
#include "threadtest.h"

#include <stdio.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <libcapos/spawn.h>
#include <libcapos/sys.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#define TH_NGRANTS 7u /* the last, `ready`, only for the kill role */
/* The interface init calls the kill role's `ready` endpoint with (a private id: the call
 * carries nothing, its answer means "my threads are blocked"). */
#define TH_READY_IID UINT64_C(0x7468726561647921)

/* ---- in the child ---- */

static struct {
	struct th_blocker sleeper, joiner;
	volatile uint32_t spinning;
} th_k;

void th_arm(struct th_blocker *b)
{
	const struct capos_ring *r = (const struct capos_ring *)capos_thread_ring;

	b->sq = __atomic_load_n(&r->hdr.sq_tail, __ATOMIC_ACQUIRE);
	__atomic_store_n(&b->ring, r, __ATOMIC_RELEASE);
}

int th_blocked(const struct th_blocker *b)
{
	const struct capos_ring *r = __atomic_load_n(&b->ring, __ATOMIC_ACQUIRE);

	return r && __atomic_load_n(&r->hdr.sq_head, __ATOMIC_ACQUIRE) != b->sq;
}

static int64_t th_c_park(void *arg)
{
	(void)arg;
	th_arm(&th_k.sleeper);
	(void)capos_timer_sleep(th.timer, 10000 * TH_MS);
	return 1;
}

static int64_t th_c_spin(void *arg)
{
	volatile uint64_t n = 0;

	(void)arg;
	__atomic_store_n(&th_k.spinning, 1, __ATOMIC_RELEASE);
	for (;;)
		n++;
	return 1;
}

static int64_t th_c_join(void *arg)
{
	int64_t code;

	th_arm(&th_k.joiner);
	(void)capos_thread_join(arg, &code);
	return 1;
}

static int64_t th_c_exit_all(void *arg)
{
	(void)arg;
	(void)capos_timer_sleep(th.timer, 20 * TH_MS);
	capos_sys_exit(43);
}

static int64_t th_c_last(void *arg)
{
	(void)arg;
	(void)capos_timer_sleep(th.timer, 50 * TH_MS);
	return 44;
}

static int th_c_quota(void)
{
	struct capos_thread *t;
	struct capos_thread_spawned sp;
	int type = -1;
	int err = capos_thread_create(th_c_park, NULL, 0, &t);
	/* The quota is checked before the arguments are used: a dummy stack will do. */
	const struct capos_thread_spawn_args a = { .entry = CAPOS_USER_BASE,
						   .stack_top = CAPOS_USER_STACK_TOP };

	if (err == CAPOS_OK)
		err = capos_thread_spawn_call(th.threads, &a, &sp, &type);
	printf("threadtest: child quota: second thread -> %s\n", th_err(err, type));
	return err == CAPOS_ERR_QUOTA_THREADS && type == capos_ExceptionType_overloaded ? 41 : 40;
}

int th_c_ready(int (*in_place)(void))
{
	static struct capos_server srv;
	const struct capos_server_reply none = { 0 };
	struct capos_ring_client *c;
	struct capos_cqe cqe;
	uint32_t ep = 0;
	uint64_t ud = 0;
	int err = capos_ring_self(&c);

	while (err == CAPOS_OK && !in_place())
		err = capos_ring_nop(c);
	if (err == CAPOS_OK)
		err = capos_capset_lookup((const void *)capos_boot.capset, "ready",
					  capos_Endpoint_TYPE_ID, &ep);
	if (err == CAPOS_OK)
		err = capos_server_init(&srv, NULL, 0);
	if (err == CAPOS_OK)
		err = capos_server_recv_submit(&srv, c, ep, &ud);
	if (err == CAPOS_OK)
		err = capos_ring_wait(c, ud, CAPOS_TIMEOUT_INFINITE, &cqe);
	if (err == CAPOS_OK)
		err = cqe.status;
	return err ? err : capos_server_return(&srv, c, ep, cqe.call_id, &none);
}

/* The kill role is in place: the sleeper and the joiner are blocked in the kernel and
 * the spinner spins. */
static int th_c_kill_in_place(void)
{
	return __atomic_load_n(&th_k.spinning, __ATOMIC_ACQUIRE) && th_blocked(&th_k.sleeper) &&
	       th_blocked(&th_k.joiner);
}

static int th_c_kill(void)
{
	struct capos_thread *s, *sp, *j;
	int err = capos_thread_create(th_c_park, NULL, 0, &s);

	if (err == CAPOS_OK)
		err = capos_thread_create(th_c_spin, NULL, 0, &sp);
	if (err == CAPOS_OK)
		err = capos_thread_create(th_c_join, s, 0, &j);
	printf("threadtest: child kill: 3 threads sleeping, spinning, joining -> %s\n",
	       capos_error_name(err));
	fflush(stdout);
	if (err == CAPOS_OK)
		err = th_c_ready(th_c_kill_in_place);
	if (err != CAPOS_OK)
		printf("threadtest: child kill: ready -> %s\n", capos_error_name(err));
	(void)capos_timer_sleep(th.timer, 10000 * TH_MS);
	return 1;
}

int th_child_main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;
	struct capos_thread *t;
	uint32_t role;
	int64_t code;

	if (capos_capset_lookup(cs, "role.quota", capos_Timer_TYPE_ID, &role) == CAPOS_OK)
		return th_c_quota();
	if (capos_capset_lookup(cs, "role.kill", capos_Timer_TYPE_ID, &role) == CAPOS_OK)
		return th_c_kill();
	if (capos_capset_lookup(cs, "role.many", capos_Timer_TYPE_ID, &role) == CAPOS_OK)
		return th_many_child();
	if (capos_capset_lookup(cs, "role.exit", capos_Timer_TYPE_ID, &role) == CAPOS_OK) {
		if (capos_thread_create(th_c_exit_all, NULL, 0, &t) == CAPOS_OK)
			(void)capos_thread_join(t, &code); /* never answered: 43 ends it all */
		return 1;
	}
	if (capos_thread_create(th_c_last, NULL, 0, &t) != CAPOS_OK)
		return 1;
	capos_thread_exit(7); /* role.last: the other thread outlives main */
}

/* ---- in init ---- */

int th_spawn(const char *role, const char *profile, uint32_t *handle, uint32_t *ready)
{
	const struct capos_spawn_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = "timer", .kernel = capos_KernelCapSource_timer },
		{ .name = "threads", .kernel = capos_KernelCapSource_threadSpawner },
		{ .name = "threadctl", .kernel = capos_KernelCapSource_threadControl },
		{ .name = "vm", .kernel = capos_KernelCapSource_virtualMemory },
		{ .name = role, .kernel = capos_KernelCapSource_timer },
		{ .name = "ready",
		  .kernel = capos_KernelCapSource_endpoint,
		  .export_iid = TH_READY_IID },
	};
	const struct capos_spawn_req req = {
		"threadtest", role, profile, g, ready ? TH_NGRANTS : TH_NGRANTS - 1, ready
	};
	struct capos_ring_client *c;
	int err = capos_ring_self(&c);

	return err ? err : capos_spawn(c, th.spawner, &req, handle);
}

int th_wait(uint32_t h, int64_t *code, int *killed)
{
	struct capos_ring_client *c;
	int err = capos_ring_self(&c);

	if (err)
		return err;
	err = capos_process_wait(c, h, code, killed);
	(void)capos_ring_release(c, h);
	return err;
}

int th_await_ready(uint32_t ready)
{
	static uint64_t res[8];
	struct capos_ring_client *c;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK) /* answered once the child's threads are in place */
		err = capos_ring_call(c, ready, TH_READY_IID, 0, NULL, 0, res, sizeof(res), NULL);
	return err ? err : capos_ring_release(c, ready);
}

int th_kill_wait(uint32_t h, int64_t *code, int *killed)
{
	struct capos_ring_client *c;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_process_kill(c, h);
	return err ? err : th_wait(h, code, killed);
}

/* Spawns `role`, optionally kills it once it is ready, waits; checks (code, killed). */
static void th_child(const char *role, const char *profile, int kill, int64_t want)
{
	uint32_t h = 0, ready = 0;
	int64_t code = 0;
	int killed = -1;
	int err = th_spawn(role, profile, &h, kill ? &ready : NULL);

	if (err == CAPOS_OK && kill)
		err = th_await_ready(ready);
	if (err == CAPOS_OK)
		err = kill ? th_kill_wait(h, &code, &killed) : th_wait(h, &code, &killed);
	printf("threadtest: child %s -> %s, code %lld killed %d\n", role, capos_error_name(err),
	       (long long)code, killed);
	th_check(role, err == CAPOS_OK && code == want && killed == kill);
}

void th_test_children(void)
{
	th_child("role.quota", "threads2", 0, 41);
	th_child("role.exit", NULL, 0, 43);
	th_child("role.last", NULL, 0, 44);
	th_child("role.kill", NULL, 1, -1);
	th_test_many();
}
