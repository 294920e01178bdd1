/*
 * The live ring, hostile twins (utest=ring with this program as the boot module;
 * tests/qemu/ring_tests.py compares every "hostile <case>: <status>" line with the
 * exact expected transport error). Each case is one malformed submission or header;
 * the process carries on after each (the kernel answers, never crashes), and the
 * suite checks the frame baseline once the process has exited.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capos/capid.h>
#include <capos/layout.h>
#include <capos/syscall.h>
#include <libcapos/sys.h>
#include <schema/capos.capnp.h>

#include "ringlib.h"

static void say(const char *name, int st)
{
	printf("hostile %s: %s\n", name, capos_error_name(st));
}

/* The status inside the CapException a CALL answered with (res[0..len)), or
 * CAPOS_ERR_INVALID when the results are not one. */
static int exc_status(const void *res, uint32_t len, enum capos_ExceptionType *type)
{
	struct capnp_segment segs[1];
	struct capnp_msg m;
	struct capos_CapException_r ex;
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };

	if (capnp_msg_init_framed(&m, res, len, segs, 1, &lim, NULL) ||
	    capos_CapException_read_root(&m, &ex))
		return CAPOS_ERR_INVALID;
	*type = capos_CapException_get_type(&ex);
	return capos_CapException_get_status(&ex);
}

/* A CALL SQE on `cap` as `iface`.method with params [addr, len). */
static struct capos_sqe call_sqe(uint32_t cap, uint64_t iface, uint16_t method, uint64_t addr,
				 uint32_t len)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_CALL,
			       .cap = cap,
			       .interface_id = iface,
			       .method = method,
			       .addr = addr,
			       .len = len };
	return s;
}

static int raw(struct capos_sqe s)
{
	struct capos_cqe c;

	return rt_raw(&s, &c);
}

static void t_decode(void)
{
	struct capos_sqe s = { .opcode = 12 };

	say("opcode-unknown", raw(s));
	s.opcode = CAPOS_OP_INVALID;
	say("opcode-zero", raw(s));
	s = (struct capos_sqe){ .opcode = CAPOS_OP_NOP, .flags = 1 };
	say("flags", raw(s));
	s = (struct capos_sqe){ .opcode = CAPOS_OP_NOP, .rsvd0 = 1 };
	say("reserved-rsvd0", raw(s));
	s = call_sqe(rt.timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, 0, 0);
	s.aux = 1;
	say("reserved-aux", raw(s));
	s = (struct capos_sqe){ .opcode = CAPOS_OP_RELEASE, .cap = rt.vm, .addr = 8 };
	say("reserved-release-addr", raw(s));
}

static void t_caps(void)
{
	uint32_t slot = capos_cap_slot(rt.console), gen = capos_cap_gen(rt.console);
	const void *p;
	uint32_t plen = rt_p_write("x", 1, &p);

	say("cap-forged-slot", raw(call_sqe(capos_cap_make(1000, 1), capos_Console_TYPE_ID,
					    capos_Console_METHOD_write, (uint64_t)p, plen)));
	say("cap-null", raw(call_sqe(CAPOS_CAP_NULL, capos_Console_TYPE_ID,
				     capos_Console_METHOD_write, (uint64_t)p, plen)));
	say("cap-empty-slot", raw(call_sqe(capos_cap_make(40, 1), capos_Console_TYPE_ID,
					   capos_Console_METHOD_write, (uint64_t)p, plen)));
	say("cap-wrong-generation",
	    raw(call_sqe(capos_cap_make(slot, gen + 1), capos_Console_TYPE_ID,
			 capos_Console_METHOD_write, (uint64_t)p, plen)));
	say("cap-wrong-interface",
	    raw(call_sqe(rt.console, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, 0, 0)));
	say("cap-interface-zero", raw(call_sqe(rt.console, 0, 0, 0, 0)));
	say("method-range",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 200, (uint64_t)p, plen)));
	/* RELEASE the boot cap, then use it and release it again */
	struct capos_sqe rel = { .opcode = CAPOS_OP_RELEASE, .cap = rt.boot };
	say("release-boot", raw(rel));
	say("cap-stale-after-release", raw(call_sqe(rt.boot, capos_BootPackage_TYPE_ID,
						    capos_BootPackage_METHOD_manifestSize, 0, 0)));
	say("release-twice", raw(rel));
}

