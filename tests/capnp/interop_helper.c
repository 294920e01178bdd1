/*
 * Interop helper for tests/capnp/interop.py: the C side of the comparison with the
 * official `capnp` tool. A seeded generator (interop_gen.c) walks
 * tests/capnp/corpus.capnp's AllTypes and, for one seed, either BUILDS a message with
 * lib/capnp (also printing the value in capnp's `--short` text form) or CHECKS a
 * message (from `capnp convert text:binary`) field by field against the same draws.
 * This file holds the command-line modes; other modes decode reference
 * messages (constants, defaults, schema evolution) and expose pack/unpack/canonical.
 *
 *   emit SEED SEGWORDS FLAGS OUT   write OUT.bin (framed), OUT.txt, OUT.canon
 *                                  (FLAGS: builder flags | 0x100 large lists)
 *   check[-noany|-large] SEED      exit 0 iff the framed stdin matches the draws
 *                                  (-noany: anyField was left out of capnp's input)
 *   canon < framed > canonical     pack < raw > packed      unpack < packed > raw
 *   constall | defaults-empty | defaults-zero | old-as-new | new-as-old  < framed
 *   walk < framed                  read every AllTypes field; print the first error
 *   layout                         print the layout table for the drift check
 * Host-only (libc, malloc); the runtime under test is the unmodified lib/capnp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>

#include "interop_gen.h"
#include "interop_layout.h"

#define MAX_SEGS 8192
#define EMIT_LARGE 0x100u /* emit FLAGS bit: large primitive lists */

/* A one-shot process: buffers live until exit on purpose (lib/capnp allocates nothing). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* ------------------------------------------------------------ I/O helpers */
static uint8_t *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *p = malloc(cap);
	size_t r;
	while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			p = realloc(p, cap *= 2);
	}
	if (!p)
		abort();
	*len = n;
	return p;
}

static int write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

static uint32_t grow_words;

static int grow(void *ctx, uint32_t min_words, void **mem, uint32_t *words)
{
	uint32_t n = min_words > grow_words ? min_words : grow_words;
	(void)ctx;
	*mem = aligned_alloc(8, (size_t)n * 8);
	*words = n;
	return *mem ? 0 : CAPOS_ERR_NO_MEMORY;
}

static struct capnp_segment segtab[MAX_SEGS];

static int read_framed(struct capnp_msg *m, const uint8_t *buf, size_t len)
{
	struct capnp_limits lim = { 0, 0 };
	size_t used;
	int err = capnp_msg_init_framed(m, buf, len, segtab, MAX_SEGS, &lim, &used);
	if (err)
		fprintf(stderr, "framing: %s\n", capos_error_name(err));
	return err;
}

/* ------------------------------------------------------------ modes */
static int do_emit(uint64_t seed, uint32_t seg_words, unsigned flags, const char *out)
{
	static struct capnp_bseg segs[MAX_SEGS];
	struct capnp_builder b;
	struct capnp_struct_builder root;
	struct sbuf text = { 0, 0, 0 };
	struct gen g = { seed, BUILD, &text, 0, 0, false, (flags & EMIT_LARGE) != 0 };
	char path[512];
	size_t n, words;
	uint32_t first = seg_words ? seg_words : 1 << 16;
	void *buf0 = aligned_alloc(8, (size_t)first * 8);
	int err;

	grow_words = seg_words ? seg_words : 1 << 16;
	if (capnp_builder_init(&b, segs, MAX_SEGS, buf0, (size_t)first * 8))
		return 2;
	capnp_builder_set_grow(&b, grow, 0);
	if (capnp_builder_init_root(&b, ALLTYPES_DW, ALLTYPES_PC, &root))
		return 2;
	/* After the root: capnp's format sniffing wants a near root pointer. */
	b.flags = flags & ~EMIT_LARGE;
	gen_all(&g, (struct node){ &root, 0 });
	if (g.fails || capnp_builder_error(&b)) {
		fprintf(stderr, "build failed: %s\n", capos_error_name(capnp_builder_error(&b)));
		return 2;
	}
	n = capnp_builder_framed_size(&b);
	uint8_t *framed = malloc(n);
	if (capnp_builder_write_framed(&b, framed, n, &n))
		return 2;
	snprintf(path, sizeof path, "%s.bin", out);
	if (write_file(path, framed, n))
		return 2;
	snprintf(path, sizeof path, "%s.txt", out);
	sb_printf(&text, "\n");
	if (write_file(path, text.p, text.len))
		return 2;
	/* Our canonical form, read back through our own reader. */
	struct capnp_msg m;
	struct capnp_ptr_reader rp;
	if (read_framed(&m, framed, n) || capnp_msg_root(&m, &rp))
		return 2;
	uint8_t *canon = aligned_alloc(8, n + 64);
	if ((err = capnp_canonicalize(&rp, canon, n + 64, &words)) != 0) {
		fprintf(stderr, "canonicalize: %s\n", capos_error_name(err));
		return 2;
	}
	snprintf(path, sizeof path, "%s.canon", out);
	if (write_file(path, canon, words * 8))
		return 2;
	printf("segments %u\n", b.nsegs);
	return 0;
}

