/*
 * capnp.h: the public API of lib/capnp, capOS's freestanding Cap'n Proto runtime.
 * It owns the wire format (encoding spec, capnproto.org/encoding.html): a bounded,
 * allocation-free reader over caller-owned segments, a builder that writes into
 * caller-donated buffers (multi-segment, far pointers), deep copy and canonical form,
 * segment-table framing and packing. It relies on nothing but the compiler's
 * <stdint.h>/<stddef.h>/<stdbool.h> and __builtin_memcpy/memset/memcmp, so the same
 * source compiles for the kernel (kernel flags), userspace and host tools.
 *
 * Target of tools/capnpc-c: every field is addressed the way a schema describes it:
 * primitive fields by BYTE offset within the data section (schema slot offset times
 * the field's byte size), Bool fields by BIT offset, pointer fields by pointer index,
 * struct sizes in words / pointer counts. Defaults are XOR'd: pass the default's bit
 * pattern (floats as their IEEE bit pattern). Union discriminants are UInt16 fields:
 * read them with capnp_read_u16(s, disc_offset * 2, 0).
 *
 * ERROR MODEL (readers). Pointer-following functions return a status (0 or a negative
 * CAPOS_ERR_CAPNP_* / general code from capos/error.h) and ALWAYS fill their out
 * parameter: on any error the out value is the empty/default value (empty struct:
 * every field reads as its default; empty list; "" text), so a caller that ignores
 * a status still never reads out of bounds. The first error is also recorded, sticky,
 * in the message (capnp_msg_error()), so a decoder may do many gets and check once.
 * Primitive getters cannot fail: a field beyond a (shorter, older) data section reads
 * as its default, exactly as the spec says. Builders record errors the same way
 * (capnp_builder_error()) and also return statuses.
 *
 * Limits (per message, set at init): a traversal limit in words (each struct or list
 * dereference charges its size, a list of zero-sized elements charges one word per
 * element) and a nesting limit (pointer depth). Defaults below match the C++ library.
 *
 * Readers hold a non-const message pointer because they charge the traversal budget.
 * A message initialised with CAPNP_MSG_UNCHECKED_LIMITS (schema default values emitted
 * by the generator, which are trusted and shared) is never written by readers.
 */
#ifndef CAPNP_CAPNP_H
#define CAPNP_CAPNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capos/error.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "capnp runtime assumes little endian");

#define CAPNP_WORD 8u					   /* bytes per word */
#define CAPNP_DEFAULT_TRAVERSAL_WORDS (8ull * 1024 * 1024) /* 64 MiB, as C++ */
/*
 * Default pointer-nesting limit. Copy and canonicalize recurse about 350 bytes of stack
 * per level, so the kernel (16 KiB kernel stacks, hostile params) gets a default whose
 * worst case stays under 6 KiB; capOS interface params are shallow. Elsewhere 64, as C++.
 */
#ifdef CAPOS_KERNEL
#define CAPNP_DEFAULT_NESTING 16
#else
#define CAPNP_DEFAULT_NESTING 64
#endif
#define CAPNP_MAX_LIST_ELEMENTS ((1u << 29) - 1) /* 29-bit element count */
#define CAPNP_MAX_SEGMENT_WORDS ((1u << 29) - 1) /* addressable by a 29-bit offset */
#define CAPNP_CAP_NULL UINT32_MAX		 /* capability index of a null pointer */

/* List element sizes: the 3-bit code stored in a list pointer (spec values). */
enum capnp_elem_size {
	CAPNP_ELEM_VOID = 0,	  /* 0 bits */
	CAPNP_ELEM_BIT = 1,	  /* Bool */
	CAPNP_ELEM_BYTE = 2,	  /* Int8/UInt8, and Text/Data bytes */
	CAPNP_ELEM_TWO = 3,	  /* Int16/UInt16/enums */
	CAPNP_ELEM_FOUR = 4,	  /* Int32/UInt32/Float32 */
	CAPNP_ELEM_EIGHT = 5,	  /* Int64/UInt64/Float64 */
	CAPNP_ELEM_POINTER = 6,	  /* Text/Data/List/struct/interface/AnyPointer elements */
	CAPNP_ELEM_COMPOSITE = 7, /* inline-composite: a list of structs */
};

