/*
 * Hostile twin for the TLS planner: a PT_TLS alignment above CAPOS_TLS_MAX_ALIGN
 * (4096) must be refused by crt0 before main, with exit status
 * CAPOS_EXIT_START_FAILED (125), not laid out wrongly.
 */
#include <stdio.h>

static __thread _Alignas(8192) char badtls_block[8192];

int main(void)
{
	badtls_block[0] = 1;
	puts("badtls: main ran (it must not)");
	return badtls_block[0];
}
