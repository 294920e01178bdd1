/*
 * Helpers for capnp host tests: hand-assembled wire words (pointer encoders that
 * follow the spec's bit layout independently of lib/capnp/internal.h) and a reader
 * over up to four raw segments.
 */
#ifndef TESTS_CAPNP_RAWMSG_H
#define TESTS_CAPNP_RAWMSG_H

#include <capnp/capnp.h>

static inline uint64_t w_struct(int32_t off, uint16_t dw, uint16_t pc)
{
	return (uint64_t)((uint32_t)off << 2) | ((uint64_t)dw << 32) | ((uint64_t)pc << 48);
}

static inline uint64_t w_list(int32_t off, unsigned es, uint32_t n)
{
	return (uint64_t)((uint32_t)off << 2) | 1 | ((uint64_t)es << 32) | ((uint64_t)n << 35);
}

static inline uint64_t w_far(int dbl, uint32_t seg, uint32_t off)
{
	return ((uint64_t)off << 3) | ((uint64_t)(dbl ? 1 : 0) << 2) | 2 | ((uint64_t)seg << 32);
}

static inline uint64_t w_cap(uint32_t idx)
{
	return ((uint64_t)idx << 32) | 3;
}

struct rawmsg {
	struct capnp_segment segs[4];
	struct capnp_msg m;
};

/* A reader over segments given as (words, count) pairs; lim may be NULL. */
static inline int raw_init(struct rawmsg *r, const struct capnp_limits *lim, uint32_t nsegs,
			   const uint64_t *s0, uint32_t n0, const uint64_t *s1, uint32_t n1)
{
	r->segs[0].data = (const uint8_t *)s0;
	r->segs[0].words = n0;
	r->segs[1].data = (const uint8_t *)s1;
	r->segs[1].words = n1;
	return capnp_msg_init_segments(&r->m, r->segs, nsegs, lim);
}

#endif
