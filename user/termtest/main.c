/*
 * termtest: init of the TerminalSession test manifest (system/tests/term.capnp),
 * driven through COM2 by tests/qemu/term_tests.py (harness.Terminal). It holds the
 * terminal twice ("terminal", "terminal2"), a Timer and a ProcessSpawner, and writes
 * everything it says through TerminalSession.write. Each read step prints a prompt
 * "<step>> ", reads, and prints one result line; the script types after the prompt:
 *   line      readLine: "hello world" with its echo
 *   edit      readLine: backspace/DEL editing ("helo" DEL DEL "lp" -> "help")
 *   hidden    readLine(hidden): only "\r\n" echoed; the line is compared here, never
 *             printed (its length and whether it matched are)
 *   interrupt readLine: "partial" Ctrl-C -> event interrupt
 *   eof       readLine: Ctrl-D at line start -> event eof
 *   long      readLine: 300 bytes -> 256 kept, truncated, a bell per refused byte
 *   garbage   readLine: controls, a stray 0xff and an arrow key dropped -> "abcd",
 *             dropped 3
 *   key       readKey twice: Ctrl-C and 'q' delivered raw, nothing echoed
 *   typeahead input typed while no read is pending (termtest sleeps) is echoed only
 *             when the read starts, which completes without blocking;
 *             "one\r\ntwo\r" typed ahead reads as two lines
 *   overflow  4200 bytes typed while termtest sleeps (3 s): the kernel keeps 4096 (the
 *             rest is dropped and logged), the read then echoes 256 and a bell per
 *             refused byte and ends truncated at the script's CR
 *   busy      two readLines queued at once: the second -> CAPOS_ERR_TERM_BUSY
 *             (overloaded) at once, the first completes with the next line
 * and the hostile twins: a 4097-byte write -> CAPOS_ERR_INVALID (invalidArgument); a
 * forged cap id and the released "terminal2" -> the ring's typed errors; with "kept"
 * typed ahead, a readLine into a 16-byte result buffer -> RING_RESULT_TOO_SMALL
 * (needs 296) and one into the read-only CapSet page -> RING_RESULT_FAULT, both at
 * once and consuming nothing (the next read gets "kept"); a child blocked in readLine
 * is killed
 * (the kernel cancels its read; "after-kill" then reads normally) and a child that
 * exits with a read queued (cancelled). Run with a CapSet holding "tread" or "tquit"
 * (a TerminalSession) it is that child.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/terminal.h>
#include <schema/capos.capnp.h>

#define TT_MS 1000000ull
#define TT_PASSWORD "s3cr3t-pw" /* what the script types at the hidden prompt */
#define TT_QUIT_CODE 49		/* the "tquit" child's exit code */
#define TT_FORGED_CAP 0x7ff0u	/* a cap id nothing was granted as */

static uint32_t tt_term, tt_term2, tt_timer, tt_spawner;
static int tt_failed;

static const struct capos_capset_page *tt_capset(void)
{
	return (const struct capos_capset_page *)capos_boot.capset;
}

/* printf to the terminal through TerminalSession.write. */
static void tt_say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) || capos_term_write(tt_term, buf, (uint32_t)n))
		tt_failed = 1;
}

static void tt_check(const char *step, int ok)
{
	tt_say("termtest: %s: %s\n", step, ok ? "ok" : "FAILED");
	if (!ok)
		tt_failed = 1;
}

static const char *tt_event_name(int ev)
{
	static const char *const names[] = { "line", "interrupt", "eof", "key" };

	return ev >= 0 && ev < 4 ? names[ev] : "?";
}

/* Prompt "<step>> ", one readLine, and the result line; the read in *r. */
static int tt_read(const char *step, int hidden, struct capos_term_read *r)
{
	int err;

	tt_say("%s> ", step);
	err = capos_term_read_line(tt_term, hidden, r);
	if (err) {
		tt_say("termtest: %s: readLine -> %s\n", step, capos_error_name(err));
		tt_failed = 1;
	}
	return err;
}

/* A canonical read expected to end with `event` and (for lines) `want`. */
static void tt_line(const char *step, int event, const char *want)
{
	struct capos_term_read r;

	if (tt_read(step, 0, &r))
		return;
	tt_say("termtest: %s: event=%s len=%u truncated=%d dropped=%u \"%s\"\n", step,
	       tt_event_name(r.event), r.len, r.truncated, r.dropped, r.line);
	tt_check(step, r.event == event && strcmp(r.line, want) == 0);
}

