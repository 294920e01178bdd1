/*
 * sbrk for newlib's malloc, over the process heap (libcapos/heap.h).
 *
 * Today the heap window is a static arena of CAPOS_STATIC_HEAP_SIZE bytes in .bss,
 * so it costs frames at load time and cannot grow; malloc beyond it fails with
 * ENOMEM (never silently). Growth through VirtualMemory.map into
 * [CAPOS_USER_ANON_BASE, ...) replaces the arena once the ring exists.
 */
#include "hooks.h"

#include <libcapos/heap.h>

#include <capos/error.h>
#include <errno.h>
#include <unistd.h>

#define CAPOS_STATIC_HEAP_SIZE (1024u * 1024u)

static unsigned char sbrk_arena[CAPOS_STATIC_HEAP_SIZE] __attribute__((aligned(4096)));
static struct capos_heap sbrk_heap;
static int sbrk_ready;

void *sbrk(ptrdiff_t incr)
{
	void *old;
	int rc;

	if (!sbrk_ready) {
		rc = capos_heap_init(&sbrk_heap, sbrk_arena, sizeof(sbrk_arena));
		if (rc != CAPOS_OK) {
			errno = ENOMEM;
			return (void *)-1;
		}
		sbrk_ready = 1;
	}
	rc = capos_heap_sbrk(&sbrk_heap, incr, &old);
	if (rc != CAPOS_OK) {
		errno = rc == CAPOS_ERR_NO_MEMORY ? ENOMEM : EINVAL;
		return (void *)-1;
	}
	return old;
}
