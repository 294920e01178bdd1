/*
 * The seeded value generator of the interop helper (tests/capnp/interop_helper.c): it
 * walks tests/capnp/corpus.capnp's AllTypes drawing every field's value from a
 * splitmix64 stream, and either BUILDS the message with lib/capnp's low-level API
 * (also printing the value in capnp's `--short` text form) or CHECKS a decoded message
 * field by field against the same draws. Offsets come from interop_layout.h, which
 * interop.py checks against `capnp compile -ocapnp`.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>

#include "interop_gen.h"
#include "interop_layout.h"

/* ------------------------------------------------------------ text buffer */
void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!s)
		return;
	if (!s->p) {
		s->cap = 256;
		s->p = malloc(s->cap);
		if (!s->p)
			abort();
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < s->cap - s->len)
			break;
		s->cap = s->cap * 2 + (size_t)n + 64;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
	}
	s->len += (size_t)n;
}

/* capnp's (kj's) escaping of Text and Data literals. */
static void sb_quoted(struct sbuf *s, const uint8_t *d, size_t n, bool text)
{
	if (!s)
		return;
	sb_printf(s, "\"");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = d[i];
		const char *named = 0;
		switch (c) {
		case '\a':
			named = "\\a";
			break;
		case '\b':
			named = "\\b";
			break;
		case '\t':
			named = "\\t";
			break;
		case '\n':
			named = "\\n";
			break;
		case '\v':
			named = "\\v";
			break;
		case '\f':
			named = "\\f";
			break;
		case '\r':
			named = "\\r";
			break;
		case '"':
			named = "\\\"";
			break;
		case '\'':
			named = "\\'";
			break;
		case '\\':
			named = "\\\\";
			break;
		}
		if (named)
			sb_printf(s, "%s", named);
		else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !text))
			sb_printf(s, "\\%03o", c);
		else
			sb_printf(s, "%c", c);
	}
	sb_printf(s, "\"");
}

/* ------------------------------------------------------------ generator */
static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rn(struct gen *g, uint32_t n)
{
	return (uint32_t)(rnd(g) % n);
}

/* Integers biased towards the edges of their range. */
static uint64_t rint_bits(struct gen *g, unsigned bits)
{
	uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
	switch (rn(g, 6)) {
	case 0:
		return 0;
	case 1:
		return mask; /* -1 / max */
	case 2:
		return 1ull << (bits - 1); /* signed min */
	case 3:
		return (1ull << (bits - 1)) - 1; /* signed max */
	default:
		return rnd(g) & mask;
	}
}

static uint32_t rlen(struct gen *g)
{
	return rn(g, 10) == 0 ? rn(g, 80) : rn(g, 5);
}

static void fail(struct gen *g, const char *what)
{
	fprintf(stderr, "mismatch: %s (depth %d)\n", what, g->depth);
	g->fails++;
}

static void tfield(struct gen *g, bool *first, const char *name)
{
	sb_printf(g->t, "%s%s = ", *first ? "" : ", ", name);
	*first = false;
}

static void print_int(struct gen *g, uint64_t v, unsigned bits, bool sgn)
{
	if (sgn) {
		int64_t x = (int64_t)(v << (64 - bits)) >> (64 - bits);
		sb_printf(g->t, "%" PRId64, x);
	} else {
		sb_printf(g->t, "%" PRIu64, v);
	}
}

static uint64_t sread(const struct capnp_struct_reader *r, uint32_t off, unsigned bits)
{
	switch (bits) {
	case 8:
		return capnp_read_u8(r, off, 0);
	case 16:
		return capnp_read_u16(r, off, 0);
	case 32:
		return capnp_read_u32(r, off, 0);
	default:
		return capnp_read_u64(r, off, 0);
	}
}

