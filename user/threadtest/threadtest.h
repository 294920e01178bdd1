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

#endif