/* Kind of a pointer as seen by a reader (after resolving far pointers). */
enum capnp_ptr_kind {
	CAPNP_PTR_NULL = 0,
	CAPNP_PTR_STRUCT = 1,
	CAPNP_PTR_LIST = 2,
	CAPNP_PTR_CAPABILITY = 3,
};

/* ---------------------------------------------------------------- reader side */

/* One segment of a received message: word-granular, need not be 8-byte aligned. */
struct capnp_segment {
	const uint8_t *data; /* first byte of the segment */
	uint32_t words;	     /* length in words */
};

#define CAPNP_MSG_UNCHECKED_LIMITS 0x1u /* trusted constant: no budget, no sticky error */

struct capnp_msg {
	const struct capnp_segment *segs; /* caller-owned segment table */
	uint32_t nsegs;			  /* >= 1 */
	uint32_t flags;			  /* CAPNP_MSG_* */
	uint64_t traversal_left;	  /* remaining traversal budget in words */
	int32_t nesting_limit;		  /* depth given to the root pointer */
	int32_t error;			  /* first error seen by any reader (sticky) */
};

/* Reader of one struct. A default-constructed (zeroed, msg may be NULL) reader is the
 * empty struct: every field reads as its default. */
struct capnp_struct_reader {
	struct capnp_msg *msg;
	const uint8_t *data; /* data section */
	const uint8_t *ptrs; /* pointer section (ptr_count words) */
	uint32_t seg;	     /* segment holding the pointer section */
	uint32_t data_bytes; /* data section length in bytes */
	uint16_t ptr_count;  /* pointer section length in words */
	int16_t nesting;     /* remaining depth for pointers followed from here */
};

/* Reader of one list. Element i starts at bit i*step_bits from `start`. */
struct capnp_list_reader {
	struct capnp_msg *msg;
	const uint8_t *start; /* first element */
	uint32_t seg;	      /* segment holding the elements */
	uint32_t len;	      /* element count */
	uint32_t step_bits;   /* bits between consecutive elements */
	uint32_t data_bits;   /* data bits per element (struct elements: data section) */
	uint16_t ptr_count;   /* pointers per element (after the data) */
	uint8_t elem_size;    /* enum capnp_elem_size as encoded */
	int16_t nesting;      /* remaining depth for pointers in elements */
};

/* Reader of one pointer (any kind): an AnyPointer, a list element of pointer type,
 * or a struct's pointer field. ptr == NULL means a null pointer. */
struct capnp_ptr_reader {
	struct capnp_msg *msg;
	const uint8_t *ptr; /* the pointer word, or NULL */
	uint32_t seg;	    /* segment holding the pointer word */
	int16_t nesting;    /* remaining depth when followed */
};

/* Text: str is NUL-terminated (checked on read); len excludes the NUL. */
struct capnp_text {
	const char *str;
	uint32_t len;
};

struct capnp_data {
	const uint8_t *ptr;
	uint32_t len;
};

/* Limits applied by capnp_msg_init*; zero fields mean "use the default". */
struct capnp_limits {
	uint64_t traversal_words;
	int32_t nesting;
};

/* ---------------------------------------------------------------- builder side */

/* One segment of a message under construction, backed by a caller-donated buffer. */
struct capnp_bseg {
	uint8_t *data;	     /* 8-byte aligned buffer */
	uint32_t cap_words;  /* capacity in words */
	uint32_t used_words; /* allocated so far */
};

/* Optional hook asked for a fresh segment of at least min_words words when every
 * segment is full. Returns 0 and sets *mem and *words, or an error (e.g. NO_MEMORY). */
typedef int capnp_grow_fn(void *ctx, uint32_t min_words, void **mem, uint32_t *words);

struct capnp_builder {
	struct capnp_bseg *segs; /* caller-owned table of max_segs entries */
	uint32_t nsegs;		 /* segments in use */
	uint32_t max_segs;
	capnp_grow_fn *grow; /* may be NULL: then only donated buffers are used */
	void *grow_ctx;
	int32_t error;	/* first error (sticky) */
	uint32_t flags; /* CAPNP_BUILDER_* */
};

/* Never place an object in a segment other than its pointer's with a single-far pad;
 * always use a double-far landing pad. For tests of the double-far path. */
#define CAPNP_BUILDER_FORCE_DOUBLE_FAR 0x1u

struct capnp_struct_builder {
	struct capnp_builder *msg;
	uint8_t *data;
	uint8_t *ptrs;
	uint32_t seg;
	uint32_t data_bytes;
	uint16_t ptr_count;
};

