/*
 * The Cap'n Proto builder: a message assembled in caller-donated buffers (one
 * segment each, plus an optional grow hook), object allocation with near, far and
 * double-far pointers, the struct/list/Text/Data/capability initialisers of capnp.h,
 * and standard-framing serialization. Each allocation is zeroed as it is made, so
 * every fresh object reads as its defaults and untouched buffer space costs nothing. No allocator is needed; the kernel
 * donates frames, host code donates arrays.
 */
#include "internal.h"

void capnp_builder_fail(struct capnp_builder *b, int err)
{
	if (b && b->error == 0)
		b->error = err;
}

static int bfail(struct capnp_builder *b, int err)
{
	capnp_builder_fail(b, err);
	return err;
}

static int add_segment(struct capnp_builder *b, void *buf, size_t bytes)
{
	if (((uintptr_t)buf & 7) != 0)
		return CAPOS_ERR_ALIGNMENT;
	if (b->nsegs >= b->max_segs)
		return CAPOS_ERR_CAPNP_SEGMENT_COUNT;
	if (bytes / CAPNP_WORD > CAPNP_MAX_SEGMENT_WORDS)
		bytes = (size_t)CAPNP_MAX_SEGMENT_WORDS * CAPNP_WORD;
	b->segs[b->nsegs].data = buf;
	b->segs[b->nsegs].cap_words = (uint32_t)(bytes / CAPNP_WORD);
	b->segs[b->nsegs].used_words = 0;
	b->nsegs++;
	return 0;
}

int capnp_builder_init(struct capnp_builder *b, struct capnp_bseg *segs, uint32_t max_segs,
		       void *buf, size_t bytes)
{
	int err;

	if (!b || !segs || max_segs == 0 || !buf)
		return CAPOS_ERR_INVALID;
	__builtin_memset(b, 0, sizeof *b);
	b->segs = segs;
	b->max_segs = max_segs;
	if (bytes < CAPNP_WORD)
		return CAPOS_ERR_BUFFER_TOO_SMALL;
	if ((err = add_segment(b, buf, bytes)) != 0)
		return err;
	capnp_st64(b->segs[0].data, 0); /* the root pointer, initially null */
	b->segs[0].used_words = 1;
	return 0;
}

int capnp_builder_add_buffer(struct capnp_builder *b, void *buf, size_t bytes)
{
	if (!b || !buf || bytes < CAPNP_WORD)
		return CAPOS_ERR_INVALID;
	return add_segment(b, buf, bytes);
}

void capnp_builder_set_grow(struct capnp_builder *b, capnp_grow_fn *fn, void *ctx)
{
	b->grow = fn;
	b->grow_ctx = ctx;
}

struct capnp_ptr_builder capnp_builder_root(struct capnp_builder *b)
{
	struct capnp_ptr_builder p = { b, b->segs[0].data, 0 };
	return p;
}

static inline bool seg_alloc(struct capnp_bseg *s, uint64_t words, uint32_t *off)
{
	if (words > s->cap_words - s->used_words)
		return false;
	*off = s->used_words;
	s->used_words += (uint32_t)words;
	/* Zero on allocation, not on donation: only touched memory is cleared. Most
	 * objects are a few words: store them inline rather than calling memset. */
	uint8_t *p = s->data + (size_t)*off * CAPNP_WORD;
	switch (words) { /* a loop here would be turned back into a memset call */
	case 4:
		capnp_st64(p + 24, 0);
		__attribute__((fallthrough));
	case 3:
		capnp_st64(p + 16, 0);
		__attribute__((fallthrough));
	case 2:
		capnp_st64(p + 8, 0);
		__attribute__((fallthrough));
	case 1:
		capnp_st64(p, 0);
		__attribute__((fallthrough));
	case 0:
		break;
	default:
		__builtin_memset(p, 0, (size_t)words * CAPNP_WORD);
	}
	return true;
}

/* Allocate words anywhere except segment `avoid` (UINT32_MAX: anywhere), growing the
 * arena if needed. */
