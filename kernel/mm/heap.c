/*
 * Kernel heap core. Small blocks come from slabs: one page per slab, a 64-byte slab
 * header at the page start, then equal slots of 32..1024 bytes (one class per power
 * of two) linked into a free list. Anything bigger is a page run with the same
 * header position, so kfree finds the header of any block by rounding the pointer
 * down to its page. Every block has a 16-byte header (state word + requested
 * size) in front of the 16-byte-aligned payload.
 *
 * Debug mode: the bytes between the payload end and the slot/run end are a redzone
 * (at least 8 bytes, filled with HEAP_REDZONE, checked on free: overflow); the
 * state word distinguishes live, free and trampled blocks (double free, header
 * overwrite); freed payloads are poisoned and checked when the slot is handed out
 * again (write after free). Detections go to ops.fault; the kernel's hook panics.
 * Pure C: pages and reports come through struct heap_ops.
 */
#include <kernel/heap.h>

#include <capos/error.h>

#define SLAB_MAGIC 0x534c4142u /* "SLAB" */
#define RUN_MAGIC 0x52554e53u  /* "RUNS" */
#define BLOCK_LIVE 0xa110c8edu
#define BLOCK_FREE 0xf7eef7eeu
#define HEAP_REDZONE 0xa5u
#define HEAP_POISON 0x6bu
#define REDZONE_MIN 8u
#define PAGE_HDR 64u  /* slab or run header at the page start */
#define BLOCK_HDR 16u /* per-block header before the payload */
#define MIN_SLOT 32u
#define MAX_SLOT (MIN_SLOT << (HEAP_CLASSES - 1))

struct heap_slab {
	uint32_t magic;		/* SLAB_MAGIC */
	uint16_t cls;		/* size class index */
	uint16_t nslots;	/* slots in this page */
	uint16_t nfree;		/* slots on the free list */
	void *freelist;		/* first free slot (its payload holds the link) */
	struct heap_slab *next; /* partial list of the class */
	struct heap_slab *prev;
};

struct heap_run {
	uint32_t magic;	 /* RUN_MAGIC */
	uint64_t npages; /* pages in the run */
};

struct heap_block {
	uint32_t state; /* BLOCK_LIVE or BLOCK_FREE */
	uint32_t pad;
	uint64_t size; /* requested bytes */
};

_Static_assert(sizeof(struct heap_slab) <= PAGE_HDR, "slab header fits");
_Static_assert(sizeof(struct heap_block) == BLOCK_HDR, "block header is 16 bytes");

