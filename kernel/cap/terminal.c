/*
 * TerminalSession over COM2 (kernel/include/kernel/kterm.h; docs/terminal.md): the
 * terminal device state (line discipline, type-ahead ring, the one pending read) and
 * the kernel object the `terminal` cap names.
 *
 * Reads: readLine(hidden) runs the line discipline in LDISC_CANON or LDISC_HIDDEN
 * mode, readKey in LDISC_RAW. A read first feeds the type-ahead through the ldisc
 * (echoing in its own mode); if that yields an event the CALL completes at once,
 * otherwise it is parked as a deferred completion (kring_defer, the record embedded
 * here: one read at a time, a second is CAPOS_ERR_TERM_BUSY) and the receive
 * interrupt feeds the ldisc byte by byte until an event, then posts the framed answer
 * (kring_complete). Bytes received after the event go back to the type-ahead. When the
 * reader dies first, kring_thread_cancel runs kterm_cancel: the read is forgotten,
 * nothing is posted, the next read may start. A read whose line ended in CR leaves a
 * flag so that an LF right after it (a CR LF terminal) is not taken as an empty line
 * by the next line read.
 *
 * The caller's result buffer must hold the largest answer of the method
 * (KTERM_LINE_ANSWER / KTERM_KEY_ANSWER bytes), checked before anything is consumed:
 * a read never loses a line to a buffer it cannot fill.
 *
 * Lock legend: [S] the kernel lock [K] (kernel/klock.h; the receive interrupt takes
 * it); [I] immutable.
 */
#include <kernel/kterm.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/klock.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/proc.h>
#include <schema/capos.capnp.h>
#include <termio/ldisc.h>

/* Framed answers: segment table (8) + root pointer (8) + struct + text (NUL, padded). */
#define KTERM_FRAME_BYTES 16u
#define KTERM_LINE_ANSWER                                                                          \
	(KTERM_FRAME_BYTES +                                                                       \
	 8u * (capos_TerminalSession_readLine_Results_DATA_WORDS +                                 \
	       capos_TerminalSession_readLine_Results_PTR_COUNT) +                                 \
	 ((LDISC_LINE_MAX + 1u + 7u) & ~7u))
#define KTERM_KEY_ANSWER                                                                           \
	(KTERM_FRAME_BYTES + 8u * (capos_TerminalSession_readKey_Results_DATA_WORDS +              \
				   capos_TerminalSession_readKey_Results_PTR_COUNT))
_Static_assert(KTERM_LINE_ANSWER == 296u, "readLine answer bound (docs/terminal.md)");
_Static_assert(KTERM_LINE_ANSWER >= KTERM_KEY_ANSWER, "answer buffer sized for lines");

enum kterm_read {
	KTERM_READ_NONE = 0,
	KTERM_READ_LINE = 1,
	KTERM_READ_KEY = 2,
};

struct kterm {
	struct kobj k;		     /* [S] the object caps name; live while obj_live */
	bool obj_live;		     /* [S] k is initialised and has references */
	bool started;		     /* [S] COM2 input started (once per boot) */
	bool skip_lf;		     /* [S] the last line read ended on CR */
	uint8_t kind;		     /* [S] enum kterm_read of the read in progress */
	struct ldisc ld;	     /* [S] */
	struct kring_pending pend;   /* [S] the parked read (kind != NONE and deferred) */
	struct process *reader;	     /* [S] its process (logs) */
	uint32_t in_head, in_len;    /* [S] type-ahead ring: first byte, bytes held */
	uint64_t received;	     /* [S] bytes delivered by the receive interrupt */
	uint64_t overflow;	     /* [S] of those, dropped: type-ahead full */
	uint64_t overflow_logged;    /* [S] overflow already reported in the log */
	uint8_t in[KTERM_INPUT_MAX]; /* [S] */
	uint64_t answer[KTERM_LINE_ANSWER / 8u + 1]; /* [S] the framed deferred answer */
};

static struct kterm kterm; /* the one terminal (COM2) */

void kterm_stats(struct kterm_stats *out)
{
	out->received = kterm.received;
	out->overflow = kterm.overflow;
	out->buffered = kterm.in_len;
	out->pending = kterm.kind != KTERM_READ_NONE;
}

/* The last cap is gone: the object dies, the device (and a parked read) lives on. */
static void kterm_release(struct kobj *obj)
{
	(void)obj;
	kterm.obj_live = false;
	klog("cap", "terminal object freed");
}

static const struct kobj_ops kterm_ops = { .name = "terminal", .release = kterm_release };

static void kterm_echo(const struct ldisc_out *o)
{
	if (o->echo_len)
		arch_terminal_write((const char *)o->echo, o->echo_len);
}

/* One byte through the ldisc for the read in progress, echoed. True when it ended the
 * read (*o holds the event). */