struct capnp_list_builder {
	struct capnp_builder *msg;
	uint8_t *start;
	uint32_t seg;
	uint32_t len;
	uint32_t step_bits;
	uint32_t data_bits;
	uint16_t ptr_count;
	uint8_t elem_size;
};

struct capnp_ptr_builder {
	struct capnp_builder *msg;
	uint8_t *ptr; /* the pointer word (never NULL in a valid builder) */
	uint32_t seg;
};

/* Flags for the copy functions. */
#define CAPNP_COPY_CANONICAL 0x1u /* truncate trailing zero data words / null pointers */

/* ================================================================ messages */

/*
 * capnp_msg_init_segments: a reader over `nsegs` already-split segments (no framing).
 * `segs` must outlive the message. lim may be NULL (defaults).
 * Errors: CAPOS_ERR_CAPNP_SEGMENT_COUNT (nsegs == 0), CAPOS_ERR_INVALID.
 */
int capnp_msg_init_segments(struct capnp_msg *m, const struct capnp_segment *segs, uint32_t nsegs,
			    const struct capnp_limits *lim);

/*
 * capnp_msg_init_framed: parse standard stream framing (u32 segment count - 1, u32
 * sizes, pad to 8 bytes, segments) from buf[0..len) into the caller's table of
 * max_segs entries, then init the reader. *consumed (may be NULL) gets the framed size.
 * Errors: CAPOS_ERR_CAPNP_TRUNCATED_FRAMING (table or segments beyond len),
 * CAPOS_ERR_CAPNP_SEGMENT_COUNT (count overflows or exceeds max_segs),
 * CAPOS_ERR_CAPNP_SEGMENT_SIZE (a segment larger than the format allows).
 */
int capnp_msg_init_framed(struct capnp_msg *m, const void *buf, size_t len,
			  struct capnp_segment *segtab, uint32_t max_segs,
			  const struct capnp_limits *lim, size_t *consumed);

/* capnp_msg_init_const: a trusted single-segment constant (generator-emitted default
 * values): unchecked limits, readers never write *m. */
void capnp_msg_init_const(struct capnp_msg *m, const struct capnp_segment *seg);

/* First error recorded by any reader of m (0 if none). */
static inline int capnp_msg_error(const struct capnp_msg *m)
{
	return m->error;
}

/* The root pointer (segment 0, word 0). Errors: CAPOS_ERR_CAPNP_OUT_OF_BOUNDS when
 * segment 0 is empty (then *out is a null pointer). */
int capnp_msg_root(struct capnp_msg *m, struct capnp_ptr_reader *out);

/* Root as a struct: capnp_msg_root + capnp_ptr_get_struct. */
int capnp_msg_root_struct(struct capnp_msg *m, struct capnp_struct_reader *out);

/* ================================================================ struct reader */

/* capnp_section_read_*: the value at byte_off of a data section of data_bytes bytes,
 * XOR def; beyond the section's end, def. Shared by the reader getters below and the
 * builder's read-back getters (capnp_bread_*). */
#define CAPNP_READ_FN(name, type)                                                                  \
	static inline type capnp_section_read_##name(const uint8_t *data, uint32_t data_bytes,     \
						     uint32_t byte_off, type def)                  \
	{                                                                                          \
		type v = 0;                                                                        \
		if ((uint64_t)byte_off + sizeof(type) <= data_bytes)                               \
			__builtin_memcpy(&v, data + byte_off, sizeof(type));                       \
		return (type)(v ^ def);                                                            \
	}                                                                                          \
	static inline type capnp_read_##name(const struct capnp_struct_reader *s,                  \
					     uint32_t byte_off, type def)                          \
	{                                                                                          \
		return capnp_section_read_##name(s->data, s->data_bytes, byte_off, def);           \
	}
CAPNP_READ_FN(u8, uint8_t)
CAPNP_READ_FN(u16, uint16_t)
CAPNP_READ_FN(u32, uint32_t)
CAPNP_READ_FN(u64, uint64_t)
CAPNP_READ_FN(i8, int8_t)
CAPNP_READ_FN(i16, int16_t)
CAPNP_READ_FN(i32, int32_t)
CAPNP_READ_FN(i64, int64_t)
#undef CAPNP_READ_FN

