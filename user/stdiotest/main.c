/*
 * stdiotest: init of the focused StdIO manifest (system/tests/stdio.capnp,
 * tests/qemu/stdio_tests.py). It plays the shell's part: it serves StdIO
 * (schema/session.capnp) on its raw endpoint `ep` with the libcapos server runtime and
 * runs the demo programs (user/hello, user/upper, user/spin) with `stdio` = a client
 * facet of it, so their newlib stdin/stdout go through libcapos's StdIO client
 * (docs/userspace.md "Standard streams"). Each run follows a script: the lines
 * readLine answers (then eof), whether writes are refused, when to kill the child.
 * It serves until the child's ProcessHandle.wait completes (capos_server_run_until)
 * and checks the exact bytes written, the write and readLine counts and the exit.
 * Hostile twins: writes answered with an exception, eof at once, a line longer than
 * the client takes, no `stdio` cap (Console, fd 0 ENOSYS), a `stdio` cap of another
 * interface, and a StdIO server (user/stdiovanish) exiting while the child waits in
 * readLine; last, its own endpoint closed under the server loop (run_until ends with
 * EP_DISCONNECTED). One line per run on the console; exit 0 when every check held,
 * else 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/capos.capnp.h>
#include <schema/session.capnp.h>

#include "stdiotest.h"

#define SD_WAIT_UD UINT64_C(0x5744000000000001)	 /* the child's wait (not a server value) */
#define SD_NEVER_UD UINT64_C(0x5744000000000002) /* nothing is ever submitted with it */
#define SD_GOT_MAX 8192u
#define SD_LONG 2048u	  /* CAPOS_STDIO_LINE_MAX: the longest line the client takes */
#define SD_OVERSIZE 3000u /* a line past it (fits the server's 4 KiB results arena) */

struct sd_line {
	const char *text;
	uint32_t len;
	int eof;
};

/* The server's side of one run. */
struct sd_script {
	const struct sd_line *lines; /* readLine answers in order, then eof */
	uint32_t nlines;
	int fail_writes;     /* answer every write with a `failed` CapException */
	uint32_t kill_after; /* kill the child when this many writes arrived (0: never) */
};

/* What one run expects. */
struct sd_expect {
	int64_t code;
	int killed;
	const char *bytes; /* everything written, in order */
	uint32_t len;
};

static struct capos_server sd_srv;
static struct capos_ring_client *sd_ring;
static uint32_t sd_ep;
static int sd_failed;
static char sd_long[SD_OVERSIZE], sd_long_upper[SD_LONG + 1];

/* The run in progress. */
static struct {
	const struct sd_script *sc;
	uint32_t next, reads;
	int kill_err;
	uint32_t handle;
	struct sx_sink sink;
} sd;
static char sd_got[SD_GOT_MAX];

static int sd_write(void *self, const struct session_StdIO_write_Params_r *p,
		    struct session_StdIO_write_Results_b *r)
{
	int err;

	(void)self;
	(void)r;
	if (sd.sc->fail_writes) {
		sd.sink.writes++;
		return capos_server_fail(&sd_srv, capos_ExceptionType_failed, CAPOS_ERR_INVALID,
					 "writes refused");
	}
	err = sx_sink_write(&sd.sink, p);
	if (err == 0 && sd.sc->kill_after && sd.sink.writes == sd.sc->kill_after)
		sd.kill_err = sx_kill(sd.handle);
	return err;
}

static int sd_read_line(void *self, const struct session_StdIO_readLine_Params_r *p,
			struct session_StdIO_readLine_Results_b *r)
{
	static const struct sd_line end = { "", 0, 1 };
	const struct sd_line *l = sd.next < sd.sc->nlines ? &sd.sc->lines[sd.next++] : &end;

	(void)self;
	(void)p;
	sd.reads++;
	session_StdIO_readLine_Results_set_eof(r, l->eof);
	return session_StdIO_readLine_Results_set_line(r, l->text, l->len);
}

static const struct session_StdIO_server sd_server = { .write = sd_write,
						       .readLine = sd_read_line };
static struct capos_server_iface sd_iface;

static void sd_check(const char *what, int ok)
{
	if (!ok)
		sd_failed = 1;
	printf("stdiotest: %s: %s\n", what, ok ? "ok" : "FAILED");
}

/* Serve `ep` until the child `handle` ends; its exit in *code, *killed. */
static int sd_serve_child(uint32_t handle, int64_t *code, int *killed)
{
	struct capos_cqe cqe;
	int err = sx_wait_submit(handle, SD_WAIT_UD);

	if (err == 0)
		err = capos_server_run_until(&sd_srv, sd_ring, sd_ep, SD_WAIT_UD, &cqe);
	return err ? err : sx_wait_result(&cqe, code, killed);
}