static void swrite(const struct capnp_struct_builder *b, uint32_t off, unsigned bits, uint64_t v)
{
	switch (bits) {
	case 8:
		capnp_write_u8(b, off, (uint8_t)v, 0);
		break;
	case 16:
		capnp_write_u16(b, off, (uint16_t)v, 0);
		break;
	case 32:
		capnp_write_u32(b, off, (uint32_t)v, 0);
		break;
	default:
		capnp_write_u64(b, off, v, 0);
		break;
	}
}

static void f_int(struct gen *g, bool *first, const char *name, struct node n, uint32_t off,
		  unsigned bits, bool sgn)
{
	uint64_t v = rint_bits(g, bits);
	tfield(g, first, name);
	print_int(g, v, bits, sgn);
	if (g->mode == BUILD)
		swrite(n.b, off, bits, v);
	else if (sread(n.r, off, bits) != v)
		fail(g, name);
}

static void f_bool(struct gen *g, bool *first, const char *name, struct node n, uint32_t bit)
{
	bool v = rn(g, 2);
	tfield(g, first, name);
	sb_printf(g->t, "%s", v ? "true" : "false");
	if (g->mode == BUILD)
		capnp_write_bool(n.b, bit, v, false);
	else if (capnp_read_bool(n.r, bit, false) != v)
		fail(g, name);
}

/* Quarter-integers print identically with %g and kj. */
static double rquarter(struct gen *g)
{
	return ((double)rn(g, 161) - 80.0) / 4.0;
}

static void f_float(struct gen *g, bool *first, const char *name, struct node n, uint32_t off,
		    bool dbl)
{
	double v = rquarter(g);
	tfield(g, first, name);
	sb_printf(g->t, "%g", v);
	if (g->mode == BUILD) {
		if (dbl)
			capnp_write_f64(n.b, off, v, 0);
		else
			capnp_write_f32(n.b, off, (float)v, 0);
	} else if (dbl ? capnp_read_f64(n.r, off, 0) != v
		       : capnp_read_f32(n.r, off, 0) != (float)v) {
		fail(g, name);
	}
}

static uint32_t rbytes(struct gen *g, uint8_t *buf, bool text)
{
	static const char alpha[] = "abcXYZ 019\n\t\"'\\\x01\x7f~{}";
	uint32_t len = rn(g, 8) == 0 ? rn(g, 200) : rn(g, 12);
	for (uint32_t i = 0; i < len; i++)
		buf[i] = text ? (uint8_t)alpha[rn(g, sizeof alpha - 1)] : (uint8_t)rnd(g);
	return len;
}

/* Text or Data behind pointer p (builder) / pr (reader). */
static void v_bytes(struct gen *g, const struct capnp_ptr_builder *p,
		    const struct capnp_ptr_reader *pr, bool text, const char *name)
{
	uint8_t buf[256];
	uint32_t len = rbytes(g, buf, text);

	sb_quoted(g->t, buf, len, text);
	if (g->mode == BUILD) {
		int err = text ? capnp_ptr_set_text(p, (const char *)buf, len)
			       : capnp_ptr_set_data(p, buf, len);
		if (err)
			fail(g, name);
	} else if (!strcmp(name, "anyField-skipped")) {
		return;
	} else if (text) {
		struct capnp_text t;
		if (capnp_ptr_get_text(pr, 0, &t) || t.len != len || memcmp(t.str, buf, len) ||
		    t.str[len] != 0)
			fail(g, name);
	} else {
		struct capnp_data d;
		if (capnp_ptr_get_data(pr, 0, &d) || d.len != len || memcmp(d.ptr, buf, len))
			fail(g, name);
	}
}

/* A pointer field is present with probability 1/2; absent ones are null and unprinted. */
static bool present(struct gen *g, bool *first, const char *name, struct node n, uint16_t idx)
{
	bool here = rn(g, 2);
	if (here)
		tfield(g, first, name);
	else if (g->mode == CHECK && capnp_struct_has(n.r, idx))
		fail(g, name);
	return here;
}

