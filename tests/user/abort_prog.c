/*
 * Hostile twin for the runtime's signal hook: abort() must end the process with
 * status 128 + SIGABRT (134) through raise -> kill(self) -> _exit, after flushing
 * nothing it should not (the line below is printed unbuffered first).
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	fputs("abort: calling abort()\n", stderr);
	abort();
}