static int do_check(uint64_t seed, const uint8_t *buf, size_t len, bool no_any, bool large)
{
	struct capnp_msg m;
	struct capnp_struct_reader root;
	struct gen g = { seed, CHECK, 0, 0, 0, no_any, large };

	if (read_framed(&m, buf, len) || capnp_msg_root_struct(&m, &root))
		return 1;
	gen_all(&g, (struct node){ 0, &root });
	if (capnp_msg_error(&m)) {
		fprintf(stderr, "reader error %s\n", capos_error_name(capnp_msg_error(&m)));
		return 1;
	}
	printf("segments %u fails %d\n", m.nsegs, g.fails);
	return g.fails ? 1 : 0;
}

static int do_canon(const uint8_t *buf, size_t len)
{
	struct capnp_msg m;
	struct capnp_ptr_reader rp;
	size_t words, cap = (len + 64) & ~(size_t)7;
	uint8_t *out = aligned_alloc(8, cap);
	int err;

	if (read_framed(&m, buf, len) || capnp_msg_root(&m, &rp))
		return 1;
	if ((err = capnp_canonicalize(&rp, out, cap, &words)) != 0) {
		fprintf(stderr, "canonicalize: %s\n", capos_error_name(err));
		return 1;
	}
	return fwrite(out, 8, words, stdout) == words ? 0 : 1;
}

static int do_pack(const uint8_t *buf, size_t len, bool pack)
{
	size_t cap = pack ? capnp_packed_bound(len) : len * 8 + 4096 * 8 * 256, n;
	uint8_t *out = malloc(cap);
	int err = pack ? capnp_pack(buf, len, out, cap, &n) : capnp_unpack(buf, len, out, cap, &n);
	if (err) {
		fprintf(stderr, "pack/unpack: %s\n", capos_error_name(err));
		return 1;
	}
	return fwrite(out, 1, n, stdout) == n ? 0 : 1;
}

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "line %d: %s\n", __LINE__, #cond);                         \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static bool text_is(const struct capnp_struct_reader *r, uint16_t idx, const char *s)
{
	struct capnp_text t;
	return capnp_get_text(r, idx, 0, &t) == 0 && t.len == strlen(s) && !memcmp(t.str, s, t.len);
}