/* The Bool at bit offset bit_off of a data section, XOR def (def beyond its end). */
static inline bool capnp_section_read_bool(const uint8_t *data, uint32_t data_bytes,
					   uint32_t bit_off, bool def)
{
	bool v = false;
	if (bit_off / 8 < data_bytes)
		v = (data[bit_off / 8] >> (bit_off % 8)) & 1;
	return v != def;
}

/* Bool field at bit offset bit_off (schema slot offset for Bool). */
static inline bool capnp_read_bool(const struct capnp_struct_reader *s, uint32_t bit_off, bool def)
{
	return capnp_section_read_bool(s->data, s->data_bytes, bit_off, def);
}

/* Floats: def_bits is the default's IEEE-754 bit pattern. Not for kernel code built
 * with -mgeneral-regs-only (the compiler rejects float use there). */
static inline float capnp_read_f32(const struct capnp_struct_reader *s, uint32_t byte_off,
				   uint32_t def_bits)
{
	uint32_t b = capnp_read_u32(s, byte_off, def_bits);
	float f;
	__builtin_memcpy(&f, &b, sizeof f);
	return f;
}

static inline double capnp_read_f64(const struct capnp_struct_reader *s, uint32_t byte_off,
				    uint64_t def_bits)
{
	uint64_t b = capnp_read_u64(s, byte_off, def_bits);
	double d;
	__builtin_memcpy(&d, &b, sizeof d);
	return d;
}

/* Pointer field idx; beyond the (shorter) pointer section it is a null pointer. */
static inline struct capnp_ptr_reader capnp_struct_ptr(const struct capnp_struct_reader *s,
						       uint16_t idx)
{
	struct capnp_ptr_reader p = { s->msg, 0, s->seg, s->nesting };
	if (idx < s->ptr_count)
		p.ptr = s->ptrs + (size_t)idx * CAPNP_WORD;
	return p;
}

/* has_ for pointer fields: the pointer word is non-zero. */
static inline bool capnp_struct_has(const struct capnp_struct_reader *s, uint16_t idx)
{
	uint64_t w = 0;
	if (idx < s->ptr_count)
		__builtin_memcpy(&w, s->ptrs + (size_t)idx * CAPNP_WORD, 8);
	return w != 0;
}

/* ================================================================ pointer reader */

/*
 * Every capnp_ptr_get_* follows p (resolving far / double-far pointers), checks bounds,
 * charges the traversal budget and the nesting depth, and fills *out (the empty value
 * on error, or the default when p is null). `def` is an optional trusted message whose
 * root is the schema default (NULL: empty struct / empty list / "" / empty data).
 *
 * Errors: CAPOS_ERR_CAPNP_OUT_OF_BOUNDS, _TRAVERSAL_LIMIT, _NESTING_LIMIT,
 * _BAD_POINTER, _SEGMENT_MISSING, _BAD_LANDING_PAD, _WRONG_POINTER_KIND,
 * _LIST_ELEMENT_SIZE (list), _BAD_INLINE_COMPOSITE (list), _TEXT_NOT_TERMINATED (text).
 */
int capnp_ptr_kind(const struct capnp_ptr_reader *p, enum capnp_ptr_kind *out);
int capnp_ptr_get_struct(const struct capnp_ptr_reader *p, struct capnp_msg *def,
			 struct capnp_struct_reader *out);
/* expected: the schema's element size (CAPNP_ELEM_COMPOSITE for List(struct),
 * CAPNP_ELEM_POINTER for lists of Text/Data/List/interface/AnyPointer). Compatible
 * encodings are accepted per the spec (struct list read as a primitive list uses each
 * element's first data field / first pointer; a primitive list read as a struct list
 * presents each element as a struct with that single field). Bit lists only match
 * CAPNP_ELEM_BIT. */
int capnp_ptr_get_list(const struct capnp_ptr_reader *p, enum capnp_elem_size expected,
		       struct capnp_msg *def, struct capnp_list_reader *out);
int capnp_ptr_get_text(const struct capnp_ptr_reader *p, const struct capnp_text *def,
		       struct capnp_text *out);
int capnp_ptr_get_data(const struct capnp_ptr_reader *p, const struct capnp_data *def,
		       struct capnp_data *out);
/* Interface field: *index is the capability-table index, CAPNP_CAP_NULL when null. */
int capnp_ptr_get_cap(const struct capnp_ptr_reader *p, uint32_t *index);

