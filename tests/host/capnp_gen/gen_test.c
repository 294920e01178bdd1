/*
 * Host tests of the code capnpc-c generates (tests/host/capnp_gen/test.capnp): schema
 * defaults through XOR'd primitives and embedded pointer defaults, struct size
 * evolution (older/newer layouts), unions and groups, capabilities, constants, in-place
 * Text/Data, typed AnyPointer, multi-segment messages, and the
 * hostile twins: malformed pointers, truncated framing, wrong pointer kinds and element
 * sizes, unterminated text, each answered with the runtime's typed error and the
 * documented empty/default value. Dispatch tests live in dispatch_test.c.
 */
#include "test.h"

#include <string.h>

#include "tests/host/capnp_gen/test.capnp.h"

#define WORDS 512

/* A builder over a static arena, reset per test. */
struct fixture {
	uint8_t buf[WORDS * 8] __attribute__((aligned(8)));
	struct capnp_bseg segs[4];
	struct capnp_builder b;
	struct capnp_segment rsegs[4];
	struct capnp_msg m;
};

static struct fixture fx;

static int fixture_init(void)
{
	memset(&fx, 0, sizeof fx);
	return capnp_builder_init(&fx.b, fx.segs, 4, fx.buf, sizeof fx.buf);
}

/* Reader over what the builder holds. */
static int fixture_read(void)
{
	return capnp_builder_as_reader(&fx.b, &fx.m, fx.rsegs, 4, NULL);
}

/* A raw single-segment message from words (for hostile inputs). */
static uint64_t raw[64];
static struct capnp_segment raw_seg;
static struct capnp_msg raw_msg;

static void raw_init(uint32_t words)
{
	raw_seg = (struct capnp_segment){ (const uint8_t *)raw, words };
	CHECK_EQ(capnp_msg_init_segments(&raw_msg, &raw_seg, 1, NULL), 0);
}

static uint64_t struct_ptr(int32_t off, uint16_t dw, uint16_t pc)
{
	return ((uint64_t)((uint32_t)off << 2)) | ((uint64_t)dw << 32) | ((uint64_t)pc << 48);
}

static uint64_t list_ptr(int32_t off, unsigned elem, uint32_t n)
{
	return ((uint64_t)((uint32_t)off << 2) | 1) | ((uint64_t)elem << 32) | ((uint64_t)n << 35);
}

TEST(gen_defaults_on_empty_struct)
{
	struct test_Defaults_r r = { 0 }; /* the empty struct: every field its default */
	struct capnp_text t;
	struct capnp_data d;
	struct test_Inner_r in;
	struct capnp_list_reader l;
	struct test_Inner_rlist il;

	CHECK(test_Defaults_get_b(&r));
	CHECK_EQ(test_Defaults_get_i8(&r), -123);
	CHECK_EQ(test_Defaults_get_i16(&r), -12345);
	CHECK_EQ(test_Defaults_get_i32(&r), -1234567);
	CHECK_EQ(test_Defaults_get_i64(&r), -123456789012345LL);
	CHECK_EQ(test_Defaults_get_u8(&r), 200);
	CHECK_EQ(test_Defaults_get_u16(&r), 60000);
	CHECK_UEQ(test_Defaults_get_u32(&r), 4000000000u);
	CHECK_UEQ(test_Defaults_get_u64(&r), 0xfedcba9876543210ull);
	CHECK(test_Defaults_get_f32(&r) == 1.5f);
	CHECK(test_Defaults_get_f64(&r) == -2.25);
	CHECK_EQ(test_Defaults_get_color(&r), test_Color_blue);
	CHECK_EQ(test_Defaults_get_text(&r, &t), 0);
	CHECK_STREQ(t.str, "hello \"world\"\n");
	CHECK_EQ(t.len, 14);
	CHECK_EQ(test_Defaults_get_data(&r, &d), 0);
	CHECK_EQ(d.len, 4);
	CHECK_MEMEQ(d.ptr, "\x00\x01\xfe\xff", 4);
	CHECK(!test_Defaults_has_inner(&r));
	CHECK_EQ(test_Defaults_get_inner(&r, &in), 0);
	CHECK_EQ(test_Inner_get_id(&in), 42);
	CHECK_EQ(test_Inner_get_label(&in, &t), 0);
	CHECK_STREQ(t.str, "answer");
	CHECK_EQ(test_Inner_get_tags(&in, &l), 0);
	CHECK_EQ(l.len, 2);
	CHECK_EQ(test_Defaults_get_ints(&r, &l), 0);
	CHECK_EQ(l.len, 3);
	CHECK_EQ(capnp_list_i32(&l, 1), -2);
	CHECK_EQ(test_Defaults_get_inners(&r, &il), 0);
	CHECK_EQ(test_Inner_list_len(&il), 2);
	in = test_Inner_list_get(&il, 1);
	CHECK_EQ(test_Inner_get_id(&in), 2);
	CHECK_EQ(test_Inner_get_label(&in, &t), 0);
	CHECK_STREQ(t.str, "two");
	CHECK_EQ(test_Defaults_get_bits(&r, &l), 0);
	CHECK_EQ(l.len, 3);
	CHECK(capnp_list_bool(&l, 0) && !capnp_list_bool(&l, 1) && capnp_list_bool(&l, 2));
}

