/*
 * Packed-encoding tests of lib/capnp: the spec's worked example, zero and verbatim
 * runs at their 255-word limits, round trips of pseudo-random words, and the hostile
 * side: every truncation of a packed stream inside a run and every too-small output
 * buffer give their exact error, never an out-of-bounds access.
 */
#include "test.h"

#include <capnp/capnp.h>

TEST(capnp_pack_spec_example)
{
	static const uint8_t raw[] = { 0x08, 0, 0, 0, 0x03, 0,	  0x02, 0,
				       0x19, 0, 0, 0, 0xaa, 0x01, 0,	0 };
	static const uint8_t packed[] = { 0x51, 0x08, 0x03, 0x02, 0x31, 0x19, 0xaa, 0x01 };
	uint8_t out[64];
	size_t n;

	CHECK_EQ(capnp_pack(raw, sizeof raw, out, sizeof out, &n), 0);
	CHECK_EQ(n, sizeof packed);
	CHECK_MEMEQ(out, packed, n);
	CHECK_EQ(capnp_unpack(packed, sizeof packed, out, sizeof out, &n), 0);
	CHECK_EQ(n, sizeof raw);
	CHECK_MEMEQ(out, raw, n);
}

TEST(capnp_pack_runs)
{
	static uint8_t raw[8 * 600], out[8 * 700], back[8 * 600];
	size_t n, m;

	memset(raw, 0, sizeof raw); /* 600 zero words: 00 ff, 00 ff, 00 55 */
	CHECK_EQ(capnp_pack(raw, sizeof raw, out, sizeof out, &n), 0);
	CHECK_EQ(n, 6);
	CHECK(out[0] == 0 && out[1] == 255 && out[2] == 0 && out[3] == 255 && out[4] == 0 &&
	      out[5] == 600 - 2 * 256 - 1);
	memset(raw, 0x5a, sizeof raw); /* dense: ff + word + 255 verbatim, repeated */
	CHECK_EQ(capnp_pack(raw, sizeof raw, out, sizeof out, &n), 0);
	CHECK_EQ(out[0], 0xff);
	CHECK_EQ(out[9], 255);
	CHECK_EQ(capnp_unpack(out, n, back, sizeof back, &m), 0);
	CHECK_EQ(m, sizeof raw);
	CHECK_MEMEQ(back, raw, m);
}

TEST(capnp_pack_random_round_trips)
{
	static uint8_t raw[8 * 300], out[8 * 400], back[8 * 300];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int round = 0; round < 200; round++) {
		size_t words = (size_t)(round % 300) + 1, n, m;
		for (size_t i = 0; i < words * 8; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			raw[i] = (x % 3 == 0) ? (uint8_t)(x >> 32) : 0; /* mostly zeros */
			if (round % 4 == 0)
				raw[i] = (uint8_t)(x >> 40);
		}
		CHECK_EQ(capnp_pack(raw, words * 8, out, capnp_packed_bound(words * 8), &n), 0);
		CHECK(n <= capnp_packed_bound(words * 8));
		CHECK_EQ(capnp_unpack(out, n, back, sizeof back, &m), 0);
		CHECK_EQ(m, words * 8);
		CHECK_MEMEQ(back, raw, m);
	}
}

TEST(capnp_pack_hostile_truncated_input)
{
	static const uint8_t partial_word[] = { 0x03, 0x11 }; /* tag needs 2 bytes */
	static const uint8_t zero_no_count[] = { 0x00 };
	static const uint8_t ff_no_count[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t ff_short_run[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 2,
						9,    9, 9, 9, 9, 9, 9, 9, 9 };
	static const uint8_t tag_only[] = { 0x51, 0x08, 0x03, 0x02, 0x31 };
	uint8_t out[256];
	size_t n = 123;

	CHECK_EQ(capnp_unpack(partial_word, sizeof partial_word, out, sizeof out, &n),
		 CAPOS_ERR_CAPNP_PACKED_TRUNCATED);
	CHECK_EQ(n, 0);
	CHECK_EQ(capnp_unpack(zero_no_count, 1, out, sizeof out, &n),
		 CAPOS_ERR_CAPNP_PACKED_TRUNCATED);
	CHECK_EQ(capnp_unpack(ff_no_count, sizeof ff_no_count, out, sizeof out, &n),
		 CAPOS_ERR_CAPNP_PACKED_TRUNCATED);
	CHECK_EQ(capnp_unpack(ff_short_run, sizeof ff_short_run, out, sizeof out, &n),
		 CAPOS_ERR_CAPNP_PACKED_TRUNCATED);
	CHECK_EQ(capnp_unpack(tag_only, sizeof tag_only, out, sizeof out, &n),
		 CAPOS_ERR_CAPNP_PACKED_TRUNCATED);
	CHECK_EQ(capnp_unpack(out, 0, out, sizeof out, &n), 0); /* empty input is empty */
	CHECK_EQ(n, 0);
}

TEST(capnp_pack_hostile_every_cut_and_every_small_buffer)
{
	/* A stream mixing all three tag forms; cut it everywhere. */
	static uint8_t raw[8 * 40], packed[8 * 50], out[8 * 40];
	size_t n, m, full;

	memset(raw, 0, sizeof raw);
	for (int i = 0; i < 8; i++)
		raw[i] = (uint8_t)(i + 1); /* dense word: 0xff run */
	for (int i = 8; i < 24; i++)
		raw[i] = 0x77; /* two more dense words in the run */
	raw[8 * 10 + 3] = 9;   /* sparse word after zeros */
	raw[8 * 39 + 1] = 4;   /* sparse last word: 2 packed bytes */
	CHECK_EQ(capnp_pack(raw, sizeof raw, packed, sizeof packed, &full), 0);
	for (size_t cut = 1; cut < full; cut++) {
		int err = capnp_unpack(packed, cut, out, sizeof out, &m);
		/* A cut between complete items is a valid shorter stream. */
		CHECK(err == CAPOS_ERR_CAPNP_PACKED_TRUNCATED || (err == 0 && m < sizeof raw));
		if (err == 0)
			CHECK_MEMEQ(out, raw, m);
	}
	for (size_t cap = 0; cap < sizeof raw; cap++)
		CHECK_EQ(capnp_unpack(packed, full, out, cap, &m), CAPOS_ERR_BUFFER_TOO_SMALL);
	for (size_t cap = 0; cap < full; cap++)
		CHECK_EQ(capnp_pack(raw, sizeof raw, packed, cap, &n), CAPOS_ERR_BUFFER_TOO_SMALL);
	/* Exactly enough room succeeds in both directions. */
	CHECK_EQ(capnp_pack(raw, sizeof raw, packed, full, &n), 0);
	CHECK_EQ(n, full);
	CHECK_EQ(capnp_unpack(packed, full, out, sizeof raw, &m), 0);
	CHECK_EQ(m, sizeof raw);
	CHECK_EQ(capnp_pack(raw, 12, packed, sizeof packed, &n), CAPOS_ERR_CAPNP_SEGMENT_SIZE);
}
