/*
 * Host tests of charged kernel allocations and the reserve (kernel/mm/kcharge.c over
 * the unmodified heap core kernel/mm/heap.c): a block's whole footprint is charged to
 * its ledger and released by its free, also after the paying process dropped its
 * ledger reference (the block's own reference keeps the ledger alive until then);
 * quota, reserve and heap exhaustion fail with the exact typed error and change
 * nothing; frees of blocks without a charge record are refused. The ledger's
 * reference functions are fakes here that count frees.
 */
#include "../test.h"

#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <kernel/kcharge.h>

/* ---- fakes: heap pages with a budget, a free-frame count, ledger references ---- */

#define MAX_RUNS 256

static struct {
	size_t budget; /* heap pages still available */
	void *runs[MAX_RUNS];
	unsigned nruns;
	int faults;
	uint64_t free_frames;
	unsigned ledgers_freed;
	uint64_t used_when_freed; /* LEDGER_KERNEL_BYTES of the last ledger freed */
} fx;

static int fx_pages_alloc(void *ctx, size_t n, void **out)
{
	(void)ctx;
	if (n > fx.budget || fx.nruns == MAX_RUNS)
		return CAPOS_ERR_NO_MEMORY;
	*out = aligned_alloc(HEAP_PAGE, n * HEAP_PAGE);
	if (*out == NULL)
		return CAPOS_ERR_NO_MEMORY;
	fx.runs[fx.nruns++] = *out;
	fx.budget -= n;
	return CAPOS_OK;
}

static void fx_pages_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)p;
	fx.budget += n; /* the memory itself is released at teardown */
}

static void fx_fault(void *ctx, int err, const void *p, const char *what)
{
	(void)ctx;
	(void)err;
	(void)p;
	(void)what;
	fx.faults++;
}

static uint64_t fx_free_frames(void *ctx)
{
	(void)ctx;
	return fx.free_frames;
}

void ledger_get(struct ledger *l)
{
	l->refs++;
}

void ledger_put(struct ledger *l)
{
	if (--l->refs == 0) {
		fx.ledgers_freed++;
		fx.used_when_freed = l->used[LEDGER_KERNEL_BYTES];
		free(l);
	}
}

static struct heap heap;
static struct kcharge_pool pool;

#define RESERVE 16u

static void setup(size_t pages)
{
	const struct heap_ops ops = { fx_pages_alloc, fx_pages_free, fx_fault, NULL };

	memset(&fx, 0, sizeof(fx));
	fx.budget = pages;
	fx.free_frames = 1000;
	heap_init(&heap, &ops, true);
	kcharge_init(&pool, &heap, fx_free_frames, NULL, RESERVE);
}

static void teardown(void)
{
	CHECK_EQ(fx.faults, 0);
	for (unsigned i = 0; i < fx.nruns; i++)
		free(fx.runs[i]);
}

/* A ledger with one reference (the process's) and a kernel-bytes limit. */
static struct ledger *new_ledger(uint64_t kernel_bytes)
{
	struct ledger *l = calloc(1, sizeof(*l));

	for (unsigned c = 0; c < LEDGER_CLASS_COUNT; c++)
		l->limit[c] = UINT64_MAX;
	l->limit[LEDGER_KERNEL_BYTES] = kernel_bytes;
	l->refs = 1;
	return l;
}

/* ---- tests ---- */

TEST(kcharge_charges_the_whole_footprint_and_releases_it)
{
	struct ledger *l;
	void *p, *q;

	setup(64);
	l = new_ledger(1 << 20);
	/* 100 + 16 (record) + 16 (heap header) + 8 (redzone) = 140: a 256-byte slot. */
	CHECK_UEQ(kcharge_cost(&pool, 100), 256);
	CHECK_EQ(kcharge_alloc(&pool, l, 100, true, &p), CAPOS_OK);
	CHECK_UEQ((uintptr_t)p % 16, 0);
	for (unsigned i = 0; i < 100; i++)
		CHECK_UEQ(((unsigned char *)p)[i], 0);
	memset(p, 0x5a, 100);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 256);
	CHECK_UEQ(l->refs, 2);
	CHECK(kcharge_owner(p) == l);
	/* A page run: 5000 bytes need two pages, both charged. */
	CHECK_EQ(kcharge_alloc(&pool, l, 5000, false, &q), CAPOS_OK);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 256 + 2 * HEAP_PAGE);
	CHECK_UEQ(pool.charged_bytes, 256 + 2 * HEAP_PAGE);
	CHECK_UEQ(pool.live_blocks, 2);
	CHECK_EQ(kcharge_free(&pool, p), CAPOS_OK);
	CHECK_EQ(kcharge_free(&pool, q), CAPOS_OK);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 0);
	CHECK_UEQ(l->peak[LEDGER_KERNEL_BYTES], 256 + 2 * HEAP_PAGE);
	CHECK_UEQ(l->refs, 1);
	CHECK_UEQ(pool.live_blocks, 0);
	CHECK_UEQ(pool.charged_bytes, 0);
	CHECK_UEQ(heap.blocks_in_use, 0);
	CHECK_UEQ(heap.pages_in_use, 0);
	CHECK_UEQ(l->underflows, 0);
	ledger_put(l);
	CHECK_UEQ(fx.ledgers_freed, 1);
	teardown();
}