/* constAll from `capnp eval --binary`: every list encoding as the C++ library writes it. */
static int do_constall(const uint8_t *buf, size_t len)
{
	struct capnp_msg m;
	struct capnp_struct_reader r, s;
	struct capnp_list_reader l, l2;
	struct capnp_data d;

	EXPECT(read_framed(&m, buf, len) == 0 && capnp_msg_root_struct(&m, &r) == 0);
	EXPECT(capnp_read_bool(&r, BIT(AllTypes, boolField), false));
	EXPECT(capnp_read_i8(&r, B(AllTypes, int8Field), 0) == -8);
	EXPECT(capnp_read_i16(&r, B(AllTypes, int16Field), 0) == -16);
	EXPECT(capnp_read_i32(&r, B(AllTypes, int32Field), 0) == -32);
	EXPECT(capnp_read_i64(&r, B(AllTypes, int64Field), 0) == -64);
	EXPECT(capnp_read_u64(&r, B(AllTypes, uint64Field), 0) == 64);
	EXPECT(capnp_read_f32(&r, B(AllTypes, float32Field), 0) == 1.5f);
	EXPECT(capnp_read_f64(&r, B(AllTypes, float64Field), 0) == -2.25);
	EXPECT(text_is(&r, P(AllTypes, textField), "hello"));
	EXPECT(capnp_get_data(&r, P(AllTypes, dataField), 0, &d) == 0 && d.len == 3 &&
	       !memcmp(d.ptr, "\x00\xff\x10", 3));
	EXPECT(capnp_get_struct(&r, P(AllTypes, structField), 0, &s) == 0);
	EXPECT(capnp_read_i32(&s, B(AllTypes, int32Field), 0) == 5 && text_is(&s, 0, "nested"));
	EXPECT(capnp_read_u16(&r, B(AllTypes, enumField), 0) == 1);
	EXPECT(capnp_get_list(&r, P(AllTypes, voidList), CAPNP_ELEM_VOID, 0, &l) == 0 &&
	       l.len == 3);
	EXPECT(capnp_get_list(&r, P(AllTypes, boolList), CAPNP_ELEM_BIT, 0, &l) == 0 && l.len == 9);
	EXPECT(capnp_list_bool(&l, 0) && !capnp_list_bool(&l, 1) && capnp_list_bool(&l, 8));
	EXPECT(capnp_get_list(&r, P(AllTypes, int8List), CAPNP_ELEM_BYTE, 0, &l) == 0);
	EXPECT(l.len == 2 && capnp_list_i8(&l, 0) == -1 && capnp_list_i8(&l, 1) == 2);
	EXPECT(capnp_get_list(&r, P(AllTypes, int16List), CAPNP_ELEM_TWO, 0, &l) == 0);
	EXPECT(capnp_list_i16(&l, 0) == -3 && capnp_list_i16(&l, 1) == 4);
	EXPECT(capnp_get_list(&r, P(AllTypes, int64List), CAPNP_ELEM_EIGHT, 0, &l) == 0);
	EXPECT(capnp_list_i64(&l, 0) == -7 && capnp_list_i64(&l, 1) == 8);
	EXPECT(capnp_get_list(&r, P(AllTypes, float32List), CAPNP_ELEM_FOUR, 0, &l) == 0);
	EXPECT(capnp_list_f32(&l, 1) == -0.5f);
	EXPECT(capnp_get_list(&r, P(AllTypes, textList), CAPNP_ELEM_POINTER, 0, &l) == 0 &&
	       l.len == 3);
	struct capnp_ptr_reader e = capnp_list_ptr(&l, 2);
	struct capnp_text t;
	EXPECT(capnp_ptr_get_text(&e, 0, &t) == 0 && t.len == 3 && !strcmp(t.str, "ccc"));
	EXPECT(capnp_get_list(&r, P(AllTypes, structList), CAPNP_ELEM_COMPOSITE, 0, &l) == 0);
	EXPECT(l.len == 2 && l.elem_size == CAPNP_ELEM_COMPOSITE);
	s = capnp_list_struct(&l, 1);
	EXPECT(capnp_read_u32(&s, B(AllTypes, uint32Field), 0) == 2 && text_is(&s, 0, "two"));
	/* Upgrade rule: a struct list read as List(UInt64) yields each first data word. */
	EXPECT(capnp_get_list(&r, P(AllTypes, structList), CAPNP_ELEM_EIGHT, 0, &l2) == 0);
	EXPECT(l2.len == 2 && capnp_list_u64(&l2, 0) == 0);
	EXPECT(capnp_get_list(&r, P(AllTypes, listList), CAPNP_ELEM_POINTER, 0, &l) == 0 &&
	       l.len == 3);
	e = capnp_list_ptr(&l, 2);
	EXPECT(capnp_ptr_get_list(&e, CAPNP_ELEM_FOUR, 0, &l2) == 0 && l2.len == 2 &&
	       capnp_list_i32(&l2, 1) == 3);
	EXPECT(capnp_read_u16(&r, B(AllTypes, choice), 0) == 2 &&
	       text_is(&r, P(AllTypes, label), "chosen"));
	EXPECT(capnp_read_u16(&r, B(AllTypes, x), 0) == 77 && text_is(&r, P(AllTypes, y), "why"));
	EXPECT(capnp_read_bool(&r, BIT(AllTypes, flag), false));
	EXPECT(capnp_msg_error(&m) == 0);
	return 0;
}

