/*
 * Host tests of VirtualMemory's kernel glue (kernel/proc/vmres.c) with the address-space
 * primitives it calls (vm_map, vm_unmap, vm_protect) and the kernel heap replaced by
 * recorders over a page model: every charge (LEDGER_VIRTUAL, LEDGER_FRAMES,
 * LEDGER_KERNEL_BYTES) taken and returned on the success and failure paths, the
 * virtual quota's typed error for reserve and map with nothing charged or recorded,
 * a failing vm_map or heap leaving no trace, decommit and unmap freeing exactly the
 * committed runs, and teardown returning everything.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/kcharge.h>
#include <kernel/memobj.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/vmregion.h>
#include <kernel/vmres.h>

#include "../test.h"

#define P 0x1000ull
#define BASE CAPOS_USER_ANON_BASE
#define PAGES 256u

/* ---- the page model behind the stubs */
static uint8_t mapped[PAGES]; /* page i of BASE.. is mapped */
static int map_fail, heap_fail;
static unsigned map_calls, unmapped_pages;

static uint64_t pg(uint64_t i)
{
	return BASE + i * P;
}

static bool in_model(uint64_t va, uint64_t size)
{
	return va >= BASE && (va - BASE) / P + size / P <= PAGES;
}

int vm_map(struct vm_space *vm, uint64_t va, uint64_t size, unsigned prot, const void *data,
	   size_t len)
{
	(void)prot, (void)data, (void)len;
	map_calls++;
	if (map_fail)
		return map_fail;
	if (!in_model(va, size))
		return CAPOS_ERR_BAD_ADDRESS;
	for (uint64_t i = 0; i < size / P; i++)
		if (mapped[(va - BASE) / P + i])
			return CAPOS_ERR_MM_ALREADY_MAPPED;
	if (ledger_reserve(vm->ledger, LEDGER_FRAMES, size / P))
		return CAPOS_ERR_QUOTA_FRAMES;
	memset(mapped + (va - BASE) / P, 1, size / P);
	return CAPOS_OK;
}

int vm_unmap(struct vm_space *vm, uint64_t va, uint64_t size)
{
	if (!in_model(va, size))
		return CAPOS_ERR_BAD_ADDRESS;
	for (uint64_t i = 0; i < size / P; i++)
		if (!mapped[(va - BASE) / P + i])
			return CAPOS_ERR_MM_NOT_MAPPED;
	memset(mapped + (va - BASE) / P, 0, size / P);
	ledger_release(vm->ledger, LEDGER_FRAMES, size / P);
	unmapped_pages += (unsigned)(size / P);
	return CAPOS_OK;
}

int vm_protect(struct vm_space *vm, uint64_t va, uint64_t size, unsigned prot)
{
	(void)vm, (void)prot;
	for (uint64_t i = 0; i < size / P; i++)
		if (!mapped[(va - BASE) / P + i])
			return CAPOS_ERR_MM_NOT_MAPPED;
	return CAPOS_OK;
}

/* The charged-block contract (kernel/kcharge.h): the bytes charged to the ledger's
 * LEDGER_KERNEL_BYTES first (its typed error), then the block; kfree_charged returns
 * them. The fake charges the payload size and keeps it in a header. */
int kzalloc_charged(struct ledger *l, size_t size, void **out)
{
	int err = ledger_reserve(l, LEDGER_KERNEL_BYTES, size);
	struct ledger **b;

	if (err)
		return err;
	b = heap_fail ? NULL : calloc(1, sizeof(*b) * 2 + size);
	if (b == NULL) {
		ledger_release(l, LEDGER_KERNEL_BYTES, size);
		return CAPOS_ERR_NO_MEMORY;
	}
	b[0] = l;
	b[1] = (struct ledger *)(uintptr_t)size;
	*out = b + 2;
	return CAPOS_OK;
}

