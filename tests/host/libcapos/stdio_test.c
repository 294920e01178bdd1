/*
 * Host tests of libcapos's StdIO client (lib/libcapos/stdio_cap.c, unmodified, with
 * the real ring client, CapSet lookup and kcaps helpers; the ring page laid out by the
 * kernel's ring_init) against a stand-in kernel:
 * this file defines capos_sys_cap_enter, which plays a StdIO server behind the CALLs
 * it finds on the ring (write: the data recorded per call; readLine: the next
 * scripted answer, or RESULT_TOO_SMALL when it does not fit the client's buffer), or
 * answers a scripted CapException or transport status. Positive: the cap found by
 * name and interface, writes chunked to CAPOS_STDIO_CHUNK with every byte in order,
 * lines handed out in pieces with their "\n", a write between two pieces leaving the
 * pending line intact, a line with eof, eof alone. Hostile twins with exact statuses:
 * a line one byte past CAPOS_STDIO_LINE_MAX and one past the results buffer
 * (CAPOS_ERR_STDIO_LINE_TOO_LONG, the next line still read), a `disconnected`
 * CapException (CAPOS_ERR_EP_DISCONNECTED), a revoked cap (CAPOS_ERR_CAP_REVOKED),
 * a CapException without a status (CAPOS_ERR_RING_EXCEPTION), a readLine answer that
 * is not a message (a CAPNP code).
 */
#include "test.h"

#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/stdio_cap.h>
#include <libcapos/sys.h>

#include <capnp/capnp.h>
#include <capos/capset.h>
#include <capos/error.h>
#include <capos/syscall.h>
#include <kernel/ring.h>
#include <schema/session.capnp.h>
#include <string.h>

#define SK_CAP 0x00030007u
#define SK_OUT_MAX 16384u
#define SK_CALLS_MAX 16u

enum sk_answer { SK_SERVE, SK_EXCEPTION, SK_TRANSPORT, SK_GARBAGE };

struct capos_boot capos_boot;
__thread uintptr_t capos_thread_ring;

static _Alignas(4096) struct capos_ring sk_ring;
static struct capos_capset_page sk_capset;
static uint32_t sk_sq_head, sk_cq_tail;
static enum sk_answer sk_answer;
static int sk_status; /* SK_EXCEPTION: the CapException's status; SK_TRANSPORT: the CQE's */
static char sk_out[SK_OUT_MAX];
static uint32_t sk_out_len, sk_writes, sk_reads, sk_lens[SK_CALLS_MAX];
static const char *sk_line;
static uint32_t sk_line_len;
static int sk_eof;
static uint64_t sk_arena[1024];

static void sk_reset(enum sk_answer a, int status)
{
	sk_answer = a;
	sk_status = status;
	sk_out_len = sk_writes = sk_reads = 0;
}

/* Frame the builder into the SQE's result buffer; the CQE's status and length. */
static void sk_frame(struct capnp_builder *b, const struct capos_sqe *s, struct capos_cqe *e)
{
	size_t n = 0;
	int err =
		capnp_builder_write_framed(b, (void *)(uintptr_t)s->result_addr, s->result_len, &n);

	if (err) { /* what the kernel reports when a RETURN does not fit */
		capnp_builder_write_framed(b, sk_arena + 512, sizeof(sk_arena) / 2, &n);
		e->status = CAPOS_ERR_RING_RESULT_TOO_SMALL;
	}
	e->result_len = (uint32_t)n;
}

static void sk_exception(const struct capos_sqe *s, struct capos_cqe *e)
{
	struct capos_CapException_b ex;
	struct capnp_builder b;
	struct capnp_bseg seg;

	capnp_builder_init(&b, &seg, 1, sk_arena, sizeof(sk_arena) / 2);
	capos_CapException_build_root(&b, &ex);
	capos_CapException_set_type(&ex, capos_ExceptionType_disconnected);
	capos_CapException_set_status(&ex, sk_status);
	sk_frame(&b, s, e);
	if (e->status == 0)
		e->status = CAPOS_ERR_RING_EXCEPTION;
}

static void sk_write(const struct capos_sqe *s, struct capos_cqe *e)
{
	const struct capnp_limits lim = { .traversal_words = 1024, .nesting = 4 };
	struct session_StdIO_write_Params_r p;
	struct capnp_segment segs[1];
	struct capnp_data d = { 0 };
	struct capnp_msg m;

	CHECK_EQ(capnp_msg_init_framed(&m, (const void *)(uintptr_t)s->addr, s->len, segs, 1, &lim,
				       NULL),
		 CAPOS_OK);
	CHECK_EQ(session_StdIO_write_read_params(&m, &p), CAPOS_OK);
	CHECK_EQ(session_StdIO_write_Params_get_data(&p, &d), CAPOS_OK);
	CHECK(s->len <= 4096u); /* ENDPOINT_PARAMS_MAX */
	CHECK(sk_out_len + d.len <= SK_OUT_MAX && sk_writes < SK_CALLS_MAX);
	memcpy(sk_out + sk_out_len, d.ptr, d.len);
	sk_out_len += d.len;
	sk_lens[sk_writes++] = d.len;
	e->result_len = 0;
}