/* Setting every field to its default stores zeros (the XOR encoding); other values
 * read back exactly. */
TEST(gen_defaults_are_xored_on_the_wire)
{
	struct test_Defaults_b b;
	struct test_Defaults_r r;
	static const uint8_t zero[test_Defaults_DATA_WORDS * 8];

	CHECK_EQ(fixture_init(), 0);
	CHECK_EQ(test_Defaults_build_root(&fx.b, &b), 0);
	test_Defaults_set_b(&b, true);
	test_Defaults_set_i8(&b, -123);
	test_Defaults_set_i16(&b, -12345);
	test_Defaults_set_i32(&b, -1234567);
	test_Defaults_set_i64(&b, -123456789012345LL);
	test_Defaults_set_u8(&b, 200);
	test_Defaults_set_u16(&b, 60000);
	test_Defaults_set_u32(&b, 4000000000u);
	test_Defaults_set_u64(&b, 0xfedcba9876543210ull);
	test_Defaults_set_f32(&b, 1.5f);
	test_Defaults_set_f64(&b, -2.25);
	test_Defaults_set_color(&b, test_Color_blue);
	CHECK_EQ(b.s.data_bytes, test_Defaults_DATA_WORDS * 8);
	CHECK_MEMEQ(b.s.data, zero, sizeof zero);

	test_Defaults_set_b(&b, false);
	test_Defaults_set_i8(&b, 5);
	test_Defaults_set_u64(&b, 0);
	test_Defaults_set_f64(&b, 0.0);
	test_Defaults_set_color(&b, test_Color_red);
	CHECK_EQ(fixture_read(), 0);
	CHECK_EQ(test_Defaults_read_root(&fx.m, &r), 0);
	CHECK(!test_Defaults_get_b(&r));
	CHECK_EQ(test_Defaults_get_i8(&r), 5);
	CHECK_UEQ(test_Defaults_get_u64(&r), 0);
	CHECK(test_Defaults_get_f64(&r) == 0.0);
	CHECK_EQ(test_Defaults_get_color(&r), test_Color_red);
	CHECK_EQ(test_Defaults_get_i16(&r), -12345);
}

/* An older writer (smaller struct) read with the newer schema: missing fields read as
 * their defaults; a newer writer read with the older schema ignores the extra. */
