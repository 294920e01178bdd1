/*
 * Hostile-message tests of the lib/capnp reader: every malformed input class the
 * issue names (pointer cycles, out-of-segment and far pointers to missing segments,
 * oversize lists, 2^29 zero-sized elements, deep nesting, truncated or overflowing
 * segment tables, odd sizes, wrong pointer kinds) is rejected with its exact typed
 * error, the out value is the empty default, and the error is sticky on the message.
 */
#include "test.h"

#include "rawmsg.h"

static int root_struct(struct rawmsg *r, struct capnp_struct_reader *s)
{
	return capnp_msg_root_struct(&r->m, s);
}

TEST(capnp_hostile_self_cycle_hits_nesting_limit)
{
	/* Root -> struct(0 data, 1 ptr) whose pointer points at itself. */
	uint64_t seg[] = { w_struct(0, 0, 1), w_struct(-1, 0, 1) };
	struct rawmsg r;
	struct capnp_struct_reader s;
	int err = 0, depth = 0;

	CHECK_EQ(raw_init(&r, 0, 1, seg, 2, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), 0);
	while (err == 0 && depth < 1000) {
		err = capnp_get_struct(&s, 0, 0, &s);
		depth++;
	}
	CHECK_EQ(err, CAPOS_ERR_CAPNP_NESTING_LIMIT);
	CHECK_EQ(depth, CAPNP_DEFAULT_NESTING);
	CHECK_EQ(s.ptr_count, 0); /* the out value is the empty struct */
	CHECK_EQ(capnp_msg_error(&r.m), CAPOS_ERR_CAPNP_NESTING_LIMIT);
}

TEST(capnp_hostile_cycle_copy_fails_not_loops)
{
	uint64_t seg[] = { w_struct(0, 0, 1), w_struct(-1, 0, 1) };
	uint64_t out[256];
	struct rawmsg r;
	struct capnp_ptr_reader root;
	size_t words = 99;

	CHECK_EQ(raw_init(&r, 0, 1, seg, 2, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_canonicalize(&root, out, sizeof out, &words), CAPOS_ERR_CAPNP_NESTING_LIMIT);
	CHECK_EQ(words, 0);
}

TEST(capnp_hostile_cycle_hits_traversal_limit_when_nesting_allows)
{
	/* A list of 4 pointers all aiming at one 8-word struct; re-reading is charged. */
	uint64_t seg[16] = { w_list(0, CAPNP_ELEM_POINTER, 4) };
	struct capnp_limits lim = { 30, 0 };
	struct rawmsg r;
	struct capnp_ptr_reader root;
	struct capnp_list_reader l;
	struct capnp_struct_reader s;

	for (int i = 0; i < 4; i++)
		seg[1 + i] = w_struct(5 - (1 + i) - 1, 8, 0); /* struct at word 5 */
	CHECK_EQ(raw_init(&r, &lim, 1, seg, 13, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_POINTER, 0, &l), 0); /* 4 words */
	for (int i = 0; i < 3; i++) {
		struct capnp_ptr_reader p = capnp_list_ptr(&l, (uint32_t)i);
		CHECK_EQ(capnp_ptr_get_struct(&p, 0, &s), 0); /* 8 words each: 28 */
	}
	struct capnp_ptr_reader p = capnp_list_ptr(&l, 3);
	CHECK_EQ(capnp_ptr_get_struct(&p, 0, &s), CAPOS_ERR_CAPNP_TRAVERSAL_LIMIT);
	CHECK_EQ(s.data_bytes, 0);
}

TEST(capnp_hostile_out_of_segment_pointers)
{
	uint64_t past[] = { w_struct(5, 1, 0), 0 };	/* target beyond the end */
	uint64_t before[] = { w_struct(-3, 1, 0), 0 };	/* target before the start */
	uint64_t straddle[] = { w_struct(0, 1, 1), 0 }; /* 2 words, only 1 present */
	uint64_t huge[] = { w_struct(0x1fffffff, 0xffff, 0xffff) };
	struct rawmsg r;
	struct capnp_struct_reader s;

	CHECK_EQ(raw_init(&r, 0, 1, past, 2, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(capnp_read_u64(&s, 0, 7), 7); /* empty struct reads defaults */
	CHECK_EQ(raw_init(&r, 0, 1, before, 2, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(raw_init(&r, 0, 1, straddle, 2, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(raw_init(&r, 0, 1, huge, 1, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
}

TEST(capnp_hostile_empty_first_segment)
{
	uint64_t none[1] = { 0 };
	struct rawmsg r;
	struct capnp_struct_reader s;

	CHECK_EQ(raw_init(&r, 0, 1, none, 0, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
}

TEST(capnp_hostile_far_pointers)
{
	uint64_t s1[] = { w_struct(0, 1, 0), 42, w_far(0, 0, 0), w_far(1, 1, 0), 0 };
	uint64_t s0[1];
	struct rawmsg r;
	struct capnp_struct_reader s;

	/* Far to a segment the message does not have. */
	s0[0] = w_far(0, 2, 0);
	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 5), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_SEGMENT_MISSING);
	/* Landing pad offset beyond its segment. */
	s0[0] = w_far(0, 1, 5);
	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 5), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	/* Single-far pad that is itself a far pointer. */
	s0[0] = w_far(0, 1, 2);
	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 5), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_BAD_LANDING_PAD);
	/* Double-far whose pad's first word is not a far pointer. */
	s0[0] = w_far(1, 1, 0);
	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 5), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_BAD_LANDING_PAD);
	/* Double-far whose pad's first word is itself double-far. */
	s0[0] = w_far(1, 1, 3);
	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 5), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_BAD_LANDING_PAD);
	/* Double-far pad straddling the segment end. */
	s0[0] = w_far(1, 1, 4);
	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 5), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	/* And a correct single-far through the same segment works. */
	s0[0] = w_far(0, 1, 0);
	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 5), 0);
	CHECK_EQ(root_struct(&r, &s), 0);
	CHECK_EQ(capnp_read_u64(&s, 0, 0), 42);
}