static void sk_read_line(const struct capos_sqe *s, struct capos_cqe *e)
{
	struct session_StdIO_readLine_Results_b r;
	struct capnp_builder b;
	struct capnp_bseg seg;

	sk_reads++;
	if (sk_answer == SK_GARBAGE) {
		memset((void *)(uintptr_t)s->result_addr, 0xff, 16);
		e->result_len = 16;
		return;
	}
	capnp_builder_init(&b, &seg, 1, sk_arena, sizeof(sk_arena) / 2);
	session_StdIO_readLine_init_results(&b, &r);
	session_StdIO_readLine_Results_set_line(&r, sk_line, sk_line_len);
	session_StdIO_readLine_Results_set_eof(&r, sk_eof);
	sk_frame(&b, s, e);
}

static void sk_post(const struct capos_sqe *s)
{
	struct capos_cqe *e = &sk_ring.cq[sk_cq_tail & CAPOS_RING_CQ_MASK];

	memset(e, 0, sizeof(*e));
	e->user_data = s->user_data;
	CHECK_UEQ(s->opcode, CAPOS_OP_CALL);
	CHECK_UEQ(s->cap, SK_CAP);
	CHECK_UEQ(s->interface_id, session_StdIO_TYPE_ID);
	if (sk_answer == SK_TRANSPORT)
		e->status = sk_status;
	else if (sk_answer == SK_EXCEPTION)
		sk_exception(s, e);
	else if (s->method == session_StdIO_METHOD_write)
		sk_write(s, e);
	else
		sk_read_line(s, e);
	sk_cq_tail++;
	__atomic_store_n(&sk_ring.hdr.cq_tail, sk_cq_tail, __ATOMIC_RELEASE);
}

int64_t capos_sys_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	uint32_t tail = __atomic_load_n(&sk_ring.hdr.sq_tail, __ATOMIC_ACQUIRE);

	(void)min_complete;
	(void)timeout_ns;
	while (sk_sq_head != tail) {
		struct capos_sqe s = sk_ring.sq[sk_sq_head & CAPOS_RING_SQ_MASK];

		sk_ring.hdr.sq_head = ++sk_sq_head;
		sk_post(&s);
	}
	return (int64_t)(sk_cq_tail - sk_ring.hdr.cq_head);
}

/* The ring and a CapSet holding "console" and "stdio"; done once (the client caches). */
static void sk_boot(void)
{
	static struct ring kring; /* the kernel's ring engine lays the page out */

	if (capos_thread_ring)
		return;
	CHECK_EQ(ring_init(&kring, &sk_ring, 1), CAPOS_OK);
	sk_capset.hdr.magic = CAPOS_CAPSET_MAGIC;
	sk_capset.hdr.version = CAPOS_ABI_VERSION;
	sk_capset.hdr.entry_size = CAPOS_CAPSET_ENTRY_SIZE;
	sk_capset.hdr.count = 2;
	strcpy(sk_capset.entries[0].name, "console");
	sk_capset.entries[0].interface_id = 1;
	sk_capset.entries[0].cap = 0x00010001;
	strcpy(sk_capset.entries[1].name, "stdio");
	sk_capset.entries[1].interface_id = session_StdIO_TYPE_ID;
	sk_capset.entries[1].cap = SK_CAP;
	capos_boot.capset = (uintptr_t)&sk_capset;
	capos_thread_ring = (uintptr_t)&sk_ring;
}

/* The next readLine answers (line, eof). */
static void sk_script(const char *line, uint32_t len, int eof)
{
	sk_line = line;
	sk_line_len = len;
	sk_eof = eof;
}

static int64_t sk_read(char *buf, size_t len)
{
	return capos_stdio_read(SK_CAP, buf, len);
}

TEST(stdio_find_by_name_and_interface)
{
	uint32_t cap = 0;

	sk_boot();
	CHECK_EQ(capos_stdio_find(&cap), CAPOS_OK);
	CHECK_UEQ(cap, SK_CAP);
	CHECK_EQ(capos_stdio_find(&cap), CAPOS_OK); /* cached */
	CHECK_UEQ(cap, SK_CAP);
}