/* Schema defaults, as a generator would pass them: XOR bit patterns for data fields,
 * default values for Text/Data, trusted constant messages for struct/list defaults. */
static const uint64_t def_inner_words[] = {
	0x0001000100000000ull,
	7,
	0x0000003200000001ull,
	0x0000006e65766573ull,
};
static const uint64_t def_list_words[] = {
	0x0000001c00000001ull,
	0xfffffffe00000001ull,
	3,
};

static int check_defaults(const uint8_t *buf, size_t len, bool zeros)
{
	const struct capnp_segment inner_seg = { (const uint8_t *)def_inner_words, 4 };
	const struct capnp_segment list_seg = { (const uint8_t *)def_list_words, 3 };
	const struct capnp_text def_text = { "foo", 3 };
	const struct capnp_data def_data = { (const uint8_t *)"bar", 3 };
	struct capnp_msg m, inner_def, list_def;
	struct capnp_struct_reader r, s;
	struct capnp_list_reader l;
	struct capnp_text t;
	struct capnp_data d;
	float f32def = 1234.5f;
	double f64def = -123e45;
	uint32_t f32bits;
	uint64_t f64bits;

	memcpy(&f32bits, &f32def, 4);
	memcpy(&f64bits, &f64def, 8);
	capnp_msg_init_const(&inner_def, &inner_seg);
	capnp_msg_init_const(&list_def, &list_seg);
	EXPECT(read_framed(&m, buf, len) == 0 && capnp_msg_root_struct(&m, &r) == 0);
	EXPECT(capnp_read_bool(&r, BIT(Defaults, boolField), true) == !zeros);
	EXPECT(capnp_read_i8(&r, B(Defaults, int8Field), -123) == (zeros ? 0 : -123));
	EXPECT(capnp_read_i16(&r, B(Defaults, int16Field), -12345) == (zeros ? 0 : -12345));
	EXPECT(capnp_read_i32(&r, B(Defaults, int32Field), -12345678) == (zeros ? 0 : -12345678));
	EXPECT(capnp_read_i64(&r, B(Defaults, int64Field), -123456789012345) ==
	       (zeros ? 0 : -123456789012345));
	EXPECT(capnp_read_u8(&r, B(Defaults, uint8Field), 234) == (zeros ? 0 : 234));
	EXPECT(capnp_read_u16(&r, B(Defaults, uint16Field), 45678) == (zeros ? 0 : 45678));
	EXPECT(capnp_read_u32(&r, B(Defaults, uint32Field), 3456789012u) ==
	       (zeros ? 0 : 3456789012u));
	EXPECT(capnp_read_u64(&r, B(Defaults, uint64Field), 12345678901234567890ull) ==
	       (zeros ? 0 : 12345678901234567890ull));
	EXPECT(capnp_read_f32(&r, B(Defaults, float32Field), f32bits) == (zeros ? 0 : 1234.5f));
	EXPECT(capnp_read_f64(&r, B(Defaults, float64Field), f64bits) == (zeros ? 0 : -123e45));
	EXPECT(capnp_read_u16(&r, B(Defaults, enumField), 2) == (zeros ? 0 : 2));
	EXPECT(capnp_get_text(&r, P(Defaults, textField), &def_text, &t) == 0);
	EXPECT(zeros ? t.len == 0 && t.str[0] == 0 : t.len == 3 && !strcmp(t.str, "foo"));
	EXPECT(capnp_get_data(&r, P(Defaults, dataField), &def_data, &d) == 0);
	EXPECT(zeros ? d.len == 0 : d.len == 3 && !memcmp(d.ptr, "bar", 3));
	EXPECT(capnp_get_struct(&r, P(Defaults, structField), &inner_def, &s) == 0);
	EXPECT(capnp_read_u32(&s, 0, 0) == (zeros ? 0 : 7));
	EXPECT(zeros || text_is(&s, 0, "seven"));
	EXPECT(capnp_get_list(&r, P(Defaults, int32List), CAPNP_ELEM_FOUR, &list_def, &l) == 0);
	EXPECT(zeros ? l.len == 0 : l.len == 3 && capnp_list_i32(&l, 1) == -2);
	EXPECT(capnp_msg_error(&m) == 0);
	return 0;
}