/* Run `binary` with grants g[0..n) against script `sc`; check against `want`. */
static void sd_run(const char *what, const char *binary, const struct sx_grant *g, uint32_t n,
		   const struct sd_script *sc, const struct sd_expect *want)
{
	struct sx_child child;
	int64_t code = -2;
	int killed = 0, same;
	int err;

	memset(&sd, 0, sizeof(sd));
	sd.sc = sc;
	sd.sink = (struct sx_sink){ sd_got, SD_GOT_MAX, 0, 0, 0 };
	err = sx_spawn(binary, g, n, &child);
	sd.handle = child.handle;
	if (err == 0)
		err = sd_serve_child(child.handle, &code, &killed);
	if (err == 0)
		err = sx_release(&child);
	same = !sd.sink.overflow && sd.sink.len == want->len &&
	       memcmp(sd_got, want->bytes, sd.sink.len) == 0;
	printf("stdiotest: %s: exit %lld%s, %u writes (%u bytes%s), %u readLine, status %s\n", what,
	       (long long)code, killed ? " (killed)" : "", sd.sink.writes, sd.sink.len,
	       same ? ", as expected" : ", DIFFERENT", sd.reads, capos_error_name(err));
	if (!same)
		printf("stdiotest: got \"%.*s\"\n", (int)sd.sink.len, sd_got);
	sd_check(what, err == 0 && sd.kill_err == 0 && same && code == want->code &&
			       killed == want->killed);
}

#define SD_LINE(s)                                                                                 \
	{                                                                                          \
		s, sizeof(s) - 1, 0                                                                \
	}
#define SD_BYTES(s) s, sizeof(s) - 1
#define SD_GREETING "Hello from capOS!\nWhat is your name? "

static const struct sx_grant sd_stdio = { "stdio", SX_FACET, 0, 0, session_StdIO_TYPE_ID, 1 };

static void sd_test_hello(void)
{
	static const struct sd_line name[] = { SD_LINE("capOS") };
	const struct sd_line oversize[] = { { sd_long, SD_OVERSIZE, 0 } };
	const struct sd_script sc_name = { name, 1, 0, 0 }, sc_eof = { NULL, 0, 0, 0 },
			       sc_refuse = { NULL, 0, 1, 0 }, sc_oversize = { oversize, 1, 0, 0 };
	const struct sd_expect greeted = { 0, 0,
					   SD_BYTES(SD_GREETING "Nice to meet you, capOS.\n") };
	const struct sd_expect at_eof = { 3, 0, SD_BYTES(SD_GREETING "\nhello: no name given\n") };
	const struct sd_expect refused = { 1, 0, SD_BYTES("") };
	const struct sd_expect too_long = {
		2, 0, SD_BYTES(SD_GREETING "hello: cannot read stdin: Message too long\n")
	};
	struct sx_grant g = sd_stdio;

	g.cap = sd_ep;
	sd_run("hello, name capOS", "hello", &g, 1, &sc_name, &greeted);
	sd_run("hello, eof at once", "hello", &g, 1, &sc_eof, &at_eof);
	sd_run("hello, writes refused (failed)", "hello", &g, 1, &sc_refuse, &refused);
	sd_run("hello, a 3000-byte line", "hello", &g, 1, &sc_oversize, &too_long);
}

static void sd_test_upper(void)
{
	static const struct sd_line lines[] = { SD_LINE("abc"),
						SD_LINE("Hello, World 42"),
						{ "tail", 4, 1 } };
	const struct sd_line longest[] = { { sd_long, SD_LONG, 0 } };
	const struct sd_script sc_lines = { lines, 3, 0, 0 }, sc_long = { longest, 1, 0, 0 };
	const struct sd_expect upper = { 0, 0, SD_BYTES("ABC\nHELLO, WORLD 42\nTAIL") };
	const struct sd_expect upper_long = { 0, 0, sd_long_upper, SD_LONG + 1 };
	struct sx_grant g = sd_stdio;

	g.cap = sd_ep;
	sd_run("upper, three lines, the last at eof", "upper", &g, 1, &sc_lines, &upper);
	sd_run("upper, a 2048-byte line", "upper", &g, 1, &sc_long, &upper_long);
}