TEST(kcharge_quota_exhaustion_is_typed_and_changes_nothing)
{
	struct ledger *l;
	void *p[3];

	setup(64);
	l = new_ledger(2 * 256);
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p[0]), CAPOS_OK);
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p[1]), CAPOS_OK);
	p[2] = NULL;
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p[2]), CAPOS_ERR_QUOTA_KERNEL_MEMORY);
	CHECK(p[2] == NULL);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 512);
	CHECK_UEQ(l->refs, 3);
	CHECK_UEQ(heap.blocks_in_use, 2);
	CHECK_UEQ(pool.refused_quota, 1);
	/* A smaller block still fits nowhere: the limit is in bytes, not blocks. */
	CHECK_EQ(kcharge_alloc(&pool, l, 1, false, &p[2]), CAPOS_ERR_QUOTA_KERNEL_MEMORY);
	CHECK_EQ(kcharge_free(&pool, p[1]), CAPOS_OK);
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p[1]), CAPOS_OK); /* room again */
	CHECK_EQ(kcharge_free(&pool, p[0]), CAPOS_OK);
	CHECK_EQ(kcharge_free(&pool, p[1]), CAPOS_OK);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 0);
	CHECK_UEQ(heap.blocks_in_use, 0);
	ledger_put(l);
	teardown();
}

TEST(kcharge_free_after_the_owner_dropped_its_ledger)
{
	struct ledger *l;
	void *p, *q;

	setup(64);
	l = new_ledger(1 << 20);
	CHECK_EQ(kcharge_alloc(&pool, l, 40, false, &p), CAPOS_OK);
	CHECK_EQ(kcharge_alloc(&pool, l, 600, false, &q), CAPOS_OK);
	ledger_put(l); /* the process is reaped; its objects live on elsewhere */
	CHECK_UEQ(fx.ledgers_freed, 0);
	CHECK_UEQ(l->refs, 2);
	CHECK_EQ(kcharge_free(&pool, p), CAPOS_OK);
	CHECK_UEQ(fx.ledgers_freed, 0);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], kcharge_cost(&pool, 600));
	CHECK_EQ(kcharge_free(&pool, q), CAPOS_OK); /* the last charge frees the ledger */
	CHECK_UEQ(fx.ledgers_freed, 1);
	CHECK_UEQ(fx.used_when_freed, 0); /* released before the last reference went */
	CHECK_UEQ(pool.charged_bytes, 0);
	teardown();
}

TEST(kcharge_reserve_refuses_below_the_watermark)
{
	struct ledger *l;
	void *p = NULL;

	setup(64);
	l = new_ledger(1 << 20);
	fx.free_frames = RESERVE + 1; /* one slab page would leave exactly the reserve */
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p), CAPOS_ERR_KERNEL_LOW_MEMORY);
	CHECK(p == NULL);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 0);
	CHECK_UEQ(l->refs, 1);
	CHECK_UEQ(heap.blocks_in_use, 0);
	CHECK_UEQ(pool.refused_low, 1);
	CHECK_EQ(kcharge_alloc(&pool, NULL, 100, false, &p), CAPOS_ERR_KERNEL_LOW_MEMORY);
	CHECK_EQ(kcharge_reserve_check(&pool, 0), CAPOS_OK); /* no new memory: passes */
	CHECK_EQ(kcharge_take(&pool, l, 64, 0), CAPOS_OK);   /* a cached record */
	kcharge_give(&pool, l, 64);
	fx.free_frames = RESERVE + 2;
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p), CAPOS_OK);
	/* A 3-page run needs three frames above the reserve. */
	fx.free_frames = RESERVE + 3;
	CHECK_EQ(kcharge_alloc(&pool, l, 9000, false, &p), CAPOS_ERR_KERNEL_LOW_MEMORY);
	fx.free_frames = 2; /* fewer free frames than asked: no wrap-around */
	CHECK_EQ(kcharge_reserve_check(&pool, 3), CAPOS_ERR_KERNEL_LOW_MEMORY);
	CHECK_EQ(kcharge_free(&pool, p), CAPOS_OK);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 0);
	CHECK_UEQ(l->refs, 1);
	ledger_put(l);
	teardown();
}