/* Schema evolution: Old (1 data word, 1 ptr) read as New and New read as Old. */
static int check_evolution(const uint8_t *buf, size_t len, bool old_as_new)
{
	const struct capnp_text later = { "later", 5 };
	struct capnp_msg m;
	struct capnp_struct_reader r;
	struct capnp_text t;

	EXPECT(read_framed(&m, buf, len) == 0 && capnp_msg_root_struct(&m, &r) == 0);
	if (old_as_new) {
		EXPECT(r.data_bytes == 8 && r.ptr_count == 1);
		EXPECT(capnp_read_u32(&r, B(New, a), 0) == 5 && text_is(&r, P(New, p), "old"));
		EXPECT(capnp_read_u64(&r, B(New, b), 99) == 99);
		EXPECT(capnp_get_text(&r, P(New, q), &later, &t) == 0 && !strcmp(t.str, "later"));
	} else {
		EXPECT(r.data_bytes == 16 && r.ptr_count == 2);
		EXPECT(capnp_read_u32(&r, B(Old, a), 0) == 1 && text_is(&r, P(Old, p), "x"));
	}
	EXPECT(capnp_msg_error(&m) == 0);
	return 0;
}

/* Schema-aware walk of an AllTypes message reading every field with its schema type
 * (for the hostile cross-check: which typed error do we report where capnp fails). */
static void walk_all(const struct capnp_struct_reader *r, int depth);

static void walk_text_list(const struct capnp_struct_reader *r, uint16_t idx, bool text)
{
	struct capnp_list_reader l;
	struct capnp_text t;
	struct capnp_data d;

	capnp_get_list(r, idx, CAPNP_ELEM_POINTER, 0, &l);
	for (uint32_t i = 0; i < l.len; i++) {
		struct capnp_ptr_reader p = capnp_list_ptr(&l, i);
		if (text)
			capnp_ptr_get_text(&p, 0, &t);
		else
			capnp_ptr_get_data(&p, 0, &d);
	}
}

