/*
 * Many threads machine-wide: init spawns TH_MANY_CHILDREN children under the role
 * `role.many` (profile "many": 64 threads, 4 MiB of kernel bytes); each starts
 * TH_MANY_THREADS threads that block in a chain of joins (thread i joins thread i + 1,
 * the last sleeps in Timer.sleep) and says `ready` once the kernel holds every join and
 * the sleep. With all children ready, TH_MANY_CHILDREN * (TH_MANY_THREADS + 1) + 1
 * threads live at once, each on its own kernel stack: well past the 64 stacks the
 * kernel once had machine-wide (kernel/proc/kstack.c). Then init kills the children one
 * by one (a kill ends 61 blocked threads: one sleep and 59 joins cancelled) and the
 * suite's COM1 checks find every frame and object back at its baseline. Each thread's
 * stack has a guard page: two VirtualMemory regions a thread, 120 of VMR_MAX (256).
 * Joins rather than sleeps or PARKs because those are bounded per process
 * (KSLEEP_MAX_PER_PROC, KPARK_MAX_PER_PROC).
 */
#include "threadtest.h"

#include <stdio.h>

#include <capos/error.h>
#include <libcapos/thread.h>

#define TH_MANY_CHILDREN 3u
#define TH_MANY_THREADS 60u
#define TH_MANY_STACK (16u * 1024u)

/* One link of the chain: the thread it joins (NULL: the last, which sleeps). */
struct th_many_link {
	struct capos_thread *next;
	struct th_blocker blocker;
};

static struct th_many_link th_many[TH_MANY_THREADS];

static int64_t th_many_thread(void *arg)
{
	struct th_many_link *l = arg;
	int64_t code;

	th_arm(&l->blocker);
	if (l->next != NULL)
		return capos_thread_join(l->next, &code) ? 2 : 1; /* never: killed first */
	for (;;) /* until killed, however slow the host */
		(void)capos_timer_sleep(th.timer, 10000 * TH_MS);
}

static int th_many_in_place(void)
{
	for (unsigned i = 0; i < TH_MANY_THREADS; i++)
		if (!th_blocked(&th_many[i].blocker))
			return 0;
	return 1;
}

int th_many_child(void)
{
	struct capos_thread *next = NULL;
	unsigned made = 0;
	int err = CAPOS_OK;

	/* From the end of the chain: each thread's successor exists before it runs. */
	for (unsigned i = TH_MANY_THREADS; i-- > 0;) {
		th_many[i].next = next;
		err = capos_thread_create(th_many_thread, &th_many[i], TH_MANY_STACK, &next);
		if (err != CAPOS_OK)
			break;
		made++;
	}
	printf("threadtest: child many: %u threads in a join chain -> %s\n", made,
	       capos_error_name(err));
	fflush(stdout);
	if (err == CAPOS_OK)
		err = th_c_ready(th_many_in_place);
	if (err != CAPOS_OK) {
		printf("threadtest: child many: ready -> %s\n", capos_error_name(err));
		return 2;
	}
	(void)capos_thread_join(next, NULL); /* the chain's head: blocks until killed */
	return 1;
}

/* ---- in init ---- */

void th_test_many(void)
{
	uint32_t h[TH_MANY_CHILDREN], ready;
	unsigned spawned = 0, live = 0, ended = 0;
	int err = CAPOS_OK;

	while (spawned < TH_MANY_CHILDREN && err == CAPOS_OK) {
		err = th_spawn("role.many", "many", &h[spawned], &ready);
		if (err != CAPOS_OK)
			break;
		err = th_await_ready(ready);
		spawned++;
		if (err == CAPOS_OK)
			live++;
	}
	printf("threadtest: many: %u children x %u blocked threads at once -> %s\n", live,
	       TH_MANY_THREADS, capos_error_name(err));
	for (unsigned i = 0; i < spawned; i++) {
		int64_t code = 0;
		int killed = -1;
		int kerr = th_kill_wait(h[i], &code, &killed);

		if (kerr == CAPOS_OK && code == -1 && killed == 1)
			ended++;
		else
			printf("threadtest: many: child %u -> %s, code %lld killed %d\n", i,
			       capos_error_name(kerr), (long long)code, killed);
	}
	printf("threadtest: many: %u killed and reaped\n", ended);
	th_check("many", err == CAPOS_OK && live == TH_MANY_CHILDREN && ended == TH_MANY_CHILDREN);
}
