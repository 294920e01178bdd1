/*
 * threadtest's shared pieces (user/threadtest): the caps it looks up, the checks'
 * reporting, the raw spawn of a thread at an arbitrary entry/stack, the child roles.
 */
#ifndef THREADTEST_H
#define THREADTEST_H

#include <stdint.h>

#include <libcapos/kcaps.h>
#include <libcapos/ring.h>

#define TH_MS 1000000ull

struct th_caps {
	uint32_t timer, threads, threadctl, spawner, ep;
};
extern struct th_caps th;
extern int th_failed;

/* "threadtest: <step>: ok|FAILED" and the failure flag. */
void th_check(const char *step, int ok);

/* "<name> (type <exception type name>)" of a status and its CapException type. */
const char *th_err(int err, int type);

/* The hostile twins (hostile.c). */
void th_test_hostile(void);

/* The child processes (child.c): spawned and judged by init; and the child's main. */
void th_test_children(void);
int th_child_main(void);

/* Where a child's thread blocks: its ring and the SQ tail before its blocking CALL,
 * published for the child's main thread. */
struct th_blocker {
	const struct capos_ring *volatile ring;
	uint32_t sq;
};

/* Publishes this thread's ring before its next (blocking) CALL. */
void th_arm(struct th_blocker *b);

/* The kernel consumed b's blocking CALL: it is deferred (pending) by now, since it
 * cannot complete before the child is killed. */
int th_blocked(const struct th_blocker *b);

/* In a child: once in_place() holds, answers init's one call on `ready` (empty
 * results); init kills the child then. Returns the first error. */
int th_c_ready(int (*in_place)(void));

/* In init: spawns threadtest as `role` under `profile` (NULL: the default) with its
 * kernel caps and a Timer under the role's name; with `ready` (non-NULL) also an
 * exported `ready` endpoint, whose facet comes back in *ready. The handle in *handle. */
int th_spawn(const char *role, const char *profile, uint32_t *handle, uint32_t *ready);

/* In init: calls a child's `ready` facet (it answers once its threads are in place),
 * then releases it. */
int th_await_ready(uint32_t ready);

/* In init: ProcessHandle.wait on h: exit code and killed flag; h is released after. */
int th_wait(uint32_t h, int64_t *code, int *killed);

/* In init: ProcessHandle.kill of h, then th_wait. */
int th_kill_wait(uint32_t h, int64_t *code, int *killed);

/* Many threads machine-wide (many.c): the child role and init's side. */
int th_many_child(void);
void th_test_many(void);

#endif
