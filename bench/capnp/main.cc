// Benchmark driver: the same message set (bench_data.h) encoded and decoded by
// lib/capnp (ours.c) and by the official C++ library (libcapnp-dev, generated code
// from bench/capnp/bench.capnp), in one process, same buffers, same checksums.
// Prints ns/op per side and the ratio C++/ours (> 1 means ours is faster), after
// cross-checking that each side decodes the other's encoding to the same checksum.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/io.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench.capnp.h"
#include "bench_data.h"

namespace {

alignas(8) capnp::word scratch[1 << 17];
alignas(8) uint8_t outbuf[1 << 21];

size_t cxx_encode_call(uint64_t seed, void *out, size_t cap)
{
	capnp::MallocMessageBuilder msg(kj::arrayPtr(scratch, sizeof scratch / sizeof scratch[0]));
	auto call = msg.initRoot<Call>();
	call.setInterfaceId(0x924874751c94fc9bull ^ seed);
	call.setMethodId((uint16_t)(seed & 7));
	call.setTarget((uint32_t)seed);
	auto args = call.initParams();
	args.setA(seed * 3);
	args.setB(seed * 5);
	kj::ArrayOutputStream os(kj::arrayPtr((kj::byte *)out, cap));
	capnp::writeMessage(os, msg);
	return os.getArray().size();
}

size_t cxx_encode_batch(uint32_t n, uint64_t seed, void *out, size_t cap)
{
	capnp::MallocMessageBuilder msg(kj::arrayPtr(scratch, sizeof scratch / sizeof scratch[0]));
	auto batch = msg.initRoot<Batch>();
	batch.setSeq(seed);
	auto items = batch.initItems(n);
	for (uint32_t i = 0; i < n; i++) {
		auto it = items[i];
		it.setId(seed * 1000 + i);
		it.setFlags(i * 7);
		it.setActive(i & 1);
		it.setScore(i * 0.5);
		it.setName(bench_names[i % BENCH_NAMES]);
		auto tags = it.initTags(2);
		tags.set(0, bench_tags[0]);
		tags.set(1, bench_tags[1]);
		it.setPayload(kj::arrayPtr(bench_payload, sizeof bench_payload));
	}
	batch.setNote("benchmark batch");
	kj::ArrayOutputStream os(kj::arrayPtr((kj::byte *)out, cap));
	capnp::writeMessage(os, msg);
	return os.getArray().size();
}

kj::ArrayPtr<const capnp::word> words(const void *buf, size_t len)
{
	return kj::arrayPtr((const capnp::word *)buf, len / sizeof(capnp::word));
}

uint64_t cxx_decode_call(const void *buf, size_t len)
{
	capnp::FlatArrayMessageReader r(words(buf, len));
	auto call = r.getRoot<Call>();
	auto args = call.getParams();
	return call.getInterfaceId() + call.getMethodId() + call.getTarget() + args.getA() +
	       args.getB();
}

uint64_t cxx_decode_batch(const void *buf, size_t len)
{
	capnp::FlatArrayMessageReader r(words(buf, len));
	auto batch = r.getRoot<Batch>();
	uint64_t sum = batch.getSeq() + batch.getNote().size();
	for (auto it : batch.getItems()) {
		auto name = it.getName();
		auto d = it.getPayload();
		sum += it.getId() + it.getFlags() + it.getActive() + (uint64_t)(it.getScore() * 2);
		sum += name.size() + (uint8_t)name[0] + d.size() + d[d.size() - 1];
		for (auto t : it.getTags())
			sum += t.size();
	}
	return sum;
}

struct Kind {
	const char *name;
	uint32_t items; // 0: a Call
	long iters;
};

double now_ns()
{
	return (double)std::chrono::duration_cast<std::chrono::nanoseconds>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

size_t encode(bool ours, const Kind &k, uint64_t seed)
{
	if (k.items == 0)
		return ours ? ours_encode_call(seed, outbuf, sizeof outbuf)
			    : cxx_encode_call(seed, outbuf, sizeof outbuf);
	return ours ? ours_encode_batch(k.items, seed, outbuf, sizeof outbuf)
		    : cxx_encode_batch(k.items, seed, outbuf, sizeof outbuf);
}

uint64_t decode(bool ours, const Kind &k, size_t len)
{
	if (k.items == 0)
		return ours ? ours_decode_call(outbuf, len) : cxx_decode_call(outbuf, len);
	return ours ? ours_decode_batch(outbuf, len) : cxx_decode_batch(outbuf, len);
}

// One repetition of `iters` encodes then `iters` decodes; ns per operation.
void measure_once(bool ours, const Kind &k, double *enc_ns, double *dec_ns)
{
	volatile uint64_t sink = 0;
	size_t len = 0;
	double t0 = now_ns();
	for (long i = 0; i < k.iters; i++)
		len = encode(ours, k, (uint64_t)i);
	double t1 = now_ns();
	for (long i = 0; i < k.iters; i++)
		sink = sink + decode(ours, k, len);
	double t2 = now_ns();
	*enc_ns = (t1 - t0) / k.iters;
	*dec_ns = (t2 - t1) / k.iters;
}

// Best of REPS repetitions, ours and C++ interleaved so load changes on a shared
// machine hit both sides alike.
const int REPS = 9;

void measure(const Kind &k, double *oe, double *od, double *ce, double *cd)
{
	*oe = *od = *ce = *cd = 1e30;
	for (int rep = 0; rep < REPS; rep++) {
		double e, d;
		measure_once(true, k, &e, &d);
		*oe = std::min(*oe, e);
		*od = std::min(*od, d);
		measure_once(false, k, &e, &d);
		*ce = std::min(*ce, e);
		*cd = std::min(*cd, d);
	}
}

} // namespace

int main()
{
	const Kind kinds[] = {
		{ "call (RPC-sized)", 0, 100000 },
		{ "batch-16", 16, 10000 },
		{ "batch-512", 512, 300 },
	};
	double total_ours = 0, total_cxx = 0;
	for (const Kind &k : kinds) {
		// Cross-check: each side decodes the other's bytes to the same checksum.
		size_t n1 = encode(true, k, 42);
		uint64_t a = decode(false, k, n1), b = decode(true, k, n1);
		size_t n2 = encode(false, k, 42);
		uint64_t c = decode(true, k, n2), d = decode(false, k, n2);
		if (!n1 || !n2 || a == 0 || a != b || b != c || c != d) {
			std::fprintf(stderr, "bench: %s: cross-decode mismatch (%zu/%zu bytes)\n",
				     k.name, n1, n2);
			return 1;
		}
		double oe, od, ce, cd;
		measure(k, &oe, &od, &ce, &cd);
		double ours = oe + od, cxx = ce + cd;
		total_ours += ours / (k.items ? k.items : 1);
		total_cxx += cxx / (k.items ? k.items : 1);
		std::printf("%-18s %6zu bytes  ours enc %9.1f dec %9.1f ns | c++ enc %9.1f dec %9.1f ns"
			    " | ratio c++/ours %.2f (enc %.2f, dec %.2f)\n",
			    k.name, n1, oe, od, ce, cd, cxx / ours, ce / oe, cd / od);
	}
	std::printf("overall ratio c++/ours (per-object weighted): %.2f  (>1: lib/capnp faster)\n",
		    total_cxx / total_ours);
	return 0;
}