static struct capnp_ptr_builder bptr(struct node n, uint16_t idx)
{
	struct capnp_ptr_builder p = { 0, 0, 0 };
	return n.b ? capnp_sb_ptr(n.b, idx) : p;
}

static struct capnp_ptr_reader rptr(struct node n, uint16_t idx)
{
	struct capnp_ptr_reader p = { 0, 0, 0, 0 };
	return n.r ? capnp_struct_ptr(n.r, idx) : p;
}

static void f_text(struct gen *g, bool *first, const char *name, struct node n, uint16_t idx,
		   bool text)
{
	struct capnp_ptr_builder pb = bptr(n, idx);
	struct capnp_ptr_reader pr = rptr(n, idx);
	if (present(g, first, name, n, idx))
		v_bytes(g, &pb, &pr, text, name);
}

static const char *color_name[4] = { "red", "green", "blue", "ultraviolet" };

/* List of primitives: es is the element size, kind 'i' signed, 'u' unsigned, 'f' float,
 * 'b' bool, 'v' void, 'e' enum. */
static void v_prim_list(struct gen *g, const struct capnp_ptr_builder *p,
			const struct capnp_ptr_reader *pr, enum capnp_elem_size es, char kind,
			const char *name)
{
	static const unsigned bits_of[] = { 0, 1, 8, 16, 32, 64 };
	struct capnp_list_builder lb;
	struct capnp_list_reader lr;
	uint32_t len = rlen(g) + (g->large && g->depth == 0 ? 65536 + rn(g, 1000) : 0);
	unsigned bits = bits_of[es];

	if (g->mode == BUILD) {
		if (capnp_ptr_init_list(p, es, len, &lb))
			fail(g, name);
	} else if (capnp_ptr_get_list(pr, es, 0, &lr) || lr.len != len) {
		fail(g, name);
		return;
	}
	sb_printf(g->t, "[");
	for (uint32_t i = 0; i < len; i++) {
		uint64_t v = 0, got = 0;
		sb_printf(g->t, "%s", i ? ", " : "");
		if (kind == 'v') {
			sb_printf(g->t, "void");
			continue;
		} else if (kind == 'b') {
			v = rn(g, 2);
			sb_printf(g->t, "%s", v ? "true" : "false");
			if (g->mode == BUILD)
				capnp_lb_set_bool(&lb, i, v);
			else
				got = capnp_list_bool(&lr, i);
		} else {
			if (kind == 'f') {
				double d = rquarter(g);
				float f = (float)d;
				sb_printf(g->t, "%g", d);
				if (bits == 32)
					memcpy(&v, &f, 4);
				else
					memcpy(&v, &d, 8);
			} else if (kind == 'e') {
				v = rn(g, 4);
				sb_printf(g->t, "%s", color_name[v]);
			} else {
				v = rint_bits(g, bits);
				print_int(g, v, bits, kind == 'i');
			}
			switch (bits) {
			case 8:
				if (g->mode == BUILD)
					capnp_lb_set_u8(&lb, i, (uint8_t)v);
				else
					got = capnp_list_u8(&lr, i);
				break;
			case 16:
				if (g->mode == BUILD)
					capnp_lb_set_u16(&lb, i, (uint16_t)v);
				else
					got = capnp_list_u16(&lr, i);
				break;
			case 32:
				if (g->mode == BUILD)
					capnp_lb_set_u32(&lb, i, (uint32_t)v);
				else
					got = capnp_list_u32(&lr, i);
				break;
			default:
				if (g->mode == BUILD)
					capnp_lb_set_u64(&lb, i, v);
				else
					got = capnp_list_u64(&lr, i);
				break;
			}
		}
		if (g->mode == CHECK && got != v)
			fail(g, name);
	}
	sb_printf(g->t, "]");
}

static void f_list(struct gen *g, bool *first, const char *name, struct node n, uint16_t idx,
		   enum capnp_elem_size es, char kind)
{
	struct capnp_ptr_builder pb = bptr(n, idx);
	struct capnp_ptr_reader pr = rptr(n, idx);
	if (present(g, first, name, n, idx))
		v_prim_list(g, &pb, &pr, es, kind, name);
}