TEST(gen_struct_size_evolution)
{
	struct test_Older_b ob;
	struct test_Newer_r nr;
	struct test_Newer_b nb;
	struct test_Older_r or_;
	struct capnp_text t;

	CHECK_EQ(fixture_init(), 0);
	CHECK_EQ(test_Older_build_root(&fx.b, &ob), 0);
	test_Older_set_a(&ob, 5);
	CHECK_EQ(fixture_read(), 0);
	CHECK_EQ(test_Newer_read_root(&fx.m, &nr), 0);
	CHECK_EQ(test_Newer_get_a(&nr), 5);
	CHECK_UEQ(test_Newer_get_b(&nr), 99);
	CHECK(!test_Newer_has_c(&nr));
	CHECK_EQ(test_Newer_get_c(&nr, &t), 0);
	CHECK_STREQ(t.str, "cee");

	CHECK_EQ(fixture_init(), 0);
	CHECK_EQ(test_Newer_build_root(&fx.b, &nb), 0);
	test_Newer_set_a(&nb, 6);
	test_Newer_set_b(&nb, 7);
	CHECK_EQ(test_Newer_set_c(&nb, "x", 1), 0);
	CHECK_EQ(fixture_read(), 0);
	CHECK_EQ(test_Older_read_root(&fx.m, &or_), 0);
	CHECK_EQ(test_Older_get_a(&or_), 6);
	CHECK_EQ(capnp_msg_error(&fx.m), 0);
}

TEST(gen_unions_and_groups)
{
	struct test_AllTypes_b b;
	struct test_AllTypes_r r;
	struct test_AllTypes_outer_b ob;
	struct test_AllTypes_outer_choice_b cb;
	struct test_AllTypes_outer_r o;
	struct test_AllTypes_outer_choice_r c;
	struct test_AllTypes_outer_choice_right_r rr;
	struct capnp_text t;

	CHECK_EQ(fixture_init(), 0);
	CHECK_EQ(test_AllTypes_build_root(&fx.b, &b), 0);
	test_AllTypes_set_number(&b, -77);
	ob = test_AllTypes_init_outer(&b);
	cb = test_AllTypes_outer_init_choice(&ob);
	test_AllTypes_outer_choice_set_left(&cb, 11);
	CHECK_EQ(fixture_read(), 0);
	CHECK_EQ(test_AllTypes_read_root(&fx.m, &r), 0);
	CHECK_EQ(test_AllTypes_which(&r), test_AllTypes_which_number);
	CHECK_EQ(test_AllTypes_get_number(&r), -77);
	o = test_AllTypes_get_outer(&r);
	CHECK_EQ(test_AllTypes_outer_get_depth(&o), 7); /* group field default */
	c = test_AllTypes_outer_get_choice(&o);
	CHECK_EQ(test_AllTypes_outer_choice_which(&c), test_AllTypes_outer_choice_which_left);
	CHECK_EQ(test_AllTypes_outer_choice_get_left(&c), 11);

	/* Switching members rewrites the discriminant. */
	CHECK_EQ(test_AllTypes_set_word(&b, "w", 1), 0);
	(void)test_AllTypes_outer_choice_init_right(&cb);
	CHECK_EQ(fixture_read(), 0); /* the reader sees the segment as it was when made */
	CHECK_EQ(test_AllTypes_read_root(&fx.m, &r), 0);
	o = test_AllTypes_get_outer(&r);
	c = test_AllTypes_outer_get_choice(&o);
	CHECK_EQ(test_AllTypes_which(&r), test_AllTypes_which_word);
	CHECK_EQ(test_AllTypes_get_word(&r, &t), 0);
	CHECK_STREQ(t.str, "w");
	CHECK_EQ(test_AllTypes_outer_choice_which(&c), test_AllTypes_outer_choice_which_right);
	rr = test_AllTypes_outer_choice_get_right(&c);
	CHECK_EQ(test_AllTypes_outer_choice_right_get_a(&rr), -3);
	test_AllTypes_set_none(&b);
	CHECK_EQ(test_AllTypes_which(&r), test_AllTypes_which_none);
}