/* Struct-field conveniences: capnp_struct_ptr(s, idx) followed by the getter. */
int capnp_get_struct(const struct capnp_struct_reader *s, uint16_t idx, struct capnp_msg *def,
		     struct capnp_struct_reader *out);
int capnp_get_list(const struct capnp_struct_reader *s, uint16_t idx, enum capnp_elem_size expected,
		   struct capnp_msg *def, struct capnp_list_reader *out);
int capnp_get_text(const struct capnp_struct_reader *s, uint16_t idx, const struct capnp_text *def,
		   struct capnp_text *out);
int capnp_get_data(const struct capnp_struct_reader *s, uint16_t idx, const struct capnp_data *def,
		   struct capnp_data *out);
int capnp_get_cap(const struct capnp_struct_reader *s, uint16_t idx, uint32_t *index);

/* ================================================================ list reader */

#define CAPNP_LIST_READ_FN(name, type)                                                             \
	static inline type capnp_list_##name(const struct capnp_list_reader *l, uint32_t i)        \
	{                                                                                          \
		type v = 0;                                                                        \
		if (i < l->len && l->data_bits >= sizeof(type) * 8)                                \
			__builtin_memcpy(&v, l->start + (uint64_t)i * l->step_bits / 8,            \
					 sizeof(type));                                            \
		return v;                                                                          \
	}
CAPNP_LIST_READ_FN(u8, uint8_t)
CAPNP_LIST_READ_FN(u16, uint16_t)
CAPNP_LIST_READ_FN(u32, uint32_t)
CAPNP_LIST_READ_FN(u64, uint64_t)
CAPNP_LIST_READ_FN(i8, int8_t)
CAPNP_LIST_READ_FN(i16, int16_t)
CAPNP_LIST_READ_FN(i32, int32_t)
CAPNP_LIST_READ_FN(i64, int64_t)
#undef CAPNP_LIST_READ_FN

static inline bool capnp_list_bool(const struct capnp_list_reader *l, uint32_t i)
{
	uint64_t bit;
	if (i >= l->len || l->data_bits < 1)
		return false;
	bit = (uint64_t)i * l->step_bits;
	return (l->start[bit / 8] >> (bit % 8)) & 1;
}

static inline float capnp_list_f32(const struct capnp_list_reader *l, uint32_t i)
{
	uint32_t b = capnp_list_u32(l, i);
	float f;
	__builtin_memcpy(&f, &b, sizeof f);
	return f;
}

static inline double capnp_list_f64(const struct capnp_list_reader *l, uint32_t i)
{
	uint64_t b = capnp_list_u64(l, i);
	double d;
	__builtin_memcpy(&d, &b, sizeof d);
	return d;
}

/* Element i as a struct (struct lists, or primitive lists upgraded). Out of range:
 * the empty struct. Cannot fail otherwise (the list was validated when read). */
static inline struct capnp_struct_reader capnp_list_struct(const struct capnp_list_reader *l,
							   uint32_t i)
{
	struct capnp_struct_reader s = { l->msg, 0, 0, l->seg, 0, 0, l->nesting };

	if (i < l->len) {
		s.data = l->start + (uint64_t)i * l->step_bits / 8;
		s.data_bytes = l->data_bits / 8;
		s.ptrs = s.data + s.data_bytes;
		s.ptr_count = l->ptr_count;
	}
	return s;
}

/* Element i as a pointer (pointer lists, or a struct list's first pointer). Out of
 * range or no pointer: a null pointer. */
static inline struct capnp_ptr_reader capnp_list_ptr(const struct capnp_list_reader *l, uint32_t i)
{
	struct capnp_ptr_reader p = { l->msg, 0, l->seg, l->nesting };

	if (i < l->len && l->ptr_count > 0)
		p.ptr = l->start + (uint64_t)i * l->step_bits / 8 + l->data_bits / 8;
	return p;
}

/* ================================================================ builder */

/*
 * capnp_builder_init: an empty message over the caller's segment table (max_segs
 * entries) and first buffer (8-byte aligned, `bytes` >= 8; the root pointer takes its
 * first word). More segments come from capnp_builder_add_buffer or the grow hook.
 * Errors: CAPOS_ERR_INVALID (no table), CAPOS_ERR_ALIGNMENT, CAPOS_ERR_BUFFER_TOO_SMALL.
 */
int capnp_builder_init(struct capnp_builder *b, struct capnp_bseg *segs, uint32_t max_segs,
		       void *buf, size_t bytes);