/* A list of pointers (field idx of n) with len elements, each Text (elem 't'), Data
 * ('d') or List(Int32) ('l'). */
static void v_ptr_list(struct gen *g, struct node n, uint16_t idx, uint32_t len, char elem,
		       const char *name)
{
	struct capnp_ptr_builder pb = bptr(n, idx);
	struct capnp_ptr_reader pr = rptr(n, idx);
	struct capnp_list_builder lb;
	struct capnp_list_reader lr;

	if (g->mode == BUILD) {
		if (capnp_ptr_init_list(&pb, CAPNP_ELEM_POINTER, len, &lb))
			fail(g, name);
	} else if (capnp_ptr_get_list(&pr, CAPNP_ELEM_POINTER, 0, &lr) || lr.len != len) {
		fail(g, name);
		return;
	}
	sb_printf(g->t, "[");
	for (uint32_t i = 0; i < len; i++) {
		struct capnp_ptr_builder eb = { 0, 0, 0 };
		struct capnp_ptr_reader er = { 0, 0, 0, 0 };
		if (g->mode == BUILD)
			eb = capnp_lb_ptr(&lb, i);
		else
			er = capnp_list_ptr(&lr, i);
		sb_printf(g->t, "%s", i ? ", " : "");
		if (elem == 'l')
			v_prim_list(g, &eb, &er, CAPNP_ELEM_FOUR, 'i', "listList[]");
		else
			v_bytes(g, &eb, &er, elem == 't', name);
	}
	sb_printf(g->t, "]");
}

static void f_bytes_list(struct gen *g, bool *first, const char *name, struct node n, uint16_t idx,
			 bool text)
{
	if (present(g, first, name, n, idx))
		v_ptr_list(g, n, idx, rlen(g), text ? 't' : 'd', name);
}

static void f_list_list(struct gen *g, bool *first, struct node n)
{
	if (present(g, first, "listList", n, P(AllTypes, listList)))
		v_ptr_list(g, n, P(AllTypes, listList), rn(g, 4), 'l', "listList");
}

static void f_struct(struct gen *g, bool *first, struct node n)
{
	struct capnp_ptr_builder pb = bptr(n, P(AllTypes, structField));
	struct capnp_struct_builder cb;
	struct capnp_struct_reader cr;

	if (g->depth >= 2 || !present(g, first, "structField", n, P(AllTypes, structField)))
		return;
	if (g->mode == BUILD) {
		if (capnp_ptr_init_struct(&pb, ALLTYPES_DW, ALLTYPES_PC, &cb))
			fail(g, "structField");
	} else if (capnp_get_struct(n.r, P(AllTypes, structField), 0, &cr)) {
		fail(g, "structField");
	}
	g->depth++;
	gen_all(g, g->mode == BUILD ? (struct node){ &cb, 0 } : (struct node){ 0, &cr });
	g->depth--;
}

static void f_struct_list(struct gen *g, bool *first, struct node n)
{
	struct capnp_ptr_builder pb = bptr(n, P(AllTypes, structList));
	struct capnp_ptr_reader pr = rptr(n, P(AllTypes, structList));
	struct capnp_list_builder lb;
	struct capnp_list_reader lr;
	uint32_t len;

	if (g->depth >= 2 || !present(g, first, "structList", n, P(AllTypes, structList)))
		return;
	len = rn(g, 3);
	if (g->mode == BUILD) {
		if (capnp_ptr_init_struct_list(&pb, len, ALLTYPES_DW, ALLTYPES_PC, &lb))
			fail(g, "structList");
	} else if (capnp_ptr_get_list(&pr, CAPNP_ELEM_COMPOSITE, 0, &lr) || lr.len != len) {
		fail(g, "structList");
		return;
	}
	sb_printf(g->t, "[");
	g->depth++;
	for (uint32_t i = 0; i < len; i++) {
		struct capnp_struct_builder eb;
		struct capnp_struct_reader er;
		sb_printf(g->t, "%s", i ? ", " : "");
		if (g->mode == BUILD)
			eb = capnp_lb_struct(&lb, i);
		else
			er = capnp_list_struct(&lr, i);
		gen_all(g, g->mode == BUILD ? (struct node){ &eb, 0 } : (struct node){ 0, &er });
	}
	g->depth--;
	sb_printf(g->t, "]");
}

