/*
 * Builder, copy and canonical-form tests of lib/capnp: wire bits of every pointer kind
 * the builder writes (checked against rawmsg.h's independent encoders), single-far
 * and double-far placement across donated segments, framing round trips, arena and
 * caller-buffer exhaustion, and canonicalization of non-canonical input.
 */
#include "test.h"

#include "rawmsg.h"

static uint64_t word(const void *base, size_t i)
{
	uint64_t w;
	memcpy(&w, (const uint8_t *)base + i * 8, 8);
	return w;
}

TEST(capnp_build_struct_and_text_wire_bits)
{
	static uint64_t buf[16];
	struct capnp_bseg segs[1];
	struct capnp_builder b;
	struct capnp_struct_builder root;
	struct capnp_ptr_builder p;

	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, sizeof buf), 0);
	CHECK_EQ(capnp_builder_init_root(&b, 1, 2, &root), 0);
	capnp_write_u32(&root, 4, 0xdeadbeef, 0);
	capnp_write_bool(&root, 3, true, false);
	capnp_write_u16(&root, 2, 5, 5); /* equal to its default: stored as 0 */
	p = capnp_sb_ptr(&root, 0);
	CHECK_EQ(capnp_ptr_set_text(&p, "hi", 2), 0);
	p = capnp_sb_ptr(&root, 1);
	CHECK_EQ(capnp_ptr_set_cap(&p, 9), 0);
	CHECK_UEQ(word(buf, 0), w_struct(0, 1, 2));
	CHECK_UEQ(word(buf, 1), 0xdeadbeef00000008ull);
	CHECK_UEQ(word(buf, 2), w_list(1, CAPNP_ELEM_BYTE, 3)); /* "hi" + NUL */
	CHECK_UEQ(word(buf, 3), w_cap(9));
	CHECK_UEQ(word(buf, 4), 0x6968);
	CHECK_EQ(segs[0].used_words, 5);
	CHECK_EQ(capnp_bread_u32(&root, 4, 0), 0xdeadbeef);
	CHECK_EQ(capnp_bread_u16(&root, 2, 5), 5);
	CHECK_EQ(capnp_builder_error(&b), 0);
}

TEST(capnp_build_empty_struct_is_offset_minus_one)
{
	static uint64_t buf[4];
	struct capnp_bseg segs[1];
	struct capnp_builder b;
	struct capnp_struct_builder root;

	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, sizeof buf), 0);
	CHECK_EQ(capnp_builder_init_root(&b, 0, 0, &root), 0);
	CHECK_UEQ(word(buf, 0), 0xfffffffcull);
}