void kfree_charged(void *p)
{
	struct ledger **b = (struct ledger **)p - 2;

	ledger_release(b[0], LEDGER_KERNEL_BYTES, (uint64_t)(uintptr_t)b[1]);
	free(b);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

/* ---- fixture */
static struct ledger L;
static struct vm_space V;

static void setup(uint64_t virtual_limit)
{
	memset(mapped, 0, sizeof(mapped));
	map_fail = heap_fail = 0;
	map_calls = unmapped_pages = 0;
	memset(&L, 0, sizeof(L));
	for (unsigned c = 0; c < LEDGER_CLASS_COUNT; c++)
		L.limit[c] = UINT64_MAX;
	L.limit[LEDGER_VIRTUAL] = virtual_limit;
	memset(&V, 0, sizeof(V));
	V.ledger = &L;
}

static uint64_t used(enum ledger_class c)
{
	return L.used[c];
}

static uint32_t entries(void)
{
	return V.regions ? V.regions->count : 0;
}

TEST(reserve_charges_address_space_and_the_table_once)
{
	uint64_t a = 0, b = 0;

	setup(UINT64_MAX);
	CHECK_EQ(vmres_reserve(&V, 0, 8 * P, &a), CAPOS_OK);
	CHECK_UEQ(a, BASE);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 8 * P);
	CHECK_UEQ(used(LEDGER_KERNEL_BYTES), sizeof(struct vmr_table));
	CHECK_UEQ(used(LEDGER_FRAMES), 0); /* nothing mapped */
	CHECK_EQ(map_calls, 0);
	CHECK_EQ(vmres_reserve(&V, 0, 2 * P, &b), CAPOS_OK);
	CHECK_UEQ(b, pg(8)); /* right after: the two share one entry */
	CHECK_EQ(entries(), 1);
	CHECK_UEQ(used(LEDGER_KERNEL_BYTES), sizeof(struct vmr_table)); /* one table */
	CHECK_EQ(vmres_unmap(&V, a, 8 * P), CAPOS_OK);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 2 * P);
	vmres_destroy(&V);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0);
	CHECK_UEQ(used(LEDGER_KERNEL_BYTES), 0);
	CHECK(V.regions == NULL);
	CHECK_EQ(L.underflows, 0);
}

TEST(virtual_quota_is_typed_and_changes_nothing)
{
	uint64_t a = 0, x = 0;

	setup(16 * P);
	CHECK_EQ(vmres_reserve(&V, 0, 12 * P, &a), CAPOS_OK);
	CHECK_EQ(vmres_map(&V, 0, 4 * P, VM_PROT_WRITE, &x), CAPOS_OK);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 16 * P);
	CHECK_EQ(entries(), 2);
	CHECK_EQ(vmres_reserve(&V, 0, P, &x), CAPOS_ERR_QUOTA_VIRTUAL);
	map_calls = 0;
	CHECK_EQ(vmres_map(&V, 0, P, VM_PROT_WRITE, &x), CAPOS_ERR_QUOTA_VIRTUAL);
	CHECK_EQ(map_calls, 0); /* refused before any frame */
	CHECK_EQ(vmres_reserve(&V, pg(100), P, &x), CAPOS_ERR_QUOTA_VIRTUAL);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 16 * P);
	CHECK_UEQ(used(LEDGER_FRAMES), 4);
	CHECK_EQ(entries(), 2);
	CHECK(vmres_range_free(&V, pg(100), P));
	/* commit, decommit and guard take no address space: they still work at the limit */
	CHECK_EQ(vmres_commit(&V, a, 2 * P, VM_PROT_WRITE), CAPOS_OK);
	CHECK_EQ(vmres_guard(&V, a + 11 * P, P), CAPOS_OK);
	CHECK_EQ(vmres_decommit(&V, a, 11 * P), CAPOS_OK);
	/* giving some back makes room for exactly that much */
	CHECK_EQ(vmres_unmap(&V, a, 2 * P), CAPOS_OK);
	CHECK_EQ(vmres_reserve(&V, 0, 3 * P, &x), CAPOS_ERR_QUOTA_VIRTUAL);
	CHECK_EQ(vmres_reserve(&V, 0, 2 * P, &x), CAPOS_OK);
	vmres_destroy(&V);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0);
}