static bool kterm_feed(struct kterm *t, uint8_t byte, struct ldisc_out *o)
{
	bool skip = t->skip_lf && byte == '\n' && t->kind == KTERM_READ_LINE;

	t->skip_lf = false;
	if (skip)
		return false; /* the LF of a CR LF whose CR ended the previous line */
	/* CAPOS_ERR_TERM_LINE_FULL: the bell is in the echo and the line is flagged. */
	(void)ldisc_input(&t->ld, byte, o);
	kterm_echo(o);
	if (o->event == LDISC_EV_NONE)
		return false;
	t->skip_lf = t->kind == KTERM_READ_LINE && o->event == LDISC_EV_LINE && byte == '\r';
	return true;
}

/* Feeds type-ahead until an event (true, *o holds it) or the ring is empty. */
static bool kterm_drain(struct kterm *t, struct ldisc_out *o)
{
	while (t->in_len) {
		uint8_t byte = t->in[t->in_head];

		t->in_head = (t->in_head + 1) % KTERM_INPUT_MAX;
		t->in_len--;
		if (kterm_feed(t, byte, o))
			return true;
	}
	return false;
}

static void kterm_push(struct kterm *t, uint8_t byte)
{
	if (t->in_len == KTERM_INPUT_MAX) {
		t->overflow++;
		return;
	}
	t->in[(t->in_head + t->in_len) % KTERM_INPUT_MAX] = byte;
	t->in_len++;
}

static enum capos_TerminalEvent kterm_event(uint8_t ev)
{
	switch (ev) {
	case LDISC_EV_INTERRUPT:
		return capos_TerminalEvent_interrupt;
	case LDISC_EV_EOF:
		return capos_TerminalEvent_eof;
	case LDISC_EV_KEY:
		return capos_TerminalEvent_key;
	default:
		return capos_TerminalEvent_line;
	}
}

static int kterm_fill_line(const struct capos_TerminalSession_readLine_Results_b *r,
			   const struct ldisc_out *o)
{
	capos_TerminalSession_readLine_Results_set_event(r, kterm_event(o->event));
	if (o->event != LDISC_EV_LINE)
		return CAPOS_OK;
	capos_TerminalSession_readLine_Results_set_truncated(r, o->truncated);
	capos_TerminalSession_readLine_Results_set_dropped(r, o->dropped);
	return capos_TerminalSession_readLine_Results_set_line(r, (const char *)o->line,
							       (uint32_t)o->line_len);
}

static void kterm_fill_key(const struct capos_TerminalSession_readKey_Results_b *r,
			   const struct ldisc_out *o)
{
	capos_TerminalSession_readKey_Results_set_event(r, capos_TerminalEvent_key);
	capos_TerminalSession_readKey_Results_set_key(r, o->key);
}

/* Frames the answer of the read in progress (event in *o) into t->answer. */
static int kterm_build(struct kterm *t, const struct ldisc_out *o, uint32_t *len)
{
	uint64_t arena[KTERM_LINE_ANSWER / 8u];
	struct capnp_builder b;
	struct capnp_bseg seg;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK && t->kind == KTERM_READ_KEY) {
		struct capos_TerminalSession_readKey_Results_b r;

		err = capos_TerminalSession_readKey_init_results(&b, &r);
		if (err == CAPOS_OK)
			kterm_fill_key(&r, o);
	} else if (err == CAPOS_OK) {
		struct capos_TerminalSession_readLine_Results_b r;

		err = capos_TerminalSession_readLine_init_results(&b, &r);
		if (err == CAPOS_OK)
			err = kterm_fill_line(&r, o);
	}
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, t->answer, sizeof(t->answer), &n);
	*len = (uint32_t)n;
	return err;
}

/* The parked read got its event: post the answer (or the framing error). */
static void kterm_finish(struct kterm *t, const struct ldisc_out *o)
{
	uint32_t len = 0;
	int err = kterm_build(t, o, &len);

	t->kind = KTERM_READ_NONE;
	t->reader = NULL;
	kring_complete(&t->pend, err, err ? NULL : t->answer, err ? 0 : len);
}

/* The COM2 receive callback (interrupt context; takes [K]: it completes reads). */
static void kterm_rx(const uint8_t *bytes, size_t n)
{
	struct kterm *t = &kterm;
	bool taken = klock_irq_enter();

	for (size_t i = 0; i < n; i++) {
		struct ldisc_out o;

		t->received++;
		if (t->kind == KTERM_READ_NONE || t->in_len != 0)
			kterm_push(t, bytes[i]);
		else if (kterm_feed(t, bytes[i], &o))
			kterm_finish(t, &o);
	}
	klock_irq_exit(taken);
}

static void kterm_cancel(struct kring_pending *p)
{
	struct kterm *t = LIST_ENTRY(p, struct kterm, pend);

	klog("term", "read of %s pid %u cancelled: its thread died",
	     t->reader ? t->reader->name : "?", t->reader ? t->reader->pid : 0);
	t->kind = KTERM_READ_NONE;
	t->reader = NULL;
}