static void sd_test_spin(void)
{
	const struct sd_script sc_kill = { NULL, 0, 0, 3 }, sc_refuse = { NULL, 0, 1, 0 };
	const struct sd_expect ticks = { -1, 1,
					 SD_BYTES("spin: tick 1\nspin: tick 2\nspin: tick 3\n") };
	const struct sd_expect refused = { 1, 0, SD_BYTES("") };
	struct sx_grant g[2] = { sd_stdio,
				 { "timer", SX_KERNEL, capos_KernelCapSource_timer, 0, 0, 0 } };

	g[0].cap = sd_ep;
	sd_run("spin, killed at the third tick", "spin", g, 2, &sc_kill, &ticks);
	sd_run("spin, writes refused (failed)", "spin", g, 2, &sc_refuse, &refused);
}

/* Without a StdIO `stdio`: the Console and fd 0 ENOSYS, or (another interface) every
 * stream failing rather than writing elsewhere. */
static void sd_test_no_stdio(void)
{
	const struct sd_script none = { NULL, 0, 0, 0 };
	const struct sd_expect console = { 2, 0, SD_BYTES("") };
	const struct sd_expect wrong = { 1, 0, SD_BYTES("") };
	struct sx_grant g[2] = {
		{ "console", SX_KERNEL, capos_KernelCapSource_console, 0, 0, 0 },
		{ "stdio", SX_FACET, 0, 0, capos_Console_TYPE_ID, 2 },
	};

	g[1].cap = sd_ep;
	sd_run("hello without stdio (Console)", "hello", g, 1, &none, &console);
	sd_run("hello, stdio granted as Console", "hello", g, 2, &none, &wrong);
}

/* The StdIO server (user/stdiovanish) exits while hello waits in readLine. */
static void sd_test_vanish(void)
{
	const struct sx_grant vg[] = {
		{ "console", SX_KERNEL, capos_KernelCapSource_console, 0, 0, 0 },
		{ "api", SX_EXPORT, 0, 0, session_StdIO_TYPE_ID, 0 },
	};
	const struct sd_script none = { NULL, 0, 0, 0 };
	const struct sd_expect broken = { 2, 0, SD_BYTES("") };
	struct sx_child server;
	struct sx_grant g = { "stdio", SX_COPY, 0, 0, session_StdIO_TYPE_ID, 0 };
	int64_t code = -2;
	int killed = 0;
	int err = sx_spawn("stdiovanish", vg, 2, &server);

	g.cap = server.export_facet;
	if (err == 0)
		sd_run("hello, its server exits during readLine", "hello", &g, 1, &none, &broken);
	/* Its endpoint closed at its reap, before hello's readLine failed: the kill finds it
	 * exited (a server still running would be killed: -1, killed, and no hang). */
	if (err == 0)
		err = sx_kill(server.handle);
	if (err == 0)
		err = sd_serve_child(server.handle, &code, &killed);
	if (err == 0)
		err = sx_release(&server);
	printf("stdiotest: stdiovanish: exit %lld, status %s\n", (long long)code,
	       capos_error_name(err));
	sd_check("server gone", err == 0 && code == 0 && !killed);
}

/* The endpoint closes under the RECV run_until left in flight (its only raw cap is
 * released): the next run_until ends with EP_DISCONNECTED at once, waiting for a
 * completion that never comes is not a hang. */
static void sd_test_closed(void)
{
	struct capos_cqe cqe;
	int err = capos_ring_release(sd_ring, sd_ep);

	if (err == 0)
		err = capos_server_run_until(&sd_srv, sd_ring, sd_ep, SD_NEVER_UD, &cqe);
	printf("stdiotest: run_until after its endpoint closed -> %s\n", capos_error_name(err));
	sd_check("closed endpoint ends the server loop", err == CAPOS_ERR_EP_DISCONNECTED);
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_ring_self(&sd_ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "ep", capos_Endpoint_TYPE_ID, &sd_ep);
	sd_iface = sx_stdio_iface(&sd_server);
	if (err == 0)
		err = capos_server_init(&sd_srv, &sd_iface, 1);
	if (err) {
		printf("stdiotest: setup: %s\n", capos_error_name(err));
		return 1;
	}
	for (uint32_t i = 0; i < SD_OVERSIZE; i++)
		sd_long[i] = (char)('a' + i % 26);
	for (uint32_t i = 0; i < SD_LONG; i++)
		sd_long_upper[i] = (char)('A' + i % 26);
	sd_long_upper[SD_LONG] = '\n';
	sd_test_hello();
	sd_test_upper();
	sd_test_spin();
	sd_test_no_stdio();
	sd_test_vanish();
	sd_test_closed();
	printf("stdiotest: %s\n", sd_failed ? "FAILED" : "done, exiting 0");
	return sd_failed ? 1 : 0;
}
