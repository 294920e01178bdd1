/*
 * Host tests of VirtualMemory's region table (kernel/include/kernel/vmregion.h):
 * splitting and merging of ranges, byte counts per state, the VMR_MAX bound (refused
 * before anything changes, and exact: a change that merges fits in a full table),
 * first-fit placement with gaps and bounds, and a randomized comparison against a
 * page-by-page model (every change keeps the table normalized and equal to the model,
 * and a refused change leaves it untouched).
 */
#include <stdint.h>
#include <string.h>

#include <capos/error.h>
#include <kernel/vmregion.h>

#include "../test.h"

#define P 0x1000ull
#define BASE 0x400000000000ull

static struct vmr_table T;

static uint64_t pg(uint64_t n)
{
	return BASE + n * P;
}

TEST(empty_table_counts_everything_free)
{
	vmr_init(&T);
	CHECK_UEQ(vmr_bytes(&T, pg(0), pg(10), VMR_BIT(VMR_FREE)), 10 * P);
	CHECK_UEQ(vmr_bytes(&T, pg(0), pg(10), VMR_ANY_RESERVED), 0);
	CHECK_UEQ(vmr_total(&T), 0);
	CHECK(vmr_valid(&T));
}

TEST(reserve_commit_splits_then_decommit_merges_back)
{
	vmr_init(&T);
	CHECK_EQ(vmr_set(&T, pg(0), pg(16), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(T.count, 1);
	CHECK_EQ(vmr_set(&T, pg(4), pg(8), VMR_COMMITTED), CAPOS_OK);
	CHECK_EQ(T.count, 3); /* reserved | committed | reserved */
	CHECK_UEQ(vmr_bytes(&T, pg(0), pg(16), VMR_BIT(VMR_COMMITTED)), 4 * P);
	CHECK_UEQ(vmr_bytes(&T, pg(6), pg(20), VMR_BIT(VMR_RESERVED)), 8 * P);
	CHECK_UEQ(vmr_bytes(&T, pg(6), pg(20), VMR_BIT(VMR_FREE)), 4 * P);
	CHECK_EQ(vmr_set(&T, pg(15), pg(16), VMR_GUARD), CAPOS_OK);
	CHECK_EQ(T.count, 4);
	CHECK_EQ(vmr_set(&T, pg(4), pg(8), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(T.count, 2); /* reserved [0,15) | guard [15,16) */
	CHECK_UEQ(T.e[0].end, pg(15));
	CHECK_UEQ(vmr_total(&T), 16 * P);
	CHECK(vmr_valid(&T));
}

TEST(free_in_the_middle_splits_and_adjacent_sets_merge)
{
	vmr_init(&T);
	CHECK_EQ(vmr_set(&T, pg(0), pg(4), VMR_COMMITTED), CAPOS_OK);
	CHECK_EQ(vmr_set(&T, pg(4), pg(8), VMR_COMMITTED), CAPOS_OK); /* touching: merges */
	CHECK_EQ(T.count, 1);
	CHECK_EQ(vmr_set(&T, pg(2), pg(3), VMR_FREE), CAPOS_OK);
	CHECK_EQ(T.count, 2);
	CHECK_UEQ(vmr_total(&T), 7 * P);
	CHECK_EQ(vmr_set(&T, pg(2), pg(3), VMR_COMMITTED), CAPOS_OK); /* fills the hole */
	CHECK_EQ(T.count, 1);
	CHECK_EQ(vmr_set(&T, pg(0), pg(8), VMR_FREE), CAPOS_OK);
	CHECK_EQ(T.count, 0);
	CHECK_EQ(vmr_set(&T, pg(0), pg(8), VMR_FREE), CAPOS_OK); /* freeing free space */
	CHECK_EQ(T.count, 0);
}

TEST(one_set_spanning_many_entries_replaces_them)
{
	vmr_init(&T);
	for (uint64_t i = 0; i < 10; i++)
		CHECK_EQ(vmr_set(&T, pg(2 * i), pg(2 * i + 1), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(T.count, 10);
	CHECK_EQ(vmr_set(&T, pg(1), pg(18), VMR_GUARD), CAPOS_OK);
	CHECK_EQ(T.count, 3); /* reserved [0,1) | guard [1,18) | reserved [18,19) */
	CHECK_UEQ(vmr_bytes(&T, pg(0), pg(19), VMR_BIT(VMR_GUARD)), 17 * P);
	CHECK(vmr_valid(&T));
}

TEST(invalid_ranges_and_states_refused)
{
	vmr_init(&T);
	CHECK_EQ(vmr_set(&T, pg(2), pg(2), VMR_RESERVED), CAPOS_ERR_INVALID);
	CHECK_EQ(vmr_set(&T, pg(3), pg(2), VMR_RESERVED), CAPOS_ERR_INVALID);
	CHECK_EQ(vmr_set(&T, pg(0), pg(2), VMR_STATE_COUNT), CAPOS_ERR_INVALID);
	CHECK_EQ(T.count, 0);
}

/* Entry-by-entry equality (padding and stale slots past count do not count). */
static bool same_table(const struct vmr_table *x, const struct vmr_table *y)
{
	if (x->count != y->count)
		return false;
	for (uint32_t i = 0; i < x->count; i++)
		if (x->e[i].start != y->e[i].start || x->e[i].end != y->e[i].end ||
		    x->e[i].state != y->e[i].state)
			return false;
	return true;
}

/* Fills the table with VMR_MAX separate one-page reservations two pages apart. */
static void fill_table(void)
{
	vmr_init(&T);
	for (uint64_t i = 0; i < VMR_MAX; i++)
		(void)vmr_set(&T, pg(2 * i), pg(2 * i + 1), VMR_RESERVED);
}

TEST(full_table_refuses_growth_and_changes_nothing)
{
	fill_table();
	CHECK_EQ(T.count, VMR_MAX);
	struct vmr_table before = T;
	CHECK_EQ(vmr_set_check(&T, pg(1000), pg(1001), VMR_RESERVED), CAPOS_ERR_VMR_TOO_MANY);
	CHECK_EQ(vmr_set(&T, pg(1000), pg(1001), VMR_RESERVED), CAPOS_ERR_VMR_TOO_MANY);
	/* committing the middle of one entry splits it in three: refused too */
	CHECK_EQ(vmr_set(&T, pg(0), pg(1), VMR_FREE), CAPOS_OK);
	CHECK_EQ(vmr_set(&T, pg(2000), pg(2003), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(vmr_set(&T, pg(2001), pg(2002), VMR_COMMITTED), CAPOS_ERR_VMR_TOO_MANY);
	CHECK_EQ(vmr_set(&T, pg(2000), pg(2003), VMR_FREE), CAPOS_OK);
	CHECK_EQ(vmr_set(&T, pg(0), pg(1), VMR_RESERVED), CAPOS_OK);
	CHECK(same_table(&before, &T));
}

TEST(full_table_accepts_changes_that_merge)
{
	fill_table();
	/* filling the hole between two entries merges three into one */
	CHECK_EQ(vmr_set(&T, pg(1), pg(2), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(T.count, VMR_MAX - 1);
	/* an entry's whole range in another state: no new entry */
	CHECK_EQ(vmr_set(&T, pg(4), pg(5), VMR_COMMITTED), CAPOS_OK);
	CHECK_EQ(T.count, VMR_MAX - 1);
	/* growing an entry at its end */
	CHECK_EQ(vmr_set(&T, pg(2 * VMR_MAX - 1), pg(2 * VMR_MAX + 5), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(T.count, VMR_MAX - 1);
	CHECK(vmr_valid(&T));
}

TEST(find_free_first_fit_with_gaps)
{
	uint64_t at = 0;

	vmr_init(&T);
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(100), 4 * P, P, &at), CAPOS_OK);
	CHECK_UEQ(at, pg(0)); /* nothing below: no gap needed at the window's start */
	CHECK_EQ(vmr_set(&T, pg(0), pg(4), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(100), 4 * P, P, &at), CAPOS_OK);
	CHECK_UEQ(at, pg(5)); /* one free page after the first placement */
	CHECK_EQ(vmr_set(&T, pg(5), pg(9), VMR_RESERVED), CAPOS_OK);
	CHECK_EQ(vmr_set(&T, pg(12), pg(20), VMR_RESERVED), CAPOS_OK);
	/* the hole [9,12) holds one page with a gap each side, not two */
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(100), P, P, &at), CAPOS_OK);
	CHECK_UEQ(at, pg(10));
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(100), 2 * P, P, &at), CAPOS_OK);
	CHECK_UEQ(at, pg(21));
	/* the window's upper bound counts: 80 pages do not fit in [21,100) */
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(100), 80 * P, P, &at), CAPOS_ERR_VMR_NO_SPACE);
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(100), 79 * P, P, &at), CAPOS_OK);
	CHECK_UEQ(at, pg(21));
	/* the lower bound too: nothing below pg(30) is offered */
	CHECK_EQ(vmr_find_free(&T, pg(30), pg(100), P, P, &at), CAPOS_OK);
	CHECK_UEQ(at, pg(30));
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(100), 0, P, &at), CAPOS_ERR_VMR_NO_SPACE);
}