static void f_any(struct gen *g, bool *first, struct node n)
{
	struct capnp_ptr_builder pb = bptr(n, P(AllTypes, anyField));
	struct capnp_ptr_reader pr = rptr(n, P(AllTypes, anyField));
	enum capnp_ptr_kind kind;

	bool here = rn(g, 2);

	if (!here || g->no_any) {
		if (g->mode == CHECK && capnp_struct_has(n.r, P(AllTypes, anyField)))
			fail(g, "anyField");
		if (here) /* consume the same draws */
			v_bytes(g, &pb, &pr, true, "anyField-skipped");
		return;
	}
	tfield(g, first, "anyField");
	sb_printf(g->t, "<opaque pointer>");
	if (g->mode == CHECK && (capnp_ptr_kind(&pr, &kind) || kind != CAPNP_PTR_LIST))
		fail(g, "anyField kind");
	/* An AnyPointer holding Text; the text form is opaque, the check is ours. */
	struct sbuf *saved = g->t;
	g->t = 0;
	v_bytes(g, &pb, &pr, true, "anyField");
	g->t = saved;
}

static void f_union(struct gen *g, bool *first, struct node n)
{
	uint16_t which = (uint16_t)rn(g, 4);
	struct capnp_ptr_builder pb = bptr(n, P(AllTypes, label));
	struct capnp_ptr_reader pr = rptr(n, P(AllTypes, label));

	tfield(g, first, "choice");
	sb_printf(g->t, "(");
	if (g->mode == BUILD)
		capnp_write_u16(n.b, B(AllTypes, choice), which, 0);
	else if (capnp_read_u16(n.r, B(AllTypes, choice), 0) != which)
		fail(g, "choice which");
	if (which == 0) {
		sb_printf(g->t, "none = void");
	} else if (which == 1) {
		bool f = true;
		f_int(g, &f, "number", n, B(AllTypes, number), 32, false);
	} else if (which == 2) {
		sb_printf(g->t, "label = ");
		v_bytes(g, &pb, &pr, true, "label");
	} else {
		struct capnp_struct_builder ib;
		struct capnp_struct_reader ir;
		struct node in;
		bool f = true;
		sb_printf(g->t, "inner = (");
		if (g->mode == BUILD) {
			if (capnp_ptr_init_struct(&pb, INNER_DW, INNER_PC, &ib))
				fail(g, "inner");
			in = (struct node){ &ib, 0 };
		} else {
			if (capnp_ptr_get_struct(&pr, 0, &ir))
				fail(g, "inner");
			in = (struct node){ 0, &ir };
		}
		f_int(g, &f, "a", in, B(Inner, a), 32, false);
		f_text(g, &f, "b", in, P(Inner, b), true);
		sb_printf(g->t, ")");
	}
	sb_printf(g->t, ")");
}

static void f_group(struct gen *g, bool *first, struct node n)
{
	bool f = true;
	tfield(g, first, "grp");
	sb_printf(g->t, "(");
	f_int(g, &f, "x", n, B(AllTypes, x), 16, false);
	f_text(g, &f, "y", n, P(AllTypes, y), true);
	f_bool(g, &f, "flag", n, BIT(AllTypes, flag));
	sb_printf(g->t, ")");
}

