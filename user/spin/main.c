/*
 * spin: a long-running demo program for the shell (`run spin with { timer: @timer,
 * stdio: client @stdio }`, then Ctrl-C): prints "spin: tick N" every 200 ms, forever,
 * sleeping with nanosleep (Timer.sleep on its granted "timer" cap; without one, a
 * timed cap_enter: docs/userspace.md). Output is one short line per tick, so it is
 * bounded by the time the shell lets it run.
 *
 * Exit codes (it never ends on its own): 1 standard output failed (e.g. the shell is
 * gone: it stops rather than spin silently); 2 a sleep was refused (strerror(errno)
 * on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SPIN_PERIOD_NS 200000000L

int main(void)
{
	const struct timespec period = { .tv_sec = 0, .tv_nsec = SPIN_PERIOD_NS };

	for (unsigned long tick = 1;; tick++) {
		if (printf("spin: tick %lu\n", tick) < 0)
			return 1;
		if (nanosleep(&period, NULL) != 0) {
			fprintf(stderr, "spin: sleep failed: %s\n", strerror(errno));
			return 2;
		}
	}
}