TEST(stdio_write_chunks_to_the_params_bound)
{
	static char big[10000];
	size_t done = 0;

	sk_boot();
	sk_reset(SK_SERVE, 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	while (done < sizeof(big)) {
		int64_t n = capos_stdio_write(SK_CAP, big + done, sizeof(big) - done);

		CHECK(n > 0);
		done += (size_t)n;
	}
	CHECK_UEQ(sk_writes, 3);
	CHECK_UEQ(sk_lens[0], CAPOS_STDIO_CHUNK);
	CHECK_UEQ(sk_lens[1], CAPOS_STDIO_CHUNK);
	CHECK_UEQ(sk_lens[2], sizeof(big) - 2 * CAPOS_STDIO_CHUNK);
	CHECK_UEQ(sk_out_len, sizeof(big));
	CHECK_MEMEQ(sk_out, big, sizeof(big));
	CHECK_EQ(capos_stdio_write(SK_CAP, "x", 1), 1);
}

TEST(stdio_read_lines_in_pieces)
{
	char buf[16];

	sk_boot();
	sk_reset(SK_SERVE, 0);
	sk_script("abcdef", 6, 0);
	CHECK_EQ(sk_read(buf, 2), 2);
	CHECK_MEMEQ(buf, "ab", 2);
	/* A write meanwhile uses its own results buffer: the pending line survives. */
	CHECK_EQ(capos_stdio_write(SK_CAP, "out", 3), 3);
	sk_script("second", 6, 0);
	CHECK_EQ(sk_read(buf, 4), 4);
	CHECK_MEMEQ(buf, "cdef", 4);
	CHECK_EQ(sk_read(buf, 16), 1);
	CHECK_MEMEQ(buf, "\n", 1);
	CHECK_UEQ(sk_reads, 1);
	CHECK_EQ(sk_read(buf, 16), 7);
	CHECK_MEMEQ(buf, "second\n", 7);
	CHECK_UEQ(sk_reads, 2);
	sk_script("", 0, 0); /* an empty line is "\n", not the end */
	CHECK_EQ(sk_read(buf, 16), 1);
	CHECK_MEMEQ(buf, "\n", 1);
}

TEST(stdio_read_eof)
{
	char buf[16];

	sk_boot();
	sk_reset(SK_SERVE, 0);
	sk_script("tail", 4, 1); /* Ctrl-D after some characters */
	CHECK_EQ(sk_read(buf, 16), 4);
	CHECK_MEMEQ(buf, "tail", 4);
	CHECK_EQ(sk_read(buf, 16), 0);
	CHECK_UEQ(sk_reads, 1);
	sk_script("", 0, 1);
	CHECK_EQ(sk_read(buf, 16), 0);
	CHECK_UEQ(sk_reads, 2);
	sk_script("again", 5, 0); /* not sticky: the next line is read */
	CHECK_EQ(sk_read(buf, 16), 6);
	CHECK_MEMEQ(buf, "again\n", 6);
}

TEST(stdio_read_longest_and_oversize_lines)
{
	static char line[CAPOS_STDIO_LINE_MAX + 1024], buf[CAPOS_STDIO_LINE_MAX + 1];

	sk_boot();
	sk_reset(SK_SERVE, 0);
	memset(line, 'q', sizeof(line));
	sk_script(line, CAPOS_STDIO_LINE_MAX, 0);
	CHECK_EQ(sk_read(buf, sizeof(buf)), CAPOS_STDIO_LINE_MAX + 1);
	CHECK_EQ(buf[CAPOS_STDIO_LINE_MAX], '\n');
	/* One byte more: still fits the results buffer, refused by length. */
	sk_script(line, CAPOS_STDIO_LINE_MAX + 1, 0);
	CHECK_EQ(sk_read(buf, sizeof(buf)), CAPOS_ERR_STDIO_LINE_TOO_LONG);
	/* Past the results buffer: the kernel's RESULT_TOO_SMALL, typed the same way. */
	sk_script(line, sizeof(line), 0);
	CHECK_EQ(sk_read(buf, sizeof(buf)), CAPOS_ERR_STDIO_LINE_TOO_LONG);
	sk_script("next", 4, 0);
	CHECK_EQ(sk_read(buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "next\n", 5);
}

TEST(stdio_errors_carry_their_status)
{
	char buf[8];

	sk_boot();
	sk_reset(SK_EXCEPTION, CAPOS_ERR_EP_DISCONNECTED); /* the shell went away */
	CHECK_EQ(capos_stdio_write(SK_CAP, "x", 1), CAPOS_ERR_EP_DISCONNECTED);
	CHECK_EQ(sk_read(buf, sizeof(buf)), CAPOS_ERR_EP_DISCONNECTED);
	sk_reset(SK_EXCEPTION, 0); /* a CapException without a status */
	CHECK_EQ(capos_stdio_write(SK_CAP, "x", 1), CAPOS_ERR_RING_EXCEPTION);
	sk_reset(SK_TRANSPORT, CAPOS_ERR_CAP_REVOKED); /* the session's caps were revoked */
	CHECK_EQ(capos_stdio_write(SK_CAP, "x", 1), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(sk_read(buf, sizeof(buf)), CAPOS_ERR_CAP_REVOKED);
	sk_reset(SK_GARBAGE, 0);
	int64_t r = sk_read(buf, sizeof(buf));
	CHECK(r <= CAPOS_ERR_CAPNP_OUT_OF_BOUNDS && r >= -191); /* the capnp block */
	sk_reset(SK_SERVE, 0);
	sk_script("ok", 2, 0);
	CHECK_EQ(sk_read(buf, sizeof(buf)), 3);
}
