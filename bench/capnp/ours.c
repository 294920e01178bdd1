/*
 * lib/capnp side of the benchmark: builds and reads the bench.capnp message set with
 * hand-written offsets, exactly as generated code would (inline accessors by byte
 * offset). Built with the tool flags (-O2), like the official library is shipped.
 */
#include <string.h>

#include <capnp/capnp.h>

#include "bench_data.h"

const char *const bench_names[BENCH_NAMES] = {
#define N8(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7"
	N8("item-0"), N8("item-1"), N8("item-2"), N8("item-3"),
	N8("item-4"), N8("item-5"), N8("item-6"), N8("item-7"),
#undef N8
};
const char *const bench_tags[2] = { "alpha", "beta-gamma" };
const uint8_t bench_payload[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

/* Builder arena: one segment, large enough for the biggest batch. */
static uint64_t arena[1 << 17];

size_t ours_encode_call(uint64_t seed, void *out, size_t cap)
{
	struct capnp_bseg seg;
	struct capnp_builder b;
	struct capnp_struct_builder call, args;
	size_t n;

	if (capnp_builder_init(&b, &seg, 1, arena, sizeof arena) ||
	    capnp_builder_init_root(&b, 2, 1, &call))
		return 0;
	capnp_write_u64(&call, 0, 0x924874751c94fc9bull ^ seed, 0);
	capnp_write_u16(&call, 8, (uint16_t)(seed & 7), 0);
	capnp_write_u32(&call, 12, (uint32_t)seed, 0);
	struct capnp_ptr_builder p = capnp_sb_ptr(&call, 0);
	if (capnp_ptr_init_struct(&p, 2, 0, &args))
		return 0;
	capnp_write_u64(&args, 0, seed * 3, 0);
	capnp_write_u64(&args, 8, seed * 5, 0);
	if (capnp_builder_error(&b) || capnp_builder_write_framed(&b, out, cap, &n))
		return 0;
	return n;
}

static int build_item(const struct capnp_struct_builder *it, uint32_t i, uint64_t seed)
{
	struct capnp_ptr_builder p;
	struct capnp_list_builder tags;
	const char *name = bench_names[i % BENCH_NAMES];

	capnp_write_u64(it, 0, seed * 1000 + i, 0);
	capnp_write_u32(it, 8, i * 7, 0);
	capnp_write_bool(it, 96, i & 1, false);
	capnp_write_f64(it, 16, i * 0.5, 0);
	p = capnp_sb_ptr(it, 0);
	if (capnp_ptr_set_text(&p, name, (uint32_t)strlen(name)))
		return -1;
	p = capnp_sb_ptr(it, 1);
	if (capnp_ptr_init_list(&p, CAPNP_ELEM_POINTER, 2, &tags))
		return -1;
	for (uint32_t t = 0; t < 2; t++) {
		struct capnp_ptr_builder tp = capnp_lb_ptr(&tags, t);
		if (capnp_ptr_set_text(&tp, bench_tags[t], (uint32_t)strlen(bench_tags[t])))
			return -1;
	}
	p = capnp_sb_ptr(it, 2);
	return capnp_ptr_set_data(&p, bench_payload, sizeof bench_payload);
}

size_t ours_encode_batch(uint32_t items, uint64_t seed, void *out, size_t cap)
{
	struct capnp_bseg seg;
	struct capnp_builder b;
	struct capnp_struct_builder batch;
	struct capnp_list_builder list;
	size_t n;

	if (capnp_builder_init(&b, &seg, 1, arena, sizeof arena) ||
	    capnp_builder_init_root(&b, 1, 2, &batch))
		return 0;
	capnp_write_u64(&batch, 0, seed, 0);
	struct capnp_ptr_builder p = capnp_sb_ptr(&batch, 0);
	if (capnp_ptr_init_struct_list(&p, items, 3, 3, &list))
		return 0;
	for (uint32_t i = 0; i < items; i++) {
		struct capnp_struct_builder it = capnp_lb_struct(&list, i);
		if (build_item(&it, i, seed))
			return 0;
	}
	p = capnp_sb_ptr(&batch, 1);
	if (capnp_ptr_set_text(&p, "benchmark batch", 15))
		return 0;
	if (capnp_builder_error(&b) || capnp_builder_write_framed(&b, out, cap, &n))
		return 0;
	return n;
}

static struct capnp_segment segtab[16];

uint64_t ours_decode_call(const void *buf, size_t len)
{
	struct capnp_msg m;
	struct capnp_struct_reader call, args;
	uint64_t sum;

	if (capnp_msg_init_framed(&m, buf, len, segtab, 16, 0, 0) ||
	    capnp_msg_root_struct(&m, &call) || capnp_get_struct(&call, 0, 0, &args))
		return 0;
	sum = capnp_read_u64(&call, 0, 0) + capnp_read_u16(&call, 8, 0) +
	      capnp_read_u32(&call, 12, 0);
	sum += capnp_read_u64(&args, 0, 0) + capnp_read_u64(&args, 8, 0);
	return sum;
}

uint64_t ours_decode_batch(const void *buf, size_t len)
{
	struct capnp_msg m;
	struct capnp_struct_reader batch;
	struct capnp_list_reader items;
	struct capnp_text t;
	uint64_t sum;

	if (capnp_msg_init_framed(&m, buf, len, segtab, 16, 0, 0) ||
	    capnp_msg_root_struct(&m, &batch) ||
	    capnp_get_list(&batch, 0, CAPNP_ELEM_COMPOSITE, 0, &items) ||
	    capnp_get_text(&batch, 1, 0, &t))
		return 0;
	sum = capnp_read_u64(&batch, 0, 0) + t.len;
	for (uint32_t i = 0; i < items.len; i++) {
		struct capnp_struct_reader it = capnp_list_struct(&items, i);
		struct capnp_list_reader tags;
		struct capnp_data d;
		double score = capnp_read_f64(&it, 16, 0);
		sum += capnp_read_u64(&it, 0, 0) + capnp_read_u32(&it, 8, 0) +
		       capnp_read_bool(&it, 96, false) + (uint64_t)(score * 2);
		if (capnp_get_text(&it, 0, 0, &t) || capnp_get_list(&it, 1, CAPNP_ELEM_POINTER, 0, &tags) ||
		    capnp_get_data(&it, 2, 0, &d))
			return 0;
		sum += t.len + (uint8_t)t.str[0] + d.len + d.ptr[d.len - 1];
		for (uint32_t k = 0; k < tags.len; k++) {
			struct capnp_ptr_reader tp = capnp_list_ptr(&tags, k);
			if (capnp_ptr_get_text(&tp, 0, &t))
				return 0;
			sum += t.len;
		}
	}
	return sum;
}