TEST(gen_capabilities_are_indexes)
{
	struct test_AllTypes_b b;
	struct test_AllTypes_r r;
	uint32_t cap = 0;

	CHECK_EQ(fixture_init(), 0);
	CHECK_EQ(test_AllTypes_build_root(&fx.b, &b), 0);
	CHECK_EQ(test_AllTypes_set_ifaceField(&b, 5), 0);
	CHECK_EQ(fixture_read(), 0);
	CHECK_EQ(test_AllTypes_read_root(&fx.m, &r), 0);
	CHECK(test_AllTypes_has_ifaceField(&r));
	CHECK_EQ(test_AllTypes_get_ifaceField(&r, &cap), 0);
	CHECK_EQ(cap, 5);
	CHECK(!test_AllTypes_has_capField(&r));
	CHECK_EQ(test_AllTypes_get_capField(&r, &cap), 0);
	CHECK_UEQ(cap, CAPNP_CAP_NULL);
}

TEST(gen_constants)
{
	static const uint8_t sample[] __attribute__((aligned(8))) = test_sample_WORDS;
	static const uint8_t numbers[] __attribute__((aligned(8))) = test_numbers_WORDS;
	static const uint8_t blob[] = test_blob_BYTES;
	const struct capnp_segment seg = { sample, test_sample_WORD_COUNT };
	const struct capnp_segment nseg = { numbers, test_numbers_WORD_COUNT };
	struct capnp_msg m;
	struct test_Inner_r in;
	struct capnp_list_reader l;
	struct capnp_text t;
	double pi;
	uint64_t pi_bits = test_pi_BITS;

	CHECK_EQ(test_answer, 42);
	CHECK_EQ(test_negative, -7);
	CHECK_STREQ(test_greeting, "hi\tthere");
	CHECK_EQ(test_greeting_LEN, 8);
	CHECK_EQ(sizeof blob, 4);
	CHECK_MEMEQ(blob, "\xde\xad\xbe\xef", 4);
	CHECK(test_flag == true);
	CHECK_EQ(test_favourite, test_Color_green);
	memcpy(&pi, &pi_bits, sizeof pi);
	CHECK(pi == 3.25);
	capnp_msg_init_const(&m, &seg);
	CHECK_EQ(test_Inner_read_root(&m, &in), 0);
	CHECK_EQ(test_Inner_get_id(&in), 7);
	CHECK_EQ(test_Inner_get_label(&in, &t), 0);
	CHECK_STREQ(t.str, "seven");
	CHECK_EQ(test_Inner_get_tags(&in, &l), 0);
	CHECK_EQ(l.len, 3);
	capnp_msg_init_const(&m, &nseg);
	{
		struct capnp_ptr_reader root;
		CHECK_EQ(capnp_msg_root(&m, &root), 0);
		CHECK_EQ(capnp_ptr_get_list(&root, CAPNP_ELEM_TWO, NULL, &l), 0);
	}
	CHECK_EQ(l.len, 3);
	CHECK_EQ(capnp_list_u16(&l, 2), 65535);
}

#define COUNT_IFACE(c, name, id) +1
TEST(gen_ids_and_ordinals)
{
	CHECK_EQ(0 test_INTERFACES(COUNT_IFACE), 2);
	CHECK_EQ(test_Calculator_METHOD_COUNT, 3);
	CHECK_EQ(test_Calculator_METHOD_add, 0);
	CHECK_EQ(test_Calculator_METHOD_fetch, 2);
	CHECK_EQ(test_Empty_METHOD_COUNT, 0);
	CHECK(test_Calculator_TYPE_ID >> 63); /* compiler ids have the top bit set */
	CHECK(test_AllTypes_outer_choice_TYPE_ID >> 63);
	CHECK(test_Calculator_TYPE_ID != test_Empty_TYPE_ID);
	CHECK_EQ(test_Color_COUNT, 3);
	CHECK_EQ(test_AllTypes_DATA_WORDS * 8 >= 48, 1);
}

/* ---- hostile messages: typed errors and safe out values */