static void t_buffers(void)
{
	static uint64_t big[9000 / 8];
	static uint64_t res[64];
	const uint64_t now = capos_Timer_METHOD_now;
	struct capos_sqe s;
	struct capos_cqe c;
	int st;

	say("params-kernel",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, 0xffff800000000000ull, 16)));
	say("params-unmapped", raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0,
					    CAPOS_USER_ANON_BASE + 0x100000000ull, 16)));
	say("params-straddle-end",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, CAPOS_USER_END - 8, 16)));
	say("params-straddle-stack-top",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, CAPOS_USER_STACK_TOP - 8, 16)));
	say("params-null-with-len", raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, 0, 16)));
	s = call_sqe(rt.timer, capos_Timer_TYPE_ID, now, 0, 0);
	s.result_addr = 0xffffffff80100000ull;
	s.result_len = 64;
	say("result-kernel", raw(s));
	s.result_addr = CAPOS_USER_CAPSET; /* mapped, read-only */
	say("result-read-only", raw(s));
	s.result_addr = (uint64_t)res;
	s.result_len = 8;
	st = rt_raw(&s, &c);
	printf("hostile result-too-small: %s needed %u\n", capos_error_name(st), c.result_len);
	say("params-oversize",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, (uint64_t)big, 8200)));
	/* framing claims one 100-word segment; 16 bytes follow */
	big[0] = (uint64_t)100 << 32;
	big[1] = 0;
	say("params-malformed-framing",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, (uint64_t)big, 16)));
	/* one 1-word segment whose root is a list pointer where a struct is expected */
	big[0] = (uint64_t)1 << 32;
	big[1] = 0x0000000500000001ull | 0x1ull; /* list pointer, offset 0, far past the end */
	say("params-malformed-root",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, (uint64_t)big, 16)));
	/* trailing bytes after a valid message */
	const void *p;
	uint32_t plen = rt_p_write("y", 1, &p);
	memcpy(big, p, plen);
	say("params-trailing",
	    raw(call_sqe(rt.console, capos_Console_TYPE_ID, 0, (uint64_t)big, plen + 8)));
	/* an over-long write is refused by the Console (layer 2: a CapException) */
	static char text[5000];
	memset(text, 'z', sizeof(text));
	plen = rt_p_write(text, sizeof(text), &p);
	s = call_sqe(rt.console, capos_Console_TYPE_ID, 0, (uint64_t)p, plen);
	s.result_addr = (uint64_t)res;
	s.result_len = sizeof(res);
	say("console-oversize-write", raw(s));
}

static volatile struct capos_ring_header *hdr(void)
{
	return &rt_client->ring->hdr;
}

/* No printf between a manipulation and its restore: printing uses the ring. */
static void t_header(void)
{
	volatile struct capos_ring_header *h = hdr();
	uint32_t t = h->sq_tail, head = h->cq_head, sqh = h->sq_head, st_far, consumed, st_rep;
	int far, behind, ahead, flags, rep;
	bool restored;

	h->sq_tail = t + 17;
	far = (int)capos_sys_cap_enter(0, 0);
	st_far = h->status;
	consumed = h->sq_head - sqh;
	h->sq_tail = t - 1;
	behind = (int)capos_sys_cap_enter(0, 0);
	h->sq_tail = t;
	h->cq_head = head + 1;
	ahead = (int)capos_sys_cap_enter(0, 0);
	h->cq_head = head;
	h->user_flags = 1;
	flags = (int)capos_sys_cap_enter(0, 0);
	h->user_flags = 0;
	h->sq_head = sqh + 12345; /* a scribble on the kernel line is repaired, not read */
	rep = (int)capos_sys_cap_enter(0, 0);
	restored = h->sq_head == sqh;
	st_rep = h->status;
	printf("hostile header-sq-tail-far: %s status %u consumed %u\n", capos_error_name(far),
	       st_far, consumed);
	say("header-sq-tail-behind", behind);
	say("header-cq-head-ahead", ahead);
	say("header-user-flags", flags);
	printf("hostile header-repaired: %d ready, sq_head %s, status %u\n", rep,
	       restored ? "restored" : "wrong", st_rep);
	say("cap-enter-min-complete", (int)capos_sys_cap_enter(CAPOS_RING_CQ_ENTRIES + 1, 0));
}