static void tt_test_long(void)
{
	struct capos_term_read r;
	int all_a = 1;

	if (tt_read("long", 0, &r))
		return;
	for (uint32_t i = 0; i < r.len; i++)
		all_a = all_a && r.line[i] == 'a';
	tt_say("termtest: long: event=%s len=%u truncated=%d dropped=%u\n", tt_event_name(r.event),
	       r.len, r.truncated, r.dropped);
	tt_check("long", r.event == capos_TerminalEvent_line && r.len == CAPOS_TERM_LINE_MAX &&
				 r.truncated && all_a);
}

static void tt_test_garbage(void)
{
	struct capos_term_read r;

	if (tt_read("garbage", 0, &r))
		return;
	tt_say("termtest: garbage: event=%s \"%s\" dropped=%u\n", tt_event_name(r.event), r.line,
	       r.dropped);
	tt_check("garbage", r.event == capos_TerminalEvent_line && strcmp(r.line, "abcd") == 0 &&
				    r.dropped == 3);
}

static void tt_test_hidden(void)
{
	struct capos_term_read r;
	int match;

	if (tt_read("password", 1, &r))
		return;
	match = r.event == capos_TerminalEvent_line && strcmp(r.line, TT_PASSWORD) == 0;
	tt_say("termtest: hidden: event=%s len=%u matches=%s\n", tt_event_name(r.event), r.len,
	       match ? "yes" : "no");
	tt_check("hidden", match);
}

static void tt_test_keys(void)
{
	struct capos_term_read a, b;
	int err;

	tt_say("key> ");
	err = capos_term_read_key(tt_term, &a);
	if (err == CAPOS_OK)
		err = capos_term_read_key(tt_term, &b);
	tt_say("termtest: key: %s, keys %u %u (%s, %s)\n", capos_error_name(err), a.key, b.key,
	       tt_event_name(a.event), tt_event_name(b.event));
	tt_check("key", err == CAPOS_OK && a.key == 3 && b.key == 'q' &&
				a.event == capos_TerminalEvent_key &&
				b.event == capos_TerminalEvent_key);
}

/* More type-ahead than the kernel keeps: the excess is dropped (counted on COM1), the
 * kept 4096 bytes make one truncated line once the script ends it. */
static void tt_test_overflow(void)
{
	struct capos_term_read r;
	int err;

	tt_say("termtest: overflow: type now\n");
	err = capos_timer_sleep(tt_timer, 3000 * TT_MS); /* 4200 bytes in: ample under load */
	tt_say("termtest: overflow: slept (%s), reading\n", capos_error_name(err));
	if (tt_read("overflow", 0, &r))
		return;
	tt_say("termtest: overflow: event=%s len=%u truncated=%d\n", tt_event_name(r.event), r.len,
	       r.truncated);
	tt_check("overflow", r.event == capos_TerminalEvent_line && r.len == CAPOS_TERM_LINE_MAX &&
				     r.truncated);
}

/* Queues a readLine from `params` into res (res_len bytes); its user_data. */
static uint64_t tt_queue_read(struct capos_ring_client *c, const uint64_t *params, uint32_t plen,
			      uint64_t *res, uint32_t res_len, uint64_t ud)
{
	struct capos_sqe *sqe;

	if (capos_ring_get_sqe(c, &sqe) != CAPOS_OK) {
		tt_failed = 1;
		return 0;
	}
	capos_ring_prep_call(sqe, tt_term, capos_TerminalSession_TYPE_ID,
			     capos_TerminalSession_METHOD_readLine, params, plen, res, res_len);
	sqe->user_data = ud;
	return ud;
}

/* Input typed while termtest sleeps is echoed by the read that consumes it; the read
 * completes in the cap_enter that submits it (drain only, no blocking), which proves
 * the line was already in the kernel's type-ahead. */
