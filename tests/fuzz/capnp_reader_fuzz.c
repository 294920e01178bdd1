/*
 * libFuzzer target for the lib/capnp reader. Each input is treated both as a framed
 * message and as packed bytes (unpacked, then framed). A framed message is walked
 * completely through the public reader API (every pointer kind, every list element
 * size, Text/Data, capabilities), then canonicalized; a canonical result must read
 * back and canonicalize to the same bytes (idempotence), and packing must round-trip.
 * Any sanitizer report, crash, hang or property violation (abort) is a finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>

#define MAX_SEGS 64
#define SCRATCH_WORDS (1u << 16)

static uint64_t scratch[2][SCRATCH_WORDS];
static uint8_t unpacked[SCRATCH_WORDS * 8];
static uint8_t repacked[SCRATCH_WORDS * 10];
static volatile uint64_t sink;

static void walk_ptr(const struct capnp_ptr_reader *p);

static void walk_struct(const struct capnp_struct_reader *s)
{
	for (uint32_t off = 0; off < s->data_bytes + 8; off += 8) {
		sink += capnp_read_u64(s, off, 0) + capnp_read_u8(s, off + 3, 1);
		sink += capnp_read_bool(s, off * 8 + 5, false);
	}
	for (uint16_t i = 0; i <= s->ptr_count; i++) {
		struct capnp_ptr_reader p = capnp_struct_ptr(s, i);
		walk_ptr(&p);
	}
}

static void walk_list(const struct capnp_ptr_reader *p, enum capnp_elem_size es)
{
	struct capnp_list_reader l;

	if (capnp_ptr_get_list(p, es, 0, &l) != 0)
		return;
	for (uint32_t i = 0; i < l.len && i < 4096; i++) {
		if (es == CAPNP_ELEM_COMPOSITE) {
			struct capnp_struct_reader s = capnp_list_struct(&l, i);
			walk_struct(&s);
		} else if (es == CAPNP_ELEM_POINTER) {
			struct capnp_ptr_reader e = capnp_list_ptr(&l, i);
			walk_ptr(&e);
		} else {
			sink += capnp_list_bool(&l, i) + capnp_list_u8(&l, i) +
				capnp_list_u16(&l, i) + capnp_list_u32(&l, i) +
				capnp_list_u64(&l, i);
		}
	}
}

static void walk_ptr(const struct capnp_ptr_reader *p)
{
	enum capnp_ptr_kind kind;
	struct capnp_struct_reader s;
	struct capnp_text t;
	struct capnp_data d;
	uint32_t cap;

	if (capnp_ptr_kind(p, &kind) != 0)
		return;
	switch (kind) {
	case CAPNP_PTR_STRUCT:
		if (capnp_ptr_get_struct(p, 0, &s) == 0)
			walk_struct(&s);
		break;
	case CAPNP_PTR_LIST:
		/* Try every schema view; the reader decides which are compatible. */
		for (int es = CAPNP_ELEM_VOID; es <= CAPNP_ELEM_COMPOSITE; es++)
			walk_list(p, (enum capnp_elem_size)es);
		if (capnp_ptr_get_text(p, 0, &t) == 0)
			sink += strlen(t.str) + t.len;
		if (capnp_ptr_get_data(p, 0, &d) == 0 && d.len)
			sink += d.ptr[d.len - 1];
		break;
	case CAPNP_PTR_CAPABILITY:
		if (capnp_ptr_get_cap(p, &cap) == 0)
			sink += cap;
		break;
	case CAPNP_PTR_NULL:
		break;
	}
}

static void check_canonical(struct capnp_msg *m)
{
	struct capnp_ptr_reader root, root2;
	struct capnp_segment seg;
	struct capnp_msg m2;
	size_t n1, n2;

	if (capnp_msg_root(m, &root) != 0)
		return;
	if (capnp_canonicalize(&root, scratch[0], sizeof scratch[0], &n1) != 0)
		return;
	seg.data = (const uint8_t *)scratch[0];
	seg.words = (uint32_t)n1;
	if (capnp_msg_init_segments(&m2, &seg, 1, 0) != 0 || capnp_msg_root(&m2, &root2) != 0)
		abort();
	if (capnp_canonicalize(&root2, scratch[1], sizeof scratch[1], &n2) != 0 || n1 != n2 ||
	    memcmp(scratch[0], scratch[1], n1 * 8) != 0)
		abort(); /* canonical form must be a fixed point */
}

static void try_framed(const uint8_t *data, size_t size)
{
	static struct capnp_segment segs[MAX_SEGS];
	struct capnp_limits lim = { 1u << 16, 24 };
	struct capnp_msg m;
	struct capnp_ptr_reader root;

	if (capnp_msg_init_framed(&m, data, size, segs, MAX_SEGS, &lim, 0) != 0)
		return;
	if (capnp_msg_root(&m, &root) == 0)
		walk_ptr(&root);
	if (capnp_msg_init_framed(&m, data, size, segs, MAX_SEGS, &lim, 0) != 0)
		abort(); /* same input, same answer */
	check_canonical(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, p, back;

	try_framed(data, size);
	if (capnp_unpack(data, size, unpacked, sizeof unpacked, &n) == 0) {
		try_framed(unpacked, n);
		if (capnp_pack(unpacked, n, repacked, sizeof repacked, &p) != 0 ||
		    capnp_unpack(repacked, p, scratch[0], sizeof scratch[0], &back) != 0 ||
		    back != n || memcmp(scratch[0], unpacked, n) != 0)
			abort(); /* packing must round-trip */
	}
	return 0;
}
