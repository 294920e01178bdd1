/*
 * Console backend for stdout/stderr (contract in libcapos/console.h): one
 * Console.write CALL per chunk through this thread's shared ring client
 * (capos_ring_self). The params are built with the generated capnpc-c accessors in a
 * static one-segment arena and framed into a static buffer (the ring needs them
 * only until the CQE arrives, and the call is synchronous). Kept alone in its object
 * so host tests substitute a Linux-backed version.
 */
#include <libcapos/console.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

/* Segment arena: data + root pointer + struct + list pointer, rounded up. */
#define CONSOLE_ARENA_WORDS ((CAPOS_CONSOLE_CHUNK + 64u) / 8u)

static __thread uint32_t console_cap; /* 0 until looked up */
static __thread uint64_t console_arena[CONSOLE_ARENA_WORDS];
static __thread uint64_t console_framed[CONSOLE_ARENA_WORDS + 1u];

static int console_lookup(void)
{
	if (console_cap != 0)
		return CAPOS_OK;
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, "console",
				   capos_Console_TYPE_ID, &console_cap);
}

/* Frames Console.write(data = buf[0..len)) into console_framed; its length in *out. */
static int console_encode(const void *buf, uint32_t len, uint32_t *out)
{
	struct capos_Console_write_Params_b p;
	struct capnp_builder b;
	struct capnp_bseg seg;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, console_arena, sizeof(console_arena));

	if (err == CAPOS_OK)
		err = capos_Console_write_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_Console_write_Params_set_data(&p, buf, len);
	if (err == CAPOS_OK)
		err = capnp_builder_error(&b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, console_framed, sizeof(console_framed), &n);
	*out = (uint32_t)n;
	return err;
}

int64_t capos_console_write(const void *buf, size_t len)
{
	uint32_t chunk = len > CAPOS_CONSOLE_CHUNK ? CAPOS_CONSOLE_CHUNK : (uint32_t)len;
	struct capos_ring_client *c;
	struct capos_cqe cqe;
	uint32_t plen;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = console_lookup();
	if (err == CAPOS_OK)
		err = console_encode(buf, chunk, &plen);
	if (err == CAPOS_OK)
		err = capos_ring_call(c, console_cap, capos_Console_TYPE_ID,
				      capos_Console_METHOD_write, console_framed, plen, NULL, 0,
				      &cqe);
	return err < 0 ? err : (int64_t)chunk;
}