TEST(find_free_keeps_the_gap_before_an_entry_above_the_window)
{
	uint64_t at = 0;

	vmr_init(&T);
	CHECK_EQ(vmr_set(&T, pg(10), pg(11), VMR_GUARD), CAPOS_OK);
	/* [0,10) below the entry: 9 pages fit (gap page 9), 10 do not */
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(10), 9 * P, P, &at), CAPOS_OK);
	CHECK_UEQ(at, pg(0));
	CHECK_EQ(vmr_find_free(&T, pg(0), pg(10), 10 * P, P, &at), CAPOS_ERR_VMR_NO_SPACE);
}

/* ---- randomized comparison with a page-by-page model ---- */

#define MODEL_PAGES (VMR_MAX * 5 / 2) /* room for more runs than the table holds */

static uint8_t model[MODEL_PAGES];
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The number of entries the model's pages need (runs of one non-free state). */
static uint32_t model_runs(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < MODEL_PAGES; i++)
		if (model[i] != VMR_FREE && (i == 0 || model[i - 1] != model[i]))
			n++;
	return n;
}

/* The table holds exactly the model's runs, in order (one pass over both), and
 * vmr_bytes agrees with the model on one random page in every state. */
static bool table_matches_model(void)
{
	uint32_t k = 0, probe = (uint32_t)(rng() % MODEL_PAGES);

	for (uint32_t i = 0; i < MODEL_PAGES;) {
		uint32_t j = i + 1;

		while (j < MODEL_PAGES && model[j] == model[i])
			j++;
		if (model[i] != VMR_FREE) {
			if (k == T.count || T.e[k].start != pg(i) || T.e[k].end != pg(j) ||
			    T.e[k].state != model[i])
				return false;
			k++;
		}
		i = j;
	}
	for (unsigned s = 0; s < VMR_STATE_COUNT; s++)
		if (vmr_bytes(&T, pg(probe), pg(probe + 1), VMR_BIT(s)) !=
		    (model[probe] == s ? P : 0))
			return false;
	return vmr_valid(&T) && k == T.count && T.count == model_runs();
}