/* Donate another buffer (a new segment). Errors: CAPOS_ERR_CAPNP_SEGMENT_COUNT,
 * CAPOS_ERR_ALIGNMENT, CAPOS_ERR_INVALID. */
int capnp_builder_add_buffer(struct capnp_builder *b, void *buf, size_t bytes);
void capnp_builder_set_grow(struct capnp_builder *b, capnp_grow_fn *fn, void *ctx);

static inline int capnp_builder_error(const struct capnp_builder *b)
{
	return b->error;
}

/* Root pointer of the message (segment 0, word 0). */
struct capnp_ptr_builder capnp_builder_root(struct capnp_builder *b);

/* Allocate a root struct. Errors: CAPOS_ERR_NO_MEMORY (arena full), CAPOS_ERR_INVALID. */
int capnp_builder_init_root(struct capnp_builder *b, uint16_t data_words, uint16_t ptr_count,
			    struct capnp_struct_builder *out);

/* Serialized size with standard framing; and write it (Errors: BUFFER_TOO_SMALL). */
size_t capnp_builder_framed_size(const struct capnp_builder *b);
int capnp_builder_write_framed(const struct capnp_builder *b, void *out, size_t cap,
			       size_t *written);

/* A reader over the builder's current contents (segtab: max_segs entries). */
int capnp_builder_as_reader(const struct capnp_builder *b, struct capnp_msg *m,
			    struct capnp_segment *segtab, uint32_t max_segs,
			    const struct capnp_limits *lim);

/* ---- struct builder: primitive setters store v ^ def; getters read back. An offset
 * outside the struct is a caller bug: it records CAPOS_ERR_CAPNP_OUT_OF_BOUNDS. */
void capnp_builder_fail(struct capnp_builder *b, int err);

#define CAPNP_WRITE_FN(name, type)                                                                 \
	static inline void capnp_write_##name(const struct capnp_struct_builder *s,                \
					      uint32_t byte_off, type v, type def)                 \
	{                                                                                          \
		type x = (type)(v ^ def);                                                          \
		if ((uint64_t)byte_off + sizeof(type) <= s->data_bytes)                            \
			__builtin_memcpy(s->data + byte_off, &x, sizeof(type));                    \
		else                                                                               \
			capnp_builder_fail(s->msg, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);                 \
	}                                                                                          \
	static inline type capnp_bread_##name(const struct capnp_struct_builder *s,                \
					      uint32_t byte_off, type def)                         \
	{                                                                                          \
		return capnp_section_read_##name(s->data, s->data_bytes, byte_off, def);           \
	}
CAPNP_WRITE_FN(u8, uint8_t)
CAPNP_WRITE_FN(u16, uint16_t)
CAPNP_WRITE_FN(u32, uint32_t)
CAPNP_WRITE_FN(u64, uint64_t)
CAPNP_WRITE_FN(i8, int8_t)
CAPNP_WRITE_FN(i16, int16_t)
CAPNP_WRITE_FN(i32, int32_t)
CAPNP_WRITE_FN(i64, int64_t)
#undef CAPNP_WRITE_FN

