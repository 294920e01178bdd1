/*
 * Charged kernel allocations and the kernel's memory reserve (contract in
 * kernel/include/kernel/kcharge.h). Pure: blocks come from a struct heap, the free
 * frame count from a caller-supplied probe, and ledger references from ledger_get /
 * ledger_put, so host tests drive every path with fakes. The record in front of each
 * charged block is the only state a block carries; the pool keeps counters.
 */
#include <kernel/kcharge.h>

#include <capos/error.h>

/* In front of every payload kcharge_alloc returns. */
struct kcharge_rec {
	struct ledger *ledger; /* charged (referenced), or NULL: uncharged */
	uint32_t magic;	       /* KCHARGE_MAGIC while live, 0 once freed */
	uint32_t cost;	       /* bytes charged to `ledger` (the block's footprint) */
};

_Static_assert(sizeof(struct kcharge_rec) == KCHARGE_HDR, "charge record is 16 bytes");
_Static_assert(KCHARGE_HDR % HEAP_ALIGN == 0, "payloads stay 16-byte aligned");
_Static_assert(HEAP_MAX_ALLOC + HEAP_PAGE <= UINT32_MAX, "a block's cost fits in 32 bits");

void kcharge_init(struct kcharge_pool *kp, struct heap *h, uint64_t (*free_frames)(void *ctx),
		  void *ctx, uint64_t reserve_frames)
{
	*kp = (struct kcharge_pool){
		.heap = h, .free_frames = free_frames, .ctx = ctx, .reserve_frames = reserve_frames
	};
}

uint64_t kcharge_cost(const struct kcharge_pool *kp, size_t size)
{
	if (size == 0 || size > HEAP_MAX_ALLOC - KCHARGE_HDR)
		return 0;
	return heap_block_cost(kp->heap, size + KCHARGE_HDR);
}

int kcharge_reserve_check(struct kcharge_pool *kp, uint64_t frames)
{
	uint64_t free;

	if (frames == 0)
		return CAPOS_OK;
	free = kp->free_frames(kp->ctx);
	if (free < frames || free - frames <= kp->reserve_frames) {
		kp->refused_low++;
		return CAPOS_ERR_KERNEL_LOW_MEMORY;
	}
	return CAPOS_OK;
}

int kcharge_take_noref(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes, uint64_t frames)
{
	int err = kcharge_reserve_check(kp, frames);

	if (err || l == NULL)
		return err;
	err = ledger_reserve(l, LEDGER_KERNEL_BYTES, bytes);
	if (err) {
		kp->refused_quota++;
		return err;
	}
	kp->charged_bytes += bytes;
	return CAPOS_OK;
}

void kcharge_give_noref(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes)
{
	if (l == NULL)
		return;
	ledger_release(l, LEDGER_KERNEL_BYTES, bytes);
	kp->charged_bytes -= bytes;
}

int kcharge_take(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes, uint64_t frames)
{
	int err = kcharge_take_noref(kp, l, bytes, frames);

	if (err == CAPOS_OK && l != NULL)
		ledger_get(l);
	return err;
}

void kcharge_give(struct kcharge_pool *kp, struct ledger *l, uint64_t bytes)
{
	kcharge_give_noref(kp, l, bytes);
	if (l != NULL)
		ledger_put(l);
}

int kcharge_alloc(struct kcharge_pool *kp, struct ledger *l, size_t size, bool zero, void **out)
{
	uint64_t cost = kcharge_cost(kp, size);
	struct kcharge_rec *r;
	int err;

	if (cost == 0)
		return CAPOS_ERR_INVALID;
	/* Worst case the heap needs ceil(cost / page) new pages (a fresh slab or run). */
	err = kcharge_take(kp, l, cost, (cost + HEAP_PAGE - 1) / HEAP_PAGE);
	if (err)
		return err;
	r = zero ? heap_zalloc(kp->heap, size + KCHARGE_HDR)
		 : heap_alloc(kp->heap, size + KCHARGE_HDR);
	if (r == NULL) {
		kcharge_give(kp, l, cost);
		return CAPOS_ERR_NO_MEMORY;
	}
	*r = (struct kcharge_rec){ .ledger = l, .magic = KCHARGE_MAGIC, .cost = (uint32_t)cost };
	kp->live_blocks++;
	*out = r + 1;
	return CAPOS_OK;
}

/* The live record in front of p, or NULL. */
static struct kcharge_rec *kcharge_rec_of(const void *p)
{
	struct kcharge_rec *r = (struct kcharge_rec *)p - 1;

	return r->magic == KCHARGE_MAGIC ? r : NULL;
}

int kcharge_free(struct kcharge_pool *kp, void *p)
{
	struct kcharge_rec *r;
	struct ledger *l;
	uint32_t cost;

	if (p == NULL)
		return CAPOS_OK;
	if (heap_block_size(kp->heap, (struct kcharge_rec *)p - 1) == 0 ||
	    (r = kcharge_rec_of(p)) == NULL)
		return CAPOS_ERR_KERNEL_BAD_CHARGE;
	l = r->ledger;
	cost = r->cost;
	r->magic = 0;
	int err = heap_free(kp->heap, r);
	if (err) {
		r->magic = KCHARGE_MAGIC; /* the heap refused: the block and its charge stay */
		return err;
	}
	kp->live_blocks--;
	kcharge_give(kp, l, cost);
	return CAPOS_OK;
}

struct ledger *kcharge_owner(const void *p)
{
	const struct kcharge_rec *r = p ? kcharge_rec_of(p) : NULL;

	return r ? r->ledger : NULL;
}