static void tt_test_typeahead(struct capos_ring_client *c)
{
	static uint64_t params[4], res[CAPOS_TERM_ANSWER_MAX / 8];
	struct capos_term_read r = { 0 };
	struct capos_cqe cqe;
	uint32_t plen = 0;
	int64_t ready = -1;
	int err;

	tt_say("termtest: typeahead: type now\n");
	err = capos_timer_sleep(tt_timer, 1000 * TT_MS);
	tt_say("termtest: typeahead: slept (%s), reading\ntypeahead> ", capos_error_name(err));
	if (err == CAPOS_OK)
		err = capos_term_read_params(capos_TerminalSession_METHOD_readLine, 0, params,
					     sizeof(params), &plen);
	if (err == CAPOS_OK) {
		tt_queue_read(c, params, plen, res, sizeof(res), 301);
		capos_ring_submit(c);
		ready = capos_ring_enter(c, 0, 0);
		err = capos_ring_wait(c, 301, CAPOS_TIMEOUT_INFINITE, &cqe);
	}
	if (err == CAPOS_OK)
		err = cqe.status < 0 ? cqe.status
				     : capos_term_read_decode(capos_TerminalSession_METHOD_readLine,
							      res, cqe.result_len, &r);
	tt_say("termtest: typeahead: %s \"%s\", ready without blocking: %s\n",
	       capos_error_name(err), r.line, ready == 1 ? "yes" : "no");
	tt_check("typeahead", err == CAPOS_OK && ready == 1 && strcmp(r.line, "early") == 0);
	tt_line("crlf-1", capos_TerminalEvent_line, "one");
	tt_line("crlf-2", capos_TerminalEvent_line, "two");
}

/* Two reads at once: the second is refused at once, the first waits for a line. */
static void tt_test_busy(struct capos_ring_client *c)
{
	static uint64_t params[4], res1[CAPOS_TERM_ANSWER_MAX / 8], res2[CAPOS_TERM_ANSWER_MAX / 8];
	struct capos_term_read r = { 0 };
	struct capos_cqe c1, c2;
	uint32_t plen = 0;
	int type = -1, st2 = CAPOS_OK, err;

	err = capos_term_read_params(capos_TerminalSession_METHOD_readLine, 0, params,
				     sizeof(params), &plen);
	tt_say("busy> ");
	tt_queue_read(c, params, plen, res1, sizeof(res1), 101);
	tt_queue_read(c, params, plen, res2, sizeof(res2), 102);
	capos_ring_submit(c);
	if (err == CAPOS_OK)
		err = capos_ring_wait(c, 102, CAPOS_TIMEOUT_INFINITE, &c2);
	if (err == CAPOS_OK && c2.status == CAPOS_ERR_RING_EXCEPTION)
		st2 = capos_exception_status(res2, c2.result_len, &type);
	tt_say("termtest: busy: second read -> %s (%s)\n", capos_error_name(st2),
	       capos_exception_type_name(type) ? capos_exception_type_name(type) : "?");
	if (err == CAPOS_OK)
		err = capos_ring_wait(c, 101, CAPOS_TIMEOUT_INFINITE, &c1);
	if (err == CAPOS_OK)
		err = c1.status < 0 ? c1.status
				    : capos_term_read_decode(capos_TerminalSession_METHOD_readLine,
							     res1, c1.result_len, &r);
	tt_say("termtest: busy: first read -> %s \"%s\"\n", capos_error_name(err), r.line);
	tt_check("busy", err == CAPOS_OK && st2 == CAPOS_ERR_TERM_BUSY &&
				 type == capos_ExceptionType_overloaded &&
				 strcmp(r.line, "first") == 0);
}

/* A framed write of `len` bytes straight through the ring (past libcapos's bound). */
static int tt_raw_write(struct capos_ring_client *c, uint32_t cap, uint32_t len, int *type)
{
	static uint64_t arena[CAPOS_TERM_WRITE_MAX / 8 + 16], framed[CAPOS_TERM_WRITE_MAX / 8 + 17];
	static uint8_t data[CAPOS_TERM_WRITE_MAX + 1];
	uint64_t res[16];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_TerminalSession_write_Params_b p;
	struct capos_cqe cqe = { 0 };
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	*type = -1;
	memset(data, 'x', sizeof(data));
	if (err == CAPOS_OK)
		err = capos_TerminalSession_write_request(&b, &p);
	if (err == CAPOS_OK)
		err = capos_TerminalSession_write_Params_set_data(&p, data, len);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n);
	if (err == CAPOS_OK)
		err = capos_ring_call(c, cap, capos_TerminalSession_TYPE_ID,
				      capos_TerminalSession_METHOD_write, framed, (uint32_t)n, res,
				      sizeof(res), &cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = capos_exception_status(res, cqe.result_len, type);
	return err;
}

/* A readLine into [res, res + len): refused at once; its CQE in *cqe. */
static int tt_refused_read(struct capos_ring_client *c, uint64_t res, uint32_t len,
			   struct capos_cqe *cqe)
{
	static uint64_t params[4];
	uint32_t plen = 0;
	int err = capos_term_read_params(capos_TerminalSession_METHOD_readLine, 0, params,
					 sizeof(params), &plen);

