/*
 * smpbench's thread configurations (thread-1, thread-2) and the park/unpark ping-pong.
 * libcapos has no thread API yet (issue 8: the `threads` work), so each prints
 * `unavailable` with the reason; the driver shows it as such. (The ping-pong between
 * two processes, through SharedParkSpace, is main.c's pingpong-proc.)
 */
#include <stdio.h>

#include "smpbench.h"

int smpbench_threads(uint32_t chunks)
{
	(void)chunks;
	smpbench_print("smp thread-1 unavailable reason=no-libcapos-threads");
	smpbench_print("smp thread-2 unavailable reason=no-libcapos-threads");
	smpbench_print("smp pingpong unavailable reason=no-libcapos-threads");
	return 0;
}
