/*
 * emit_struct.c: code for struct and group nodes. For a struct N it writes, in pass 1
 * (types), N_TYPE_ID, N_DATA_WORDS / N_PTR_COUNT, the wrapper types struct N_r (reader),
 * struct N_b (builder), struct N_rlist / N_blist, and enum N_which for a union; in
 * pass 2 (functions) the static inline accessors: N_read_root / N_read / N_build_root,
 * N_which, and per field N_get_F / N_has_F (readers) and N_set_F / N_init_F (builders).
 * Groups get the same per-field accessors over their parent's struct. Primitive
 * defaults are XOR masks; pointer defaults are embedded as trusted constant messages.
 * Every accessor forwards to lib/capnp, so bounds, limits and typed errors are the
 * runtime's (see capnp.h "ERROR MODEL").
 */
#include "capnpc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Everything the per-field emitters need about one field. */
struct field_ctx {
	struct gen *g;
	const char *owner;    /* C name of the struct or group */
	const char *name;     /* field name */
	uint16_t disc_value;  /* union tag, or 0xffff */
	uint32_t disc_offset; /* owner's discriminant offset (in u16 units) */
	uint32_t offset;      /* slot offset (units of the field's size) */
	struct schema_Type_r type;
	struct schema_Value_r def;
	const struct gen_node *scope; /* node, for reports */
};

/* Name of a field; "" and *err set if unreadable. */
static struct capnp_text field_name(const struct schema_Field_r *f, int *err)
{
	struct capnp_text t;
	int status = schema_Field_get_name(f, &t);

	return gen_text(gen_check_name(status, t), t, err);
}

/* Statement that selects this field's union member, or nothing. */
static void emit_disc(struct gen_buf *b, const struct field_ctx *f)
{
	if (f->disc_value != 0xffff)
		buf_printf(b, "\tcapnp_write_u16(&b->s, %" PRIu32 "u, %uu, 0);\n",
			   f->disc_offset * 2, f->disc_value);
}

/* C literal for a primitive default bit pattern of type t. */
static void emit_literal(struct gen_buf *b, enum schema_Type_which t, uint64_t bits)
{
	switch (t) {
	case schema_Type_which_bool:
		buf_printf(b, bits ? "true" : "false");
		break;
	case schema_Type_which_int8:
		buf_printf(b, "(int8_t)%d", (int8_t)bits);
		break;
	case schema_Type_which_int16:
		buf_printf(b, "(int16_t)%d", (int16_t)bits);
		break;
	case schema_Type_which_int32:
		buf_printf(b, "(int32_t)UINT32_C(0x%" PRIx32 ")", (uint32_t)bits);
		break;
	case schema_Type_which_int64:
		buf_printf(b, "(int64_t)UINT64_C(0x%" PRIx64 ")", bits);
		break;
	case schema_Type_which_uint8:
	case schema_Type_which_uint16:
	case schema_Type_which_enum:
		buf_printf(b, "%" PRIu64 "u", bits);
		break;
	case schema_Type_which_uint32:
	case schema_Type_which_float32:
		buf_printf(b, "UINT32_C(0x%" PRIx64 ")", bits);
		break;
	default:
		buf_printf(b, "UINT64_C(0x%" PRIx64 ")", bits);
		break;
	}
}

/* Name of the C reader type of a struct type id ("struct X_r"), via the index. */
static const char *struct_cname(const struct field_ctx *f, uint64_t id)
{
	const struct gen_node *n = gen_need(f->g, id, f->name);
	return n ? n->cname : NULL;
}