	tt_queue_read(c, params, plen, (uint64_t *)(uintptr_t)res, len, 201);
	capos_ring_submit(c);
	return err ? err : capos_ring_wait(c, 201, CAPOS_TIMEOUT_INFINITE, cqe);
}

/* Reads refused for their result buffer, with a line typed ahead: refused before
 * anything is consumed, so the next read gets the line at once. */
static void tt_test_room(struct capos_ring_client *c)
{
	static uint64_t small[2];
	struct capos_cqe a = { 0 }, b = { 0 };
	int err;

	tt_say("termtest: room: type now\n");
	err = capos_timer_sleep(tt_timer, 1000 * TT_MS);
	if (err == CAPOS_OK)
		err = tt_refused_read(c, (uint64_t)(uintptr_t)small, sizeof(small), &a);
	if (err == CAPOS_OK)
		err = tt_refused_read(c, capos_boot.capset, 512, &b);
	tt_say("termtest: room: readLine into 16 bytes -> %s (needs %u), into the read-only "
	       "CapSet -> %s\n",
	       capos_error_name(err ? err : a.status), a.result_len, capos_error_name(b.status));
	tt_check("room", err == CAPOS_OK && a.status == CAPOS_ERR_RING_RESULT_TOO_SMALL &&
				 a.result_len == CAPOS_TERM_ANSWER_MAX &&
				 b.status == CAPOS_ERR_RING_RESULT_FAULT);
	tt_line("room-after", capos_TerminalEvent_line, "kept");
}

static void tt_test_hostile(struct capos_ring_client *c)
{
	int type, err = tt_raw_write(c, tt_term, CAPOS_TERM_WRITE_MAX + 1, &type);

	tt_say("termtest: hostile: 4097-byte write -> %s (%s)\n", capos_error_name(err),
	       capos_exception_type_name(type) ? capos_exception_type_name(type) : "?");
	tt_check("oversize write",
		 err == CAPOS_ERR_INVALID && type == capos_ExceptionType_invalidArgument);
	err = tt_raw_write(c, TT_FORGED_CAP, 4, &type);
	tt_say("termtest: hostile: write on forged cap id %#x -> %s\n", TT_FORGED_CAP,
	       capos_error_name(err));
	tt_check("forged cap", err == CAPOS_ERR_CAP_BAD_ID);
	err = capos_ring_release(c, tt_term2);
	int stale = err ? err : tt_raw_write(c, tt_term2, 4, &type);
	tt_say("termtest: hostile: terminal2 released (%s), write on it -> %s\n",
	       capos_error_name(err), capos_error_name(stale));
	tt_check("stale cap", err == CAPOS_OK && stale == CAPOS_ERR_CAP_STALE);
}

/* Spawns this binary as `name` with a fresh terminal granted as `grant`. */
static int tt_spawn(struct capos_ring_client *c, const char *name, const char *grant,
		    uint32_t *handle)
{
	static uint64_t arena[64], framed[65], res[32];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist grants;
	struct capos_cqe cqe;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK && (err = capos_ProcessSpawner_spawn_request(&b, &p)) == CAPOS_OK &&
	    (err = capos_ProcessSpawner_spawn_Params_set_name(&p, name, strlen(name))) == 0 &&
	    (err = capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "termtest", 8)) == 0)
		err = capos_ProcessSpawner_spawn_Params_init_grants(&p, 1, &grants);
	if (err)
		return err;
	struct capos_CapGrant_b g = capos_CapGrant_list_build(&grants, 0);
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);

	capos_CapGrant_source_set_kernel(&src, capos_KernelCapSource_terminal);
	if ((err = capos_CapGrant_set_name(&g, grant, strlen(grant))) == 0 &&
	    (err = capnp_builder_error(&b)) == 0 &&
	    (err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n)) == 0)
		err = capos_ring_call(c, tt_spawner, capos_ProcessSpawner_TYPE_ID,
				      capos_ProcessSpawner_METHOD_spawn, framed, (uint32_t)n, res,
				      sizeof(res), &cqe);
	return err ? err
		   : capos_ring_result_cap(&cqe, res, sizeof(res), 0, capos_ProcessHandle_TYPE_ID,
					   handle);
}

