/*
 * The benchmark's message set, shared by the lib/capnp side (ours.c) and the C++
 * side (main.cc) so both encode identical values: an RPC-sized Call and Batches of
 * Items (text, data, a list of text, scalars) of bench/capnp/bench.capnp. Both sides
 * use code generated from that schema (capnpc-c for ours, capnpc-c++ for the C++
 * side); the benchmark cross-decodes (ours reads the C++ encoding and vice versa) and
 * aborts on any disagreement.
 */
#ifndef BENCH_CAPNP_DATA_H
#define BENCH_CAPNP_DATA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_NAMES 64
extern const char *const bench_names[BENCH_NAMES]; /* "item-0" ... */
extern const char *const bench_tags[2];
extern const uint8_t bench_payload[32];

/* Encode into out (8-byte aligned) with standard framing; return bytes or 0. */
size_t ours_encode_call(uint64_t seed, void *out, size_t cap);
size_t ours_encode_batch(uint32_t items, uint64_t seed, void *out, size_t cap);
/* Decode a framed message and return the checksum of every field (0 on error). */
uint64_t ours_decode_call(const void *buf, size_t len);
uint64_t ours_decode_batch(const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
