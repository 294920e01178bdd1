/*
 * Host tests of the kernel heap core (kernel/mm/heap.c) over page-aligned host
 * memory with a page budget. The fault hook records each detection, so the hostile
 * cases (double free, overflow by one byte, header underflow, interior and foreign
 * pointers, write after free) assert the exact typed error and that the heap did
 * not change; the rest check sizes, alignment, reuse, zeroing and exhaustion.
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/heap.h>

#define MAX_RUNS 4096

struct env {
	size_t budget; /* pages still available */
	size_t live_pages;
	void *runs[MAX_RUNS]; /* every run handed out; released only at teardown, so
				   stale reads stay defined and corrupted blocks leak nothing */
	unsigned nruns;
	int faults, last_err;
	const void *last_ptr;
};

static int env_alloc(void *ctx, size_t n, void **out)
{
	struct env *e = ctx;

	if (n > e->budget || e->nruns == MAX_RUNS)
		return CAPOS_ERR_NO_MEMORY;
	*out = aligned_alloc(HEAP_PAGE, n * HEAP_PAGE);
	if (!*out)
		return CAPOS_ERR_NO_MEMORY;
	memset(*out, 0xee, n * HEAP_PAGE);
	e->runs[e->nruns++] = *out;
	e->budget -= n;
	e->live_pages += n;
	return CAPOS_OK;
}

static void env_free(void *ctx, void *p, size_t n)
{
	struct env *e = ctx;

	(void)p;
	e->budget += n;
	e->live_pages -= n;
}

static void env_fault(void *ctx, int err, const void *p, const char *what)
{
	struct env *e = ctx;

	(void)what;
	e->faults++;
	e->last_err = err;
	e->last_ptr = p;
}

static struct env *env;
static struct heap heap;

static void setup(size_t budget, bool debug)
{
	struct heap_ops ops = { env_alloc, env_free, env_fault, NULL };

	env = calloc(1, sizeof(*env));
	env->budget = budget;
	ops.ctx = env;
	heap_init(&heap, &ops, debug);
}

static void teardown(void)
{
	for (unsigned i = 0; i < env->nruns; i++)
		free(env->runs[i]);
	free(env);
}