static inline void capnp_write_bool(const struct capnp_struct_builder *s, uint32_t bit_off, bool v,
				    bool def)
{
	uint8_t mask = (uint8_t)(1u << (bit_off % 8));
	if (bit_off / 8 >= s->data_bytes) {
		capnp_builder_fail(s->msg, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
		return;
	}
	if (v != def)
		s->data[bit_off / 8] |= mask;
	else
		s->data[bit_off / 8] &= (uint8_t)~mask;
}

static inline bool capnp_bread_bool(const struct capnp_struct_builder *s, uint32_t bit_off,
				    bool def)
{
	return capnp_section_read_bool(s->data, s->data_bytes, bit_off, def);
}

static inline void capnp_write_f32(const struct capnp_struct_builder *s, uint32_t byte_off, float v,
				   uint32_t def_bits)
{
	uint32_t b;
	__builtin_memcpy(&b, &v, sizeof b);
	capnp_write_u32(s, byte_off, b, def_bits);
}

static inline void capnp_write_f64(const struct capnp_struct_builder *s, uint32_t byte_off,
				   double v, uint64_t def_bits)
{
	uint64_t b;
	__builtin_memcpy(&b, &v, sizeof b);
	capnp_write_u64(s, byte_off, b, def_bits);
}

/* Pointer field idx of a struct under construction (idx < ptr_count, else the
 * result has ptr == NULL and every operation on it fails with OUT_OF_BOUNDS). */
static inline struct capnp_ptr_builder capnp_sb_ptr(const struct capnp_struct_builder *s,
						    uint16_t idx)
{
	struct capnp_ptr_builder p = { s->msg, 0, s->seg };
	if (idx < s->ptr_count)
		p.ptr = s->ptrs + (size_t)idx * CAPNP_WORD;
	return p;
}

/* ---- pointer builder. Each init/set overwrites the pointer; a previous target is
 * abandoned (left in the arena, unreachable; use a canonical copy to drop it).
 * Errors: CAPOS_ERR_NO_MEMORY (arena full), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS (ptr NULL),
 * CAPOS_ERR_CAPNP_LIST_TOO_LONG (count or total size beyond the format). */
int capnp_ptr_init_struct(const struct capnp_ptr_builder *p, uint16_t data_words,
			  uint16_t ptr_count, struct capnp_struct_builder *out);
/* Non-struct list: elem_size in VOID..POINTER. */
int capnp_ptr_init_list(const struct capnp_ptr_builder *p, enum capnp_elem_size elem_size,
			uint32_t count, struct capnp_list_builder *out);
/* Struct list (inline-composite). */
int capnp_ptr_init_struct_list(const struct capnp_ptr_builder *p, uint32_t count,
			       uint16_t data_words, uint16_t ptr_count,
			       struct capnp_list_builder *out);
/* Text of len bytes (plus the NUL the runtime appends); *out (may be NULL) points at
 * the len writable bytes. set_text copies s[0..len). */
int capnp_ptr_init_text(const struct capnp_ptr_builder *p, uint32_t len, char **out);
int capnp_ptr_set_text(const struct capnp_ptr_builder *p, const char *s, uint32_t len);
int capnp_ptr_init_data(const struct capnp_ptr_builder *p, uint32_t len, uint8_t **out);
int capnp_ptr_set_data(const struct capnp_ptr_builder *p, const void *d, uint32_t len);
/* Capability pointer with table index `index`. */
int capnp_ptr_set_cap(const struct capnp_ptr_builder *p, uint32_t index);
int capnp_ptr_set_null(const struct capnp_ptr_builder *p);

/*
 * Deep-copy a reader's subtree into p (any kind; far pointers in the source resolved,
 * capabilities copied as indexes). The source is read with its own limits, so a
 * hostile source fails with its reader error and leaves p null. flags:
 * CAPNP_COPY_CANONICAL writes canonical form (structs truncated, preorder layout when
 * the destination segment has room).
 */
int capnp_ptr_copy(const struct capnp_ptr_builder *p, const struct capnp_ptr_reader *src,
		   unsigned flags);
int capnp_ptr_copy_struct(const struct capnp_ptr_builder *p, const struct capnp_struct_reader *src,
			  unsigned flags);
int capnp_ptr_copy_list(const struct capnp_ptr_builder *p, const struct capnp_list_reader *src,
			unsigned flags);

/*
 * Canonical form of the message rooted at root: one segment, no framing (as `capnp
 * convert binary:canonical` prints), written to out[0..cap). *words gets the length.
 * Errors: reader errors of the source, CAPOS_ERR_BUFFER_TOO_SMALL.
 */
int capnp_canonicalize(const struct capnp_ptr_reader *root, void *out, size_t cap, size_t *words);

/* ---- list builder */
#define CAPNP_LIST_WRITE_FN(name, type)                                                            \
	static inline void capnp_lb_set_##name(const struct capnp_list_builder *l, uint32_t i,     \
					       type v)                                             \
	{                                                                                          \
		if (i < l->len && l->data_bits >= sizeof(type) * 8)                                \
			__builtin_memcpy(l->start + (uint64_t)i * l->step_bits / 8, &v,            \
					 sizeof(type));                                            \
		else                                                                               \
			capnp_builder_fail(l->msg, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);                 \
	}                                                                                          \
	static inline type capnp_lb_get_##name(const struct capnp_list_builder *l, uint32_t i)     \
	{                                                                                          \
		type v = 0;                                                                        \
		if (i < l->len && l->data_bits >= sizeof(type) * 8)                                \
			__builtin_memcpy(&v, l->start + (uint64_t)i * l->step_bits / 8,            \
					 sizeof(type));                                            \
		return v;                                                                          \
	}