static void fill(uint8_t *p, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

static bool all_are(const uint8_t *p, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static uintptr_t page_of(const void *p)
{
	return (uintptr_t)p & ~(uintptr_t)(HEAP_PAGE - 1);
}

static size_t slot_size(unsigned cls)
{
	return (size_t)MIN_SLOT << cls;
}

static int report(struct heap *h, int err, const void *p, const char *what)
{
	h->ops.fault(h->ops.ctx, err, p, what);
	return err;
}

void heap_init(struct heap *h, const struct heap_ops *ops, bool debug)
{
	h->ops = *ops;
	h->debug = debug;
	for (unsigned i = 0; i < HEAP_CLASSES; i++)
		h->partial[i] = NULL;
	h->bytes_in_use = 0;
	h->blocks_in_use = 0;
	h->pages_in_use = 0;
}

/* Marks a block live, fills its redzone [payload + size, end). */
static void *block_start(struct heap *h, struct heap_block *b, size_t size, uint8_t *end)
{
	uint8_t *payload = (uint8_t *)(b + 1);

	b->state = BLOCK_LIVE;
	b->size = size;
	if (h->debug)
		fill(payload + size, HEAP_REDZONE, (size_t)(end - (payload + size)));
	h->bytes_in_use += size;
	h->blocks_in_use++;
	return payload;
}

/* ---- slabs ---- */

static void partial_remove(struct heap *h, struct heap_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		h->partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static void partial_push(struct heap *h, struct heap_slab *s)
{
	s->prev = NULL;
	s->next = h->partial[s->cls];
	if (s->next)
		s->next->prev = s;
	h->partial[s->cls] = s;
}

/* Frees slot `b` into its slab's list, poisoning the payload in debug mode. */
static void slot_release(struct heap *h, struct heap_slab *s, struct heap_block *b)
{
	uint8_t *payload = (uint8_t *)(b + 1);

	b->state = BLOCK_FREE;
	if (h->debug)
		fill(payload, HEAP_POISON, slot_size(s->cls) - BLOCK_HDR);
	*(void **)payload = s->freelist;
	s->freelist = b;
	s->nfree++;
}

static struct heap_slab *slab_new(struct heap *h, unsigned cls)
{
	void *page;
	struct heap_slab *s;

	if (h->ops.pages_alloc(h->ops.ctx, 1, &page) != CAPOS_OK)
		return NULL;
	s = page;
	s->magic = SLAB_MAGIC;
	s->cls = (uint16_t)cls;
	s->nslots = (uint16_t)((HEAP_PAGE - PAGE_HDR) / slot_size(cls));
	s->nfree = 0;
	s->freelist = NULL;
	for (unsigned i = s->nslots; i-- > 0;)
		slot_release(
			h, s,
			(struct heap_block *)((uint8_t *)page + PAGE_HDR + i * slot_size(cls)));
	h->pages_in_use++;
	partial_push(h, s);
	return s;
}

static void *slab_alloc(struct heap *h, unsigned cls, size_t size)
{
	struct heap_slab *s = h->partial[cls];
	struct heap_block *b;
	uint8_t *payload;

	if (!s && !(s = slab_new(h, cls)))
		return NULL;
	b = s->freelist;
	payload = (uint8_t *)(b + 1);
	s->freelist = *(void **)payload;
	s->nfree--;
	if (s->nfree == 0)
		partial_remove(h, s);
	if (h->debug &&
	    (b->state != BLOCK_FREE || !all_are(payload + sizeof(void *), HEAP_POISON,
						slot_size(cls) - BLOCK_HDR - sizeof(void *)))) {
		report(h, CAPOS_ERR_HEAP_USE_AFTER_FREE, payload, "freed block written");
		return NULL; /* the slot is retired, never handed out */
	}
	return block_start(h, b, size, (uint8_t *)b + slot_size(cls));
}

/* ---- page runs ---- */

/* Pages of a run holding a block of `size` bytes. */
static size_t run_pages(const struct heap *h, size_t size)
{
	return (PAGE_HDR + size + (h->debug ? REDZONE_MIN : 0) + HEAP_PAGE - 1) / HEAP_PAGE;
}

static void *run_alloc(struct heap *h, size_t size)
{
	size_t npages = run_pages(h, size);
	struct heap_run *r;
	void *pages;

	if (h->ops.pages_alloc(h->ops.ctx, npages, &pages) != CAPOS_OK)
		return NULL;
	r = pages;
	r->magic = RUN_MAGIC;
	r->npages = npages;
	h->pages_in_use += npages;
	return block_start(h, (struct heap_block *)((uint8_t *)pages + PAGE_HDR - BLOCK_HDR), size,
			   (uint8_t *)pages + npages * HEAP_PAGE);
}

/* The slab class of a block of `size` bytes, or HEAP_CLASSES for a page run. */
static unsigned size_class(const struct heap *h, size_t size)
{
	size_t need = size + BLOCK_HDR + (h->debug ? REDZONE_MIN : 0);
	unsigned cls = 0;

	while (cls < HEAP_CLASSES && need > slot_size(cls))
		cls++;
	return cls;
}

void *heap_alloc(struct heap *h, size_t size)
{
	unsigned cls;

	if (size == 0 || size > HEAP_MAX_ALLOC)
		return NULL;
	cls = size_class(h, size);
	return cls < HEAP_CLASSES ? slab_alloc(h, cls, size) : run_alloc(h, size);
}

size_t heap_block_cost(const struct heap *h, size_t size)
{
	unsigned cls;

	if (size == 0 || size > HEAP_MAX_ALLOC)
		return 0;
	cls = size_class(h, size);
	return cls < HEAP_CLASSES ? slot_size(cls) : run_pages(h, size) * HEAP_PAGE;
}

void *heap_zalloc(struct heap *h, size_t size)
{
	void *p = heap_alloc(h, size);

	if (p)
		fill(p, 0, size);
	return p;
}

/* ---- free ---- */

/*
 * Locates the header of block p and the end of its slot/run. Returns the slab (or
 * NULL for a run) through *slab. Errors: CAPOS_ERR_HEAP_BAD_POINTER.
 */
static int find_block(const void *p, struct heap_block **b, uint8_t **end, struct heap_slab **slab)
{
	uintptr_t page = page_of(p);
	uintptr_t off = (uintptr_t)p - page;
	const struct heap_slab *s = (const struct heap_slab *)page;

	if (((uintptr_t)p & (HEAP_ALIGN - 1)) != 0 || off < PAGE_HDR)
		return CAPOS_ERR_HEAP_BAD_POINTER;
	*b = (struct heap_block *)((uint8_t *)p - BLOCK_HDR);
	if (s->magic == RUN_MAGIC && off == PAGE_HDR) {
		*end = (uint8_t *)page + ((const struct heap_run *)page)->npages * HEAP_PAGE;
		*slab = NULL;
		return CAPOS_OK;
	}
	if (s->magic != SLAB_MAGIC || s->cls >= HEAP_CLASSES || off < PAGE_HDR + BLOCK_HDR ||
	    (off - PAGE_HDR - BLOCK_HDR) % slot_size(s->cls) != 0 ||
	    (off - PAGE_HDR - BLOCK_HDR) / slot_size(s->cls) >= s->nslots)
		return CAPOS_ERR_HEAP_BAD_POINTER;
	*end = (uint8_t *)*b + slot_size(s->cls);
	*slab = (struct heap_slab *)page;
	return CAPOS_OK;
}

/* Debug checks of a block about to be freed. */
static int check_block(struct heap *h, const struct heap_block *b, const uint8_t *end)
{
	const uint8_t *payload = (const uint8_t *)(b + 1);

	if (b->state == BLOCK_FREE)
		return CAPOS_ERR_HEAP_DOUBLE_FREE;
	if (b->state != BLOCK_LIVE || b->size > (uint64_t)(end - payload))
		return CAPOS_ERR_HEAP_OVERFLOW; /* header trampled */
	if (h->debug &&
	    !all_are(payload + b->size, HEAP_REDZONE, (size_t)(end - payload) - b->size))
		return CAPOS_ERR_HEAP_OVERFLOW;
	return CAPOS_OK;
}

static void slab_free(struct heap *h, struct heap_slab *s, struct heap_block *b)
{
	bool was_full = s->nfree == 0; /* full slabs are on no list */

	slot_release(h, s, b);
	if (s->nfree == s->nslots) {
		if (!was_full)
			partial_remove(h, s);
		h->pages_in_use--;
		h->ops.pages_free(h->ops.ctx, s, 1);
	} else if (was_full) {
		partial_push(h, s);
	}
}

int heap_free(struct heap *h, void *p)
{
	struct heap_block *b;
	struct heap_slab *slab;
	uint8_t *end;
	int err;

	if (!p)
		return CAPOS_OK;
	err = find_block(p, &b, &end, &slab);
	if (err)
		return report(h, err, p, "free of a pointer the heap never returned");
	err = h->debug ? check_block(h, b, end) : CAPOS_OK;
	if (err)
		return report(h, err, p,
			      err == CAPOS_ERR_HEAP_DOUBLE_FREE ? "double free" : "block overrun");
	h->bytes_in_use -= b->size;
	h->blocks_in_use--;
	if (slab) {
		slab_free(h, slab, b);
	} else {
		uint64_t n = ((struct heap_run *)page_of(p))->npages;

		b->state = BLOCK_FREE;
		h->pages_in_use -= n;
		h->ops.pages_free(h->ops.ctx, (void *)page_of(p), n);
	}
	return CAPOS_OK;
}

size_t heap_block_size(const struct heap *h, const void *p)
{
	struct heap_block *b;
	struct heap_slab *slab;
	uint8_t *end;

	(void)h;
	if (!p || find_block(p, &b, &end, &slab) != CAPOS_OK || b->state != BLOCK_LIVE)
		return 0;
	return b->size;
}