TEST(capnp_build_lists_of_every_size_read_back)
{
	static uint64_t buf[256];
	static const enum capnp_elem_size sizes[] = { CAPNP_ELEM_VOID, CAPNP_ELEM_BIT,
						      CAPNP_ELEM_BYTE, CAPNP_ELEM_TWO,
						      CAPNP_ELEM_FOUR, CAPNP_ELEM_EIGHT };
	struct capnp_bseg segs[1];
	struct capnp_segment rsegs[1];
	struct capnp_builder b;
	struct capnp_struct_builder root;
	struct capnp_msg m;
	struct capnp_struct_reader r;

	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, sizeof buf), 0);
	CHECK_EQ(capnp_builder_init_root(&b, 0, 8, &root), 0);
	for (int k = 0; k < 6; k++) {
		struct capnp_list_builder l;
		struct capnp_ptr_builder p = capnp_sb_ptr(&root, (uint16_t)k);
		CHECK_EQ(capnp_ptr_init_list(&p, sizes[k], 13, &l), 0);
		for (uint32_t i = 0; i < 13; i++) {
			if (sizes[k] == CAPNP_ELEM_BIT)
				capnp_lb_set_bool(&l, i, i % 3 == 0);
			else if (sizes[k] != CAPNP_ELEM_VOID)
				capnp_lb_set_u8(&l, i, (uint8_t)(i * 7 + k));
		}
	}
	struct capnp_list_builder sl, pl;
	struct capnp_ptr_builder p6 = capnp_sb_ptr(&root, 6), p7 = capnp_sb_ptr(&root, 7);
	CHECK_EQ(capnp_ptr_init_struct_list(&p6, 3, 1, 1, &sl), 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct capnp_struct_builder e = capnp_lb_struct(&sl, i);
		struct capnp_ptr_builder ep = capnp_sb_ptr(&e, 0);
		capnp_write_u64(&e, 0, 100 + i, 0);
		CHECK_EQ(capnp_ptr_set_data(&ep, "xyz", i), 0);
	}
	CHECK_EQ(capnp_ptr_init_list(&p7, CAPNP_ELEM_POINTER, 2, &pl), 0);
	struct capnp_ptr_builder e1 = capnp_lb_ptr(&pl, 1);
	CHECK_EQ(capnp_ptr_set_text(&e1, "z", 1), 0);
	CHECK_EQ(capnp_builder_error(&b), 0);

	CHECK_EQ(capnp_builder_as_reader(&b, &m, rsegs, 1, 0), 0);
	CHECK_EQ(capnp_msg_root_struct(&m, &r), 0);
	for (int k = 0; k < 6; k++) {
		struct capnp_list_reader l;
		CHECK_EQ(capnp_get_list(&r, (uint16_t)k, sizes[k], 0, &l), 0);
		CHECK_EQ(l.len, 13);
		for (uint32_t i = 0; i < 13; i++) {
			if (sizes[k] == CAPNP_ELEM_BIT)
				CHECK_EQ(capnp_list_bool(&l, i), i % 3 == 0);
			else if (sizes[k] != CAPNP_ELEM_VOID)
				CHECK_EQ(capnp_list_u8(&l, i), (uint8_t)(i * 7 + k));
		}
	}
	struct capnp_list_reader rl;
	CHECK_EQ(capnp_get_list(&r, 6, CAPNP_ELEM_COMPOSITE, 0, &rl), 0);
	CHECK_EQ(rl.len, 3);
	for (uint32_t i = 0; i < 3; i++) {
		struct capnp_struct_reader e = capnp_list_struct(&rl, i);
		struct capnp_data d;
		CHECK_EQ(capnp_read_u64(&e, 0, 0), 100 + i);
		CHECK_EQ(capnp_get_data(&e, 0, 0, &d), 0);
		CHECK_EQ(d.len, i);
	}
	CHECK_EQ(capnp_get_list(&r, 7, CAPNP_ELEM_POINTER, 0, &rl), 0);
	struct capnp_ptr_reader rp = capnp_list_ptr(&rl, 1);
	struct capnp_text t;
	CHECK_EQ(capnp_ptr_get_text(&rp, 0, &t), 0);
	CHECK_STREQ(t.str, "z");
	rp = capnp_list_ptr(&rl, 0); /* a null element reads as "" */
	CHECK_EQ(capnp_ptr_get_text(&rp, 0, &t), 0);
	CHECK_EQ(t.len, 0);
}

/* Two small donated segments: the object that does not fit beside its pointer goes
 * to segment 1 behind a one-word landing pad. */
TEST(capnp_build_single_far_pointer)
{
	static uint64_t a[3], c[8];
	struct capnp_bseg segs[2];
	struct capnp_segment rsegs[2];
	struct capnp_builder b;
	struct capnp_struct_builder root, child;
	struct capnp_msg m;
	struct capnp_struct_reader r, rc;

	CHECK_EQ(capnp_builder_init(&b, segs, 2, a, sizeof a), 0);
	CHECK_EQ(capnp_builder_add_buffer(&b, c, sizeof c), 0);
	CHECK_EQ(capnp_builder_init_root(&b, 1, 1, &root), 0); /* fills segment 0 */
	struct capnp_ptr_builder p = capnp_sb_ptr(&root, 0);
	CHECK_EQ(capnp_ptr_init_struct(&p, 2, 0, &child), 0);
	capnp_write_u64(&child, 8, 77, 0);
	CHECK_UEQ(word(a, 2), w_far(0, 1, 0));
	CHECK_UEQ(word(c, 0), w_struct(0, 2, 0));
	CHECK_EQ(capnp_builder_as_reader(&b, &m, rsegs, 2, 0), 0);
	CHECK_EQ(capnp_msg_root_struct(&m, &r), 0);
	CHECK_EQ(capnp_get_struct(&r, 0, 0, &rc), 0);
	CHECK_EQ(capnp_read_u64(&rc, 8, 0), 77);
}

