/*
 * Host tests of the MemoryObject mapping bookkeeping (kernel/cap/memmap.c): the page
 * range and explicit-address checks at their overflow edges, lookups by object and
 * address, overlap, counts, and first-fit placement keeping a guard page after
 * every mapping.
 */
#include <stdint.h>

#include <capos/layout.h>
#include <kernel/memobj.h>

#include "../test.h"

#define PG MEMOBJ_PAGE

TEST(memmap_range_inside_the_object)
{
	CHECK_EQ(memmap_check_range(4, 0, 4), CAPOS_OK);
	CHECK_EQ(memmap_check_range(4, 3, 1), CAPOS_OK);
	CHECK_EQ(memmap_check_range(4, 0, 0), CAPOS_ERR_MEMOBJ_RANGE); /* empty */
	CHECK_EQ(memmap_check_range(4, 4, 1), CAPOS_ERR_MEMOBJ_RANGE); /* offset at end */
	CHECK_EQ(memmap_check_range(4, 2, 3), CAPOS_ERR_MEMOBJ_RANGE); /* runs past */
	CHECK_EQ(memmap_check_range(4, 1, UINT64_MAX), CAPOS_ERR_MEMOBJ_RANGE);
	/* offset + pages wraps to a small number: still refused */
	CHECK_EQ(memmap_check_range(4, UINT64_MAX, 2), CAPOS_ERR_MEMOBJ_RANGE);
	CHECK_EQ(memmap_check_range(4, 2, UINT64_MAX - 1), CAPOS_ERR_MEMOBJ_RANGE);
}

TEST(memmap_hint_inside_the_anonymous_region)
{
	CHECK_EQ(memmap_check_hint(CAPOS_USER_ANON_BASE, 1), CAPOS_OK);
	CHECK_EQ(memmap_check_hint(CAPOS_USER_ANON_BASE + 1, 1), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(memmap_check_hint(CAPOS_USER_ANON_BASE - PG, 1), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(memmap_check_hint(CAPOS_USER_ANON_END - PG, 1), CAPOS_OK);
	CHECK_EQ(memmap_check_hint(CAPOS_USER_ANON_END - PG, 2), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(memmap_check_hint(CAPOS_USER_ANON_END, 1), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(memmap_check_hint(CAPOS_USER_ANON_BASE, UINT64_MAX), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(memmap_check_hint(0xFFFF800000000000ull, 1), CAPOS_ERR_OUT_OF_RANGE);
}

/* Three fake objects and mappings on one list. */
static struct memobj *mt_obj(unsigned i)
{
	static struct memobj objs[3];

	return &objs[i];
}

static void mt_add(struct list *l, struct memmap *m, unsigned obj, uint64_t va, uint64_t pages)
{
	*m = (struct memmap){ .obj = mt_obj(obj), .va = va, .pages = pages };
	list_push_back(l, &m->link);
}

TEST(memmap_find_count_overlap)
{
	struct list l;
	struct memmap a, b, c;
	const uint64_t base = MEMOBJ_WINDOW_BASE;

	list_init(&l);
	CHECK_UEQ(memmap_count(&l, NULL), 0);
	CHECK(memmap_find(&l, mt_obj(0), base) == NULL);
	mt_add(&l, &a, 0, base, 2);
	mt_add(&l, &b, 0, base + 8 * PG, 1);
	mt_add(&l, &c, 1, base + 16 * PG, 4);
	CHECK(memmap_find(&l, mt_obj(0), base) == &a);
	CHECK(memmap_find(&l, mt_obj(0), base + 8 * PG) == &b);
	CHECK(memmap_find(&l, mt_obj(1), base) == NULL);      /* another object's mapping */
	CHECK(memmap_find(&l, mt_obj(0), base + PG) == NULL); /* inside, not its start */
	CHECK(memmap_find(&l, mt_obj(2), base + 16 * PG) == NULL);
	CHECK_UEQ(memmap_count(&l, mt_obj(0)), 2);
	CHECK_UEQ(memmap_count(&l, mt_obj(1)), 1);
	CHECK_UEQ(memmap_count(&l, mt_obj(2)), 0);
	CHECK_UEQ(memmap_count(&l, NULL), 3);
	CHECK(memmap_overlaps(&l, base + PG, PG));
	CHECK(!memmap_overlaps(&l, base + 2 * PG, 6 * PG)); /* the gap exactly */
	CHECK(memmap_overlaps(&l, base + 2 * PG, 7 * PG));
	CHECK(memmap_overlaps(&l, base - PG, 2 * PG));
	CHECK(!memmap_overlaps(&l, base - PG, PG));
	CHECK(memmap_overlaps(&l, base + 19 * PG, PG));
	CHECK(!memmap_overlaps(&l, base + 20 * PG, PG));
}

TEST(memmap_wx_across_mappings)
{
	struct memobj *o = mt_obj(2);
	struct memmap w = { .obj = o, .prot = MEMOBJ_PROT_WRITE };
	struct memmap x = { .obj = o, .prot = MEMOBJ_PROT_EXEC };

	o->wmaps = o->xmaps = 0;
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_WRITE | MEMOBJ_PROT_EXEC, NULL), CAPOS_ERR_VM_WX);
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_EXEC, NULL), CAPOS_OK);
	o->wmaps = 1; /* w is mapped */
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_EXEC, NULL), CAPOS_ERR_VM_WX);
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_WRITE, NULL), CAPOS_OK);
	CHECK_EQ(memmap_check_wx(o, 0, NULL), CAPOS_OK);
	/* w itself may become executable: it is the only writable one */
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_EXEC, &w), CAPOS_OK);
	o->wmaps = 2;
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_EXEC, &w), CAPOS_ERR_VM_WX);
	o->wmaps = 0;
	o->xmaps = 1; /* x is mapped */
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_WRITE, NULL), CAPOS_ERR_VM_WX);
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_WRITE, &x), CAPOS_OK);
	CHECK_EQ(memmap_check_wx(o, MEMOBJ_PROT_EXEC, NULL), CAPOS_OK);
	o->xmaps = 0;
}