static int emit_prim(struct gen_buf *b, const struct field_ctx *f, enum schema_Type_which t)
{
	const char *ctype = prim_ctype(t), *suf = prim_suffix(t);
	char enum_type[512];
	uint64_t bits;
	uint32_t off = f->offset * (uint32_t)prim_bits(t) / (t == schema_Type_which_bool ? 1 : 8);
	int err = value_bits(&f->def, t, &bits);

	if (err) {
		gen_report(f->scope, "field %s: default value does not match its type", f->name);
		return err;
	}
	if (t == schema_Type_which_enum) {
		struct schema_Type_enum_r e = schema_Type_get_enum(&f->type);
		const char *en = struct_cname(f, schema_Type_enum_get_typeId(&e));
		if (!en)
			return CAPOS_ERR_CAPNP_BAD_REQUEST;
		snprintf(enum_type, sizeof enum_type, "enum %s", en);
		ctype = enum_type;
	}
	buf_printf(b, "static inline %s %s_get_%s(const struct %s_r *r)\n{\n\treturn ", ctype,
		   f->owner, f->name, f->owner);
	if (t == schema_Type_which_enum)
		buf_printf(b, "(%s)", ctype);
	buf_printf(b, "capnp_read_%s(&r->s, %" PRIu32 "u, ", suf, off);
	emit_literal(b, t, bits);
	buf_printf(b, ");\n}\n\n");

	buf_printf(b, "static inline void %s_set_%s(const struct %s_b *b, %s v)\n{\n", f->owner,
		   f->name, f->owner, ctype);
	emit_disc(b, f);
	buf_printf(b, "\tcapnp_write_%s(&b->s, %" PRIu32 "u, %sv, ", suf, off,
		   t == schema_Type_which_enum ? "(uint16_t)" : "");
	emit_literal(b, t, bits);
	buf_printf(b, ");\n}\n\n");
	return 0;
}

static void emit_has(struct gen_buf *b, const struct field_ctx *f)
{
	buf_printf(b,
		   "static inline bool %s_has_%s(const struct %s_r *r)\n{\n"
		   "\treturn capnp_struct_has(&r->s, %" PRIu32 "u);\n}\n\n",
		   f->owner, f->name, f->owner, f->offset);
}

/* Opening of a builder function `int OWNER_VERB_NAME(const struct OWNER_b *b, PARAMS)`
 * on pointer field f (params_fmt: the parameters after `b`): selects the union member
 * and names the pointer `p`; the caller writes the return statement. */