/* A segment with room for the object but not for a pad: double-far via a third. */
TEST(capnp_build_double_far_pointer)
{
	static uint64_t a[3], c[2], d[2];
	struct capnp_bseg segs[3];
	struct capnp_segment rsegs[3];
	struct capnp_builder b;
	struct capnp_struct_builder root, child;
	struct capnp_msg m;
	struct capnp_struct_reader r, rc;
	uint8_t wire[256];
	size_t n;

	CHECK_EQ(capnp_builder_init(&b, segs, 3, a, sizeof a), 0);
	CHECK_EQ(capnp_builder_add_buffer(&b, c, sizeof c), 0);
	CHECK_EQ(capnp_builder_add_buffer(&b, d, sizeof d), 0);
	CHECK_EQ(capnp_builder_init_root(&b, 1, 1, &root), 0);
	struct capnp_ptr_builder p = capnp_sb_ptr(&root, 0);
	CHECK_EQ(capnp_ptr_init_struct(&p, 2, 0, &child), 0);
	capnp_write_u64(&child, 0, 0x55, 0);
	CHECK_UEQ(word(a, 2), w_far(1, 2, 0));
	CHECK_UEQ(word(d, 0), w_far(0, 1, 0));
	CHECK_UEQ(word(d, 1), w_struct(0, 2, 0));
	/* Through framing and back. */
	CHECK_EQ(capnp_builder_write_framed(&b, wire, sizeof wire, &n), 0);
	CHECK_EQ(n, capnp_builder_framed_size(&b));
	CHECK_EQ(capnp_msg_init_framed(&m, wire, n, rsegs, 3, 0, 0), 0);
	CHECK_EQ(m.nsegs, 3);
	CHECK_EQ(capnp_msg_root_struct(&m, &r), 0);
	CHECK_EQ(capnp_get_struct(&r, 0, 0, &rc), 0);
	CHECK_EQ(capnp_read_u64(&rc, 0, 0), 0x55);
	CHECK_EQ(capnp_builder_write_framed(&b, wire, n - 1, &n), CAPOS_ERR_BUFFER_TOO_SMALL);
}

