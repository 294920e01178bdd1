/*
 * The bounded Cap'n Proto reader: message initialisation (raw segments or standard
 * framing) and every pointer-following getter of capnp.h. It owns the safety rules:
 * each object is bounds-checked against its segment before a reader is handed out,
 * each dereference charges the message's traversal budget (zero-sized list elements
 * one word each) and the nesting depth, and far / double-far pointers are resolved
 * with their landing pads validated. It allocates nothing and writes only the
 * message's budget and sticky error. Relies on internal.h for the pointer layout.
 */
#include "internal.h"

static const struct capnp_struct_reader empty_struct;

/* Record the first error (never for trusted constants) and return it. */
static int msg_fail(struct capnp_msg *m, int err)
{
	if (m && !(m->flags & CAPNP_MSG_UNCHECKED_LIMITS) && m->error == 0)
		m->error = err;
	return err;
}

static int charge(struct capnp_msg *m, uint64_t words)
{
	if (m->flags & CAPNP_MSG_UNCHECKED_LIMITS)
		return 0;
	if (words > m->traversal_left) {
		m->traversal_left = 0;
		return CAPOS_ERR_CAPNP_TRAVERSAL_LIMIT;
	}
	m->traversal_left -= words;
	return 0;
}

static void apply_limits(struct capnp_msg *m, const struct capnp_limits *lim)
{
	m->traversal_left = CAPNP_DEFAULT_TRAVERSAL_WORDS;
	m->nesting_limit = CAPNP_DEFAULT_NESTING;
	if (lim && lim->traversal_words)
		m->traversal_left = lim->traversal_words;
	if (lim && lim->nesting > 0)
		m->nesting_limit = lim->nesting > INT16_MAX ? INT16_MAX : lim->nesting;
}

int capnp_msg_init_segments(struct capnp_msg *m, const struct capnp_segment *segs, uint32_t nsegs,
			    const struct capnp_limits *lim)
{
	if (!m || !segs)
		return CAPOS_ERR_INVALID;
	__builtin_memset(m, 0, sizeof *m);
	if (nsegs == 0)
		return CAPOS_ERR_CAPNP_SEGMENT_COUNT;
	m->segs = segs;
	m->nsegs = nsegs;
	apply_limits(m, lim);
	return 0;
}

void capnp_msg_init_const(struct capnp_msg *m, const struct capnp_segment *seg)
{
	__builtin_memset(m, 0, sizeof *m);
	m->segs = seg;
	m->nsegs = 1;
	m->flags = CAPNP_MSG_UNCHECKED_LIMITS;
	m->nesting_limit = INT16_MAX;
}

int capnp_msg_init_framed(struct capnp_msg *m, const void *buf, size_t len,
			  struct capnp_segment *segtab, uint32_t max_segs,
			  const struct capnp_limits *lim, size_t *consumed)
{
	const uint8_t *b = buf;
	uint64_t count, header, pos;

	if (!m || !segtab || (!buf && len))
		return CAPOS_ERR_INVALID;
	__builtin_memset(m, 0, sizeof *m);
	if (len < 4)
		return CAPOS_ERR_CAPNP_TRUNCATED_FRAMING;
	count = (uint64_t)capnp_ld32(b) + 1;
	if (count > 0xffffffffull || count > max_segs)
		return CAPOS_ERR_CAPNP_SEGMENT_COUNT;
	header = (4 + 4 * count + 7) & ~7ull;
	if (len < header)
		return CAPOS_ERR_CAPNP_TRUNCATED_FRAMING;
	pos = header;
	for (uint64_t i = 0; i < count; i++) {
		uint32_t words = capnp_ld32(b + 4 + 4 * i);
		/* Invariant: pos <= len, so len - pos cannot wrap. */
		if ((uint64_t)words * CAPNP_WORD > len - pos)
			return CAPOS_ERR_CAPNP_TRUNCATED_FRAMING;
		segtab[i].data = b + pos;
		segtab[i].words = words;
		pos += (uint64_t)words * CAPNP_WORD;
	}
	if (consumed)
		*consumed = (size_t)pos;
	return capnp_msg_init_segments(m, segtab, (uint32_t)count, lim);
}

