/*
 * Host tests of the PARK wait queue (kernel/proc/parkq.c, kernel/include/kernel/kpark.h):
 * wake-ups are FIFO per key and bounded by max, keys that share a bucket (same space,
 * other key; other space, same key) are never woken for each other, removal (a timeout
 * or a dying owner) leaves the rest in order, a wake callback may free its node, and a
 * space-wide wake (a MemoryObject freed) takes every key of that space and nothing else.
 */
#include "../test.h"

#include <stdlib.h>

#include <kernel/kpark.h>

struct tw {
	struct parkq_node n;
	int id;
};

/* Records the ids woken, in order. */
struct rec {
	int ids[64];
	unsigned n;
};

static void rec_fn(struct parkq_node *n, void *ctx)
{
	struct rec *r = ctx;

	r->ids[r->n++] = ((struct tw *)(void *)n)->id;
}

static void free_fn(struct parkq_node *n, void *ctx)
{
	rec_fn(n, ctx);
	free(n);
}

static const int space_a = 1, space_b = 2; /* two distinct key spaces (addresses) */

TEST(parkq_fifo_and_bounded)
{
	struct parkq q;
	struct tw w[5];
	struct rec r = { .n = 0 };

	parkq_init(&q);
	for (int i = 0; i < 5; i++) {
		w[i].id = i;
		parkq_add(&q, &w[i].n, &space_a, 0x1000);
	}
	CHECK_UEQ(q.count, 5);
	CHECK_UEQ(parkq_wake(&q, &space_a, 0x1000, 2, rec_fn, &r), 2);
	CHECK_UEQ(r.n, 2);
	CHECK_EQ(r.ids[0], 0);
	CHECK_EQ(r.ids[1], 1);
	CHECK(!parkq_queued(&w[0].n));
	CHECK(parkq_queued(&w[2].n));
	CHECK_UEQ(parkq_wake(&q, &space_a, 0x1000, 0, rec_fn, &r), 0);
	CHECK_UEQ(parkq_wake(&q, &space_a, 0x1000, UINT32_MAX, rec_fn, &r), 3);
	CHECK_EQ(r.ids[2], 2);
	CHECK_EQ(r.ids[4], 4);
	CHECK_UEQ(q.count, 0);
	CHECK_UEQ(parkq_wake(&q, &space_a, 0x1000, UINT32_MAX, rec_fn, &r), 0);
}

/* Two keys in one bucket: found by brute force over aligned addresses. */
static uint64_t parkq_collider(const void *space, uint64_t key)
{
	uint32_t b = parkq_hash(space, key);

	for (uint64_t k = key + 4;; k += 4)
		if (parkq_hash(space, k) == b)
			return k;
}

TEST(parkq_keys_sharing_a_bucket_stay_apart)
{
	struct parkq q;
	struct tw a = { .id = 1 }, b = { .id = 2 }, c = { .id = 3 };
	struct rec r = { .n = 0 };
	uint64_t other = parkq_collider(&space_a, 0x2000);

	parkq_init(&q);
	CHECK_UEQ(parkq_hash(&space_a, other), parkq_hash(&space_a, 0x2000));
	parkq_add(&q, &a.n, &space_a, other);
	parkq_add(&q, &b.n, &space_b, 0x2000); /* same key, other space */
	parkq_add(&q, &c.n, &space_a, 0x2000);
	CHECK_UEQ(parkq_wake(&q, &space_a, 0x2000, UINT32_MAX, rec_fn, &r), 1);
	CHECK_EQ(r.ids[0], 3);
	CHECK(parkq_queued(&a.n));
	CHECK(parkq_queued(&b.n));
	CHECK_UEQ(parkq_wake(&q, &space_b, 0x2000, UINT32_MAX, rec_fn, &r), 1);
	CHECK_EQ(r.ids[1], 2);
	CHECK_UEQ(q.count, 1);
	CHECK_UEQ(parkq_wake(&q, &space_a, other, UINT32_MAX, rec_fn, &r), 1);
	CHECK_EQ(r.ids[2], 1);
}

TEST(parkq_remove_keeps_order)
{
	struct parkq q;
	struct tw w[4];
	struct rec r = { .n = 0 };

	parkq_init(&q);
	for (int i = 0; i < 4; i++) {
		w[i].id = i;
		parkq_add(&q, &w[i].n, &space_a, 0x3000);
	}
	parkq_remove(&q, &w[1].n);
	CHECK(!parkq_queued(&w[1].n));
	CHECK_UEQ(q.count, 3);
	CHECK_UEQ(parkq_wake(&q, &space_a, 0x3000, UINT32_MAX, rec_fn, &r), 3);
	CHECK_EQ(r.ids[0], 0);
	CHECK_EQ(r.ids[1], 2);
	CHECK_EQ(r.ids[2], 3);
}

/* The kernel's wake callback frees each record it is handed (ASan checks the walk). */
TEST(parkq_callback_frees_nodes)
{
	struct parkq q;
	struct rec r = { .n = 0 };

	parkq_init(&q);
	for (int i = 0; i < 40; i++) {
		struct tw *w = malloc(sizeof(*w));

		CHECK(w != NULL);
		w->id = i;
		parkq_add(&q, &w->n, i % 2 ? &space_a : &space_b, (uint64_t)(i % 4) * 4);
	}
	CHECK_UEQ(parkq_wake_space(&q, &space_a, free_fn, &r), 20);
	for (unsigned i = 0; i < r.n; i++)
		CHECK(r.ids[i] % 2 == 1);
	CHECK_UEQ(q.count, 20);
	CHECK_UEQ(parkq_wake_space(&q, &space_a, free_fn, &r), 0);
	CHECK_UEQ(parkq_wake(&q, &space_b, 0, UINT32_MAX, free_fn, &r), 10);
	CHECK_UEQ(parkq_wake(&q, &space_b, 8, UINT32_MAX, free_fn, &r), 10);
	CHECK_UEQ(q.count, 0);
}

/* The hash spreads consecutive words of one space over many buckets. */
TEST(parkq_hash_spreads)
{
	unsigned used[PARKQ_BUCKETS] = { 0 }, distinct = 0;

	for (uint64_t k = 0; k < 4 * PARKQ_BUCKETS; k += 4)
		used[parkq_hash(&space_a, 0x400000 + k)]++;
	for (unsigned i = 0; i < PARKQ_BUCKETS; i++)
		distinct += used[i] != 0;
	CHECK(distinct >= PARKQ_BUCKETS / 2);
}