TEST(kcharge_heap_exhaustion_undoes_the_charge)
{
	struct ledger *l;
	void *p = NULL;

	setup(0); /* the heap gets no page at all */
	l = new_ledger(1 << 20);
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p), CAPOS_ERR_NO_MEMORY);
	CHECK(p == NULL);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 0);
	CHECK_UEQ(l->refs, 1);
	CHECK_UEQ(pool.charged_bytes, 0);
	CHECK_UEQ(pool.live_blocks, 0);
	ledger_put(l);
	teardown();
}

TEST(kcharge_sizes_out_of_range_are_invalid)
{
	struct ledger *l;
	void *p = NULL;

	setup(64);
	l = new_ledger(UINT64_MAX);
	CHECK_EQ(kcharge_alloc(&pool, l, 0, false, &p), CAPOS_ERR_INVALID);
	CHECK_EQ(kcharge_alloc(&pool, l, HEAP_MAX_ALLOC, false, &p), CAPOS_ERR_INVALID);
	CHECK_EQ(kcharge_alloc(&pool, l, SIZE_MAX, false, &p), CAPOS_ERR_INVALID);
	CHECK_UEQ(kcharge_cost(&pool, 0), 0);
	CHECK(p == NULL);
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 0);
	CHECK_UEQ(l->refs, 1);
	ledger_put(l);
	teardown();
}

TEST(kcharge_free_refuses_blocks_without_a_record)
{
	struct ledger *l;
	void *plain, *p;

	setup(64);
	l = new_ledger(1 << 20);
	plain = heap_alloc(&heap, 100);
	CHECK(plain != NULL);
	CHECK_EQ(kcharge_free(&pool, plain), CAPOS_ERR_KERNEL_BAD_CHARGE);
	CHECK_UEQ(heap.blocks_in_use, 1); /* untouched */
	CHECK_EQ(kcharge_alloc(&pool, l, 100, false, &p), CAPOS_OK);
	CHECK_EQ(kcharge_free(&pool, p), CAPOS_OK);
	CHECK_EQ(kcharge_free(&pool, p), CAPOS_ERR_KERNEL_BAD_CHARGE); /* double free */
	CHECK_UEQ(l->used[LEDGER_KERNEL_BYTES], 0);
	CHECK_UEQ(l->underflows, 0);
	CHECK_UEQ(l->refs, 1);
	CHECK_EQ(kcharge_free(&pool, NULL), CAPOS_OK);
	CHECK_EQ(heap_free(&heap, plain), CAPOS_OK);
	ledger_put(l);
	teardown();
}

TEST(kcharge_uncharged_blocks_share_the_format)
{
	void *p;

	setup(64);
	CHECK_EQ(kcharge_alloc(&pool, NULL, 300, true, &p), CAPOS_OK);
	CHECK(kcharge_owner(p) == NULL);
	CHECK_UEQ(pool.live_blocks, 1);
	CHECK_UEQ(pool.charged_bytes, 0);
	CHECK_EQ(kcharge_free(&pool, p), CAPOS_OK);
	CHECK_UEQ(pool.live_blocks, 0);
	CHECK_UEQ(heap.blocks_in_use, 0);
	teardown();
}

TEST(kcharge_records_charge_and_give_back)
{
	struct ledger *l;

	setup(64);
	l = new_ledger(1000);
	CHECK_EQ(kcharge_take(&pool, l, 600, 1), CAPOS_OK);
	CHECK_EQ(kcharge_take(&pool, l, 600, 1), CAPOS_ERR_QUOTA_KERNEL_MEMORY);
	CHECK_UEQ(l->refs, 2);
	CHECK_UEQ(pool.charged_bytes, 600);
	ledger_put(l); /* owner gone: the record keeps it */
	CHECK_UEQ(fx.ledgers_freed, 0);
	kcharge_give(&pool, l, 600);
	CHECK_UEQ(fx.ledgers_freed, 1);
	CHECK_UEQ(fx.used_when_freed, 0);
	CHECK_UEQ(pool.charged_bytes, 0);
	kcharge_give(&pool, NULL, 600); /* no-op */
	CHECK_EQ(kcharge_take(&pool, NULL, 600, 1), CAPOS_OK);
	CHECK_UEQ(pool.charged_bytes, 0);
	teardown();
}
