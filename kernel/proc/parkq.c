/*
 * The PARK wait queue (contract in kernel/include/kernel/kpark.h): a fixed table of
 * PARKQ_BUCKETS lists; a node goes to the tail of its key's bucket, so a scan from
 * the head meets the waiters of one key in arrival order (FIFO wake-ups). Pure code:
 * compiled unmodified for the kernel and the host tests (tests/host/kernel/
 * parkq_test.c). Lock legend: [K] held by every caller.
 */
#include <kernel/kpark.h>

#include <stddef.h>

void parkq_init(struct parkq *q)
{
	for (uint32_t i = 0; i < PARKQ_BUCKETS; i++)
		list_init(&q->bucket[i]);
	q->count = 0;
}

_Static_assert((PARKQ_BUCKETS & (PARKQ_BUCKETS - 1)) == 0, "bucket count is a power of two");

/* Fibonacci hashing of the two key parts; words are 4-byte aligned, so the low two
 * bits carry nothing and are dropped first. */
uint32_t parkq_hash(const void *space, uint64_t key)
{
	uint64_t h = ((uint64_t)(uintptr_t)space ^ (key >> 2)) * 0x9E3779B97F4A7C15ull;

	return (uint32_t)(h >> 58) & (PARKQ_BUCKETS - 1);
}

_Static_assert(PARKQ_BUCKETS <= 64, "parkq_hash takes the top 6 bits");

void parkq_add(struct parkq *q, struct parkq_node *n, const void *space, uint64_t key)
{
	n->space = space;
	n->key = key;
	list_push_back(&q->bucket[parkq_hash(space, key)], &n->link);
	q->count++;
}

void parkq_remove(struct parkq *q, struct parkq_node *n)
{
	list_remove(&n->link);
	q->count--;
}

bool parkq_queued(const struct parkq_node *n)
{
	return list_node_linked(&n->link);
}

/* Wakes up to max nodes of bucket b for which match(space, key) holds. */
static uint32_t parkq_wake_bucket(struct parkq *q, struct list *b, const void *space,
				  const uint64_t *key, uint32_t max, parkq_fn *fn, void *ctx)
{
	struct list_node *it, *tmp;
	uint32_t woken = 0;

	LIST_FOR_EACH_SAFE(it, tmp, b)
	{
		struct parkq_node *n = LIST_ENTRY(it, struct parkq_node, link);

		if (woken == max)
			break;
		if (n->space != space || (key != NULL && n->key != *key))
			continue;
		parkq_remove(q, n);
		woken++;
		fn(n, ctx);
	}
	return woken;
}

uint32_t parkq_wake(struct parkq *q, const void *space, uint64_t key, uint32_t max, parkq_fn *fn,
		    void *ctx)
{
	return parkq_wake_bucket(q, &q->bucket[parkq_hash(space, key)], space, &key, max, fn, ctx);
}

uint32_t parkq_wake_space(struct parkq *q, const void *space, parkq_fn *fn, void *ctx)
{
	uint32_t woken = 0;

	for (uint32_t i = 0; i < PARKQ_BUCKETS; i++)
		woken += parkq_wake_bucket(q, &q->bucket[i], space, NULL, UINT32_MAX, fn, ctx);
	return woken;
}