TEST(failing_frames_leave_no_trace)
{
	uint64_t a = 0, x = 0;

	setup(UINT64_MAX);
	map_fail = CAPOS_ERR_NO_MEMORY;
	CHECK_EQ(vmres_map(&V, pg(4), 2 * P, VM_PROT_WRITE, &x), CAPOS_ERR_NO_MEMORY);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0); /* the hold was dropped */
	CHECK_EQ(entries(), 0);
	CHECK(vmres_range_free(&V, pg(4), 2 * P));
	map_fail = 0;
	CHECK_EQ(vmres_reserve(&V, 0, 4 * P, &a), CAPOS_OK);
	map_fail = CAPOS_ERR_NO_MEMORY;
	CHECK_EQ(vmres_commit(&V, a, 2 * P, VM_PROT_WRITE), CAPOS_ERR_NO_MEMORY);
	map_fail = 0;
	/* still reserved and uncommitted: the same commit now succeeds */
	CHECK_EQ(vmres_commit(&V, a, 2 * P, VM_PROT_WRITE), CAPOS_OK);
	CHECK_UEQ(used(LEDGER_FRAMES), 2);
	vmres_destroy(&V);
}

TEST(table_allocation_failures_are_typed_and_uncharged)
{
	uint64_t x = 0;

	setup(UINT64_MAX);
	L.limit[LEDGER_KERNEL_BYTES] = sizeof(struct vmr_table) - 1;
	CHECK_EQ(vmres_reserve(&V, 0, P, &x), CAPOS_ERR_QUOTA_KERNEL_MEMORY);
	CHECK(V.regions == NULL);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0);
	L.limit[LEDGER_KERNEL_BYTES] = UINT64_MAX;
	heap_fail = 1;
	CHECK_EQ(vmres_map(&V, 0, P, VM_PROT_WRITE, &x), CAPOS_ERR_NO_MEMORY);
	CHECK_UEQ(used(LEDGER_KERNEL_BYTES), 0);
	CHECK_EQ(map_calls, 0);
	/* the other operations need no table: nothing reserved */
	CHECK_EQ(vmres_commit(&V, pg(0), P, VM_PROT_WRITE), CAPOS_ERR_VMR_NOT_RESERVED);
	CHECK_EQ(vmres_unmap(&V, pg(0), P), CAPOS_ERR_MM_NOT_MAPPED);
	vmres_destroy(&V); /* no table: a no-op */
	CHECK_EQ(L.underflows, 0);
}

TEST(decommit_and_unmap_free_exactly_the_committed_runs)
{
	uint64_t a = 0;

	setup(UINT64_MAX);
	CHECK_EQ(vmres_reserve(&V, 0, 8 * P, &a), CAPOS_OK);
	CHECK_EQ(vmres_commit(&V, a, 2 * P, VM_PROT_WRITE), CAPOS_OK);
	CHECK_EQ(vmres_commit(&V, a + 4 * P, 2 * P, 0), CAPOS_OK);
	CHECK_EQ(vmres_guard(&V, a + 7 * P, P), CAPOS_OK);
	CHECK_UEQ(used(LEDGER_FRAMES), 4);
	CHECK_EQ(vmres_decommit(&V, a + P, 4 * P), CAPOS_OK); /* one page of each run */
	CHECK_EQ(unmapped_pages, 2);
	CHECK_UEQ(used(LEDGER_FRAMES), 2);
	CHECK(mapped[0] && !mapped[1] && !mapped[4] && mapped[5]);
	CHECK_EQ(vmres_protect(&V, a + P, P, 0), CAPOS_ERR_MM_NOT_MAPPED);
	CHECK_EQ(vmres_protect(&V, a + 7 * P, P, 0), CAPOS_ERR_VMR_GUARD);
	CHECK_EQ(vmres_protect(&V, a + 5 * P, P, VM_PROT_WRITE), CAPOS_OK);
	/* unmap across reserved, committed and guard pages frees the rest */
	CHECK_EQ(vmres_unmap(&V, a, 8 * P), CAPOS_OK);
	CHECK_EQ(unmapped_pages, 4);
	CHECK_UEQ(used(LEDGER_FRAMES), 0);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0);
	CHECK_EQ(entries(), 0);
	vmres_destroy(&V);
}

