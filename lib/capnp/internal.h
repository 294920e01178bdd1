/*
 * Private helpers of lib/capnp: unaligned little-endian word access and the bit
 * layout of the four pointer kinds (spec "Pointers"). Shared by read.c, build.c,
 * copy.c; not part of the public API.
 */
#ifndef CAPNP_INTERNAL_H
#define CAPNP_INTERNAL_H

#include <capnp/capnp.h>

#define CAPNP_KIND_STRUCT 0u
#define CAPNP_KIND_LIST 1u
#define CAPNP_KIND_FAR 2u
#define CAPNP_KIND_OTHER 3u

static inline uint64_t capnp_ld64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void capnp_st64(uint8_t *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

static inline uint32_t capnp_ld32(const uint8_t *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline void capnp_st32(uint8_t *p, uint32_t v)
{
	__builtin_memcpy(p, &v, 4);
}

static inline unsigned capnp_p_kind(uint64_t w)
{
	return (unsigned)(w & 3);
}

/* Signed 30-bit word offset of a struct or list pointer. */
static inline int32_t capnp_p_offset(uint64_t w)
{
	return (int32_t)(uint32_t)w >> 2;
}

static inline uint16_t capnp_p_struct_data(uint64_t w)
{
	return (uint16_t)(w >> 32);
}

static inline uint16_t capnp_p_struct_ptrs(uint64_t w)
{
	return (uint16_t)(w >> 48);
}

static inline unsigned capnp_p_list_esize(uint64_t w)
{
	return (unsigned)(w >> 32) & 7;
}

static inline uint32_t capnp_p_list_count(uint64_t w)
{
	return (uint32_t)(w >> 35);
}

static inline bool capnp_p_far_double(uint64_t w)
{
	return (w >> 2) & 1;
}

static inline uint32_t capnp_p_far_offset(uint64_t w)
{
	return (uint32_t)w >> 3;
}

static inline uint32_t capnp_p_far_seg(uint64_t w)
{
	return (uint32_t)(w >> 32);
}

static inline uint64_t capnp_mk_struct(int32_t off, uint16_t dw, uint16_t pc)
{
	return ((uint64_t)(uint32_t)((uint32_t)off << 2) | CAPNP_KIND_STRUCT) |
	       ((uint64_t)dw << 32) | ((uint64_t)pc << 48);
}

static inline uint64_t capnp_mk_list(int32_t off, unsigned esize, uint32_t count)
{
	return ((uint64_t)(uint32_t)((uint32_t)off << 2) | CAPNP_KIND_LIST) |
	       ((uint64_t)esize << 32) | ((uint64_t)count << 35);
}

static inline uint64_t capnp_mk_far(bool dbl, uint32_t seg, uint32_t off)
{
	return ((uint64_t)off << 3) | ((uint64_t)dbl << 2) | CAPNP_KIND_FAR | ((uint64_t)seg << 32);
}

/* Replace the offset field of a struct/list pointer. */
static inline uint64_t capnp_p_with_offset(uint64_t w, int32_t off)
{
	return (w & 0xffffffff00000003ull) | (uint32_t)((uint32_t)off << 2);
}

/* Data bits and pointers per element of a non-composite element size. */
static inline uint32_t capnp_esize_bits(unsigned es)
{
	static const uint8_t bits[8] = { 0, 1, 8, 16, 32, 64, 0, 0 };
	return bits[es & 7];
}

static inline uint16_t capnp_esize_ptrs(unsigned es)
{
	return es == CAPNP_ELEM_POINTER ? 1 : 0;
}

/* Bits between elements for a non-composite size (pointers: 64). */
static inline uint32_t capnp_esize_step(unsigned es)
{
	return es == CAPNP_ELEM_POINTER ? 64 : capnp_esize_bits(es);
}

/* Words of the body of a non-composite list of count elements. */
static inline uint64_t capnp_list_words(unsigned es, uint32_t count)
{
	return ((uint64_t)count * capnp_esize_step(es) + 63) / 64;
}

/* Read one pointer subtree as an untyped list of its own encoding (copy.c). */
int capnp_read_list_any(const struct capnp_ptr_reader *p, struct capnp_list_reader *out);

#endif