static void walk_all(const struct capnp_struct_reader *r, int depth)
{
	static const enum capnp_elem_size prim[] = {
		CAPNP_ELEM_VOID, CAPNP_ELEM_BIT,   CAPNP_ELEM_BYTE, CAPNP_ELEM_TWO,
		CAPNP_ELEM_FOUR, CAPNP_ELEM_EIGHT, CAPNP_ELEM_BYTE, CAPNP_ELEM_TWO,
		CAPNP_ELEM_FOUR, CAPNP_ELEM_EIGHT, CAPNP_ELEM_FOUR, CAPNP_ELEM_EIGHT,
	};
	struct capnp_struct_reader s;
	struct capnp_list_reader l, inner;
	struct capnp_text t;
	struct capnp_data d;
	uint32_t cap;

	if (depth > 200)
		return;
	capnp_get_text(r, P(AllTypes, textField), 0, &t);
	capnp_get_data(r, P(AllTypes, dataField), 0, &d);
	if (capnp_get_struct(r, P(AllTypes, structField), 0, &s) == 0 && s.data)
		walk_all(&s, depth + 1);
	capnp_get_cap(r, P(AllTypes, interfaceField), &cap);
	for (uint16_t i = 0; i < 12; i++)
		capnp_get_list(r, (uint16_t)(P(AllTypes, voidList) + i), prim[i], 0, &l);
	walk_text_list(r, P(AllTypes, textList), true);
	walk_text_list(r, P(AllTypes, dataList), false);
	if (capnp_get_list(r, P(AllTypes, structList), CAPNP_ELEM_COMPOSITE, 0, &l) == 0) {
		for (uint32_t i = 0; i < l.len && i < 1000; i++) {
			s = capnp_list_struct(&l, i);
			walk_all(&s, depth + 1);
		}
	}
	capnp_get_list(r, P(AllTypes, enumList), CAPNP_ELEM_TWO, 0, &l);
	capnp_get_list(r, P(AllTypes, listList), CAPNP_ELEM_POINTER, 0, &l);
	for (uint32_t i = 0; i < l.len; i++) {
		struct capnp_ptr_reader p = capnp_list_ptr(&l, i);
		capnp_ptr_get_list(&p, CAPNP_ELEM_FOUR, 0, &inner);
	}
	switch (capnp_read_u16(r, B(AllTypes, choice), 0)) {
	case 2:
		capnp_get_text(r, P(AllTypes, label), 0, &t);
		break;
	case 3:
		capnp_get_struct(r, P(AllTypes, inner), 0, &s);
		capnp_get_text(&s, P(Inner, b), 0, &t);
		break;
	}
	capnp_get_text(r, P(AllTypes, y), 0, &t);
}

static int do_walk(const uint8_t *buf, size_t len)
{
	struct capnp_msg m;
	struct capnp_struct_reader root;
	int err = read_framed(&m, buf, len);

	if (!err) {
		capnp_msg_root_struct(&m, &root);
		walk_all(&root, 0);
		err = capnp_msg_error(&m);
	}
	printf("%s\n", capos_error_name(err));
	return 0;
}

static int do_layout(void)
{
#define LAYOUT_PRINT(s, f, kind, off) printf("%s.%s %s %d\n", #s, #f, #kind, off);
	CORPUS_LAYOUT(LAYOUT_PRINT)
#undef LAYOUT_PRINT
	printf("AllTypes size %d %d\nInner size %d %d\nDefaults size %d %d\nOld size %d %d\nNew "
	       "size %d %d\n",
	       ALLTYPES_DW, ALLTYPES_PC, INNER_DW, INNER_PC, DEFAULTS_DW, DEFAULTS_PC, OLD_DW,
	       OLD_PC, NEW_DW, NEW_PC);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t len;
	uint8_t *in;

	if (!strcmp(mode, "layout"))
		return do_layout();
	if (!strcmp(mode, "emit") && argc == 6)
		return do_emit(strtoull(argv[2], 0, 0), (uint32_t)strtoul(argv[3], 0, 0),
			       (unsigned)strtoul(argv[4], 0, 0), argv[5]);
	in = slurp(stdin, &len);
	if (!strcmp(mode, "check") && argc == 3)
		return do_check(strtoull(argv[2], 0, 0), in, len, false, false);
	if (!strcmp(mode, "check-noany") && argc == 3)
		return do_check(strtoull(argv[2], 0, 0), in, len, true, false);
	if (!strcmp(mode, "check-large") && argc == 3)
		return do_check(strtoull(argv[2], 0, 0), in, len, false, true);
	if (!strcmp(mode, "canon"))
		return do_canon(in, len);
	if (!strcmp(mode, "walk"))
		return do_walk(in, len);
	if (!strcmp(mode, "pack") || !strcmp(mode, "unpack"))
		return do_pack(in, len, !strcmp(mode, "pack"));
	if (!strcmp(mode, "constall"))
		return do_constall(in, len);
	if (!strcmp(mode, "defaults-empty") || !strcmp(mode, "defaults-zero"))
		return check_defaults(in, len, !strcmp(mode, "defaults-zero"));
	if (!strcmp(mode, "old-as-new") || !strcmp(mode, "new-as-old"))
		return check_evolution(in, len, !strcmp(mode, "old-as-new"));
	fprintf(stderr, "usage: see the header comment\n");
	return 2;
}