TEST(refusals_check_everything_first)
{
	uint64_t a = 0, x = 0, got[VMR_MAX];
	uint32_t n = 0;

	setup(UINT64_MAX);
	CHECK_EQ(vmres_reserve(&V, pg(10), 4 * P, &a), CAPOS_OK);
	CHECK_UEQ(a, pg(10));
	CHECK_EQ(vmres_reserve(&V, pg(13), 2 * P, &x), CAPOS_ERR_VMR_OVERLAP);
	CHECK_EQ(vmres_map(&V, pg(8), 3 * P, VM_PROT_WRITE, &x), CAPOS_ERR_VMR_OVERLAP);
	CHECK_EQ(vmres_reserve(&V, CAPOS_USER_IMAGE_BASE, P, &x), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(vmres_commit(&V, pg(12), 4 * P, VM_PROT_WRITE), CAPOS_ERR_VMR_NOT_RESERVED);
	CHECK_EQ(vmres_guard(&V, pg(9), 2 * P), CAPOS_ERR_VMR_NOT_RESERVED);
	CHECK_EQ(map_calls, 0);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 4 * P);
	/* fill the table (pages two apart: separate entries); a refusal charges nothing */
	while (n < VMR_MAX && vmres_reserve(&V, pg(20 + 2 * n), P, &got[n]) == CAPOS_OK)
		n++;
	CHECK_EQ(n, VMR_MAX - 1);
	CHECK_UEQ(used(LEDGER_VIRTUAL), (4 + n) * P);
	CHECK_EQ(vmres_reserve(&V, 0, P, &x), CAPOS_ERR_VMR_TOO_MANY);
	CHECK_EQ(vmres_commit(&V, pg(11), P, VM_PROT_WRITE), CAPOS_ERR_VMR_TOO_MANY);
	CHECK_EQ(vmres_unmap(&V, pg(11), P), CAPOS_ERR_VMR_TOO_MANY); /* a split */
	CHECK_EQ(map_calls, 0);
	CHECK_UEQ(used(LEDGER_VIRTUAL), (4 + n) * P);
	CHECK_EQ(vmres_unmap(&V, pg(10), 4 * P), CAPOS_OK); /* whole: no split */
	vmres_destroy(&V);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0);
}

/* MemoryObject mappings share the anonymous window but live outside the region table:
 * an explicit hint over one is an overlap, and a kernel-chosen range skips it. */
TEST(object_mappings_are_neither_overlapped_nor_chosen)
{
	struct list maps;
	struct memmap low = { .va = BASE, .pages = 4 }, next = { .va = BASE + 6 * P, .pages = 2 };
	uint64_t a = 0;

	setup(UINT64_MAX);
	list_init(&maps);
	list_push_back(&maps, &low.link);
	list_push_back(&maps, &next.link);
	V.object_maps = &maps;
	CHECK_EQ(vmres_reserve(&V, pg(3), 2 * P, &a), CAPOS_ERR_VMR_OVERLAP);
	CHECK_EQ(vmres_map(&V, pg(7), P, 0, &a), CAPOS_ERR_VMR_OVERLAP);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0); /* refusals charge nothing */
	CHECK_EQ(map_calls, 0);
	CHECK_EQ(vmres_reserve(&V, 0, 2 * P, &a), CAPOS_OK);
	CHECK_UEQ(a, pg(4)); /* the hole between the two mappings fits */
	CHECK_EQ(vmres_reserve(&V, 0, 3 * P, &a), CAPOS_OK);
	CHECK_UEQ(a, pg(8)); /* past both: retried beyond each overlapping mapping */
	CHECK_EQ(vmres_reserve(&V, pg(20), P, &a), CAPOS_OK);
	CHECK_UEQ(a, pg(20));
	vmres_destroy(&V);
	CHECK_UEQ(used(LEDGER_VIRTUAL), 0);
	CHECK_EQ(L.underflows, 0);
}