TEST(random_changes_match_a_page_model)
{
	uint32_t refused = 0;

	vmr_init(&T);
	memset(model, VMR_FREE, sizeof(model));
	for (int step = 0; step < 100000; step++) {
		uint32_t a = (uint32_t)(rng() % MODEL_PAGES);
		uint32_t b = a + 1 + (uint32_t)(rng() % (step % 128 ? 2 : MODEL_PAGES - a));
		unsigned s = (unsigned)(rng() % VMR_STATE_COUNT);
		uint8_t saved[MODEL_PAGES];
		struct vmr_table before = T;

		if (b > MODEL_PAGES)
			b = MODEL_PAGES;
		memcpy(saved, model, sizeof(model));
		memset(model + a, (int)s, b - a);
		int err = vmr_set(&T, pg(a), pg(b), (enum vmr_state)s);
		if (model_runs() > VMR_MAX) {
			CHECK_EQ(err, CAPOS_ERR_VMR_TOO_MANY);
			CHECK(same_table(&before, &T));
			memcpy(model, saved, sizeof(model));
			refused++;
			continue;
		}
		CHECK_EQ(err, CAPOS_OK);
		CHECK(table_matches_model());
	}
	CHECK(refused > 0); /* the run reached the VMR_MAX bound (459 times) */
}