TEST(memmap_place_first_fit_with_guards)
{
	struct list l;
	struct memmap a, b;
	const uint64_t base = MEMOBJ_WINDOW_BASE;
	uint64_t va = 0;

	list_init(&l);
	CHECK_EQ(memmap_place(&l, base, MEMOBJ_WINDOW_END, 2 * PG, &va), CAPOS_OK);
	CHECK_UEQ(va, base);
	mt_add(&l, &a, 0, base, 2);
	/* next one after a's guard page */
	CHECK_EQ(memmap_place(&l, base, MEMOBJ_WINDOW_END, PG, &va), CAPOS_OK);
	CHECK_UEQ(va, base + 3 * PG);
	mt_add(&l, &b, 0, base + 6 * PG, 1);
	/* the gap [3, 6) holds 2 pages + guard, not 3 pages + guard */
	CHECK_EQ(memmap_place(&l, base, MEMOBJ_WINDOW_END, 2 * PG, &va), CAPOS_OK);
	CHECK_UEQ(va, base + 3 * PG);
	CHECK_EQ(memmap_place(&l, base, MEMOBJ_WINDOW_END, 3 * PG, &va), CAPOS_OK);
	CHECK_UEQ(va, base + 8 * PG);
	/* a freed slot is reused: a removed, so the base fits again */
	list_remove(&a.link);
	CHECK_EQ(memmap_place(&l, base, MEMOBJ_WINDOW_END, 2 * PG, &va), CAPOS_OK);
	CHECK_UEQ(va, base);
	/* from skips everything below it */
	CHECK_EQ(memmap_place(&l, base + PG, MEMOBJ_WINDOW_END, PG, &va), CAPOS_OK);
	CHECK_UEQ(va, base + PG);
}

TEST(memmap_place_refuses_when_nothing_fits)
{
	struct list l;
	struct memmap a;
	const uint64_t base = MEMOBJ_WINDOW_BASE;
	uint64_t va = 0;

	list_init(&l);
	/* size + guard must fit below end */
	CHECK_EQ(memmap_place(&l, base, base + 2 * PG, 2 * PG, &va), CAPOS_ERR_MEMOBJ_NO_SPACE);
	CHECK_EQ(memmap_place(&l, base, base + 3 * PG, 2 * PG, &va), CAPOS_OK);
	mt_add(&l, &a, 0, base, 2);
	CHECK_EQ(memmap_place(&l, base, base + 4 * PG, PG, &va), CAPOS_ERR_MEMOBJ_NO_SPACE);
	CHECK_EQ(memmap_place(&l, base, base + 5 * PG, PG, &va), CAPOS_OK);
	CHECK_UEQ(va, base + 3 * PG);
	CHECK_EQ(memmap_place(&l, base, MEMOBJ_WINDOW_END, 0, &va), CAPOS_ERR_MEMOBJ_NO_SPACE);
	CHECK_EQ(memmap_place(&l, base, MEMOBJ_WINDOW_END, PG + 1, &va), CAPOS_ERR_MEMOBJ_NO_SPACE);
	CHECK_EQ(memmap_place(&l, UINT64_MAX - PG, UINT64_MAX, PG, &va), CAPOS_ERR_MEMOBJ_NO_SPACE);
}
