/*
 * Bookkeeping of MemoryObject mappings (kernel/include/kernel/memobj.h): the range
 * checks of MemoryObject.map, lookups on a process's mapping list and the first-fit
 * placement of kernel-chosen addresses. Pure: no frames, no page tables; compiled
 * unmodified into the kernel and tests/host/kernel/memmap_test.c. Every check is
 * written so that no sum of user values can wrap.
 */
#include <kernel/memobj.h>

#include <capos/error.h>
#include <capos/layout.h>

int memmap_check_range(uint64_t obj_pages, uint64_t offset, uint64_t pages)
{
	if (pages == 0 || offset >= obj_pages || pages > obj_pages - offset)
		return CAPOS_ERR_MEMOBJ_RANGE;
	return CAPOS_OK;
}

int memmap_check_hint(uint64_t hint, uint64_t pages)
{
	if (hint & (MEMOBJ_PAGE - 1))
		return CAPOS_ERR_ALIGNMENT;
	if (hint < CAPOS_USER_ANON_BASE || hint >= CAPOS_USER_ANON_END ||
	    pages > (CAPOS_USER_ANON_END - hint) / MEMOBJ_PAGE)
		return CAPOS_ERR_OUT_OF_RANGE;
	return CAPOS_OK;
}

int memmap_check_wx(const struct memobj *obj, unsigned prot, const struct memmap *self)
{
	uint32_t w = obj->wmaps, x = obj->xmaps;

	if (self && (self->prot & MEMOBJ_PROT_WRITE))
		w--;
	if (self && (self->prot & MEMOBJ_PROT_EXEC))
		x--;
	if ((prot & MEMOBJ_PROT_WRITE) && (x || (prot & MEMOBJ_PROT_EXEC)))
		return CAPOS_ERR_VM_WX;
	if ((prot & MEMOBJ_PROT_EXEC) && w)
		return CAPOS_ERR_VM_WX;
	return CAPOS_OK;
}

struct memmap *memmap_find(const struct list *maps, const struct memobj *obj, uint64_t va)
{
	struct list_node *n, *tmp;

	LIST_FOR_EACH_SAFE(n, tmp, maps)
	{
		struct memmap *m = LIST_ENTRY(n, struct memmap, link);

		if (m->obj == obj && m->va == va)
			return m;
	}
	return NULL;
}

/* [a, a + as) and [b, b + bs) intersect (both non-empty, neither wraps). */
static bool memmap_intersect(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

uint64_t memmap_overlap_end(const struct list *maps, uint64_t va, uint64_t size)
{
	struct list_node *n, *tmp;
	uint64_t end = 0;

	LIST_FOR_EACH_SAFE(n, tmp, maps)
	{
		struct memmap *m = LIST_ENTRY(n, struct memmap, link);
		uint64_t m_end = m->va + m->pages * MEMOBJ_PAGE;

		if (memmap_intersect(va, size, m->va, m->pages * MEMOBJ_PAGE) && m_end > end)
			end = m_end;
	}
	return end;
}

bool memmap_overlaps(const struct list *maps, uint64_t va, uint64_t size)
{
	return memmap_overlap_end(maps, va, size) != 0;
}

uint32_t memmap_count(const struct list *maps, const struct memobj *obj)
{
	struct list_node *n, *tmp;
	uint32_t count = 0;

	LIST_FOR_EACH_SAFE(n, tmp, maps)
	{
		if (obj == NULL || LIST_ENTRY(n, struct memmap, link)->obj == obj)
			count++;
	}
	return count;
}

/* The end (guard page included) of a mapping that collides with [va, va + span), or 0. */
static uint64_t memmap_collision_end(const struct list *maps, uint64_t va, uint64_t span)
{
	struct list_node *n, *tmp;

	LIST_FOR_EACH_SAFE(n, tmp, maps)
	{
		struct memmap *m = LIST_ENTRY(n, struct memmap, link);
		uint64_t mspan = (m->pages + 1) * MEMOBJ_PAGE;

		if (memmap_intersect(va, span, m->va, mspan))
			return m->va + mspan;
	}
	return 0;
}

int memmap_place(const struct list *maps, uint64_t from, uint64_t end, uint64_t size, uint64_t *out)
{
	uint64_t va = from;

	if (size == 0 || (size & (MEMOBJ_PAGE - 1)) || from >= end)
		return CAPOS_ERR_MEMOBJ_NO_SPACE;
	/* Invariant: no gap below va fits; each step moves va past one mapping, so the
	 * loop ends after at most one step per mapping. */
	while (va < end && size + MEMOBJ_PAGE <= end - va) {
		uint64_t next = memmap_collision_end(maps, va, size + MEMOBJ_PAGE);

		if (next == 0) {
			*out = va;
			return CAPOS_OK;
		}
		va = next;
	}
	return CAPOS_ERR_MEMOBJ_NO_SPACE;
}