static const struct kring_pending_ops kterm_pending_ops = { .cancel = kterm_cancel };

int kterm_get(struct kobj **obj)
{
	struct kterm *t = &kterm;
	int err;

	if (!t->started) {
		uint32_t gsi = 0;

		err = arch_terminal_rx_start(kterm_rx, &gsi);
		if (err) {
			klog("term", "COM2 input unavailable: %s", capos_error_name(err));
			return err;
		}
		t->started = true;
		(void)ldisc_init(&t->ld, LDISC_CANON); /* a valid mode: cannot fail */
		klog("term", "COM2 input on gsi %u (isa irq 3), type-ahead bound %u bytes", gsi,
		     KTERM_INPUT_MAX);
	}
	if (!t->obj_live) {
		err = kobj_init(&t->k, KOBJ_TERMINAL, &kterm_ops);
		if (err)
			return err;
		t->obj_live = true;
		*obj = &t->k; /* kobj_init's reference is the caller's */
		return CAPOS_OK;
	}
	err = kobj_get(&t->k);
	if (err == CAPOS_OK)
		*obj = &t->k;
	return err;
}

/*
 * Starts a read in `mode` for the CALL c: 1 when the type-ahead already ended it (*o
 * holds the event), KCALL_DEFERRED when parked, or an error (nothing consumed):
 * CAPOS_ERR_TERM_BUSY (a read is in progress), CAPOS_ERR_RING_RESULT_TOO_SMALL /
 * _FAULT (the result buffer cannot take `answer` bytes: kcall_result_room_bytes),
 * kring_defer()'s.
 */
static int kterm_start(struct kcall_ctx *c, enum ldisc_mode mode, uint32_t answer,
		       struct ldisc_out *o)
{
	struct kterm *t = &kterm;
	int err;

	if (t->kind != KTERM_READ_NONE)
		return CAPOS_ERR_TERM_BUSY;
	err = kcall_result_room_bytes(c, answer);
	if (err == CAPOS_OK)
		err = ldisc_set_mode(&t->ld, mode);
	if (err)
		return err;
	if (t->overflow != t->overflow_logged) { /* logged here, not in the interrupt */
		klog("term", "type-ahead full: %llu byte(s) dropped since the last read",
		     (unsigned long long)(t->overflow - t->overflow_logged));
		t->overflow_logged = t->overflow;
	}
	t->kind = mode == LDISC_RAW ? KTERM_READ_KEY : KTERM_READ_LINE;
	if (kterm_drain(t, o)) {
		t->kind = KTERM_READ_NONE;
		return 1;
	}
	err = kring_defer(&t->pend, &kterm_pending_ops);
	if (err) {
		t->kind = KTERM_READ_NONE;
		return err;
	}
	t->reader = c->caller;
	return KCALL_DEFERRED;
}

static int kterm_write(void *self, const struct capos_TerminalSession_write_Params_r *p,
		       struct capos_TerminalSession_write_Results_b *r)
{
	struct capnp_data d;
	int err = capos_TerminalSession_write_Params_get_data(p, &d);

	(void)self;
	(void)r;
	if (err)
		return err;
	if (d.len > KTERM_WRITE_MAX)
		return CAPOS_ERR_INVALID;
	arch_terminal_write((const char *)d.ptr, d.len);
	return CAPOS_OK;
}

static int kterm_read_line(void *self, const struct capos_TerminalSession_readLine_Params_r *p,
			   struct capos_TerminalSession_readLine_Results_b *r)
{
	struct ldisc_out o;
	bool hidden = capos_TerminalSession_readLine_Params_get_hidden(p);
	int st = kterm_start(self, hidden ? LDISC_HIDDEN : LDISC_CANON, KTERM_LINE_ANSWER, &o);

	return st == 1 ? kterm_fill_line(r, &o) : st;
}

static int kterm_read_key(void *self, const struct capos_TerminalSession_readKey_Params_r *p,
			  struct capos_TerminalSession_readKey_Results_b *r)
{
	struct ldisc_out o;
	int st = kterm_start(self, LDISC_RAW, KTERM_KEY_ANSWER, &o);

	(void)p;
	if (st != 1)
		return st;
	kterm_fill_key(r, &o);
	return CAPOS_OK;
}

static const struct capos_TerminalSession_server kterm_server = {
	.write = kterm_write,
	.readLine = kterm_read_line,
	.readKey = kterm_read_key,
};

/* The handlers' `self` is the CALL's kcall_ctx (reads check its result buffer). */
static int kterm_call(struct kcall_ctx *c)
{
	return capos_TerminalSession_dispatch(&kterm_server, c, c->method, c->params, c->results);
}

const struct kcall_iface kterm_iface = {
	.interface_id = capos_TerminalSession_TYPE_ID,
	.method_count = capos_TerminalSession_METHOD_COUNT,
	.kobj_type = KOBJ_TERMINAL,
	.call = kterm_call,
};