TEST(capnp_hostile_double_far_to_missing_segment)
{
	uint64_t s1[] = { w_far(0, 7, 0), w_struct(0, 1, 0) };
	uint64_t s0[] = { w_far(1, 1, 0) };
	struct rawmsg r;
	struct capnp_struct_reader s;

	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 2), 0);
	CHECK_EQ(root_struct(&r, &s), CAPOS_ERR_CAPNP_SEGMENT_MISSING);
}

TEST(capnp_hostile_list_larger_than_segment)
{
	uint64_t eight[] = { w_list(0, CAPNP_ELEM_EIGHT, 100), 1, 2 };
	uint64_t bits[] = { w_list(0, CAPNP_ELEM_BIT, 65), 0 };
	uint64_t comp[] = { w_list(0, CAPNP_ELEM_COMPOSITE, 10), w_struct(2, 1, 0), 1, 2 };
	uint64_t tagbig[] = { w_list(0, CAPNP_ELEM_COMPOSITE, 2), w_struct(3, 1, 0), 1, 2 };
	uint64_t tagkind[] = { w_list(0, CAPNP_ELEM_COMPOSITE, 1), w_list(1, 2, 1), 1 };
	uint64_t max[] = { w_list(0, CAPNP_ELEM_EIGHT, CAPNP_MAX_LIST_ELEMENTS) };
	struct rawmsg r;
	struct capnp_ptr_reader root;
	struct capnp_list_reader l;

	CHECK_EQ(raw_init(&r, 0, 1, eight, 3, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_EIGHT, 0, &l), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(l.len, 0);
	CHECK_EQ(capnp_list_u64(&l, 0), 0);
	CHECK_EQ(raw_init(&r, 0, 1, bits, 2, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_BIT, 0, &l), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(raw_init(&r, 0, 1, comp, 4, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_COMPOSITE, 0, &l),
		 CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(raw_init(&r, 0, 1, tagbig, 4, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_COMPOSITE, 0, &l),
		 CAPOS_ERR_CAPNP_BAD_INLINE_COMPOSITE);
	CHECK_EQ(raw_init(&r, 0, 1, tagkind, 3, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_COMPOSITE, 0, &l),
		 CAPOS_ERR_CAPNP_BAD_INLINE_COMPOSITE);
	CHECK_EQ(raw_init(&r, 0, 1, max, 1, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_EIGHT, 0, &l), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
}

TEST(capnp_hostile_2pow29_zero_sized_structs)
{
	/* An inline-composite list of 2^29 zero-word structs fits in two words. */
	uint64_t seg[] = { w_list(0, CAPNP_ELEM_COMPOSITE, 0), w_struct(1 << 29, 0, 0) };
	struct capnp_limits big = { 1ull << 30, 0 };
	struct rawmsg r;
	struct capnp_ptr_reader root;
	struct capnp_list_reader l;

	CHECK_EQ(raw_init(&r, 0, 1, seg, 2, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_COMPOSITE, 0, &l),
		 CAPOS_ERR_CAPNP_TRAVERSAL_LIMIT);
	CHECK_EQ(l.len, 0);
	/* It is the budget, not the shape, that rejects it. */
	CHECK_EQ(raw_init(&r, &big, 1, seg, 2, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_COMPOSITE, 0, &l), 0);
	CHECK_UEQ(l.len, 1u << 29);
}

TEST(capnp_hostile_max_void_list_charged_per_element)
{
	uint64_t seg[] = { w_list(0, CAPNP_ELEM_VOID, CAPNP_MAX_LIST_ELEMENTS) };
	struct rawmsg r;
	struct capnp_ptr_reader root;
	struct capnp_list_reader l;

	CHECK_EQ(raw_init(&r, 0, 1, seg, 1, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_VOID, 0, &l),
		 CAPOS_ERR_CAPNP_TRAVERSAL_LIMIT);
}

TEST(capnp_hostile_deep_nesting)
{
	/* A chain of 100 structs, each (0 data, 1 ptr) pointing to the next word. */
	static uint64_t seg[101];
	struct capnp_limits deep = { 0, 200 };
	struct rawmsg r;
	struct capnp_struct_reader s;
	int depth = 0, err = 0;

	for (int i = 0; i < 100; i++)
		seg[i] = w_struct(0, 0, 1);
	seg[100] = 0;
	CHECK_EQ(raw_init(&r, 0, 1, seg, 101, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), 0);
	while (!err && capnp_struct_has(&s, 0)) {
		err = capnp_get_struct(&s, 0, 0, &s);
		depth++;
	}
	CHECK_EQ(err, CAPOS_ERR_CAPNP_NESTING_LIMIT);
	CHECK_EQ(depth, CAPNP_DEFAULT_NESTING);
	/* A larger nesting limit walks the whole chain. */
	CHECK_EQ(raw_init(&r, &deep, 1, seg, 101, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &s), 0);
	for (depth = 0; capnp_struct_has(&s, 0); depth++)
		CHECK_EQ(capnp_get_struct(&s, 0, 0, &s), 0);
	CHECK_EQ(depth, 99);
}

TEST(capnp_hostile_deep_list_nesting)
{
	/* Lists of one pointer nested 80 deep. */
	static uint64_t seg[81];
	struct rawmsg r;
	struct capnp_ptr_reader p;
	struct capnp_list_reader l;
	int depth = 0, err = 0;

	for (int i = 0; i < 80; i++)
		seg[i] = w_list(0, CAPNP_ELEM_POINTER, 1);
	CHECK_EQ(raw_init(&r, 0, 1, seg, 81, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &p), 0);
	while (!err && depth < 100) {
		err = capnp_ptr_get_list(&p, CAPNP_ELEM_POINTER, 0, &l);
		p = capnp_list_ptr(&l, 0);
		depth++;
	}
	CHECK_EQ(err, CAPOS_ERR_CAPNP_NESTING_LIMIT);
	CHECK_EQ(depth, CAPNP_DEFAULT_NESTING + 1);
}

static int framed(const void *buf, size_t len, uint32_t max_segs)
{
	struct capnp_segment tab[8];
	struct capnp_msg m;
	size_t used;
	return capnp_msg_init_framed(&m, buf, len, tab, max_segs, 0, &used);
}

TEST(capnp_hostile_truncated_segment_tables)
{
	/* 2 segments of 1 word: 16-byte table (count, 2 sizes, pad) + 16 bytes. */
	uint32_t two[] = { 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 };

	CHECK_EQ(framed(two, 0, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	CHECK_EQ(framed(two, 3, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	CHECK_EQ(framed(two, 8, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);	 /* table cut */
	CHECK_EQ(framed(two, 12, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING); /* padding cut */
	CHECK_EQ(framed(two, 16, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING); /* no segments */
	CHECK_EQ(framed(two, 24, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING); /* 2nd seg cut */
	CHECK_EQ(framed(two, 31, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING); /* odd size */
	CHECK_EQ(framed(two, 32, 8), 0);
	CHECK_EQ(framed(two, 40, 8), 0); /* trailing bytes belong to the next message */
}

TEST(capnp_hostile_segment_counts)
{
	uint32_t over[] = { 0xffffffffu, 0, 0, 0 };
	uint32_t many[] = { 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint32_t huge[] = { 0, 0xffffffffu, 0, 0 };

	CHECK_EQ(framed(over, sizeof over, 8), CAPOS_ERR_CAPNP_SEGMENT_COUNT);
	CHECK_EQ(framed(many, sizeof many, 8), CAPOS_ERR_CAPNP_SEGMENT_COUNT);
	CHECK_EQ(framed(huge, sizeof huge, 8), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	CHECK_EQ(capnp_msg_init_segments(&(struct capnp_msg){ 0 },
					 (struct capnp_segment[1]){ { 0, 0 } }, 0, 0),
		 CAPOS_ERR_CAPNP_SEGMENT_COUNT);
}

TEST(capnp_hostile_wrong_kinds)
{
	/* ptr0: struct; ptr1: list of FOUR; ptr2: cap; ptr3: other with reserved bits;
	 * ptr4: byte list without NUL; ptr5: empty byte list (no NUL either). */
	uint64_t seg[] = {
		w_struct(0, 0, 6),
		w_struct(5, 1, 0),
		w_list(5, CAPNP_ELEM_FOUR, 2),
		w_cap(3),
		0x7,
		w_list(6, 2, 3),
		w_list(4, 2, 0),
		0,
		0,
		0,
		0,
		0,
		0x636261,
	};
	struct rawmsg r;
	struct capnp_struct_reader root, s;
	struct capnp_list_reader l;
	struct capnp_text t;
	struct capnp_data d;
	enum capnp_ptr_kind kind;
	uint32_t cap;

	CHECK_EQ(raw_init(&r, 0, 1, seg, 13, 0, 0), 0);
	CHECK_EQ(root_struct(&r, &root), 0);
	CHECK_EQ(capnp_get_list(&root, 0, CAPNP_ELEM_FOUR, 0, &l),
		 CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_EQ(capnp_msg_error(&r.m), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_EQ(capnp_get_struct(&root, 1, 0, &s), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_EQ(capnp_get_struct(&root, 2, 0, &s), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_EQ(capnp_get_cap(&root, 0, &cap), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_UEQ(cap, CAPNP_CAP_NULL);
	CHECK_EQ(capnp_get_cap(&root, 2, &cap), 0);
	CHECK_EQ(cap, 3);
	CHECK_EQ(capnp_get_cap(&root, 3, &cap), CAPOS_ERR_CAPNP_BAD_POINTER);
	struct capnp_ptr_reader p3 = capnp_struct_ptr(&root, 3);
	CHECK_EQ(capnp_ptr_kind(&p3, &kind), CAPOS_ERR_CAPNP_BAD_POINTER);
	CHECK_EQ(capnp_get_text(&root, 1, 0, &t), CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(capnp_get_data(&root, 1, 0, &d), CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(capnp_get_text(&root, 0, 0, &t), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_EQ(capnp_get_text(&root, 4, 0, &t), CAPOS_ERR_CAPNP_TEXT_NOT_TERMINATED);
	CHECK_STREQ(t.str, "");
	CHECK_EQ(capnp_get_text(&root, 5, 0, &t), CAPOS_ERR_CAPNP_TEXT_NOT_TERMINATED);
	CHECK_EQ(capnp_get_data(&root, 4, 0, &d), 0);
	CHECK_EQ(d.len, 3);
	CHECK_MEMEQ(d.ptr, "abc", 3);
	/* Element-size rules: FOUR list is not a pointer list, nor a bit list, nor 64-bit. */
	CHECK_EQ(capnp_get_list(&root, 1, CAPNP_ELEM_POINTER, 0, &l),
		 CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(capnp_get_list(&root, 1, CAPNP_ELEM_BIT, 0, &l),
		 CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(capnp_get_list(&root, 1, CAPNP_ELEM_EIGHT, 0, &l),
		 CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(capnp_get_list(&root, 1, CAPNP_ELEM_TWO, 0, &l), 0); /* narrower: allowed */
	CHECK_EQ(capnp_get_list(&root, 1, CAPNP_ELEM_COMPOSITE, 0, &l), 0);
	s = capnp_list_struct(&l, 1);
	CHECK_EQ(s.data_bytes, 4);
	/* The sticky error is still the first one. */
	CHECK_EQ(capnp_msg_error(&r.m), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
}

TEST(capnp_hostile_bit_list_is_not_a_struct_list)
{
	uint64_t seg[] = { w_list(0, CAPNP_ELEM_BIT, 3), 5 };
	struct rawmsg r;
	struct capnp_ptr_reader root;
	struct capnp_list_reader l;

	CHECK_EQ(raw_init(&r, 0, 1, seg, 2, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_COMPOSITE, 0, &l),
		 CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_BYTE, 0, &l),
		 CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_BIT, 0, &l), 0);
	CHECK(capnp_list_bool(&l, 0) && !capnp_list_bool(&l, 1) && capnp_list_bool(&l, 2));
	CHECK(!capnp_list_bool(&l, 3)); /* out of range reads false */
}

TEST(capnp_hostile_unaligned_segments_are_read_safely)
{
	/* Segment data need not be 8-byte aligned (e.g. straight from a byte stream). */
	static uint8_t raw[1 + 24];
	uint64_t words[] = { w_struct(0, 1, 0), 0x1122334455667788ull };
	struct capnp_segment seg = { raw + 1, 2 };
	struct capnp_msg m;
	struct capnp_struct_reader s;

	memcpy(raw + 1, words, sizeof words);
	CHECK_EQ(capnp_msg_init_segments(&m, &seg, 1, 0), 0);
	CHECK_EQ(capnp_msg_root_struct(&m, &s), 0);
	CHECK_UEQ(capnp_read_u64(&s, 0, 0), 0x1122334455667788ull);
}