static int alloc_any(struct capnp_builder *b, uint64_t words, uint32_t avoid, uint32_t *seg,
		     uint32_t *off)
{
	void *mem;
	uint32_t got;
	int err;

	for (uint32_t i = 0; i < b->nsegs; i++) {
		if (i != avoid && seg_alloc(&b->segs[i], words, off)) {
			*seg = i;
			return 0;
		}
	}
	if (!b->grow || words > CAPNP_MAX_SEGMENT_WORDS)
		return CAPOS_ERR_NO_MEMORY;
	if (b->nsegs >= b->max_segs)
		return CAPOS_ERR_CAPNP_SEGMENT_COUNT;
	if ((err = b->grow(b->grow_ctx, (uint32_t)words, &mem, &got)) != 0)
		return err;
	if (got < words)
		return CAPOS_ERR_NO_MEMORY;
	if ((err = add_segment(b, mem, (size_t)got * CAPNP_WORD)) != 0)
		return err;
	*seg = b->nsegs - 1;
	seg_alloc(&b->segs[*seg], words, off);
	return 0;
}

static uint8_t *bseg_at(const struct capnp_builder *b, uint32_t seg, uint32_t off)
{
	return b->segs[seg].data + (size_t)off * CAPNP_WORD;
}

/* The far-pointer cases of place(): the object goes to another segment behind a
 * one-word landing pad, or (no room for object + pad together) object and a two-word
 * double-far pad are allocated separately. */
__attribute__((noinline)) static int place_far(const struct capnp_ptr_builder *p, uint64_t tag,
					       uint64_t words, uint32_t *seg, uint32_t *off)
{
	struct capnp_builder *b = p->msg;
	uint32_t pad_seg, pad_off;
	int err;

	if (!(b->flags & CAPNP_BUILDER_FORCE_DOUBLE_FAR) &&
	    alloc_any(b, words + 1, p->seg, seg, &pad_off) == 0) {
		*off = pad_off + 1;
		capnp_st64(bseg_at(b, *seg, pad_off), tag);
		capnp_st64(p->ptr, capnp_mk_far(false, *seg, pad_off));
		return 0;
	}
	if ((err = alloc_any(b, words, UINT32_MAX, seg, off)) != 0)
		return err;
	if ((err = alloc_any(b, 2, UINT32_MAX, &pad_seg, &pad_off)) != 0)
		return err;
	capnp_st64(bseg_at(b, pad_seg, pad_off), capnp_mk_far(false, *seg, *off));
	capnp_st64(bseg_at(b, pad_seg, pad_off) + CAPNP_WORD, tag);
	capnp_st64(p->ptr, capnp_mk_far(true, pad_seg, pad_off));
	return 0;
}

/*
 * Allocate an object of `words` words for pointer p and write p with `tag` (the
 * pointer word with offset 0): a near pointer when the pointer's own segment has room
 * (the inlined hot path), else place_far(). Returns the object's segment and offset.
 */
static inline int place(const struct capnp_ptr_builder *p, uint64_t tag, uint64_t words,
			uint32_t *seg, uint32_t *off)
{
	struct capnp_builder *b = p->msg;
	struct capnp_bseg *s = &b->segs[p->seg];
	uint32_t po;

	if ((b->flags & CAPNP_BUILDER_FORCE_DOUBLE_FAR) || !seg_alloc(s, words, off))
		return place_far(p, tag, words, seg, off);
	po = (uint32_t)((uint64_t)(p->ptr - s->data) / CAPNP_WORD);
	*seg = p->seg;
	capnp_st64(p->ptr, capnp_p_with_offset(tag, (int32_t)((int64_t)*off - po - 1)));
	return 0;
}