TEST(capnp_build_arena_exhaustion_is_typed_and_sticky)
{
	static uint64_t buf[4];
	struct capnp_bseg segs[1];
	struct capnp_builder b;
	struct capnp_struct_builder root, s;
	struct capnp_list_builder l;

	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, sizeof buf), 0);
	CHECK_EQ(capnp_builder_init_root(&b, 1, 1, &root), 0);
	struct capnp_ptr_builder p = capnp_sb_ptr(&root, 0);
	CHECK_EQ(capnp_ptr_init_struct(&p, 4, 0, &s), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(s.data_bytes, 0);
	capnp_write_u64(&s, 0, 1, 0); /* writes through the failed builder are refused */
	CHECK_EQ(capnp_builder_error(&b), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(capnp_ptr_init_list(&p, CAPNP_ELEM_BYTE, CAPNP_MAX_LIST_ELEMENTS + 1, &l),
		 CAPOS_ERR_CAPNP_LIST_TOO_LONG);
	CHECK_EQ(capnp_ptr_init_struct_list(&p, 1u << 28, 2, 0, &l), CAPOS_ERR_CAPNP_LIST_TOO_LONG);
	CHECK_EQ(capnp_builder_error(&b), CAPOS_ERR_NO_MEMORY); /* still the first */
}

TEST(capnp_build_bad_offsets_and_buffers)
{
	static uint64_t buf[8];
	struct capnp_bseg segs[1];
	struct capnp_builder b;
	struct capnp_struct_builder root;

	CHECK_EQ(capnp_builder_init(&b, segs, 1, (uint8_t *)buf + 1, 32), CAPOS_ERR_ALIGNMENT);
	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, 7), CAPOS_ERR_BUFFER_TOO_SMALL);
	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, sizeof buf), 0);
	CHECK_EQ(capnp_builder_add_buffer(&b, buf, sizeof buf), CAPOS_ERR_CAPNP_SEGMENT_COUNT);
	CHECK_EQ(capnp_builder_init_root(&b, 1, 0, &root), 0);
	capnp_write_u32(&root, 6, 1, 0); /* straddles the 8-byte data section */
	CHECK_EQ(capnp_builder_error(&b), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	struct capnp_ptr_builder none = capnp_sb_ptr(&root, 0);
	CHECK(none.ptr == 0);
	CHECK_EQ(capnp_ptr_set_text(&none, "x", 1), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
}

static int grow_calls;
static uint64_t grow_pool[4][16];

static int test_grow(void *ctx, uint32_t min_words, void **mem, uint32_t *words)
{
	(void)ctx;
	if (grow_calls >= 4 || min_words > 16)
		return CAPOS_ERR_NO_MEMORY;
	*mem = grow_pool[grow_calls++];
	*words = 16;
	return 0;
}

TEST(capnp_build_grow_hook_adds_segments)
{
	static uint64_t first[2];
	struct capnp_bseg segs[8];
	struct capnp_builder b;
	struct capnp_struct_builder root;
	struct capnp_list_builder l;

	grow_calls = 0;
	CHECK_EQ(capnp_builder_init(&b, segs, 8, first, sizeof first), 0);
	capnp_builder_set_grow(&b, test_grow, 0);
	CHECK_EQ(capnp_builder_init_root(&b, 0, 3, &root), 0); /* needs a new segment */
	for (uint16_t i = 0; i < 3; i++) {
		struct capnp_ptr_builder p = capnp_sb_ptr(&root, i);
		CHECK_EQ(capnp_ptr_init_list(&p, CAPNP_ELEM_EIGHT, 10, &l), 0);
	}
	CHECK(b.nsegs >= 3);
	struct capnp_ptr_builder p = capnp_sb_ptr(&root, 0);
	CHECK_EQ(capnp_ptr_init_list(&p, CAPNP_ELEM_EIGHT, 100, &l), CAPOS_ERR_NO_MEMORY);
}

TEST(capnp_copy_and_canonicalize_noncanonical_input)
{
	/* Root struct: 3 data words (last two zero), 3 pointers (last null); ptr0 is a
	 * far pointer into segment 1; ptr1 a struct list with oversized elements. */
	uint64_t s0[] = {
		w_struct(0, 3, 3),
		0x1234,
		0,
		0,
		w_far(0, 1, 0),
		w_list(1, CAPNP_ELEM_COMPOSITE, 4),
		0,
		w_struct(2, 2, 0),
		7,
		0,
		8,
		0,
	};
	uint64_t s1[] = { w_list(0, CAPNP_ELEM_BYTE, 4), 0x00636261 };
	const uint64_t expect[] = {
		w_struct(0, 1, 2),
		0x1234,
		w_list(1, CAPNP_ELEM_BYTE, 4),
		w_list(1, CAPNP_ELEM_COMPOSITE, 2),
		0x00636261,
		w_struct(2, 1, 0),
		7,
		8,
	};
	uint64_t out[32];
	struct rawmsg r;
	struct capnp_ptr_reader root;
	size_t words;

	CHECK_EQ(raw_init(&r, 0, 2, s0, 12, s1, 2), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_canonicalize(&root, out, sizeof out, &words), 0);
	CHECK_EQ(words, sizeof expect / 8);
	CHECK_MEMEQ(out, expect, sizeof expect);
	CHECK_EQ(capnp_canonicalize(&root, out, 7 * 8, &words), CAPOS_ERR_BUFFER_TOO_SMALL);
}

TEST(capnp_copy_hostile_source_leaves_destination_null)
{
	uint64_t bad[] = { w_struct(0, 0, 1), w_struct(100, 1, 0) };
	static uint64_t buf[16];
	struct capnp_bseg segs[1];
	struct capnp_builder b;
	struct capnp_struct_builder root;
	struct rawmsg r;
	struct capnp_ptr_reader src;

	CHECK_EQ(raw_init(&r, 0, 1, bad, 2, 0, 0), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &src), 0);
	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, sizeof buf), 0);
	CHECK_EQ(capnp_builder_init_root(&b, 0, 1, &root), 0);
	struct capnp_ptr_builder dst = capnp_sb_ptr(&root, 0);
	CHECK_EQ(capnp_ptr_copy(&dst, &src, 0), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_UEQ(word(buf, 2), 0);
	CHECK_EQ(capnp_builder_error(&b), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
}

TEST(capnp_reader_defaults_and_short_sections)
{
	/* A 1-word, 0-pointer struct read with a 3-word, 2-pointer schema. */
	uint64_t seg[] = { w_struct(0, 1, 0), 0x0000000500000000ull };
	const struct capnp_text dt = { "dflt", 4 };
	struct rawmsg r;
	struct capnp_struct_reader s;
	struct capnp_text t;
	struct capnp_list_reader l;

	CHECK_EQ(raw_init(&r, 0, 1, seg, 2, 0, 0), 0);
	CHECK_EQ(capnp_msg_root_struct(&r.m, &s), 0);
	CHECK_EQ(capnp_read_u32(&s, 4, 0), 5);
	CHECK_EQ(capnp_read_u32(&s, 4, 5), 0);	 /* XOR with the default */
	CHECK_EQ(capnp_read_u64(&s, 8, 42), 42); /* beyond data: default */
	CHECK_EQ(capnp_read_bool(&s, 64, true), true);
	CHECK_EQ(capnp_read_i16(&s, 0xfffffffe, -3), -3); /* no offset overflow */
	CHECK_EQ(capnp_get_text(&s, 1, &dt, &t), 0);
	CHECK_STREQ(t.str, "dflt");
	CHECK_EQ(capnp_get_list(&s, 0, CAPNP_ELEM_FOUR, 0, &l), 0);
	CHECK_EQ(l.len, 0);
	CHECK(!capnp_struct_has(&s, 0));
	CHECK_EQ(capnp_msg_error(&r.m), 0);
}

/* Regression (fuzzer finding): a far pointer whose landing pad is null reads as null,
 * so canonical form must trim it like a null pointer, or canonicalizing twice differs. */
TEST(capnp_regress_canonical_far_to_null_pad)
{
	uint64_t s0[] = { w_struct(0, 0, 2), w_list(1, CAPNP_ELEM_BYTE, 1), w_far(0, 1, 0), 0 };
	uint64_t s1[] = { 0 };
	const uint64_t expect[] = { w_struct(0, 0, 1), w_list(0, CAPNP_ELEM_BYTE, 1), 0 };
	uint64_t out[16];
	struct rawmsg r;
	struct capnp_ptr_reader root;
	size_t words;

	CHECK_EQ(raw_init(&r, 0, 2, s0, 4, s1, 1), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &root), 0);
	CHECK_EQ(capnp_canonicalize(&root, out, sizeof out, &words), 0);
	CHECK_EQ(words, 3);
	CHECK_MEMEQ(out, expect, sizeof expect);
}