int capnp_msg_root(struct capnp_msg *m, struct capnp_ptr_reader *out)
{
	out->msg = m;
	out->ptr = 0;
	out->seg = 0;
	out->nesting = (int16_t)m->nesting_limit;
	if (m->segs[0].words == 0)
		return msg_fail(m, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	out->ptr = m->segs[0].data;
	return 0;
}

int capnp_msg_root_struct(struct capnp_msg *m, struct capnp_struct_reader *out)
{
	struct capnp_ptr_reader p;
	int err = capnp_msg_root(m, &p);

	if (err) {
		*out = empty_struct;
		out->msg = m;
		return err;
	}
	return capnp_ptr_get_struct(&p, 0, out);
}

/* A pointer after far-pointer resolution: the (tag) word, and where its object
 * starts (word index `target` in segment `seg`). */
struct resolved {
	uint64_t w;
	uint32_t seg;
	int64_t target;
};

static int64_t word_index(const struct capnp_msg *m, uint32_t seg, const uint8_t *p)
{
	return (int64_t)((p - m->segs[seg].data) / CAPNP_WORD);
}

/* Is [start, start+words) inside segment seg? */
static bool in_segment(const struct capnp_msg *m, uint32_t seg, int64_t start, uint64_t words)
{
	return start >= 0 && (uint64_t)start <= m->segs[seg].words &&
	       words <= m->segs[seg].words - (uint64_t)start;
}

static const uint8_t *seg_at(const struct capnp_msg *m, uint32_t seg, int64_t idx)
{
	return m->segs[seg].data + (uint64_t)idx * CAPNP_WORD;
}

__attribute__((noinline)) static int resolve_far(const struct capnp_msg *m, uint64_t w,
						 struct resolved *r)
{
	uint32_t s = capnp_p_far_seg(w), off = capnp_p_far_offset(w);
	const uint8_t *pad;
	uint64_t w0, tag;

	if (s >= m->nsegs)
		return CAPOS_ERR_CAPNP_SEGMENT_MISSING;
	if (!capnp_p_far_double(w)) {
		if (!in_segment(m, s, off, 1))
			return CAPOS_ERR_CAPNP_OUT_OF_BOUNDS;
		r->w = capnp_ld64(seg_at(m, s, off));
		if (capnp_p_kind(r->w) == CAPNP_KIND_FAR)
			return CAPOS_ERR_CAPNP_BAD_LANDING_PAD;
		r->seg = s;
		r->target = (int64_t)off + 1 + capnp_p_offset(r->w);
		return 0;
	}
	if (!in_segment(m, s, off, 2))
		return CAPOS_ERR_CAPNP_OUT_OF_BOUNDS;
	pad = seg_at(m, s, off);
	w0 = capnp_ld64(pad);
	tag = capnp_ld64(pad + CAPNP_WORD);
	if (capnp_p_kind(w0) != CAPNP_KIND_FAR || capnp_p_far_double(w0) ||
	    capnp_p_kind(tag) == CAPNP_KIND_FAR || capnp_p_kind(tag) == CAPNP_KIND_OTHER)
		return CAPOS_ERR_CAPNP_BAD_LANDING_PAD;
	if (capnp_p_far_seg(w0) >= m->nsegs)
		return CAPOS_ERR_CAPNP_SEGMENT_MISSING;
	r->w = tag;
	r->seg = capnp_p_far_seg(w0);
	r->target = capnp_p_far_offset(w0);
	return 0;
}

/* Resolve p; a null pointer yields r->w == 0. Inlined: the near case is the hot path. */
__attribute__((always_inline)) static inline int resolve(const struct capnp_ptr_reader *p,
							 struct resolved *r)
{
	const struct capnp_msg *m = p->msg;

	r->w = p->ptr ? capnp_ld64(p->ptr) : 0;
	r->seg = p->seg;
	r->target = 0;
	if (r->w == 0)
		return 0;
	if (capnp_p_kind(r->w) == CAPNP_KIND_FAR)
		return resolve_far(m, r->w, r);
	r->target = word_index(m, p->seg, p->ptr) + 1 + capnp_p_offset(r->w);
	return 0;
}

int capnp_ptr_kind(const struct capnp_ptr_reader *p, enum capnp_ptr_kind *out)
{
	struct resolved r;
	int err = resolve(p, &r);

	*out = CAPNP_PTR_NULL;
	if (err)
		return msg_fail(p->msg, err);
	if (r.w == 0)
		return 0;
	switch (capnp_p_kind(r.w)) {
	case CAPNP_KIND_STRUCT:
		*out = CAPNP_PTR_STRUCT;
		return 0;
	case CAPNP_KIND_LIST:
		*out = CAPNP_PTR_LIST;
		return 0;
	default:
		if ((uint32_t)r.w != CAPNP_KIND_OTHER)
			return msg_fail(p->msg, CAPOS_ERR_CAPNP_BAD_POINTER);
		*out = CAPNP_PTR_CAPABILITY;
		return 0;
	}
}

/*
 * The pointer a getter reads: p itself, or, when p is null and the schema gives a
 * default (a trusted constant message `def`), that message's root pointer, stored in
 * *buf. Readers of the result report errors against the message it belongs to.
 */
static const struct capnp_ptr_reader *
with_default(const struct capnp_ptr_reader *p, struct capnp_msg *def, struct capnp_ptr_reader *buf)
{
	if ((!p->ptr || capnp_ld64(p->ptr) == 0) && def && capnp_msg_root(def, buf) == 0)
		return buf;
	return p;
}

static int nest_check(const struct capnp_ptr_reader *p)
{
	return p->nesting <= 0 ? CAPOS_ERR_CAPNP_NESTING_LIMIT : 0;
}

/* Resolve p and require pointer kind `kind` (CAPNP_KIND_STRUCT / _LIST); a null
 * pointer gives r->w == 0 and status 0. The nesting check is the caller's (after any
 * check of its own on the pointer word). */
static inline int resolve_kind(const struct capnp_ptr_reader *p, unsigned kind, struct resolved *r)
{
	int err = resolve(p, r);

	if (err || r->w == 0)
		return err;
	return capnp_p_kind(r->w) == kind ? 0 : CAPOS_ERR_CAPNP_WRONG_POINTER_KIND;
}

static int read_struct(const struct capnp_ptr_reader *p, struct capnp_struct_reader *out)
{
	struct capnp_msg *m = p->msg;
	struct resolved r;
	uint64_t words;
	int err;

	if ((err = resolve_kind(p, CAPNP_KIND_STRUCT, &r)) != 0 || r.w == 0)
		return err;
	if ((err = nest_check(p)) != 0)
		return err;
	words = (uint64_t)capnp_p_struct_data(r.w) + capnp_p_struct_ptrs(r.w);
	if (!in_segment(m, r.seg, r.target, words))
		return CAPOS_ERR_CAPNP_OUT_OF_BOUNDS;
	if ((err = charge(m, words)) != 0)
		return err;
	out->data = seg_at(m, r.seg, r.target);
	out->data_bytes = (uint32_t)capnp_p_struct_data(r.w) * CAPNP_WORD;
	out->ptrs = out->data + out->data_bytes;
	out->ptr_count = capnp_p_struct_ptrs(r.w);
	out->seg = r.seg;
	out->nesting = (int16_t)(p->nesting - 1);
	return 0;
}

int capnp_ptr_get_struct(const struct capnp_ptr_reader *p, struct capnp_msg *def,
			 struct capnp_struct_reader *out)
{
	struct capnp_ptr_reader d;
	int err;

	p = with_default(p, def, &d);
	*out = empty_struct;
	out->msg = p->msg;
	err = read_struct(p, out);
	if (err) {
		*out = empty_struct;
		out->msg = p->msg;
		return msg_fail(p->msg, err);
	}
	return 0;
}

/* Body of a list pointer after resolution; fills out with the list's own encoding. */
static int read_list_body(const struct capnp_ptr_reader *p, const struct resolved *r,
			  struct capnp_list_reader *out)
{
	struct capnp_msg *m = p->msg;
	unsigned es = capnp_p_list_esize(r->w);
	uint32_t count = capnp_p_list_count(r->w);
	uint64_t words, charged;

	out->elem_size = (uint8_t)es;
	out->seg = r->seg;
	out->nesting = (int16_t)(p->nesting - 1);
	if (es != CAPNP_ELEM_COMPOSITE) {
		words = capnp_list_words(es, count);
		if (!in_segment(m, r->seg, r->target, words))
			return CAPOS_ERR_CAPNP_OUT_OF_BOUNDS;
		charged = es == CAPNP_ELEM_VOID ? count : words;
		out->start = seg_at(m, r->seg, r->target);
		out->len = count;
		out->step_bits = capnp_esize_step(es);
		out->data_bits = capnp_esize_bits(es);
		out->ptr_count = capnp_esize_ptrs(es);
		return charge(m, charged);
	}
	/* Inline composite: count is the word count of the body after the tag. */
	if (!in_segment(m, r->seg, r->target, (uint64_t)count + 1))
		return CAPOS_ERR_CAPNP_OUT_OF_BOUNDS;
	uint64_t tag = capnp_ld64(seg_at(m, r->seg, r->target));
	uint32_t n = (uint32_t)tag >> 2;
	uint64_t per = (uint64_t)capnp_p_struct_data(tag) + capnp_p_struct_ptrs(tag);
	if (capnp_p_kind(tag) != CAPNP_KIND_STRUCT || per * n > count)
		return CAPOS_ERR_CAPNP_BAD_INLINE_COMPOSITE;
	charged = per == 0 ? n : (uint64_t)count;
	out->start = seg_at(m, r->seg, r->target + 1);
	out->len = n;
	out->step_bits = (uint32_t)(per * 64);
	out->data_bits = (uint32_t)capnp_p_struct_data(tag) * 64;
	out->ptr_count = capnp_p_struct_ptrs(tag);
	return charge(m, charged);
}

static int read_list(const struct capnp_ptr_reader *p, struct capnp_list_reader *out)
{
	struct resolved r;
	int err;

	if ((err = resolve_kind(p, CAPNP_KIND_LIST, &r)) != 0 || r.w == 0)
		return err;
	if ((err = nest_check(p)) != 0)
		return err;
	return read_list_body(p, &r, out);
}

/* Spec compatibility of the encoded list with the schema's element size. */
static int list_compatible(const struct capnp_list_reader *l, enum capnp_elem_size expected)
{
	if (l->len == 0 && l->start == 0)
		return 0; /* null pointer: the empty list fits every type */
	if (expected == CAPNP_ELEM_COMPOSITE)
		return l->elem_size == CAPNP_ELEM_BIT ? CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE : 0;
	if (l->elem_size == CAPNP_ELEM_BIT || expected == CAPNP_ELEM_BIT)
		return l->elem_size == expected ? 0 : CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE;
	if (capnp_esize_bits(expected) > l->data_bits || capnp_esize_ptrs(expected) > l->ptr_count)
		return CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE;
	return 0;
}

static void empty_list(struct capnp_list_reader *out, struct capnp_msg *m)
{
	__builtin_memset(out, 0, sizeof *out);
	out->msg = m;
}

int capnp_read_list_any(const struct capnp_ptr_reader *p, struct capnp_list_reader *out)
{
	int err;

	empty_list(out, p->msg);
	err = read_list(p, out);
	if (err) {
		empty_list(out, p->msg);
		return msg_fail(p->msg, err);
	}
	return 0;
}

int capnp_ptr_get_list(const struct capnp_ptr_reader *p, enum capnp_elem_size expected,
		       struct capnp_msg *def, struct capnp_list_reader *out)
{
	struct capnp_ptr_reader d;
	int err;

	p = with_default(p, def, &d);
	empty_list(out, p->msg);
	err = read_list(p, out);
	if (!err)
		err = list_compatible(out, expected);
	if (err) {
		empty_list(out, p->msg);
		return msg_fail(p->msg, err);
	}
	return 0;
}

/* A byte list (Text/Data body); a null pointer gives len 0, start NULL. */
static int read_bytes(const struct capnp_ptr_reader *p, const uint8_t **start, uint32_t *len)
{
	struct resolved r;
	uint32_t count;
	uint64_t words;
	int err;

	*start = 0;
	*len = 0;
	if ((err = resolve_kind(p, CAPNP_KIND_LIST, &r)) != 0 || r.w == 0)
		return err;
	if (capnp_p_list_esize(r.w) != CAPNP_ELEM_BYTE)
		return CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE;
	if ((err = nest_check(p)) != 0)
		return err;
	count = capnp_p_list_count(r.w);
	words = ((uint64_t)count + 7) / 8;
	if (!in_segment(p->msg, r.seg, r.target, words))
		return CAPOS_ERR_CAPNP_OUT_OF_BOUNDS;
	if ((err = charge(p->msg, words)) != 0)
		return err;
	*start = seg_at(p->msg, r.seg, r.target);
	*len = count;
	return 0;
}

int capnp_ptr_get_text(const struct capnp_ptr_reader *p, const struct capnp_text *def,
		       struct capnp_text *out)
{
	const uint8_t *s;
	uint32_t n;
	int err = read_bytes(p, &s, &n);

	if (!err && s && (n == 0 || s[n - 1] != 0))
		err = CAPOS_ERR_CAPNP_TEXT_NOT_TERMINATED;
	out->str = "";
	out->len = 0;
	if (err)
		return msg_fail(p->msg, err);
	if (s) {
		out->str = (const char *)s;
		out->len = n - 1;
	} else if (def) {
		*out = *def;
	}
	return 0;
}

int capnp_ptr_get_data(const struct capnp_ptr_reader *p, const struct capnp_data *def,
		       struct capnp_data *out)
{
	const uint8_t *s;
	uint32_t n;
	int err = read_bytes(p, &s, &n);

	out->ptr = (const uint8_t *)"";
	out->len = 0;
	if (err)
		return msg_fail(p->msg, err);
	if (s) {
		out->ptr = s;
		out->len = n;
	} else if (def) {
		*out = *def;
	}
	return 0;
}

int capnp_ptr_get_cap(const struct capnp_ptr_reader *p, uint32_t *index)
{
	struct resolved r;
	int err = resolve(p, &r);

	*index = CAPNP_CAP_NULL;
	if (err)
		return msg_fail(p->msg, err);
	if (r.w == 0)
		return 0;
	if (capnp_p_kind(r.w) != CAPNP_KIND_OTHER)
		return msg_fail(p->msg, CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	if ((uint32_t)r.w != CAPNP_KIND_OTHER)
		return msg_fail(p->msg, CAPOS_ERR_CAPNP_BAD_POINTER);
	*index = (uint32_t)(r.w >> 32);
	return 0;
}

int capnp_get_struct(const struct capnp_struct_reader *s, uint16_t idx, struct capnp_msg *def,
		     struct capnp_struct_reader *out)
{
	struct capnp_ptr_reader p = capnp_struct_ptr(s, idx);
	return capnp_ptr_get_struct(&p, def, out);
}

int capnp_get_list(const struct capnp_struct_reader *s, uint16_t idx, enum capnp_elem_size expected,
		   struct capnp_msg *def, struct capnp_list_reader *out)
{
	struct capnp_ptr_reader p = capnp_struct_ptr(s, idx);
	return capnp_ptr_get_list(&p, expected, def, out);
}

int capnp_get_text(const struct capnp_struct_reader *s, uint16_t idx, const struct capnp_text *def,
		   struct capnp_text *out)
{
	struct capnp_ptr_reader p = capnp_struct_ptr(s, idx);
	return capnp_ptr_get_text(&p, def, out);
}

int capnp_get_data(const struct capnp_struct_reader *s, uint16_t idx, const struct capnp_data *def,
		   struct capnp_data *out)
{
	struct capnp_ptr_reader p = capnp_struct_ptr(s, idx);
	return capnp_ptr_get_data(&p, def, out);
}

int capnp_get_cap(const struct capnp_struct_reader *s, uint16_t idx, uint32_t *index)
{
	struct capnp_ptr_reader p = capnp_struct_ptr(s, idx);
	return capnp_ptr_get_cap(&p, index);
}
