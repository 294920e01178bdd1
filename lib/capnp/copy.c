/*
 * Deep copy from a reader into a builder, and canonical form (spec "Canonicalization"):
 * one segment, objects in preorder, struct data sections without trailing zero words
 * and pointer sections without trailing null pointers (a struct list uses the largest
 * truncated size among its elements). The source is read through the ordinary bounded
 * reader, so a hostile source fails with its reader error; recursion depth is bounded
 * by the source's nesting limit.
 */
#include "internal.h"

static int copy_ptr(const struct capnp_ptr_builder *dst, const struct capnp_ptr_reader *src,
		    unsigned flags);

/* Words of a data section of `bytes` bytes, trimmed of trailing zero words if asked. */
static uint16_t data_words(const uint8_t *data, uint32_t bytes, unsigned flags)
{
	uint32_t words = (bytes + 7) / 8;

	if (!(flags & CAPNP_COPY_CANONICAL))
		return (uint16_t)words;
	while (words > 0) {
		uint32_t lo = (words - 1) * 8, n = bytes - lo < 8 ? bytes - lo : 8;
		uint64_t w = 0;
		__builtin_memcpy(&w, data + lo, n);
		if (w != 0)
			break;
		words--;
	}
	return (uint16_t)words;
}

/* Pointers of s, trimmed of trailing null pointers if asked. A far pointer whose
 * landing pad is null counts as null, so canonical form is a fixed point. */
static uint16_t ptr_words(const struct capnp_struct_reader *s, unsigned flags)
{
	uint16_t count = s->ptr_count;

	if (!(flags & CAPNP_COPY_CANONICAL))
		return count;
	while (count > 0) {
		struct capnp_ptr_reader p = capnp_struct_ptr(s, (uint16_t)(count - 1));
		enum capnp_ptr_kind kind;
		if (capnp_ptr_kind(&p, &kind) != 0 || kind != CAPNP_PTR_NULL)
			break;
		count--;
	}
	return count;
}

/* Copy a struct's sections (already allocated as dst) and then its children. */
static int copy_struct_body(const struct capnp_struct_builder *dst,
			    const struct capnp_struct_reader *src, unsigned flags)
{
	uint32_t n = src->data_bytes < dst->data_bytes ? src->data_bytes : dst->data_bytes;
	int err;

	if (n)
		__builtin_memcpy(dst->data, src->data, n);
	for (uint16_t i = 0; i < dst->ptr_count; i++) {
		struct capnp_ptr_builder pb = capnp_sb_ptr(dst, i);
		struct capnp_ptr_reader pr = capnp_struct_ptr(src, i);
		if ((err = copy_ptr(&pb, &pr, flags)) != 0)
			return err;
	}
	return 0;
}

int capnp_ptr_copy_struct(const struct capnp_ptr_builder *dst,
			  const struct capnp_struct_reader *src, unsigned flags)
{
	struct capnp_struct_builder sb;
	uint16_t dw = data_words(src->data, src->data_bytes, flags);
	uint16_t pc = ptr_words(src, flags);
	int err;

	if ((err = capnp_ptr_init_struct(dst, dw, pc, &sb)) != 0)
		return err;
	return copy_struct_body(&sb, src, flags);
}

static int copy_struct_list(const struct capnp_ptr_builder *dst,
			    const struct capnp_list_reader *src, unsigned flags)
{
	struct capnp_list_builder lb;
	uint16_t dw = 0, pc = 0;
	int err;

	for (uint32_t i = 0; i < src->len; i++) {
		struct capnp_struct_reader e = capnp_list_struct(src, i);
		uint16_t d = data_words(e.data, e.data_bytes, flags);
		uint16_t p = ptr_words(&e, flags);
		dw = d > dw ? d : dw;
		pc = p > pc ? p : pc;
	}
	if (!(flags & CAPNP_COPY_CANONICAL)) {
		dw = (uint16_t)(src->data_bits / 64);
		pc = src->ptr_count;
	}
	if ((err = capnp_ptr_init_struct_list(dst, src->len, dw, pc, &lb)) != 0)
		return err;
	/* Preorder: all element bodies (allocated above), then each element's children. */
	for (uint32_t i = 0; i < src->len; i++) {
		struct capnp_struct_builder eb = capnp_lb_struct(&lb, i);
		struct capnp_struct_reader e = capnp_list_struct(src, i);
		if ((err = copy_struct_body(&eb, &e, flags)) != 0)
			return err;
	}
	return 0;
}