/* ProcessHandle.wait: exit code and killed flag. */
static int tt_wait(struct capos_ring_client *c, uint32_t h, int64_t *code, int *killed)
{
	static uint64_t res[16];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capnp_segment segs[1];
	struct capnp_msg m;
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_cqe cqe;
	int err = capos_ring_call(c, h, capos_ProcessHandle_TYPE_ID,
				  capos_ProcessHandle_METHOD_wait, NULL, 0, res, sizeof(res), &cqe);

	if (err == CAPOS_OK &&
	    (err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 1, &lim, NULL)) == 0 &&
	    (err = capos_ProcessHandle_wait_Results_read_root(&m, &r)) == 0) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	return err;
}

/* A child blocked in readLine is killed; a child exits with a read queued. */
static void tt_test_death(struct capos_ring_client *c)
{
	uint32_t h = 0, h2 = 0;
	int64_t code = 0, code2 = 0;
	int killed = 0, killed2 = 1;
	int err = tt_spawn(c, "reader", "tread", &h);

	if (err == CAPOS_OK)
		err = capos_timer_sleep(tt_timer, 100 * TT_MS); /* the child parks meanwhile */
	if (err == CAPOS_OK)
		err = capos_ring_call(c, h, capos_ProcessHandle_TYPE_ID,
				      capos_ProcessHandle_METHOD_kill, NULL, 0, NULL, 0, NULL);
	if (err == CAPOS_OK)
		err = tt_wait(c, h, &code, &killed);
	tt_say("termtest: killed: reader blocked in readLine killed -> %s, code %lld killed %d\n",
	       capos_error_name(err), (long long)code, killed);
	tt_check("killed", err == CAPOS_OK && code == -1 && killed);
	err = tt_spawn(c, "quitter", "tquit", &h2);
	if (err == CAPOS_OK)
		err = tt_wait(c, h2, &code2, &killed2);
	tt_say("termtest: exited: child exited with a read queued -> %s, code %lld killed %d\n",
	       capos_error_name(err), (long long)code2, killed2);
	tt_check("exited", err == CAPOS_OK && code2 == TT_QUIT_CODE && !killed2);
	tt_line("after-kill", capos_TerminalEvent_line, "alive");
}

/* The "tread"/"tquit" child: block in readLine, or queue one and exit. */
static int tt_child(struct capos_ring_client *c, uint32_t term, int quit)
{
	static uint64_t params[4], res[CAPOS_TERM_ANSWER_MAX / 8];
	struct capos_term_read r;
	uint32_t plen = 0;

	tt_term = term;
	if (!quit)
		return capos_term_read_line(term, 0, &r) == CAPOS_OK ? 1 : 2; /* killed first */
	if (capos_term_read_params(capos_TerminalSession_METHOD_readLine, 0, params, sizeof(params),
				   &plen))
		return 3;
	tt_queue_read(c, params, plen, res, sizeof(res), 1);
	capos_ring_submit(c);
	capos_ring_enter(c, 0, 0);
	return TT_QUIT_CODE;
}

int main(void)
{
	const struct capos_capset_page *cs = tt_capset();
	struct capos_ring_client *c;
	uint32_t child = 0;

	if (capos_ring_self(&c))
		return 2;
	if (capos_capset_lookup(cs, "tread", capos_TerminalSession_TYPE_ID, &child) == CAPOS_OK)
		return tt_child(c, child, 0);
	if (capos_capset_lookup(cs, "tquit", capos_TerminalSession_TYPE_ID, &child) == CAPOS_OK)
		return tt_child(c, child, 1);
	if (capos_capset_lookup(cs, "terminal", capos_TerminalSession_TYPE_ID, &tt_term) ||
	    capos_capset_lookup(cs, "terminal2", capos_TerminalSession_TYPE_ID, &tt_term2) ||
	    capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &tt_timer) ||
	    capos_capset_lookup(cs, "spawner", capos_ProcessSpawner_TYPE_ID, &tt_spawner))
		return 2;
	tt_say("termtest: start (pid %u)\n", (unsigned)capos_boot.pid);
	tt_line("line", capos_TerminalEvent_line, "hello world");
	tt_line("edit", capos_TerminalEvent_line, "help");
	tt_test_hidden();
	tt_line("interrupt", capos_TerminalEvent_interrupt, "");
	tt_line("eof", capos_TerminalEvent_eof, "");
	tt_test_long();
	tt_test_garbage();
	tt_test_keys();
	tt_test_typeahead(c);
	tt_test_overflow();
	tt_test_busy(c);
	tt_test_hostile(c);
	tt_test_room(c);
	tt_test_death(c);
	tt_say("termtest: done, exiting %d\n", tt_failed);
	return tt_failed;
}