void gen_all(struct gen *g, struct node n)
{
	bool first = true;
	uint16_t e = (uint16_t)rn(g, 4);

	sb_printf(g->t, "(");
	tfield(g, &first, "voidField");
	sb_printf(g->t, "void");
	f_bool(g, &first, "boolField", n, BIT(AllTypes, boolField));
	f_int(g, &first, "int8Field", n, B(AllTypes, int8Field), 8, true);
	f_int(g, &first, "int16Field", n, B(AllTypes, int16Field), 16, true);
	f_int(g, &first, "int32Field", n, B(AllTypes, int32Field), 32, true);
	f_int(g, &first, "int64Field", n, B(AllTypes, int64Field), 64, true);
	f_int(g, &first, "uint8Field", n, B(AllTypes, uint8Field), 8, false);
	f_int(g, &first, "uint16Field", n, B(AllTypes, uint16Field), 16, false);
	f_int(g, &first, "uint32Field", n, B(AllTypes, uint32Field), 32, false);
	f_int(g, &first, "uint64Field", n, B(AllTypes, uint64Field), 64, false);
	f_float(g, &first, "float32Field", n, B(AllTypes, float32Field), false);
	f_float(g, &first, "float64Field", n, B(AllTypes, float64Field), true);
	f_text(g, &first, "textField", n, P(AllTypes, textField), true);
	f_text(g, &first, "dataField", n, P(AllTypes, dataField), false);
	f_struct(g, &first, n);
	tfield(g, &first, "enumField");
	sb_printf(g->t, "%s", color_name[e]);
	if (g->mode == BUILD)
		capnp_write_u16(n.b, B(AllTypes, enumField), e, 0);
	else if (capnp_read_u16(n.r, B(AllTypes, enumField), 0) != e)
		fail(g, "enumField");
	f_list(g, &first, "voidList", n, P(AllTypes, voidList), CAPNP_ELEM_VOID, 'v');
	f_list(g, &first, "boolList", n, P(AllTypes, boolList), CAPNP_ELEM_BIT, 'b');
	f_list(g, &first, "int8List", n, P(AllTypes, int8List), CAPNP_ELEM_BYTE, 'i');
	f_list(g, &first, "int16List", n, P(AllTypes, int16List), CAPNP_ELEM_TWO, 'i');
	f_list(g, &first, "int32List", n, P(AllTypes, int32List), CAPNP_ELEM_FOUR, 'i');
	f_list(g, &first, "int64List", n, P(AllTypes, int64List), CAPNP_ELEM_EIGHT, 'i');
	f_list(g, &first, "uint8List", n, P(AllTypes, uint8List), CAPNP_ELEM_BYTE, 'u');
	f_list(g, &first, "uint16List", n, P(AllTypes, uint16List), CAPNP_ELEM_TWO, 'u');
	f_list(g, &first, "uint32List", n, P(AllTypes, uint32List), CAPNP_ELEM_FOUR, 'u');
	f_list(g, &first, "uint64List", n, P(AllTypes, uint64List), CAPNP_ELEM_EIGHT, 'u');
	f_list(g, &first, "float32List", n, P(AllTypes, float32List), CAPNP_ELEM_FOUR, 'f');
	f_list(g, &first, "float64List", n, P(AllTypes, float64List), CAPNP_ELEM_EIGHT, 'f');
	f_bytes_list(g, &first, "textList", n, P(AllTypes, textList), true);
	f_bytes_list(g, &first, "dataList", n, P(AllTypes, dataList), false);
	f_struct_list(g, &first, n);
	f_list(g, &first, "enumList", n, P(AllTypes, enumList), CAPNP_ELEM_TWO, 'e');
	f_list_list(g, &first, n);
	f_any(g, &first, n);
	f_union(g, &first, n);
	f_group(g, &first, n);
	sb_printf(g->t, ")");
	/* The interface field stays null: the capnp tool cannot print capabilities. */
	if (g->mode == CHECK && capnp_struct_has(n.r, P(AllTypes, interfaceField)))
		fail(g, "interfaceField");
}