CAPNP_LIST_WRITE_FN(u8, uint8_t)
CAPNP_LIST_WRITE_FN(u16, uint16_t)
CAPNP_LIST_WRITE_FN(u32, uint32_t)
CAPNP_LIST_WRITE_FN(u64, uint64_t)
CAPNP_LIST_WRITE_FN(i8, int8_t)
CAPNP_LIST_WRITE_FN(i16, int16_t)
CAPNP_LIST_WRITE_FN(i32, int32_t)
CAPNP_LIST_WRITE_FN(i64, int64_t)
#undef CAPNP_LIST_WRITE_FN

static inline void capnp_lb_set_bool(const struct capnp_list_builder *l, uint32_t i, bool v)
{
	uint64_t bit;
	if (i >= l->len || l->elem_size != CAPNP_ELEM_BIT) {
		capnp_builder_fail(l->msg, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
		return;
	}
	bit = (uint64_t)i * l->step_bits;
	if (v)
		l->start[bit / 8] |= (uint8_t)(1u << (bit % 8));
	else
		l->start[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

static inline bool capnp_lb_get_bool(const struct capnp_list_builder *l, uint32_t i)
{
	uint64_t bit;
	if (i >= l->len || l->elem_size != CAPNP_ELEM_BIT)
		return false;
	bit = (uint64_t)i * l->step_bits;
	return (l->start[bit / 8] >> (bit % 8)) & 1;
}

static inline void capnp_lb_set_f32(const struct capnp_list_builder *l, uint32_t i, float v)
{
	uint32_t b;
	__builtin_memcpy(&b, &v, sizeof b);
	capnp_lb_set_u32(l, i, b);
}

static inline void capnp_lb_set_f64(const struct capnp_list_builder *l, uint32_t i, double v)
{
	uint64_t b;
	__builtin_memcpy(&b, &v, sizeof b);
	capnp_lb_set_u64(l, i, b);
}

/* Element i of a struct list as a struct builder (out of range: data_bytes 0, records
 * OUT_OF_BOUNDS). */
static inline struct capnp_struct_builder capnp_lb_struct(const struct capnp_list_builder *l,
							  uint32_t i)
{
	struct capnp_struct_builder s = { l->msg, 0, 0, l->seg, 0, 0 };

	if (i >= l->len || l->elem_size != CAPNP_ELEM_COMPOSITE) {
		capnp_builder_fail(l->msg, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
		return s;
	}
	s.data = l->start + (uint64_t)i * l->step_bits / 8;
	s.data_bytes = l->data_bits / 8;
	s.ptrs = s.data + s.data_bytes;
	s.ptr_count = l->ptr_count;
	return s;
}

/* Element i of a pointer list (out of range: ptr NULL, records OUT_OF_BOUNDS). */
static inline struct capnp_ptr_builder capnp_lb_ptr(const struct capnp_list_builder *l, uint32_t i)
{
	struct capnp_ptr_builder p = { l->msg, 0, l->seg };

	if (i >= l->len || l->ptr_count == 0) {
		capnp_builder_fail(l->msg, CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
		return p;
	}
	p.ptr = l->start + (uint64_t)i * l->step_bits / 8 + l->data_bits / 8;
	return p;
}

/* ================================================================ packing */

/*
 * capnp_pack: packed encoding (spec "Packing") of in[0..in_len), in_len a multiple of 8
 * (a framed or unframed message). Writes out[0..cap), *out_len the packed size.
 * capnp_packed_bound(n) is a size that always suffices.
 * Errors: CAPOS_ERR_CAPNP_SEGMENT_SIZE (in_len not a multiple of 8),
 * CAPOS_ERR_BUFFER_TOO_SMALL.
 */
static inline size_t capnp_packed_bound(size_t in_len)
{
	return in_len + in_len / 4 + 8; /* worst case: 10 bytes per lone dense word */
}
int capnp_pack(const void *in, size_t in_len, void *out, size_t cap, size_t *out_len);

/*
 * capnp_unpack: inverse of capnp_pack. Errors: CAPOS_ERR_CAPNP_PACKED_TRUNCATED (input
 * ends inside a tag's run), CAPOS_ERR_BUFFER_TOO_SMALL (output would exceed cap).
 */
int capnp_unpack(const void *in, size_t in_len, void *out, size_t cap, size_t *out_len);

#endif