static int copy_pointer_list(const struct capnp_ptr_builder *dst,
			     const struct capnp_list_reader *src, unsigned flags)
{
	struct capnp_list_builder lb;
	int err;

	if ((err = capnp_ptr_init_list(dst, CAPNP_ELEM_POINTER, src->len, &lb)) != 0)
		return err;
	for (uint32_t i = 0; i < src->len; i++) {
		struct capnp_ptr_builder pb = capnp_lb_ptr(&lb, i);
		struct capnp_ptr_reader pr = capnp_list_ptr(src, i);
		if ((err = copy_ptr(&pb, &pr, flags)) != 0)
			return err;
	}
	return 0;
}

int capnp_ptr_copy_list(const struct capnp_ptr_builder *dst, const struct capnp_list_reader *src,
			unsigned flags)
{
	struct capnp_list_builder lb;
	uint64_t bits;
	int err;

	if (src->elem_size == CAPNP_ELEM_COMPOSITE)
		return copy_struct_list(dst, src, flags);
	if (src->elem_size == CAPNP_ELEM_POINTER)
		return copy_pointer_list(dst, src, flags);
	err = capnp_ptr_init_list(dst, (enum capnp_elem_size)src->elem_size, src->len, &lb);
	if (err)
		return err;
	bits = (uint64_t)src->len * src->step_bits;
	if (bits >= 8)
		__builtin_memcpy(lb.start, src->start, bits / 8);
	if (bits % 8) /* a Bool list's unused high bits stay zero */
		lb.start[bits / 8] = src->start[bits / 8] & (uint8_t)((1u << (bits % 8)) - 1);
	return 0;
}

static int copy_ptr(const struct capnp_ptr_builder *dst, const struct capnp_ptr_reader *src,
		    unsigned flags)
{
	enum capnp_ptr_kind kind;
	struct capnp_struct_reader s;
	struct capnp_list_reader l;
	uint32_t cap;
	int err;

	if ((err = capnp_ptr_kind(src, &kind)) != 0)
		return err;
	switch (kind) {
	case CAPNP_PTR_NULL:
		return capnp_ptr_set_null(dst);
	case CAPNP_PTR_STRUCT:
		if ((err = capnp_ptr_get_struct(src, 0, &s)) != 0)
			return err;
		return capnp_ptr_copy_struct(dst, &s, flags);
	case CAPNP_PTR_LIST:
		if ((err = capnp_read_list_any(src, &l)) != 0)
			return err;
		return capnp_ptr_copy_list(dst, &l, flags);
	case CAPNP_PTR_CAPABILITY:
		if ((err = capnp_ptr_get_cap(src, &cap)) != 0)
			return err;
		return capnp_ptr_set_cap(dst, cap);
	}
	return CAPOS_ERR_CAPNP_BAD_POINTER;
}

int capnp_ptr_copy(const struct capnp_ptr_builder *dst, const struct capnp_ptr_reader *src,
		   unsigned flags)
{
	int err = copy_ptr(dst, src, flags);

	if (err && dst->ptr) {
		capnp_st64(dst->ptr, 0);
		capnp_builder_fail(dst->msg, err);
	}
	return err;
}

int capnp_canonicalize(const struct capnp_ptr_reader *root, void *out, size_t cap, size_t *words)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_ptr_builder rp;
	int err;

	*words = 0;
	if ((err = capnp_builder_init(&b, &seg, 1, out, cap)) != 0)
		return err;
	rp = capnp_builder_root(&b);
	err = capnp_ptr_copy(&rp, root, CAPNP_COPY_CANONICAL);
	if (err == CAPOS_ERR_NO_MEMORY)
		return CAPOS_ERR_BUFFER_TOO_SMALL;
	if (err)
		return err;
	*words = seg.used_words;
	return 0;
}