TEST(heap_sizes_alignment_and_full_release)
{
	static void *p[64];
	static const size_t sizes[] = { 1,    8,    15,	  16,	17,   100,  200,  500,
					1000, 1001, 2048, 4000, 4033, 5000, 70000 };
	const unsigned n = sizeof(sizes) / sizeof(sizes[0]);

	setup(1000, true);
	for (unsigned i = 0; i < n; i++) {
		p[i] = heap_alloc(&heap, sizes[i]);
		CHECK(p[i] != NULL);
		CHECK_UEQ((uintptr_t)p[i] % 16, 0);
		memset(p[i], (int)i, sizes[i]);
		CHECK_UEQ(heap_block_size(&heap, p[i]), sizes[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		CHECK(((unsigned char *)p[i])[sizes[i] - 1] == (unsigned char)i);
		CHECK_EQ(heap_free(&heap, p[i]), CAPOS_OK);
	}
	CHECK_EQ(env->faults, 0);
	CHECK_UEQ(heap.blocks_in_use, 0);
	CHECK_UEQ(heap.bytes_in_use, 0);
	CHECK_UEQ(heap.pages_in_use, 0);
	CHECK_UEQ(env->live_pages, 0);
	teardown();
}

TEST(heap_zero_and_huge_sizes_fail_cleanly)
{
	setup(1000, true);
	CHECK(heap_alloc(&heap, 0) == NULL);
	CHECK(heap_alloc(&heap, HEAP_MAX_ALLOC + 1) == NULL);
	CHECK(heap_alloc(&heap, SIZE_MAX) == NULL);
	CHECK(heap_alloc(&heap, SIZE_MAX - 8) == NULL);
	CHECK(heap_zalloc(&heap, 0) == NULL);
	CHECK(heap_alloc(&heap, 1001 * HEAP_PAGE) == NULL); /* beyond the budget */
	CHECK_EQ(heap_free(&heap, NULL), CAPOS_OK);
	CHECK_EQ(env->faults, 0);
	CHECK_UEQ(env->live_pages, 0);
	teardown();
}

TEST(heap_double_free_small_detected)
{
	void *a, *b;

	setup(100, true);
	a = heap_alloc(&heap, 40);
	b = heap_alloc(&heap, 40); /* keeps the slab alive */
	CHECK_EQ(heap_free(&heap, a), CAPOS_OK);
	CHECK_EQ(heap_free(&heap, a), CAPOS_ERR_HEAP_DOUBLE_FREE);
	CHECK_EQ(env->faults, 1);
	CHECK_EQ(env->last_err, CAPOS_ERR_HEAP_DOUBLE_FREE);
	CHECK(env->last_ptr == a);
	CHECK_UEQ(heap.blocks_in_use, 1);
	CHECK_EQ(heap_free(&heap, b), CAPOS_OK);
	CHECK_UEQ(heap.pages_in_use, 0);
	teardown();
}

TEST(heap_double_free_large_detected)
{
	void *a;

	setup(100, true);
	a = heap_alloc(&heap, 3 * HEAP_PAGE);
	CHECK(a != NULL);
	CHECK_UEQ(heap.pages_in_use, 4);
	CHECK_EQ(heap_free(&heap, a), CAPOS_OK);
	CHECK_EQ(heap_free(&heap, a), CAPOS_ERR_HEAP_DOUBLE_FREE);
	CHECK_EQ(env->last_err, CAPOS_ERR_HEAP_DOUBLE_FREE);
	CHECK_UEQ(env->live_pages, 0);
	teardown();
}

TEST(heap_overflow_by_one_detected)
{
	unsigned char *a, *b, *c;

	setup(100, true);
	a = heap_alloc(&heap, 100); /* 128-byte slot: 12 redzone bytes */
	b = heap_alloc(&heap, 100);
	a[100] = 0;
	CHECK_EQ(heap_free(&heap, a), CAPOS_ERR_HEAP_OVERFLOW);
	CHECK(env->last_ptr == a);
	CHECK_UEQ(heap.blocks_in_use, 2); /* untouched */
	b[111] = 0;			  /* last byte of the slot */
	CHECK_EQ(heap_free(&heap, b), CAPOS_ERR_HEAP_OVERFLOW);
	c = heap_alloc(&heap, 5000); /* page run */
	c[5000] = 1;
	CHECK_EQ(heap_free(&heap, c), CAPOS_ERR_HEAP_OVERFLOW);
	CHECK_EQ(env->faults, 3);
	teardown();
}

TEST(heap_header_underflow_detected)
{
	unsigned char *a, *b;

	setup(100, true);
	a = heap_alloc(&heap, 64);
	b = heap_alloc(&heap, 64);
	a[-16] = 0x11; /* state word */
	CHECK_EQ(heap_free(&heap, a), CAPOS_ERR_HEAP_OVERFLOW);
	memset(b - 8, 0xff, 8); /* size field: now beyond the slot */
	CHECK_EQ(heap_free(&heap, b), CAPOS_ERR_HEAP_OVERFLOW);
	teardown();
}

TEST(heap_bad_pointers_rejected)
{
	unsigned char *a, *big;
	void *foreign = aligned_alloc(HEAP_PAGE, HEAP_PAGE);

	setup(100, true);
	memset(foreign, 0, HEAP_PAGE);
	a = heap_alloc(&heap, 64);
	CHECK_EQ(heap_free(&heap, a + 1), CAPOS_ERR_HEAP_BAD_POINTER);
	CHECK_EQ(heap_free(&heap, a + 16), CAPOS_ERR_HEAP_BAD_POINTER);
	CHECK_EQ(heap_free(&heap, (unsigned char *)foreign + 64), CAPOS_ERR_HEAP_BAD_POINTER);
	CHECK_EQ(heap_free(&heap, (unsigned char *)a - (((uintptr_t)a) & 4095)),
		 CAPOS_ERR_HEAP_BAD_POINTER); /* the slab header itself */
	big = heap_alloc(&heap, 6000);
	CHECK_EQ(heap_free(&heap, big + 32), CAPOS_ERR_HEAP_BAD_POINTER);
	CHECK_EQ(env->faults, 5);
	CHECK_EQ(env->last_err, CAPOS_ERR_HEAP_BAD_POINTER);
	CHECK_EQ(heap_free(&heap, a), CAPOS_OK);
	CHECK_EQ(heap_free(&heap, big), CAPOS_OK);
	free(foreign);
	teardown();
}

TEST(heap_write_after_free_detected_on_reuse)
{
	unsigned char *a, *b, *c;

	setup(100, true);
	a = heap_alloc(&heap, 200);
	b = heap_alloc(&heap, 200);
	CHECK_EQ(heap_free(&heap, a), CAPOS_OK);
	a[40] = 1;		    /* stale write */
	c = heap_alloc(&heap, 200); /* LIFO: would be a's slot */
	CHECK(c == NULL);
	CHECK_EQ(env->last_err, CAPOS_ERR_HEAP_USE_AFTER_FREE);
	c = heap_alloc(&heap, 200); /* next slot is clean */
	CHECK(c != NULL && c != a);
	CHECK_EQ(env->faults, 1);
	CHECK_EQ(heap_free(&heap, b), CAPOS_OK);
	CHECK_EQ(heap_free(&heap, c), CAPOS_OK);
	teardown();
}

TEST(heap_exhaustion_returns_null_then_recovers)
{
	static void *p[200];
	unsigned n = 0;

	setup(4, true);
	while (n < 200 && (p[n] = heap_alloc(&heap, 100)) != NULL)
		n++;
	CHECK_EQ(n, 4 * ((HEAP_PAGE - 64) / 128));
	CHECK_UEQ(env->budget, 0);
	CHECK(heap_alloc(&heap, 8000) == NULL);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(heap_free(&heap, p[i]), CAPOS_OK);
	CHECK_UEQ(env->budget, 4);
	CHECK(heap_alloc(&heap, 5 * HEAP_PAGE) == NULL);
	p[0] = heap_alloc(&heap, 3 * HEAP_PAGE); /* 4 pages with header + redzone */
	CHECK(p[0] != NULL);
	CHECK_EQ(heap_free(&heap, p[0]), CAPOS_OK);
	CHECK_EQ(env->faults, 0);
	teardown();
}

TEST(heap_zalloc_zeroes_reused_slots)
{
	unsigned char *a, *keep, *z;

	setup(10, true);
	keep = heap_alloc(&heap, 500);
	a = heap_alloc(&heap, 500);
	memset(a, 0x5a, 500);
	CHECK_EQ(heap_free(&heap, a), CAPOS_OK);
	z = heap_zalloc(&heap, 500);
	CHECK(z == a);
	for (unsigned i = 0; i < 500; i++)
		CHECK_EQ(z[i], 0);
	CHECK_EQ(heap_free(&heap, z), CAPOS_OK);
	CHECK_EQ(heap_free(&heap, keep), CAPOS_OK);
	teardown();
}

TEST(heap_churn_does_not_grow)
{
	static void *p[100];

	setup(50, true);
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 100; i++) {
			p[i] = heap_alloc(&heap, (size_t)(i * 7 % 900) + 1);
			CHECK(p[i] != NULL);
		}
		for (int i = 0; i < 100; i++)
			CHECK_EQ(heap_free(&heap, p[(i * 37) % 100]), CAPOS_OK);
		CHECK_UEQ(heap.pages_in_use, 0);
	}
	CHECK_EQ(env->faults, 0);
	teardown();
}

TEST(heap_non_debug_still_checks_pointers)
{
	unsigned char *a;

	setup(10, false);
	a = heap_alloc(&heap, 100);
	a[100] = 0; /* not detected without redzones */
	CHECK_EQ(heap_free(&heap, a + 16), CAPOS_ERR_HEAP_BAD_POINTER);
	CHECK_EQ(heap_free(&heap, a), CAPOS_OK);
	CHECK_EQ(env->faults, 1);
	teardown();
}
