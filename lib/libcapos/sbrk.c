/*
 * sbrk for newlib's malloc, over the process heap (libcapos/heap.h): the window is
 * CAPOS_USER_HEAP_BASE..END (include/capos/layout.h), backed page by page through
 * capos_heap_pages_map/unmap (VirtualMemory in a capOS process). A growth maps exactly
 * the pages the new break reaches into (newlib's malloc asks for what it needs rounded
 * to a page, so no frame is wasted); a shrink unmaps the whole pages it leaves. No
 * static arena: a program that never calls malloc costs no heap frames.
 *
 * errno: ENOMEM when the break would leave the window, when the pages cannot be had
 * (frame quota spent: an overloaded CAPOS_ERR_QUOTA_FRAMES; no "vm" cap; the kernel
 * refused the range) or when releasing pages fails; EINVAL below the heap base. The break is
 * unchanged after any failure, and the process carries on.
 */
#include "hooks.h"

#include <libcapos/heap.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <errno.h>
#include <unistd.h>

static struct capos_heap sbrk_heap;
static int sbrk_ready;

void *sbrk(ptrdiff_t incr)
{
	struct capos_heap_change c;
	int rc;

	if (!sbrk_ready) {
		rc = capos_heap_init(&sbrk_heap, (uintptr_t)CAPOS_USER_HEAP_BASE,
				     (size_t)(CAPOS_USER_HEAP_END - CAPOS_USER_HEAP_BASE));
		if (rc != CAPOS_OK)
			return (void *)(intptr_t)capos_hook_fail(ENOMEM);
		sbrk_ready = 1;
	}
	rc = capos_heap_plan(&sbrk_heap, incr, &c);
	if (rc != CAPOS_OK)
		return (void *)(intptr_t)capos_hook_fail(rc == CAPOS_ERR_NO_MEMORY ? ENOMEM
										   : EINVAL);
	if (c.map_size != 0 && capos_heap_pages_map(c.map_addr, c.map_size) != CAPOS_OK)
		return (void *)(intptr_t)capos_hook_fail(ENOMEM);
	if (c.unmap_size != 0 && capos_heap_pages_unmap(c.unmap_addr, c.unmap_size) != CAPOS_OK)
		return (void *)(intptr_t)capos_hook_fail(ENOMEM);
	return (void *)capos_heap_commit(&sbrk_heap, &c);
}
