/*
 * StdIO client for the standard streams (contract in libcapos/stdio_cap.h): one
 * StdIO.write CALL per chunk of output, one StdIO.readLine CALL per line of input.
 * Params are built in a per-thread arena and framed into a per-thread buffer (the ring
 * needs them only until the CQE arrives; the call is synchronous). A line is read into
 * a per-thread results buffer and handed out from there, in as many reads as the
 * caller's buffer needs, before the next readLine is sent. Kept apart from console.c,
 * which the Linux test shim (tests/user) replaces alone.
 */
#include <libcapos/stdio_cap.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <schema/session.capnp.h>
#include <string.h>

/* Params arena: data + root pointer + struct + list pointer, rounded up. */
#define STDIO_ARENA_WORDS ((CAPOS_STDIO_CHUNK + 64u) / 8u)
/* readLine results: segment table (up to 2 segments), root pointer, the struct (one
 * data word, one pointer) and the text with its NUL, rounded up to a word. */
#define STDIO_RES_WORDS ((CAPOS_STDIO_LINE_MAX + 56u) / 8u)
/* write results: an empty struct, or a CapException with a reason of up to 64 bytes. */
#define STDIO_WRITE_RES_WORDS 32u

/* The CapSet page never changes, so the lookup (its outcome too) is done once. */
static uint32_t stdio_cap_cache;  /* the cap, once found */
static int stdio_find_status = 1; /* 1 until looked up, then the lookup's status */
static __thread uint64_t stdio_arena[STDIO_ARENA_WORDS];
static __thread uint64_t stdio_framed[STDIO_ARENA_WORDS + 1u];
static __thread uint64_t stdio_res[STDIO_RES_WORDS];

/* The line being handed out (inside stdio_res) and what follows it. */
static __thread const char *stdio_line; /* the rest of the pending line */
static __thread uint32_t stdio_left;	/* its bytes, the "\n" included when due */
static __thread int stdio_newline;	/* the pending line ends with the "\n" */
static __thread int stdio_eof_next;	/* report the end of input at the next read */

int capos_stdio_find(uint32_t *cap)
{
	if (stdio_find_status > 0)
		stdio_find_status =
			capos_kcap_find("stdio", session_StdIO_TYPE_ID, &stdio_cap_cache);
	*cap = stdio_cap_cache;
	return stdio_find_status;
}

/*
 * One synchronous CALL of StdIO `method` with `plen` framed params, results into
 * res[0..res_bytes). A CapException answers its own status when it carries one.
 */
static int stdio_call(uint32_t cap, uint16_t method, uint32_t plen, void *res, uint32_t res_bytes,
		      struct capos_cqe *cqe)
{
	struct capos_ring_client *c;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_call(c, cap, session_StdIO_TYPE_ID, method, stdio_framed, plen,
				      res, res_bytes, cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION) {
		int st = capos_exception_status(res, cqe->result_len, NULL);

		err = st < 0 ? st : CAPOS_ERR_RING_EXCEPTION;
	}
	return err;
}

/* Frames the params of StdIO `method` into stdio_framed (write: data = buf[0..len);
 * readLine: the empty struct); their length in *out. */
static int stdio_encode(uint16_t method, const void *buf, uint32_t len, uint32_t *out)
{
	struct session_StdIO_write_Params_b wp;
	struct session_StdIO_readLine_Params_b rp;
	struct capnp_builder b;
	struct capnp_bseg seg;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, stdio_arena, sizeof(stdio_arena));

	if (err == CAPOS_OK && method == session_StdIO_METHOD_readLine)
		err = session_StdIO_readLine_request(&b, &rp);
	else if (err == CAPOS_OK && (err = session_StdIO_write_request(&b, &wp)) == CAPOS_OK)
		err = session_StdIO_write_Params_set_data(&wp, buf, len);
	if (err == CAPOS_OK)
		err = capnp_builder_error(&b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, stdio_framed, sizeof(stdio_framed), &n);
	*out = (uint32_t)n;
	return err;
}

int64_t capos_stdio_write(uint32_t cap, const void *buf, size_t len)
{
	uint32_t chunk = len > CAPOS_STDIO_CHUNK ? CAPOS_STDIO_CHUNK : (uint32_t)len;
	struct capos_cqe cqe = { 0 };
	uint64_t res[STDIO_WRITE_RES_WORDS]; /* not stdio_res: it may hold a pending line */
	uint32_t plen = 0;
	int err = stdio_encode(session_StdIO_METHOD_write, buf, chunk, &plen);

	if (err == CAPOS_OK)
		err = stdio_call(cap, session_StdIO_METHOD_write, plen, res, sizeof(res), &cqe);
	return err < 0 ? err : (int64_t)chunk;
}

/* StdIO.readLine: the line (inside stdio_res) and the eof flag. */
static int stdio_read_line(uint32_t cap, struct capnp_text *line, int *eof)
{
	const struct capnp_limits lim = { .traversal_words = STDIO_RES_WORDS, .nesting = 4 };
	struct session_StdIO_readLine_Results_r r;
	struct capnp_segment segs[2];
	struct capnp_msg m;
	struct capos_cqe cqe = { 0 };
	uint32_t plen = 0;
	int err = stdio_encode(session_StdIO_METHOD_readLine, NULL, 0, &plen);

	if (err == CAPOS_OK)
		err = stdio_call(cap, session_StdIO_METHOD_readLine, plen, stdio_res,
				 sizeof(stdio_res), &cqe);

	if (err == CAPOS_ERR_RING_RESULT_TOO_SMALL)
		return CAPOS_ERR_STDIO_LINE_TOO_LONG;
	if (err == CAPOS_OK)
		err = capnp_msg_init_framed(&m, stdio_res, cqe.result_len, segs, 2, &lim, NULL);
	if (err == CAPOS_OK)
		err = session_StdIO_readLine_Results_read_root(&m, &r);
	if (err == CAPOS_OK)
		err = session_StdIO_readLine_Results_get_line(&r, line);
	if (err == CAPOS_OK && line->len > CAPOS_STDIO_LINE_MAX)
		err = CAPOS_ERR_STDIO_LINE_TOO_LONG;
	if (err == CAPOS_OK)
		*eof = session_StdIO_readLine_Results_get_eof(&r);
	return err;
}

/* Make the next line pending; 1 when there is one, 0 at the end of input. */
static int stdio_next_line(uint32_t cap)
{
	struct capnp_text line = { 0 };
	int eof = 0;
	int err = stdio_read_line(cap, &line, &eof);

	if (err < 0)
		return err;
	stdio_line = line.str;
	stdio_newline = !eof;
	stdio_left = line.len + (eof ? 0u : 1u);
	stdio_eof_next = eof && line.len > 0;
	return stdio_left > 0;
}

int64_t capos_stdio_read(uint32_t cap, void *buf, size_t len)
{
	uint32_t n;
	int err;

	if (stdio_left == 0 && stdio_eof_next) {
		stdio_eof_next = 0;
		return 0;
	}
	if (stdio_left == 0 && (err = stdio_next_line(cap)) <= 0)
		return err;
	n = len < stdio_left ? (uint32_t)len : stdio_left;
	/* Invariant: the "\n" (when due) is the last pending byte, not in the text. */
	if (stdio_newline && n == stdio_left) {
		memcpy(buf, stdio_line, n - 1u);
		((char *)buf)[n - 1u] = '\n';
	} else {
		memcpy(buf, stdio_line, n);
	}
	stdio_line += n;
	stdio_left -= n;
	return (int64_t)n;
}