/* Trusted constants (generator-emitted defaults) are shared: readers never write them,
 * even when the constant is malformed. */
TEST(capnp_const_message_is_never_written)
{
	const uint64_t words[] = { w_struct(0, 0, 1), w_struct(50, 1, 0) };
	const struct capnp_segment seg = { (const uint8_t *)words, 2 };
	struct capnp_msg m, before;
	struct capnp_struct_reader r, s;

	capnp_msg_init_const(&m, &seg);
	before = m;
	CHECK_EQ(capnp_msg_root_struct(&m, &r), 0);
	CHECK_EQ(capnp_get_struct(&r, 0, 0, &s), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_MEMEQ(&m, &before, sizeof m);
}

/* A plain (non-canonical) copy keeps section sizes, zero words and null pointers, and
 * resolves the source's far pointers into the destination's own layout. */
TEST(capnp_copy_preserves_sections_across_segments)
{
	uint64_t s0[] = { w_far(0, 1, 0) };
	uint64_t s1[] = { w_struct(0, 3, 2),	0, 9, 0, 0, w_list(0, CAPNP_ELEM_TWO, 3),
			  0x0003000200010000ull };
	static uint64_t buf[32];
	struct capnp_bseg segs[1];
	struct capnp_segment rsegs[1];
	struct capnp_builder b;
	struct rawmsg r;
	struct capnp_ptr_reader src;
	struct capnp_msg m;
	struct capnp_struct_reader got;
	struct capnp_list_reader l;

	CHECK_EQ(raw_init(&r, 0, 2, s0, 1, s1, 7), 0);
	CHECK_EQ(capnp_msg_root(&r.m, &src), 0);
	CHECK_EQ(capnp_builder_init(&b, segs, 1, buf, sizeof buf), 0);
	struct capnp_ptr_builder dst = capnp_builder_root(&b);
	CHECK_EQ(capnp_ptr_copy(&dst, &src, 0), 0);
	CHECK_EQ(capnp_builder_as_reader(&b, &m, rsegs, 1, 0), 0);
	CHECK_EQ(capnp_msg_root_struct(&m, &got), 0);
	CHECK_EQ(got.data_bytes, 24);
	CHECK_EQ(got.ptr_count, 2);
	CHECK_EQ(capnp_read_u64(&got, 8, 0), 9);
	CHECK(!capnp_struct_has(&got, 0));
	CHECK_EQ(capnp_get_list(&got, 1, CAPNP_ELEM_TWO, 0, &l), 0);
	CHECK_EQ(l.len, 3);
	CHECK_EQ(capnp_list_u16(&l, 2), 2);
	CHECK_UEQ(word(buf, 0), w_struct(0, 3, 2)); /* near now: one segment */
}