static inline int check_ptr(const struct capnp_ptr_builder *p)
{
	if (!p->ptr)
		return bfail(p->msg, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	return 0;
}

int capnp_ptr_init_struct(const struct capnp_ptr_builder *p, uint16_t data_words,
			  uint16_t ptr_count, struct capnp_struct_builder *out)
{
	uint64_t words = (uint64_t)data_words + ptr_count;
	uint32_t seg = p->seg, off = 0;
	int err;

	__builtin_memset(out, 0, sizeof *out);
	out->msg = p->msg;
	if ((err = check_ptr(p)) != 0)
		return err;
	if (words == 0) {
		/* The empty struct: offset -1, so the pointer is not null. */
		capnp_st64(p->ptr, capnp_mk_struct(-1, 0, 0));
		out->data = out->ptrs = p->ptr;
		out->seg = p->seg;
		return 0;
	}
	if ((err = place(p, capnp_mk_struct(0, data_words, ptr_count), words, &seg, &off)) != 0)
		return bfail(p->msg, err);
	out->data = bseg_at(p->msg, seg, off);
	out->data_bytes = (uint32_t)data_words * CAPNP_WORD;
	out->ptrs = out->data + out->data_bytes;
	out->ptr_count = ptr_count;
	out->seg = seg;
	return 0;
}

int capnp_builder_init_root(struct capnp_builder *b, uint16_t data_words, uint16_t ptr_count,
			    struct capnp_struct_builder *out)
{
	struct capnp_ptr_builder root = capnp_builder_root(b);
	return capnp_ptr_init_struct(&root, data_words, ptr_count, out);
}

static void list_out(struct capnp_list_builder *out, struct capnp_builder *b, uint32_t seg,
		     uint32_t off, uint32_t count, unsigned es)
{
	out->msg = b;
	out->start = bseg_at(b, seg, off);
	out->seg = seg;
	out->len = count;
	out->step_bits = capnp_esize_step(es);
	out->data_bits = capnp_esize_bits(es);
	out->ptr_count = capnp_esize_ptrs(es);
	out->elem_size = (uint8_t)es;
}

int capnp_ptr_init_list(const struct capnp_ptr_builder *p, enum capnp_elem_size elem_size,
			uint32_t count, struct capnp_list_builder *out)
{
	uint32_t seg = 0, off = 0;
	int err;

	__builtin_memset(out, 0, sizeof *out);
	out->msg = p->msg;
	if ((err = check_ptr(p)) != 0)
		return err;
	if ((unsigned)elem_size > CAPNP_ELEM_POINTER)
		return bfail(p->msg, CAPOS_ERR_INVALID);
	if (count > CAPNP_MAX_LIST_ELEMENTS)
		return bfail(p->msg, CAPOS_ERR_CAPNP_LIST_TOO_LONG);
	err = place(p, capnp_mk_list(0, elem_size, count), capnp_list_words(elem_size, count), &seg,
		    &off);
	if (err)
		return bfail(p->msg, err);
	list_out(out, p->msg, seg, off, count, elem_size);
	return 0;
}

int capnp_ptr_init_struct_list(const struct capnp_ptr_builder *p, uint32_t count,
			       uint16_t data_words, uint16_t ptr_count,
			       struct capnp_list_builder *out)
{
	uint64_t per = (uint64_t)data_words + ptr_count, body = per * count;
	uint32_t seg = 0, off = 0;
	uint8_t *tag;
	int err;

	__builtin_memset(out, 0, sizeof *out);
	out->msg = p->msg;
	if ((err = check_ptr(p)) != 0)
		return err;
	if (count > CAPNP_MAX_LIST_ELEMENTS || body > CAPNP_MAX_LIST_ELEMENTS)
		return bfail(p->msg, CAPOS_ERR_CAPNP_LIST_TOO_LONG);
	err = place(p, capnp_mk_list(0, CAPNP_ELEM_COMPOSITE, (uint32_t)body), body + 1, &seg,
		    &off);
	if (err)
		return bfail(p->msg, err);
	tag = bseg_at(p->msg, seg, off);
	capnp_st64(tag, capnp_mk_struct((int32_t)count, data_words, ptr_count));
	out->msg = p->msg;
	out->start = tag + CAPNP_WORD;
	out->seg = seg;
	out->len = count;
	out->step_bits = (uint32_t)(per * 64);
	out->data_bits = (uint32_t)data_words * 64;
	out->ptr_count = ptr_count;
	out->elem_size = CAPNP_ELEM_COMPOSITE;
	return 0;
}

/* A byte list of len bytes; *out points at them. Shared by Text and Data. */
static int init_bytes(const struct capnp_ptr_builder *p, uint32_t len, uint8_t **out)
{
	uint32_t seg = 0, off = 0;
	int err;

	*out = 0;
	if ((err = check_ptr(p)) != 0)
		return err;
	if (len > CAPNP_MAX_LIST_ELEMENTS)
		return bfail(p->msg, CAPOS_ERR_CAPNP_LIST_TOO_LONG);
	err = place(p, capnp_mk_list(0, CAPNP_ELEM_BYTE, len), ((uint64_t)len + 7) / 8, &seg, &off);
	if (err)
		return bfail(p->msg, err);
	*out = bseg_at(p->msg, seg, off);
	return 0;
}

int capnp_ptr_init_data(const struct capnp_ptr_builder *p, uint32_t len, uint8_t **out)
{
	uint8_t *dst;
	int err = init_bytes(p, len, &dst);

	if (out)
		*out = dst;
	return err;
}

int capnp_ptr_set_data(const struct capnp_ptr_builder *p, const void *d, uint32_t len)
{
	uint8_t *dst;
	int err = init_bytes(p, len, &dst);

	if (!err && len)
		__builtin_memcpy(dst, d, len);
	return err;
}

int capnp_ptr_init_text(const struct capnp_ptr_builder *p, uint32_t len, char **out)
{
	uint8_t *dst = 0;
	int err;

	if (len >= CAPNP_MAX_LIST_ELEMENTS) {
		if (out)
			*out = 0;
		return bfail(p->msg, CAPOS_ERR_CAPNP_LIST_TOO_LONG);
	}
	/* Allocations are zeroed, so the NUL at dst[len] is already there. */
	err = init_bytes(p, len + 1, &dst);
	if (out)
		*out = (char *)dst;
	return err;
}

int capnp_ptr_set_text(const struct capnp_ptr_builder *p, const char *s, uint32_t len)
{
	char *dst;
	int err = capnp_ptr_init_text(p, len, &dst);

	if (!err && len)
		__builtin_memcpy(dst, s, len);
	return err;
}

int capnp_ptr_set_cap(const struct capnp_ptr_builder *p, uint32_t index)
{
	int err = check_ptr(p);

	if (!err)
		capnp_st64(p->ptr, ((uint64_t)index << 32) | CAPNP_KIND_OTHER);
	return err;
}

int capnp_ptr_set_null(const struct capnp_ptr_builder *p)
{
	int err = check_ptr(p);

	if (!err)
		capnp_st64(p->ptr, 0);
	return err;
}

size_t capnp_builder_framed_size(const struct capnp_builder *b)
{
	size_t n = ((4 + 4 * (size_t)b->nsegs + 7) & ~(size_t)7);

	for (uint32_t i = 0; i < b->nsegs; i++)
		n += (size_t)b->segs[i].used_words * CAPNP_WORD;
	return n;
}

int capnp_builder_write_framed(const struct capnp_builder *b, void *out, size_t cap,
			       size_t *written)
{
	size_t need = capnp_builder_framed_size(b), header = (4 + 4 * (size_t)b->nsegs + 7) & ~7ul;
	uint8_t *o = out;

	*written = 0;
	if (need > cap)
		return CAPOS_ERR_BUFFER_TOO_SMALL;
	__builtin_memset(o, 0, header);
	capnp_st32(o, b->nsegs - 1);
	for (uint32_t i = 0; i < b->nsegs; i++)
		capnp_st32(o + 4 + 4 * i, b->segs[i].used_words);
	o += header;
	for (uint32_t i = 0; i < b->nsegs; i++) {
		size_t n = (size_t)b->segs[i].used_words * CAPNP_WORD;
		__builtin_memcpy(o, b->segs[i].data, n);
		o += n;
	}
	*written = need;
	return 0;
}

int capnp_builder_as_reader(const struct capnp_builder *b, struct capnp_msg *m,
			    struct capnp_segment *segtab, uint32_t max_segs,
			    const struct capnp_limits *lim)
{
	if (b->nsegs > max_segs)
		return CAPOS_ERR_CAPNP_SEGMENT_COUNT;
	for (uint32_t i = 0; i < b->nsegs; i++) {
		segtab[i].data = b->segs[i].data;
		segtab[i].words = b->segs[i].used_words;
	}
	return capnp_msg_init_segments(m, segtab, b->nsegs, lim);
}