static void emit_ptr_builder_head(struct gen_buf *b, const struct field_ctx *f, const char *verb,
				  const char *params_fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void emit_ptr_builder_head(struct gen_buf *b, const struct field_ctx *f, const char *verb,
				  const char *params_fmt, ...)
{
	va_list ap;

	buf_printf(b, "static inline int %s_%s_%s(const struct %s_b *b, ", f->owner, verb, f->name,
		   f->owner);
	va_start(ap, params_fmt);
	buf_vprintf(b, params_fmt, ap);
	va_end(ap);
	buf_printf(b, ")\n{\n");
	emit_disc(b, f);
	buf_printf(b, "\tstruct capnp_ptr_builder p = capnp_sb_ptr(&b->s, %" PRIu32 "u);\n\n",
		   f->offset);
}

static int emit_blob(struct gen_buf *b, const struct field_ctx *f, bool text)
{
	const char *kind = text ? "text" : "data";
	struct capnp_text dt = { "", 0 };
	struct capnp_data dd = { NULL, 0 };
	int err = 0;
	bool has_def;

	if (schema_Value_which(&f->def) !=
	    (text ? schema_Value_which_text : schema_Value_which_data))
		err = CAPOS_ERR_CAPNP_BAD_REQUEST;
	else if (text)
		err = schema_Value_get_text(&f->def, &dt);
	else
		err = schema_Value_get_data(&f->def, &dd);
	if (err) {
		gen_report(f->scope, "field %s: malformed default", f->name);
		return err;
	}
	has_def = text ? schema_Value_has_text(&f->def) : schema_Value_has_data(&f->def);
	buf_printf(b,
		   "static inline int %s_get_%s(const struct %s_r *r, struct capnp_%s *out)\n{\n",
		   f->owner, f->name, f->owner, kind);
	if (has_def && text) {
		buf_printf(b, "\tstatic const struct capnp_text def = { ");
		buf_cstring(b, dt.str, dt.len);
		buf_printf(b, ", %" PRIu32 "u };\n\n", dt.len);
	} else if (has_def) {
		buf_printf(b, "\tstatic const uint8_t bytes[] = ");
		if (dd.len)
			buf_bytes(b, dd.ptr, dd.len, false);
		else
			buf_bytes(b, (const uint8_t[1]){ 0 }, 1, false); /* C has no empty arrays */
		buf_printf(b,
			   ";\n\tstatic const struct capnp_data def = { bytes, %" PRIu32 "u };\n\n",
			   dd.len);
	}
	buf_printf(b, "\treturn capnp_get_%s(&r->s, %" PRIu32 "u, %s, out);\n}\n\n", kind,
		   f->offset, has_def ? "&def" : "NULL");
	emit_has(b, f);

	emit_ptr_builder_head(b, f, "set", "const %s *v, uint32_t len", text ? "char" : "void");
	buf_printf(b, "\treturn capnp_ptr_set_%s(&p, v, len);\n}\n\n", kind);

	emit_ptr_builder_head(b, f, "init", "uint32_t len, %s **out", text ? "char" : "uint8_t");
	buf_printf(b, "\treturn capnp_ptr_init_%s(&p, len, out);\n}\n\n", kind);
	return 0;
}

/* A pointer default (struct or list) as a trusted constant message named `def`, or
 * nothing (then `*has` is false and the runtime default is the empty value). */
static int emit_ptr_default(struct gen_buf *b, const struct field_ctx *f, bool *has)
{
	enum schema_Value_which w = schema_Value_which(&f->def);
	struct capnp_ptr_reader p;
	uint8_t *bytes;
	size_t words;
	int err;

	*has = false;
	if (w == schema_Value_which_struct)
		p = schema_Value_get_struct(&f->def);
	else if (w == schema_Value_which_list)
		p = schema_Value_get_list(&f->def);
	else if (w == schema_Value_which_anyPointer || w == schema_Value_which_interface)
		return 0;
	else
		return CAPOS_ERR_CAPNP_BAD_REQUEST;
	err = value_canonical(&p, &bytes, &words);
	if (err) {
		gen_report(f->scope, "field %s: default value unreadable (%s)", f->name,
			   capos_error_name(err));
		return err;
	}
	if (words == 0)
		return 0;
	*has = true;
	buf_printf(b, "\tstatic const uint8_t words[] __attribute__((aligned(8))) = ");
	buf_bytes(b, bytes, words * 8, false);
	buf_printf(b, ";\n\tstatic const struct capnp_segment seg = { words, %zuu };\n", words);
	buf_printf(b, "\tstatic struct capnp_msg def = {\n"
		      "\t\t.segs = &seg, .nsegs = 1, .flags = CAPNP_MSG_UNCHECKED_LIMITS,\n"
		      "\t\t.traversal_left = CAPNP_DEFAULT_TRAVERSAL_WORDS,\n"
		      "\t\t.nesting_limit = CAPNP_DEFAULT_NESTING,\n\t};\n\n");
	free(bytes);
	return 0;
}

static int emit_struct_field(struct gen_buf *b, const struct field_ctx *f)
{
	struct schema_Type_struct_r st = schema_Type_get_struct(&f->type);
	const char *m = struct_cname(f, schema_Type_struct_get_typeId(&st));
	bool has_def;
	int err;

	if (!m)
		return CAPOS_ERR_CAPNP_BAD_REQUEST;
	buf_printf(b, "static inline int %s_get_%s(const struct %s_r *r, struct %s_r *out)\n{\n",
		   f->owner, f->name, f->owner, m);
	err = emit_ptr_default(b, f, &has_def);
	if (err)
		return err;
	buf_printf(b, "\treturn capnp_get_struct(&r->s, %" PRIu32 "u, %s, &out->s);\n}\n\n",
		   f->offset, has_def ? "&def" : "NULL");
	emit_has(b, f);
	emit_ptr_builder_head(b, f, "init", "struct %s_b *out", m);
	buf_printf(
		b,
		"\treturn capnp_ptr_init_struct(&p, %s_DATA_WORDS, %s_PTR_COUNT, &out->s);\n}\n\n",
		m, m);
	emit_ptr_builder_head(b, f, "set", "const struct %s_r *v", m);
	buf_printf(b, "\treturn capnp_ptr_copy_struct(&p, &v->s, 0);\n}\n\n");
	return 0;
}

static const char *elem_size_name(enum capnp_elem_size e)
{
	static const char *const names[] = {
		"CAPNP_ELEM_VOID", "CAPNP_ELEM_BIT",   "CAPNP_ELEM_BYTE",    "CAPNP_ELEM_TWO",
		"CAPNP_ELEM_FOUR", "CAPNP_ELEM_EIGHT", "CAPNP_ELEM_POINTER", "CAPNP_ELEM_COMPOSITE",
	};
	return names[e & 7];
}

static int emit_list_field(struct gen_buf *b, const struct field_ctx *f)
{
	struct schema_Type_list_r lt = schema_Type_get_list(&f->type);
	struct schema_Type_r et;
	enum schema_Type_which ew;
	const char *m = NULL;
	bool has_def;
	int err = schema_Type_list_get_elementType(&lt, &et);

	if (err)
		return err;
	ew = schema_Type_which(&et);
	if (ew == schema_Type_which_struct) {
		struct schema_Type_struct_r st = schema_Type_get_struct(&et);
		m = struct_cname(f, schema_Type_struct_get_typeId(&st));
		if (!m)
			return CAPOS_ERR_CAPNP_BAD_REQUEST;
	}
	if (m)
		buf_printf(b,
			   "static inline int %s_get_%s(const struct %s_r *r, struct %s_rlist "
			   "*out)\n{\n",
			   f->owner, f->name, f->owner, m);
	else
		buf_printf(b,
			   "static inline int %s_get_%s(const struct %s_r *r, struct "
			   "capnp_list_reader *out)\n{\n",
			   f->owner, f->name, f->owner);
	err = emit_ptr_default(b, f, &has_def);
	if (err)
		return err;
	buf_printf(b, "\treturn capnp_get_list(&r->s, %" PRIu32 "u, %s, %s, %s);\n}\n\n", f->offset,
		   elem_size_name(elem_size_of(ew)), has_def ? "&def" : "NULL",
		   m ? "&out->l" : "out");
	emit_has(b, f);

	if (m) {
		emit_ptr_builder_head(b, f, "init", "uint32_t n, struct %s_blist *out", m);
		buf_printf(b,
			   "\treturn capnp_ptr_init_struct_list(&p, n, %s_DATA_WORDS, "
			   "%s_PTR_COUNT, &out->l);\n}\n\n",
			   m, m);
	} else {
		emit_ptr_builder_head(b, f, "init", "uint32_t n, struct capnp_list_builder *out");
		buf_printf(b, "\treturn capnp_ptr_init_list(&p, %s, n, out);\n}\n\n",
			   elem_size_name(elem_size_of(ew)));
	}
	emit_ptr_builder_head(b, f, "set", "const struct capnp_list_reader *v");
	buf_printf(b, "\treturn capnp_ptr_copy_list(&p, v, 0);\n}\n\n");
	return 0;
}

static void emit_cap_field(struct gen_buf *b, const struct field_ctx *f)
{
	buf_printf(b,
		   "static inline int %s_get_%s(const struct %s_r *r, uint32_t *cap)\n{\n"
		   "\treturn capnp_get_cap(&r->s, %" PRIu32 "u, cap);\n}\n\n",
		   f->owner, f->name, f->owner, f->offset);
	emit_has(b, f);
	emit_ptr_builder_head(b, f, "set", "uint32_t cap");
	buf_printf(b, "\treturn capnp_ptr_set_cap(&p, cap);\n}\n\n");
}

static void emit_any_field(struct gen_buf *b, const struct field_ctx *f)
{
	buf_printf(b,
		   "static inline struct capnp_ptr_reader %s_get_%s(const struct %s_r *r)\n{\n"
		   "\treturn capnp_struct_ptr(&r->s, %" PRIu32 "u);\n}\n\n",
		   f->owner, f->name, f->owner, f->offset);
	emit_has(b, f);
	buf_printf(b,
		   "static inline struct capnp_ptr_builder %s_init_%s(const struct %s_b *b)\n{\n",
		   f->owner, f->name, f->owner);
	emit_disc(b, f);
	buf_printf(b, "\treturn capnp_sb_ptr(&b->s, %" PRIu32 "u);\n}\n\n", f->offset);
}

static void emit_void_field(struct gen_buf *b, const struct field_ctx *f)
{
	if (f->disc_value == 0xffff)
		return; /* a Void outside a union has no storage and nothing to select */
	buf_printf(b, "static inline void %s_set_%s(const struct %s_b *b)\n{\n", f->owner, f->name,
		   f->owner);
	emit_disc(b, f);
	buf_printf(b, "}\n\n");
}

/* `Capability` (AnyPointer constrained to capabilities) reads as a cap index. */
static bool is_capability(const struct schema_Type_r *t)
{
	struct schema_Type_anyPointer_r ap = schema_Type_get_anyPointer(t);
	struct schema_Type_anyPointer_unconstrained_r u;

	if (schema_Type_anyPointer_which(&ap) != schema_Type_anyPointer_which_unconstrained)
		return false;
	u = schema_Type_anyPointer_get_unconstrained(&ap);
	return schema_Type_anyPointer_unconstrained_which(&u) ==
	       schema_Type_anyPointer_unconstrained_which_capability;
}

static int emit_slot(struct gen_buf *b, struct field_ctx *f, const struct schema_Field_r *field)
{
	struct schema_Field_slot_r slot = schema_Field_get_slot(field);
	enum schema_Type_which t;
	int err;

	f->offset = schema_Field_slot_get_offset(&slot);
	err = schema_Field_slot_get_type(&slot, &f->type);
	if (!err)
		err = schema_Field_slot_get_defaultValue(&slot, &f->def);
	if (err)
		return err;
	t = schema_Type_which(&f->type);
	switch (t) {
	case schema_Type_which_void:
		emit_void_field(b, f);
		return 0;
	case schema_Type_which_text:
		return emit_blob(b, f, true);
	case schema_Type_which_data:
		return emit_blob(b, f, false);
	case schema_Type_which_struct:
		return emit_struct_field(b, f);
	case schema_Type_which_list:
		return emit_list_field(b, f);
	case schema_Type_which_interface:
		emit_cap_field(b, f);
		return 0;
	case schema_Type_which_anyPointer:
		if (is_capability(&f->type))
			emit_cap_field(b, f);
		else
			emit_any_field(b, f);
		return 0;
	default:
		if (prim_suffix(t))
			return emit_prim(b, f, t);
		gen_report(f->scope, "field %s: unknown type kind %d", f->name, (int)t);
		return CAPOS_ERR_CAPNP_SCHEMA_UNSUPPORTED;
	}
}

/* Statements zeroing every field of group node gn (nested groups included) and its
 * union tag, as Cap'n Proto's initGroup does: stale bytes of another union member
 * must not show through the newly selected group. */
static int emit_group_clear(struct gen_buf *b, struct gen *g, const struct gen_node *gn, int depth)
{
	struct schema_Node_struct_r st = schema_Node_get_struct(&gn->node);
	struct schema_Field_rlist fields;
	int err = schema_Node_struct_get_fields(&st, &fields);

	if (err || depth > 64)
		return err ? err : CAPOS_ERR_CAPNP_SCHEMA_UNSUPPORTED;
	if (schema_Node_struct_get_discriminantCount(&st) > 0)
		buf_printf(b, "\tcapnp_write_u16(&b->s, %" PRIu32 "u, 0, 0);\n",
			   schema_Node_struct_get_discriminantOffset(&st) * 2);
	for (uint32_t i = 0; i < schema_Field_list_len(&fields) && !err; i++) {
		struct schema_Field_r f = schema_Field_list_get(&fields, i);
		struct schema_Field_slot_r slot;
		struct schema_Type_r t;
		enum schema_Type_which w;
		uint32_t off;
		int bits;

		if (schema_Field_which(&f) == schema_Field_which_group) {
			struct schema_Field_group_r grp = schema_Field_get_group(&f);
			struct gen_node *sub =
				gen_need(g, schema_Field_group_get_typeId(&grp), gn->cname);
			err = sub ? emit_group_clear(b, g, sub, depth + 1)
				  : CAPOS_ERR_CAPNP_BAD_REQUEST;
			continue;
		}
		slot = schema_Field_get_slot(&f);
		off = schema_Field_slot_get_offset(&slot);
		err = schema_Field_slot_get_type(&slot, &t);
		w = schema_Type_which(&t);
		bits = prim_bits(w);
		if (err || bits == 0)
			continue;
		if (bits == 1)
			buf_printf(b, "\tcapnp_write_bool(&b->s, %" PRIu32 "u, false, false);\n",
				   off);
		else if (bits > 0)
			buf_printf(b, "\tcapnp_write_u%d(&b->s, %" PRIu32 "u, 0, 0);\n", bits,
				   off * (uint32_t)bits / 8);
		else
			buf_printf(
				b,
				"\t{\n\t\tstruct capnp_ptr_builder p = capnp_sb_ptr(&b->s, %" PRIu32
				"u);\n\n"
				"\t\t(void)capnp_ptr_set_null(&p); /* failure is sticky in the "
				"builder */\n"
				"\t}\n",
				off);
	}
	return err;
}

static int emit_group_field(struct gen_buf *b, const struct field_ctx *f,
			    const struct schema_Field_r *field)
{
	struct schema_Field_group_r grp = schema_Field_get_group(field);
	const struct gen_node *gn = gen_need(f->g, schema_Field_group_get_typeId(&grp), f->name);
	int err;

	if (!gn)
		return CAPOS_ERR_CAPNP_BAD_REQUEST;
	buf_printf(b,
		   "static inline struct %s_r %s_get_%s(const struct %s_r *r)\n{\n"
		   "\treturn (struct %s_r){ r->s };\n}\n\n",
		   gn->cname, f->owner, f->name, f->owner, gn->cname);
	buf_printf(b,
		   "/* Select group %s (clearing its fields) and return its builder. */\n"
		   "static inline struct %s_b %s_init_%s(const struct %s_b *b)\n{\n",
		   f->name, gn->cname, f->owner, f->name, f->owner);
	err = emit_group_clear(b, f->g, gn, 0);
	emit_disc(b, f);
	buf_printf(b, "\treturn (struct %s_b){ b->s };\n}\n\n", gn->cname);
	return err;
}

/* Pass 1 for struct/group n: ids, sizes, wrapper types, the union's enum. */
static int emit_struct_types(struct gen *g, const struct gen_node *n,
			     const struct schema_Node_struct_r *st,
			     const struct schema_Field_rlist *fields)
{
	struct gen_buf *b = &g->types;
	bool group = schema_Node_struct_get_isGroup(st);
	int err = 0;

	buf_comment(b, 0, gen_node_doc(n));
	buf_printf(b, "#define %s_TYPE_ID UINT64_C(0x%016" PRIx64 ")\n", n->cname, n->id);
	if (!group) {
		buf_printf(b, "#define %s_DATA_WORDS %uu\n", n->cname,
			   schema_Node_struct_get_dataWordCount(st));
		buf_printf(b, "#define %s_PTR_COUNT %uu\n", n->cname,
			   schema_Node_struct_get_pointerCount(st));
	}
	buf_printf(b, "struct %s_r {\n\tstruct capnp_struct_reader s;\n};\n", n->cname);
	buf_printf(b, "struct %s_b {\n\tstruct capnp_struct_builder s;\n};\n", n->cname);
	if (!group) {
		buf_printf(b, "struct %s_rlist {\n\tstruct capnp_list_reader l;\n};\n", n->cname);
		buf_printf(b, "struct %s_blist {\n\tstruct capnp_list_builder l;\n};\n", n->cname);
	}
	if (schema_Node_struct_get_discriminantCount(st) > 0) {
		buf_printf(b, "enum %s_which {\n", n->cname);
		for (uint32_t i = 0; i < schema_Field_list_len(fields); i++) {
			struct schema_Field_r f = schema_Field_list_get(fields, i);
			struct capnp_text name = field_name(&f, &err);
			uint16_t dv = schema_Field_get_discriminantValue(&f);
			if (dv != 0xffff)
				buf_printf(b, "\t%s_which_%s = %u,\n", n->cname, name.str, dv);
		}
		buf_printf(b, "};\n");
	}
	buf_printf(b, "\n");
	return err;
}

/* Pass 2 whole-struct functions: root, pointer, list element accessors, which. */
static void emit_struct_funcs(struct gen *g, const struct gen_node *n,
			      const struct schema_Node_struct_r *st)
{
	struct gen_buf *b = &g->funcs;
	const char *c = n->cname;

	buf_printf(b, "/* ---- %s */\n\n", c);
	if (!schema_Node_struct_get_isGroup(st)) {
		buf_printf(
			b,
			"static inline int %s_read_root(struct capnp_msg *m, struct %s_r *out)\n{\n"
			"\treturn capnp_msg_root_struct(m, &out->s);\n}\n\n"
			"static inline int %s_read(const struct capnp_ptr_reader *p, struct %s_r "
			"*out)\n{\n"
			"\treturn capnp_ptr_get_struct(p, NULL, &out->s);\n}\n\n"
			"static inline int %s_build_root(struct capnp_builder *m, struct %s_b "
			"*out)\n{\n"
			"\treturn capnp_builder_init_root(m, %s_DATA_WORDS, %s_PTR_COUNT, "
			"&out->s);\n}\n\n"
			"static inline uint32_t %s_list_len(const struct %s_rlist *l)\n{\n"
			"\treturn l->l.len;\n}\n\n"
			"static inline struct %s_r %s_list_get(const struct %s_rlist *l, uint32_t "
			"i)\n{\n"
			"\treturn (struct %s_r){ capnp_list_struct(&l->l, i) };\n}\n\n"
			"static inline struct %s_b %s_list_build(const struct %s_blist *l, "
			"uint32_t i)\n{\n"
			"\treturn (struct %s_b){ capnp_lb_struct(&l->l, i) };\n}\n\n",
			c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c);
	}
	if (schema_Node_struct_get_discriminantCount(st) > 0)
		buf_printf(b,
			   "static inline enum %s_which %s_which(const struct %s_r *r)\n{\n"
			   "\treturn (enum %s_which)capnp_read_u16(&r->s, %" PRIu32 "u, 0);\n}\n\n",
			   c, c, c, c, schema_Node_struct_get_discriminantOffset(st) * 2);
}

int emit_struct(struct gen *g, struct gen_node *n)
{
	struct schema_Node_struct_r st = schema_Node_get_struct(&n->node);
	struct schema_Field_rlist fields;
	int err = schema_Node_struct_get_fields(&st, &fields);

	if (!err)
		err = emit_struct_types(g, n, &st, &fields);
	if (err)
		return err;
	emit_struct_funcs(g, n, &st);
	for (uint32_t i = 0; i < schema_Field_list_len(&fields) && !err; i++) {
		struct schema_Field_r field = schema_Field_list_get(&fields, i);
		struct field_ctx f = {
			.g = g,
			.owner = n->cname,
			.disc_value = schema_Field_get_discriminantValue(&field),
			.disc_offset = schema_Node_struct_get_discriminantOffset(&st),
			.scope = n,
		};
		struct capnp_text name = field_name(&field, &err);

		if (err)
			break;
		f.name = name.str;
		buf_comment(&g->funcs, 0, gen_member_doc(n, i));
		if (schema_Field_which(&field) == schema_Field_which_group)
			err = emit_group_field(&g->funcs, &f, &field);
		else
			err = emit_slot(&g->funcs, &f, &field);
	}
	return err;
}
