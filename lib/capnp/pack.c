/*
 * Packed encoding (spec "Packing"): each word becomes a tag byte (bit i set = byte i
 * non-zero) followed by its non-zero bytes; tag 0x00 is followed by a count of further
 * all-zero words, tag 0xff by a count of further words copied verbatim. The packer
 * follows the C++ library's run policy (verbatim runs continue while a word has at
 * most one zero byte), so its output matches `capnp convert binary:packed`. Both
 * directions are bounded by the caller's output capacity.
 */
#include "internal.h"

static unsigned zero_bytes(uint64_t w)
{
	unsigned n = 0;
	for (unsigned i = 0; i < 8; i++)
		n += ((w >> (8 * i)) & 0xff) == 0;
	return n;
}

/* Encode word w at o; returns bytes written, or 0 when room is too small. */
static size_t pack_word(uint64_t w, uint8_t *o, size_t room)
{
	uint8_t tag = 0;
	size_t n = 1;

	if (room < 1 + 8 - zero_bytes(w))
		return 0;
	for (unsigned i = 0; i < 8; i++) {
		uint8_t byte = (uint8_t)(w >> (8 * i));
		if (byte) {
			tag |= (uint8_t)(1u << i);
			o[n++] = byte;
		}
	}
	o[0] = tag;
	return n;
}

int capnp_pack(const void *in, size_t in_len, void *out, size_t cap, size_t *out_len)
{
	const uint8_t *p = in;
	uint8_t *o = out;
	size_t words = in_len / 8, i = 0, pos = 0;

	*out_len = 0;
	if (in_len % 8)
		return CAPOS_ERR_CAPNP_SEGMENT_SIZE;
	while (i < words) {
		uint64_t w = capnp_ld64(p + i * 8);
		size_t n = pack_word(w, o + pos, cap - pos), run = 0;
		if (n == 0)
			return CAPOS_ERR_BUFFER_TOO_SMALL;
		pos += n;
		i++;
		if (w == 0) {
			while (i + run < words && run < 255 && capnp_ld64(p + (i + run) * 8) == 0)
				run++;
		} else if (o[pos - n] == 0xff) {
			while (i + run < words && run < 255 &&
			       zero_bytes(capnp_ld64(p + (i + run) * 8)) <= 1)
				run++;
		} else {
			continue;
		}
		if (cap - pos < 1 + (w == 0 ? 0 : run * 8))
			return CAPOS_ERR_BUFFER_TOO_SMALL;
		o[pos++] = (uint8_t)run;
		if (w != 0) {
			__builtin_memcpy(o + pos, p + i * 8, run * 8);
			pos += run * 8;
		}
		i += run;
	}
	*out_len = pos;
	return 0;
}

int capnp_unpack(const void *in, size_t in_len, void *out, size_t cap, size_t *out_len)
{
	const uint8_t *p = in;
	uint8_t *o = out;
	size_t ip = 0, op = 0;

	*out_len = 0;
	while (ip < in_len) {
		uint8_t tag = p[ip++];
		if (cap - op < 8)
			return CAPOS_ERR_BUFFER_TOO_SMALL;
		for (unsigned b = 0; b < 8; b++) {
			if (!(tag & (1u << b))) {
				o[op + b] = 0;
				continue;
			}
			if (ip >= in_len)
				return CAPOS_ERR_CAPNP_PACKED_TRUNCATED;
			o[op + b] = p[ip++];
		}
		op += 8;
		if (tag != 0 && tag != 0xff)
			continue;
		if (ip >= in_len)
			return CAPOS_ERR_CAPNP_PACKED_TRUNCATED;
		size_t run = (size_t)p[ip++] * 8;
		if (cap - op < run)
			return CAPOS_ERR_BUFFER_TOO_SMALL;
		if (tag == 0) {
			__builtin_memset(o + op, 0, run);
		} else {
			if (in_len - ip < run)
				return CAPOS_ERR_CAPNP_PACKED_TRUNCATED;
			__builtin_memcpy(o + op, p + ip, run);
			ip += run;
		}
		op += run;
	}
	*out_len = op;
	return 0;
}
