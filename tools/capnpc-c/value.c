/*
 * value.c: schema types and values as the runtime sees them. Maps each primitive
 * schema type to its C type, its lib/capnp accessor suffix and its list element size;
 * turns a schema Value (a field default or a const) into the XOR mask the runtime's
 * getters take, or, for pointer values, into a canonical single-segment message the
 * generated code embeds as a trusted constant (capnp_msg_init_const).
 */
#include "capnpc.h"

#include <stdlib.h>
#include <string.h>

struct prim_info {
	const char *ctype;
	const char *suffix;
	int bits;
	enum capnp_elem_size elem;
};

static const struct prim_info *prim(enum schema_Type_which t)
{
	static const struct prim_info tab[] = {
		[schema_Type_which_void] = { "void", NULL, 0, CAPNP_ELEM_VOID },
		[schema_Type_which_bool] = { "bool", "bool", 1, CAPNP_ELEM_BIT },
		[schema_Type_which_int8] = { "int8_t", "i8", 8, CAPNP_ELEM_BYTE },
		[schema_Type_which_int16] = { "int16_t", "i16", 16, CAPNP_ELEM_TWO },
		[schema_Type_which_int32] = { "int32_t", "i32", 32, CAPNP_ELEM_FOUR },
		[schema_Type_which_int64] = { "int64_t", "i64", 64, CAPNP_ELEM_EIGHT },
		[schema_Type_which_uint8] = { "uint8_t", "u8", 8, CAPNP_ELEM_BYTE },
		[schema_Type_which_uint16] = { "uint16_t", "u16", 16, CAPNP_ELEM_TWO },
		[schema_Type_which_uint32] = { "uint32_t", "u32", 32, CAPNP_ELEM_FOUR },
		[schema_Type_which_uint64] = { "uint64_t", "u64", 64, CAPNP_ELEM_EIGHT },
		[schema_Type_which_float32] = { "float", "f32", 32, CAPNP_ELEM_FOUR },
		[schema_Type_which_float64] = { "double", "f64", 64, CAPNP_ELEM_EIGHT },
		[schema_Type_which_enum] = { NULL, "u16", 16, CAPNP_ELEM_TWO },
	};
	if ((unsigned)t >= sizeof(tab) / sizeof(tab[0]) || !tab[t].suffix)
		return t == schema_Type_which_void ? &tab[0] : NULL;
	return &tab[t];
}

const char *prim_ctype(enum schema_Type_which t)
{
	const struct prim_info *p = prim(t);
	return p ? p->ctype : NULL;
}

const char *prim_suffix(enum schema_Type_which t)
{
	const struct prim_info *p = prim(t);
	return p ? p->suffix : NULL;
}

int prim_bits(enum schema_Type_which t)
{
	const struct prim_info *p = prim(t);
	return p ? p->bits : -1;
}

enum capnp_elem_size elem_size_of(enum schema_Type_which t)
{
	const struct prim_info *p = prim(t);

	if (p)
		return p->elem;
	if (t == schema_Type_which_struct)
		return CAPNP_ELEM_COMPOSITE;
	return CAPNP_ELEM_POINTER; /* text, data, list, interface, anyPointer */
}

/* The Value union member that carries a default of schema type t. */
static enum schema_Value_which value_kind(enum schema_Type_which t)
{
	/* Type and Value list the primitive kinds in the same order (schema.capnp). */
	if (t <= schema_Type_which_data)
		return (enum schema_Value_which)t;
	if (t == schema_Type_which_enum)
		return schema_Value_which_enum;
	return schema_Value_which_void;
}

static uint64_t f32_bits(float f)
{
	uint32_t b;
	memcpy(&b, &f, sizeof b);
	return b;
}

static uint64_t f64_bits(double d)
{
	uint64_t b;
	memcpy(&b, &d, sizeof b);
	return b;
}

int value_bits(const struct schema_Value_r *v, enum schema_Type_which t, uint64_t *bits)
{
	enum schema_Value_which w = schema_Value_which(v);

	*bits = 0;
	if (w != value_kind(t))
		return CAPOS_ERR_CAPNP_BAD_REQUEST;
	switch (w) {
	case schema_Value_which_void:
		return 0;
	case schema_Value_which_bool:
		*bits = schema_Value_get_bool(v);
		return 0;
	case schema_Value_which_int8:
		*bits = (uint8_t)schema_Value_get_int8(v);
		return 0;
	case schema_Value_which_int16:
		*bits = (uint16_t)schema_Value_get_int16(v);
		return 0;
	case schema_Value_which_int32:
		*bits = (uint32_t)schema_Value_get_int32(v);
		return 0;
	case schema_Value_which_int64:
		*bits = (uint64_t)schema_Value_get_int64(v);
		return 0;
	case schema_Value_which_uint8:
		*bits = schema_Value_get_uint8(v);
		return 0;
	case schema_Value_which_uint16:
		*bits = schema_Value_get_uint16(v);
		return 0;
	case schema_Value_which_uint32:
		*bits = schema_Value_get_uint32(v);
		return 0;
	case schema_Value_which_uint64:
		*bits = schema_Value_get_uint64(v);
		return 0;
	case schema_Value_which_float32:
		*bits = f32_bits(schema_Value_get_float32(v));
		return 0;
	case schema_Value_which_float64:
		*bits = f64_bits(schema_Value_get_float64(v));
		return 0;
	case schema_Value_which_enum:
		*bits = schema_Value_get_enum(v);
		return 0;
	default:
		return CAPOS_ERR_CAPNP_BAD_REQUEST;
	}
}

int value_canonical(const struct capnp_ptr_reader *p, uint8_t **out, size_t *words)
{
	enum capnp_ptr_kind kind;
	size_t cap = 1024;
	int err = capnp_ptr_kind(p, &kind);

	*out = NULL;
	*words = 0;
	if (err)
		return err;
	if (kind == CAPNP_PTR_NULL)
		return 0;
	for (;;) {
		uint8_t *buf = malloc(cap);
		if (!buf)
			return CAPOS_ERR_NO_MEMORY;
		err = capnp_canonicalize(p, buf, cap, words);
		if (err == 0) {
			*out = buf;
			return 0;
		}
		free(buf);
		if (err != CAPOS_ERR_BUFFER_TOO_SMALL || cap > ((size_t)1 << 30))
			return err;
		cap *= 4;
	}
}