TEST(gen_hostile_text_out_of_segment)
{
	struct test_Inner_r r;
	struct capnp_text t = { "junk", 4 };

	memset(raw, 0, sizeof raw);
	raw[0] = struct_ptr(0, 1, 2); /* root: Inner, 1 data word, 2 pointers */
	raw[2] = list_ptr(100, 2, 8); /* label: 8 bytes at word 103, beyond 4 words */
	raw_init(4);
	CHECK_EQ(test_Inner_read_root(&raw_msg, &r), 0);
	CHECK(test_Inner_has_label(&r));
	CHECK_EQ(test_Inner_get_label(&r, &t), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(t.len, 0);
	CHECK_STREQ(t.str, "");
	CHECK_EQ(capnp_msg_error(&raw_msg), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
}

TEST(gen_hostile_text_not_terminated)
{
	struct test_Inner_r r;
	struct capnp_text t;

	memset(raw, 0, sizeof raw);
	raw[0] = struct_ptr(0, 1, 2);
	raw[2] = list_ptr(1, 2, 3); /* 3 bytes at word 4 */
	memcpy(&raw[4], "abc", 3);  /* no NUL in the text */
	raw_init(5);
	CHECK_EQ(test_Inner_read_root(&raw_msg, &r), 0);
	CHECK_EQ(test_Inner_get_label(&r, &t), CAPOS_ERR_CAPNP_TEXT_NOT_TERMINATED);
	CHECK_EQ(t.len, 0);
}

TEST(gen_hostile_wrong_pointer_kind)
{
	struct test_AllTypes_r r;
	struct test_Inner_r in;
	struct capnp_text t;

	/* AllTypes pointer 0 (textField) and 2 (structField) hold a struct pointer and a
	 * list pointer respectively: each getter refuses with WRONG_POINTER_KIND. */
	memset(raw, 0, sizeof raw);
	raw[0] = struct_ptr(0, test_AllTypes_DATA_WORDS, test_AllTypes_PTR_COUNT);
	raw[1 + test_AllTypes_DATA_WORDS + 0] = struct_ptr(40, 1, 0);
	raw[1 + test_AllTypes_DATA_WORDS + 2] = list_ptr(30, 2, 1);
	raw_init(60);
	CHECK_EQ(test_AllTypes_read_root(&raw_msg, &r), 0);
	CHECK_EQ(test_AllTypes_get_textField(&r, &t), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_EQ(t.len, 0);
	CHECK_EQ(test_AllTypes_get_structField(&r, &in), CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_EQ(test_Inner_get_id(&in), 0); /* the empty struct: defaults only */
	CHECK(!test_Inner_has_label(&in));
}

TEST(gen_hostile_list_element_size)
{
	struct test_AllTypes_r r;
	struct capnp_list_reader l;
	struct test_Inner_rlist sl;

	/* int32List (pointer 9) holds a list of bits; structList (pointer 19) too. */
	memset(raw, 0, sizeof raw);
	raw[0] = struct_ptr(0, test_AllTypes_DATA_WORDS, test_AllTypes_PTR_COUNT);
	raw[1 + test_AllTypes_DATA_WORDS + 9] = list_ptr(20, 1, 10);
	raw[1 + test_AllTypes_DATA_WORDS + 19] = list_ptr(10, 1, 10);
	raw_init(60);
	CHECK_EQ(test_AllTypes_read_root(&raw_msg, &r), 0);
	CHECK_EQ(test_AllTypes_get_int32List(&r, &l), CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(l.len, 0);
	CHECK_EQ(test_AllTypes_get_structList(&r, &sl), CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE);
	CHECK_EQ(test_Inner_list_len(&sl), 0);
}

TEST(gen_hostile_root_out_of_bounds)
{
	struct test_AllTypes_r r;

	memset(raw, 0, sizeof raw);
	raw[0] = struct_ptr(5, 8, 8); /* 16 words at word 6 of a 2-word segment */
	raw_init(2);
	CHECK_EQ(test_AllTypes_read_root(&raw_msg, &r), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_EQ(test_AllTypes_get_int64Field(&r), 0);
	CHECK_EQ(test_AllTypes_which(&r), test_AllTypes_which_none);
}

TEST(gen_hostile_truncated_framing)
{
	static const uint8_t framed[] __attribute__((aligned(8))) = {
		0, 0, 0, 0, 4, 0, 0, 0, /* one segment of 4 words ... */
		0, 0, 0, 0, 0, 0, 0, 0, /* ... but only one word present */
	};
	struct capnp_segment segs[2];
	struct capnp_msg m;
	struct test_Inner_r r;

	CHECK_EQ(capnp_msg_init_framed(&m, framed, sizeof framed, segs, 2, NULL, NULL),
		 CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	/* Nothing was read: the documented empty reader still answers defaults. */
	r = (struct test_Inner_r){ 0 };
	CHECK_EQ(test_Inner_get_id(&r), 0);
}

TEST(gen_hostile_short_data_section_reads_defaults)
{
	struct test_Defaults_r r;

	memset(raw, 0, sizeof raw);
	raw[0] = struct_ptr(0, 0, 0); /* a zero-sized struct (older writer) */
	raw_init(1);
	CHECK_EQ(test_Defaults_read_root(&raw_msg, &r), 0);
	CHECK_UEQ(test_Defaults_get_u64(&r), 0xfedcba9876543210ull);
	CHECK(test_Defaults_get_b(&r));
	CHECK_EQ(test_Defaults_get_color(&r), test_Color_blue);
	CHECK_EQ(capnp_msg_error(&raw_msg), 0);
}

TEST(gen_hostile_builder_arena_full)
{
	static uint8_t small[32] __attribute__((aligned(8)));
	struct capnp_bseg segs[1];
	struct capnp_builder b;
	struct test_AllTypes_b ab;

	CHECK_EQ(capnp_builder_init(&b, segs, 1, small, sizeof small), 0);
	CHECK_EQ(test_AllTypes_build_root(&b, &ab), CAPOS_ERR_NO_MEMORY);
	CHECK_EQ(capnp_builder_error(&b), CAPOS_ERR_NO_MEMORY);
}

/* Text/Data written in place, and an AnyPointer decoded as a typed struct. */
TEST(gen_init_blobs_and_typed_any_pointer)
{
	struct test_AllTypes_b b;
	struct test_AllTypes_r r;
	struct test_Inner_b ib;
	struct test_Inner_r ir;
	struct capnp_ptr_builder any;
	struct capnp_ptr_reader anyr;
	struct capnp_text t;
	struct capnp_data d;
	char *tp;
	uint8_t *dp;

	CHECK_EQ(fixture_init(), 0);
	CHECK_EQ(test_AllTypes_build_root(&fx.b, &b), 0);
	CHECK_EQ(test_AllTypes_init_textField(&b, 3, &tp), 0);
	memcpy(tp, "xyz", 3);
	CHECK_EQ(test_AllTypes_init_dataField(&b, 2, &dp), 0);
	dp[0] = 0xaa;
	dp[1] = 0x55;
	any = test_AllTypes_init_anyField(&b);
	CHECK_EQ(capnp_ptr_init_struct(&any, test_Inner_DATA_WORDS, test_Inner_PTR_COUNT, &ib.s),
		 0);
	test_Inner_set_id(&ib, 77);
	CHECK_EQ(fixture_read(), 0);
	CHECK_EQ(test_AllTypes_read_root(&fx.m, &r), 0);
	CHECK_EQ(test_AllTypes_get_textField(&r, &t), 0);
	CHECK_STREQ(t.str, "xyz");
	CHECK_EQ(test_AllTypes_get_dataField(&r, &d), 0);
	CHECK_EQ(d.len, 2);
	CHECK_MEMEQ(d.ptr, "\xaa\x55", 2);
	anyr = test_AllTypes_get_anyField(&r);
	CHECK_EQ(test_Inner_read(&anyr, &ir), 0);
	CHECK_EQ(test_Inner_get_id(&ir), 77);
}

/* A message spread over several small segments (far pointers) reads back the same
 * through the generated accessors. */
TEST(gen_multi_segment_round_trip)
{
	static uint8_t s0[32] __attribute__((aligned(8)));
	static uint8_t s1[64] __attribute__((aligned(8)));
	static uint8_t s2[256] __attribute__((aligned(8)));
	static uint8_t s3[1024] __attribute__((aligned(8)));
	struct capnp_bseg segs[4];
	struct capnp_builder b;
	struct capnp_segment rsegs[4];
	struct capnp_msg m;
	struct test_Inner_b root;
	struct test_Inner_r r;
	struct capnp_list_builder tags;
	struct capnp_list_reader tl;
	struct capnp_text t;

	CHECK_EQ(capnp_builder_init(&b, segs, 4, s0, sizeof s0), 0);
	CHECK_EQ(capnp_builder_add_buffer(&b, s1, sizeof s1), 0);
	CHECK_EQ(capnp_builder_add_buffer(&b, s2, sizeof s2), 0);
	CHECK_EQ(capnp_builder_add_buffer(&b, s3, sizeof s3), 0);
	CHECK_EQ(test_Inner_build_root(&b, &root), 0);
	test_Inner_set_id(&root, 3);
	CHECK_EQ(test_Inner_set_label(&root, "a label long enough to need another segment", 44), 0);
	CHECK_EQ(test_Inner_init_tags(&root, 20, &tags), 0);
	for (uint32_t i = 0; i < 20; i++) {
		struct capnp_ptr_builder p = capnp_lb_ptr(&tags, i);
		CHECK_EQ(capnp_ptr_set_text(&p, "tag", 3), 0);
	}
	CHECK(b.nsegs > 1);
	CHECK_EQ(capnp_builder_as_reader(&b, &m, rsegs, 4, NULL), 0);
	CHECK_EQ(test_Inner_read_root(&m, &r), 0);
	CHECK_EQ(test_Inner_get_id(&r), 3);
	CHECK_EQ(test_Inner_get_label(&r, &t), 0);
	CHECK_EQ(t.len, 44);
	CHECK_EQ(test_Inner_get_tags(&r, &tl), 0);
	CHECK_EQ(tl.len, 20);
	{
		struct capnp_ptr_reader p = capnp_list_ptr(&tl, 19);
		CHECK_EQ(capnp_ptr_get_text(&p, NULL, &t), 0);
	}
	CHECK_STREQ(t.str, "tag");
	CHECK_EQ(capnp_msg_error(&m), 0);
}

/* A struct whose `next` pointer points at itself: following it through the generated
 * getter ends with the nesting limit, never a loop or a crash. */
TEST(gen_hostile_pointer_cycle_hits_nesting_limit)
{
	struct test_Chain_r r;
	int err = 0;
	unsigned steps;

	memset(raw, 0, sizeof raw);
	raw[0] = struct_ptr(0, 1, 1);  /* root: Chain at word 1 (data word 1, ptr word 2) */
	raw[2] = struct_ptr(-2, 1, 1); /* next -> word 2 + 1 - 2 = word 1: itself */
	raw[1] = 5;		       /* value */
	raw_init(3);
	CHECK_EQ(test_Chain_read_root(&raw_msg, &r), 0);
	for (steps = 0; steps < 10000 && err == 0; steps++) {
		CHECK_EQ(test_Chain_get_value(&r), 5);
		err = test_Chain_get_next(&r, &r);
	}
	CHECK_EQ(err, CAPOS_ERR_CAPNP_NESTING_LIMIT);
	CHECK(steps <= CAPNP_DEFAULT_NESTING + 1);
	CHECK_EQ(test_Chain_get_value(&r), 0); /* the empty struct after the error */
}