/* Raw NOP submissions straight into the page (the client is resynced afterwards). */
static void push_nops(unsigned n)
{
	volatile struct capos_ring *r = rt_client->ring;
	uint32_t t = r->hdr.sq_tail;

	for (unsigned i = 0; i < n; i++, t++) {
		volatile struct capos_sqe *s = &r->sq[t & CAPOS_RING_SQ_MASK];

		memset((void *)s, 0, sizeof(*s));
		s->opcode = CAPOS_OP_NOP;
		s->user_data = 5000 + t;
	}
	__atomic_store_n(&r->hdr.sq_tail, t, __ATOMIC_RELEASE);
}

static void t_overflow(void)
{
	volatile struct capos_ring *r = rt_client->ring;
	uint32_t ov = r->hdr.cq_overflow, ovd, st_ov, queued, st_after;
	int64_t full = 0, n, after;

	for (int i = 0; i < 4; i++) {
		push_nops(16);
		full = capos_sys_cap_enter(0, 0);
	}
	push_nops(16);
	n = capos_sys_cap_enter(0, 0);
	ovd = r->hdr.cq_overflow - ov;
	st_ov = r->hdr.status;
	queued = r->hdr.sq_tail - r->hdr.sq_head;
	__atomic_store_n(&r->hdr.cq_head, r->hdr.cq_tail, __ATOMIC_RELEASE); /* reap all 64 */
	after = capos_sys_cap_enter(0, 0);
	st_after = r->hdr.status;
	__atomic_store_n(&r->hdr.cq_head, r->hdr.cq_tail, __ATOMIC_RELEASE);
	rt_resync();
	printf("hostile cq-full: %lld ready\n", (long long)full);
	printf("hostile cq-overflow: %s overflow +%u status %u queued %u\n",
	       capos_error_name((int)n), ovd, st_ov, queued);
	printf("hostile cq-after-reap: %lld ready status %u\n", (long long)after, st_after);
}

static void t_vm(void)
{
	uint64_t res[8];
	struct capos_cqe c;
	const void *p;
	uint32_t plen = rt_p_map(0, 4096, 1, 1, &p);

	say("vm-wx", rt_call(rt.vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map, p,
			     plen, res, sizeof(res), &c));
	plen = rt_p_map(0, 16ull << 20, 1, 0, &p); /* 4096 frames; the quota is 1024 */
	say("vm-quota", rt_call(rt.vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map,
				p, plen, res, sizeof(res), &c));
	enum capos_ExceptionType type = capos_ExceptionType_failed;
	int why = exc_status(res, c.result_len, &type);
	printf("hostile vm-quota-exception: %s overloaded %s\n", capos_error_name(why),
	       type == capos_ExceptionType_overloaded ? "yes" : "no");
	plen = rt_p_map(0, 4096, 1, 0, &p);
	int st = rt_call(rt.vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map, p,
			 plen, res, sizeof(res), &c);
	say("vm-after-quota", st);
	/* protect that page (mapped rw) to rw+x: refused before the backend, page intact */
	struct capnp_msg m;
	struct capos_VirtualMemory_map_Results_r r;
	uint64_t addr = 0;

	if (st == 0 && !rt_results(res, c.result_len, &m) &&
	    !capos_VirtualMemory_map_Results_read_root(&m, &r))
		addr = capos_VirtualMemory_map_Results_get_addr(&r);
	plen = rt_p_protect(addr, 4096, 1, 1, &p);
	say("vm-protect-wx", rt_call(rt.vm, capos_VirtualMemory_TYPE_ID,
				     capos_VirtualMemory_METHOD_protect, p, plen, NULL, 0, &c));
	if (addr) /* still mapped and writable */
		*(volatile uint64_t *)addr = 7;
	say("vm-page-still-rw",
	    addr && *(volatile uint64_t *)addr == 7 ? CAPOS_OK : CAPOS_ERR_INVALID);
}

int main(void)
{
	rt_init();
	t_decode();
	t_caps();
	t_buffers();
	t_header();
	t_overflow();
	t_vm();
	printf("hostile nop-still-works: %s\n", capos_error_name(capos_ring_nop(rt_client)));
	printf("ring-hostile: done\n");
	return 0;
}
