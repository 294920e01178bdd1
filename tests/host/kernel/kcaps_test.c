/*
 * Host tests of the first kernel capability objects (kernel/cap/console.c, timer.c,
 * bootpkg.c, vmcap.c) driven exactly as the ring drives them: framed params in fake
 * user memory, kcall_exec over a cap table, results or CapExceptions read back. Fake
 * backends record what reached them, so each hostile twin also proves that nothing
 * happened (no byte written, no backend call) when its check refused the call.
 */
#include "test.h"

#include <stdio.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/captab.h>
#include <kernel/kcall.h>
#include <kernel/kcaps.h>
#include <schema/capos.capnp.h>

#define UBASE 0x500000ull
#define RES (UBASE + 0x8000)
static uint8_t umem[1 << 16] __attribute__((aligned(8)));

static int fake_in(void *ctx, void *dst, uint64_t ua, uint32_t len)
{
	(void)ctx;
	if (ua < UBASE || ua - UBASE > sizeof(umem) || len > sizeof(umem) - (ua - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(dst, umem + (ua - UBASE), len);
	return 0;
}

static int fake_out(void *ctx, uint64_t ua, const void *src, uint32_t len)
{
	(void)ctx;
	if (ua < UBASE || ua - UBASE > sizeof(umem) || len > sizeof(umem) - (ua - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(umem + (ua - UBASE), src, len);
	return 0;
}

/* ---- backends */
static char sink[8192];
static size_t sink_len;
static int sink_fail;
static int destroyed;

static int sink_write(void *ctx, const char *b, size_t n)
{
	(void)ctx;
	if (sink_fail)
		return sink_fail;
	memcpy(sink + sink_len, b, n);
	sink_len += n;
	return 0;
}

static uint64_t clock_now(void *ctx)
{
	return *(uint64_t *)ctx;
}

struct vm_rec {
	unsigned calls;
	uint64_t addr, size;
	unsigned prot;
	int fail;
};

static int fvm_map(void *as, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr)
{
	struct vm_rec *v = as;
	v->calls++;
	v->addr = hint;
	v->size = size;
	v->prot = prot;
	if (v->fail)
		return v->fail;
	*addr = hint ? hint : CAPOS_USER_ANON_BASE + 0x10000;
	return 0;
}

static int fvm_unmap(void *as, uint64_t addr, uint64_t size)
{
	struct vm_rec *v = as;
	v->calls++;
	v->addr = addr;
	v->size = size;
	return v->fail;
}

static int fvm_protect(void *as, uint64_t addr, uint64_t size, unsigned prot)
{
	struct vm_rec *v = as;
	v->calls++;
	v->addr = addr;
	v->size = size;
	v->prot = prot;
	return v->fail;
}

static int fvm_reserve(void *as, uint64_t hint, uint64_t size, uint64_t *addr)
{
	return fvm_map(as, hint, size, 0, addr);
}

/* commit has protect's shape, decommit and guard unmap's: the same recorders. */
static const struct kvm_backend fvm = { fvm_map,     fvm_unmap, fvm_protect, fvm_reserve,
					fvm_protect, fvm_unmap, fvm_unmap };
static const struct kvm_backend fvm_no_reserve = { fvm_map, fvm_unmap, fvm_protect, NULL,
						   NULL,    NULL,      NULL };

static void count_destroy_console(struct kconsole *c)
{
	(void)c;
	destroyed++;
}

/* ---- fixture */
static const struct kcall_iface *const all_ifaces[] = { &kconsole_iface, &ktimer_iface,
							&kbootpkg_iface, &kvm_iface };
static struct {
	struct captab table;
	struct captab_entry slots[8];
	struct kconsole console;
	struct ktimer timer;
	struct kbootpkg boot;
	struct kvm vm;
	struct vm_rec vrec;
	uint64_t now;
	uint8_t manifest[5000];
	uint32_t con, tim, bp, vmc;
	uint64_t ps[1100], rs[512];
	struct kcall_env env;
} F;
static uint32_t call_rlen; /* result buffer bytes of call(); setup sets 0x4000 */

static uint32_t grant(struct kobj *o, uint64_t iid)
{
	struct captab_item it = {
		.obj = o, .interface_id = iid, .badge = 0, .xfer = CAPTAB_XFER_COPY
	};
	uint32_t id = 0;
	(void)captab_insert(&F.table, &it, &id);
	(void)kobj_put(o); /* the table holds the only reference */
	return id;
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	memset(umem, 0, sizeof(umem));
	sink_len = 0;
	sink_fail = 0;
	destroyed = 0;
	F.now = 5000000000ull;
	call_rlen = 0x4000;
	for (size_t i = 0; i < sizeof(F.manifest); i++)
		F.manifest[i] = (uint8_t)(i * 13);
	(void)captab_init(&F.table, F.slots, 8);
	(void)kconsole_init(&F.console, sink_write, NULL, count_destroy_console);
	(void)ktimer_init(&F.timer, clock_now, &F.now, NULL);
	(void)kbootpkg_init(&F.boot, F.manifest, sizeof(F.manifest), NULL);
	(void)kvm_init(&F.vm, &fvm, &F.vrec, NULL);
	F.con = grant(&F.console.k, capos_Console_TYPE_ID);
	F.tim = grant(&F.timer.k, capos_Timer_TYPE_ID);
	F.bp = grant(&F.boot.k, capos_BootPackage_TYPE_ID);
	F.vmc = grant(&F.vm.k, capos_VirtualMemory_TYPE_ID);
	F.env = (struct kcall_env){ .table = &F.table,
				    .ifaces = all_ifaces,
				    .nifaces = 4,
				    .copy_in = fake_in,
				    .copy_out = fake_out,
				    .params_scratch = F.ps,
				    .params_scratch_bytes = sizeof(F.ps),
				    .results_scratch = F.rs,
				    .results_scratch_bytes = sizeof(F.rs) };
}

/* ---- params builders: each frames its message at UBASE and returns its length */
static uint64_t pbuf[1024];
static struct capnp_bseg pseg;
static struct capnp_builder pb;

static void pstart(void)
{
	(void)capnp_builder_init(&pb, &pseg, 1, pbuf, sizeof(pbuf));
}

static uint32_t pfinish(void)
{
	size_t n = 0;
	if (capnp_builder_error(&pb) || capnp_builder_write_framed(&pb, umem, sizeof(umem), &n))
		return 0;
	return (uint32_t)n;
}

static uint32_t p_write(const void *data, uint32_t len)
{
	struct capos_Console_write_Params_b p;
	pstart();
	(void)capos_Console_write_request(&pb, &p);
	(void)capos_Console_write_Params_set_data(&p, data, len);
	return pfinish();
}

static uint32_t p_line(const char *s, uint32_t len)
{
	struct capos_Console_writeLine_Params_b p;
	pstart();
	(void)capos_Console_writeLine_request(&pb, &p);
	(void)capos_Console_writeLine_Params_set_text(&p, s, len);
	return pfinish();
}

static uint32_t p_read(uint64_t off, uint32_t max)
{
	struct capos_BootPackage_readManifest_Params_b p;
	pstart();
	(void)capos_BootPackage_readManifest_request(&pb, &p);
	capos_BootPackage_readManifest_Params_set_offset(&p, off);
	capos_BootPackage_readManifest_Params_set_maxBytes(&p, max);
	return pfinish();
}

static uint32_t p_map(uint64_t hint, uint64_t size, bool r, bool w, bool x)
{
	struct capos_VirtualMemory_map_Params_b p;
	struct capos_Protection_b prot;
	pstart();
	(void)capos_VirtualMemory_map_request(&pb, &p);
	capos_VirtualMemory_map_Params_set_hint(&p, hint);
	capos_VirtualMemory_map_Params_set_size(&p, size);
	(void)capos_VirtualMemory_map_Params_init_prot(&p, &prot);
	capos_Protection_set_read(&prot, r);
	capos_Protection_set_write(&prot, w);
	capos_Protection_set_execute(&prot, x);
	return pfinish();
}

static uint32_t p_unmap(uint64_t addr, uint64_t size)
{
	struct capos_VirtualMemory_unmap_Params_b p;
	pstart();
	(void)capos_VirtualMemory_unmap_request(&pb, &p);
	capos_VirtualMemory_unmap_Params_set_addr(&p, addr);
	capos_VirtualMemory_unmap_Params_set_size(&p, size);
	return pfinish();
}

static uint32_t p_protect(uint64_t addr, uint64_t size, bool w, bool x)
{
	struct capos_VirtualMemory_protect_Params_b p;
	struct capos_Protection_b prot;
	pstart();
	(void)capos_VirtualMemory_protect_request(&pb, &p);
	capos_VirtualMemory_protect_Params_set_addr(&p, addr);
	capos_VirtualMemory_protect_Params_set_size(&p, size);
	(void)capos_VirtualMemory_protect_Params_init_prot(&p, &prot);
	capos_Protection_set_write(&prot, w);
	capos_Protection_set_execute(&prot, x);
	return pfinish();
}

static uint32_t p_reserve(uint64_t hint, uint64_t size)
{
	struct capos_VirtualMemory_reserve_Params_b p;
	pstart();
	(void)capos_VirtualMemory_reserve_request(&pb, &p);
	capos_VirtualMemory_reserve_Params_set_hint(&p, hint);
	capos_VirtualMemory_reserve_Params_set_size(&p, size);
	return pfinish();
}

static uint32_t p_commit(uint64_t addr, uint64_t size, bool r, bool w, bool x)
{
	struct capos_VirtualMemory_commit_Params_b p;
	struct capos_Protection_b prot;
	pstart();
	(void)capos_VirtualMemory_commit_request(&pb, &p);
	capos_VirtualMemory_commit_Params_set_addr(&p, addr);
	capos_VirtualMemory_commit_Params_set_size(&p, size);
	(void)capos_VirtualMemory_commit_Params_init_prot(&p, &prot);
	capos_Protection_set_read(&prot, r);
	capos_Protection_set_write(&prot, w);
	capos_Protection_set_execute(&prot, x);
	return pfinish();
}

/* decommit and guard share unmap's params layout (addr @0, size @1). */
static uint32_t p_range(uint64_t addr, uint64_t size)
{
	return p_unmap(addr, size);
}

/* The params of VirtualMemory method m (the ordinal) with these arguments. */
static uint32_t p_vm(int m, uint64_t addr, uint64_t size, bool r, bool w, bool x)
{
	switch (m) {
	case capos_VirtualMemory_METHOD_map:
		return p_map(addr, size, r, w, x);
	case capos_VirtualMemory_METHOD_protect:
		return p_protect(addr, size, w, x);
	case capos_VirtualMemory_METHOD_reserve:
		return p_reserve(addr, size);
	case capos_VirtualMemory_METHOD_commit:
		return p_commit(addr, size, r, w, x);
	default:
		return p_range(addr, size);
	}
}

static struct capos_cqe call(uint32_t cap, uint64_t iid, uint16_t method, uint32_t plen)
{
	struct ring_op op = { .opcode = CAPOS_OP_CALL,
			      .cap = cap,
			      .interface_id = iid,
			      .method = method,
			      .params_addr = plen ? UBASE : 0,
			      .params_len = plen,
			      .result_addr = RES,
			      .result_len = call_rlen };
	struct capos_cqe cqe = { 0 };
	kcall_exec(&F.env, &op, &cqe);
	return cqe;
}

/* Reads the CapException in the result buffer: its type and status. */
static int exception_of(const struct capos_cqe *c, int *status)
{
	static struct capnp_msg m;
	struct capnp_segment segs[2];
	struct capos_CapException_r ex;
	if (capnp_msg_init_framed(&m, umem + (RES - UBASE), c->result_len, segs, 2, NULL, NULL) ||
	    capos_CapException_read_root(&m, &ex))
		return -1;
	*status = capos_CapException_get_status(&ex);
	return (int)capos_CapException_get_type(&ex);
}

static bool results_of(const struct capos_cqe *c, struct capnp_msg *m, struct capnp_segment *segs)
{
	return capnp_msg_init_framed(m, umem + (RES - UBASE), c->result_len, segs, 2, NULL, NULL) ==
	       0;
}

TEST(kcaps_console_write_and_line)
{
	setup();
	struct capos_cqe c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_write,
				  p_write("raw\x01", 4));
	CHECK_EQ(c.status, 0);
	c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_writeLine, p_line("hello", 5));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(sink_len, 10);
	CHECK_MEMEQ(sink, "raw\x01hello\n", 10);
	c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_writeLine, p_line("", 0));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(sink_len, 11);
}

TEST(kcaps_console_bounds_and_sink_failure)
{
	setup();
	static char big[KCONSOLE_MAX_WRITE + 1];
	memset(big, 'x', sizeof(big));
	int st = 0;
	struct capos_cqe c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_write,
				  p_write(big, KCONSOLE_MAX_WRITE + 1));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK_EQ(exception_of(&c, &st), capos_ExceptionType_invalidArgument);
	CHECK_EQ(st, CAPOS_ERR_INVALID);
	c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_writeLine,
		 p_line(big, KCONSOLE_MAX_WRITE));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK_UEQ(sink_len, 0); /* refused before a byte was written */
	c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_write,
		 p_write(big, KCONSOLE_MAX_WRITE));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(sink_len, KCONSOLE_MAX_WRITE);
	sink_fail = CAPOS_ERR_BUSY;
	c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_write, p_write("a", 1));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK_EQ(exception_of(&c, &st), capos_ExceptionType_overloaded);
}

/* Fake sleep backend: records the deadline asked for and answers fsleep_answer. */
static uint64_t fsleep_deadline;
static int fsleep_calls, fsleep_answer;

static int fsleep_until(void *ctx, uint64_t deadline_ns)
{
	(void)ctx;
	fsleep_deadline = deadline_ns;
	fsleep_calls++;
	return fsleep_answer;
}

static uint32_t p_sleep(uint16_t method, uint64_t v)
{
	pstart();
	if (method == capos_Timer_METHOD_sleep) {
		struct capos_Timer_sleep_Params_b p;
		(void)capos_Timer_sleep_request(&pb, &p);
		capos_Timer_sleep_Params_set_ns(&p, v);
	} else {
		struct capos_Timer_sleepUntil_Params_b p;
		(void)capos_Timer_sleepUntil_request(&pb, &p);
		capos_Timer_sleepUntil_Params_set_deadlineNs(&p, v);
	}
	return pfinish();
}

/* One sleep/sleepUntil of v: the CQE status, or a CapException's (type in *type). */
static int sleep_status(uint16_t method, uint64_t v, int *type)
{
	struct capos_cqe c = call(F.tim, capos_Timer_TYPE_ID, method, p_sleep(method, v));
	int st = c.status;

	*type = -1;
	if (c.status == CAPOS_ERR_RING_EXCEPTION)
		*type = exception_of(&c, &st);
	return st;
}

TEST(kcaps_timer_now_and_sleep_without_backend)
{
	setup();
	struct capos_cqe c = call(F.tim, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, 0);
	CHECK_EQ(c.status, 0);
	struct capnp_msg m;
	struct capnp_segment segs[2];
	CHECK(results_of(&c, &m, segs));
	struct capos_Timer_now_Results_r r;
	CHECK_EQ(capos_Timer_now_read_results(&m, &r), CAPOS_OK);
	CHECK_UEQ(capos_Timer_now_Results_get_ns(&r), 5000000000ull);
	int type;
	/* a wait that would block needs the backend */
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleep, 1, &type), CAPOS_ERR_CAPNP_UNIMPLEMENTED);
	CHECK_EQ(type, capos_ExceptionType_unimplemented);
	/* 0 and deadlines already reached complete at once, with empty framed results */
	c = call(F.tim, capos_Timer_TYPE_ID, capos_Timer_METHOD_sleep,
		 p_sleep(capos_Timer_METHOD_sleep, 0));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(c.result_len, 16);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleepUntil, F.now, &type), CAPOS_OK);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleepUntil, 1, &type), CAPOS_OK);
	/* no params at all: sleep(0) */
	c = call(F.tim, capos_Timer_TYPE_ID, capos_Timer_METHOD_sleep, 0);
	CHECK_EQ(c.status, 0);
}

TEST(kcaps_timer_sleep_deadlines_and_hostile_twins)
{
	const uint64_t max = KTIMER_MAX_DEADLINE_NS;
	int type;

	setup();
	ktimer_set_sleep(&F.timer, fsleep_until);
	fsleep_calls = 0;
	fsleep_answer = CAPOS_OK;
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleep, 7, &type), CAPOS_OK);
	CHECK_UEQ(fsleep_deadline, F.now + 7);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleepUntil, F.now + 1, &type), CAPOS_OK);
	CHECK_UEQ(fsleep_deadline, F.now + 1);
	/* the last deadline in range is accepted, one past it refused */
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleep, max - F.now, &type), CAPOS_OK);
	CHECK_UEQ(fsleep_deadline, max);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleepUntil, max, &type), CAPOS_OK);
	CHECK_EQ(fsleep_calls, 4);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleep, max - F.now + 1, &type),
		 CAPOS_ERR_TIMER_SLEEP_RANGE);
	CHECK_EQ(type, capos_ExceptionType_invalidArgument);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleep, UINT64_MAX, &type),
		 CAPOS_ERR_TIMER_SLEEP_RANGE);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleepUntil, max + 1, &type),
		 CAPOS_ERR_TIMER_SLEEP_RANGE);
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleepUntil, UINT64_MAX, &type),
		 CAPOS_ERR_TIMER_SLEEP_RANGE);
	CHECK_EQ(fsleep_calls, 4); /* refusals never reach the backend */
	/* a short result buffer is refused before the wait, with the bytes needed */
	call_rlen = 8;
	struct capos_cqe c = call(F.tim, capos_Timer_TYPE_ID, capos_Timer_METHOD_sleep,
				  p_sleep(capos_Timer_METHOD_sleep, 5));
	CHECK_EQ(c.status, CAPOS_ERR_RING_RESULT_TOO_SMALL);
	CHECK_UEQ(c.result_len, 16);
	CHECK_EQ(fsleep_calls, 4);
	call_rlen = 0x4000;
	/* the backend's refusal: the sleep bound is an overloaded CapException */
	fsleep_answer = CAPOS_ERR_TIMER_SLEEP_LIMIT;
	CHECK_EQ(sleep_status(capos_Timer_METHOD_sleep, 5, &type), CAPOS_ERR_TIMER_SLEEP_LIMIT);
	CHECK_EQ(type, capos_ExceptionType_overloaded);
}

static int read_chunk(uint64_t off, uint32_t max, struct capnp_data *out)
{
	static struct capnp_msg m;
	static struct capnp_segment segs[2];
	struct capos_cqe c = call(F.bp, capos_BootPackage_TYPE_ID,
				  capos_BootPackage_METHOD_readManifest, p_read(off, max));
	if (c.status)
		return c.status;
	struct capos_BootPackage_readManifest_Results_r r;
	if (!results_of(&c, &m, segs) || capos_BootPackage_readManifest_read_results(&m, &r))
		return -9999;
	return capos_BootPackage_readManifest_Results_get_data(&r, out);
}

TEST(kcaps_bootpackage_size_and_chunks)
{
	setup();
	struct capos_cqe c =
		call(F.bp, capos_BootPackage_TYPE_ID, capos_BootPackage_METHOD_manifestSize, 0);
	CHECK_EQ(c.status, 0);
	struct capnp_msg m;
	struct capnp_segment segs[2];
	CHECK(results_of(&c, &m, segs));
	struct capos_BootPackage_manifestSize_Results_r sr;
	CHECK_EQ(capos_BootPackage_manifestSize_read_results(&m, &sr), CAPOS_OK);
	CHECK_UEQ(capos_BootPackage_manifestSize_Results_get_size(&sr), 5000);
	struct capnp_data d;
	CHECK_EQ(read_chunk(100, 10, &d), 0);
	CHECK_UEQ(d.len, 10);
	CHECK_MEMEQ(d.ptr, F.manifest + 100, 10);
	CHECK_EQ(read_chunk(0, 0xFFFFFFFFu, &d), 0); /* clamped, not refused */
	CHECK_UEQ(d.len, KBOOTPKG_MAX_CHUNK);
	CHECK_EQ(read_chunk(4990, 100, &d), 0); /* short at the end */
	CHECK_UEQ(d.len, 10);
	CHECK_MEMEQ(d.ptr, F.manifest + 4990, 10);
	CHECK_EQ(read_chunk(5000, 100, &d), 0);
	CHECK_UEQ(d.len, 0);
	CHECK_EQ(read_chunk(UINT64_MAX, 100, &d), 0); /* far past the end: empty, no wrap */
	CHECK_UEQ(d.len, 0);
	int st;
	c = call(F.bp, capos_BootPackage_TYPE_ID, capos_BootPackage_METHOD_readBinary, 0);
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK_EQ(exception_of(&c, &st), capos_ExceptionType_unimplemented);
}

TEST(kcaps_vm_map_unmap_protect)
{
	setup();
	struct capos_cqe c =
		call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map,
		     p_map(0, 0x3000, true, true, false));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.vrec.calls, 1);
	CHECK_UEQ(F.vrec.size, 0x3000);
	CHECK_UEQ(F.vrec.prot, KVM_PROT_R | KVM_PROT_W);
	struct capnp_msg m;
	struct capnp_segment segs[2];
	CHECK(results_of(&c, &m, segs));
	struct capos_VirtualMemory_map_Results_r r;
	CHECK_EQ(capos_VirtualMemory_map_read_results(&m, &r), CAPOS_OK);
	CHECK_UEQ(capos_VirtualMemory_map_Results_get_addr(&r), CAPOS_USER_ANON_BASE + 0x10000);
	c = call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_protect,
		 p_protect(CAPOS_USER_ANON_BASE + 0x10000, 0x1000, false, true));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.vrec.prot, KVM_PROT_R | KVM_PROT_X);
	c = call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_unmap,
		 p_unmap(CAPOS_USER_ANON_BASE + 0x10000, 0x3000));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.vrec.calls, 3);
}

/* One VirtualMemory request, one exact outcome (W+X: the transport status
 * CAPOS_ERR_VM_WX; the rest: an invalidArgument CapException with its status), and
 * the backend never reached. */
TEST(kcaps_vm_hostile_requests)
{
	static const struct {
		const char *name;
		int method; /* the ordinal: 0 map, 1 unmap, 2 protect, 3 reserve, ... */
		uint64_t addr, size;
		bool r, w, x;
		int type, status;
	} bad[] = {
		{ "map_wx", 0, 0, 0x1000, true, true, true, -1, CAPOS_ERR_VM_WX },
		{ "map_wx_no_read", 0, 0, 0x1000, false, true, true, -1, CAPOS_ERR_VM_WX },
		{ "map_no_access", 0, 0, 0x1000, false, false, false, 4, CAPOS_ERR_INVALID },
		{ "map_zero", 0, 0, 0, true, false, false, 4, CAPOS_ERR_INVALID },
		{ "map_huge", 0, 0, KVM_MAX_BYTES + 0x1000, true, false, false, 4,
		  CAPOS_ERR_INVALID },
		{ "map_unaligned_size", 0, 0, 0x1001, true, false, false, 4, CAPOS_ERR_ALIGNMENT },
		{ "map_unaligned_hint", 0, CAPOS_USER_ANON_BASE + 8, 0x1000, true, false, false, 4,
		  CAPOS_ERR_ALIGNMENT },
		{ "map_hint_in_image", 0, 0x400000, 0x1000, true, false, false, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "map_hint_kernel", 0, 0xFFFF800000000000ull, 0x1000, true, false, false, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "map_hint_straddles_end", 0, CAPOS_USER_ANON_END - 0x1000, 0x2000, true, false,
		  false, 4, CAPOS_ERR_OUT_OF_RANGE },
		{ "unmap_ring", 1, CAPOS_USER_RING_BASE, 0x1000, 0, 0, 0, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "unmap_stack", 1, CAPOS_USER_STACK_TOP - 0x1000, 0x1000, 0, 0, 0, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "unmap_unaligned", 1, CAPOS_USER_ANON_BASE + 1, 0x1000, 0, 0, 0, 4,
		  CAPOS_ERR_ALIGNMENT },
		{ "protect_wx", 2, CAPOS_USER_ANON_BASE, 0x1000, 0, true, true, -1,
		  CAPOS_ERR_VM_WX },
		{ "protect_capset", 2, CAPOS_USER_CAPSET, 0x1000, 0, true, false, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "reserve_zero", 3, 0, 0, 0, 0, 0, 4, CAPOS_ERR_INVALID },
		{ "reserve_huge", 3, 0, KVM_MAX_BYTES + 0x1000, 0, 0, 0, 4, CAPOS_ERR_INVALID },
		{ "reserve_unaligned_hint", 3, CAPOS_USER_ANON_BASE + 0x10, 0x1000, 0, 0, 0, 4,
		  CAPOS_ERR_ALIGNMENT },
		{ "reserve_hint_in_image", 3, 0x400000, 0x1000, 0, 0, 0, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "commit_wx", 4, CAPOS_USER_ANON_BASE, 0x1000, true, true, true, -1,
		  CAPOS_ERR_VM_WX },
		{ "commit_no_access", 4, CAPOS_USER_ANON_BASE, 0x1000, false, false, false, 4,
		  CAPOS_ERR_INVALID },
		{ "commit_unaligned_size", 4, CAPOS_USER_ANON_BASE, 0x800, true, false, false, 4,
		  CAPOS_ERR_ALIGNMENT },
		{ "commit_stack", 4, CAPOS_USER_STACK_TOP - 0x1000, 0x1000, true, true, false, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "decommit_zero", 5, CAPOS_USER_ANON_BASE, 0, 0, 0, 0, 4, CAPOS_ERR_INVALID },
		{ "decommit_ring", 5, CAPOS_USER_RING_BASE, 0x1000, 0, 0, 0, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "guard_straddles_end", 6, CAPOS_USER_ANON_END - 0x1000, 0x2000, 0, 0, 0, 4,
		  CAPOS_ERR_OUT_OF_RANGE },
		{ "guard_unaligned", 6, CAPOS_USER_ANON_BASE + 1, 0x1000, 0, 0, 0, 4,
		  CAPOS_ERR_ALIGNMENT },
	};
	unsigned failures = 0;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		uint32_t n =
			p_vm(bad[i].method, bad[i].addr, bad[i].size, bad[i].r, bad[i].w, bad[i].x);
		struct capos_cqe c =
			call(F.vmc, capos_VirtualMemory_TYPE_ID, (uint16_t)bad[i].method, n);
		/* type -1: a transport status (W^X is one, per the hostile list);
		 * otherwise the CapException's type and status. */
		int st = c.status, type = -1;
		if (c.status == CAPOS_ERR_RING_EXCEPTION)
			type = exception_of(&c, &st);
		if (type != bad[i].type || st != bad[i].status || F.vrec.calls != 0) {
			printf("# %s: status %s type %d exception status %s backend calls %u\n",
			       bad[i].name, capos_error_name(c.status), type, capos_error_name(st),
			       F.vrec.calls);
			failures++;
		}
	}
	CHECK_EQ(failures, 0);
}

TEST(kcaps_vm_backend_quota_is_transport)
{
	setup();
	F.vrec.fail = CAPOS_ERR_RING_QUOTA;
	struct capos_cqe c =
		call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map,
		     p_map(0, 0x100000, true, true, false));
	CHECK_EQ(c.status, CAPOS_ERR_RING_QUOTA);
	F.vrec.fail = CAPOS_ERR_EXISTS;
	int st;
	c = call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map,
		 p_map(CAPOS_USER_ANON_BASE, 0x1000, true, false, false));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK_EQ(exception_of(&c, &st), capos_ExceptionType_failed);
	CHECK_EQ(st, CAPOS_ERR_EXISTS);
}

/* reserve/commit/decommit/guard reach the backend with exactly the decoded arguments. */
TEST(kcaps_vm_reserve_commit_decommit_guard)
{
	const uint64_t a = CAPOS_USER_ANON_BASE + 0x20000;
	struct capnp_msg m;
	struct capnp_segment segs[2];
	struct capos_VirtualMemory_reserve_Results_r r;

	setup();
	struct capos_cqe c = call(F.vmc, capos_VirtualMemory_TYPE_ID,
				  capos_VirtualMemory_METHOD_reserve, p_reserve(a, 0x8000));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.vrec.addr, a);
	CHECK_UEQ(F.vrec.size, 0x8000);
	CHECK(results_of(&c, &m, segs));
	CHECK_EQ(capos_VirtualMemory_reserve_read_results(&m, &r), CAPOS_OK);
	CHECK_UEQ(capos_VirtualMemory_reserve_Results_get_addr(&r), a);
	c = call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_commit,
		 p_commit(a + 0x1000, 0x2000, true, true, false));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.vrec.addr, a + 0x1000);
	CHECK_UEQ(F.vrec.size, 0x2000);
	CHECK_UEQ(F.vrec.prot, KVM_PROT_R | KVM_PROT_W);
	c = call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_decommit,
		 p_range(a + 0x2000, 0x1000));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.vrec.addr, a + 0x2000);
	c = call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_guard,
		 p_range(a + 0x7000, 0x1000));
	CHECK_EQ(c.status, 0);
	CHECK_UEQ(F.vrec.addr, a + 0x7000);
	CHECK_UEQ(F.vrec.calls, 4);
	/* a backend refusal reaches the caller as a CapException with its exact status */
	F.vrec.fail = CAPOS_ERR_VMR_OVERLAP;
	int st;
	c = call(F.vmc, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_reserve,
		 p_reserve(a, 0x1000));
	CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
	CHECK_EQ(exception_of(&c, &st), capos_ExceptionType_invalidArgument);
	CHECK_EQ(st, CAPOS_ERR_VMR_OVERLAP);
}

/* A backend without the reservation ops answers unimplemented, reaching nothing. */
TEST(kcaps_vm_backend_without_reservations)
{
	int st;

	setup();
	(void)kvm_init(&F.vm, &fvm_no_reserve, &F.vrec, NULL);
	for (int m = capos_VirtualMemory_METHOD_reserve; m <= capos_VirtualMemory_METHOD_guard;
	     m++) {
		struct capos_cqe c =
			call(F.vmc, capos_VirtualMemory_TYPE_ID, (uint16_t)m,
			     p_vm(m, CAPOS_USER_ANON_BASE, 0x1000, true, false, false));
		CHECK_EQ(c.status, CAPOS_ERR_RING_EXCEPTION);
		CHECK_EQ(exception_of(&c, &st), capos_ExceptionType_unimplemented);
		CHECK_EQ(st, CAPOS_ERR_UNSUPPORTED);
	}
	CHECK_UEQ(F.vrec.calls, 0);
}

TEST(kcaps_release_destroys_on_last_reference)
{
	setup();
	struct ring_op rel = { .opcode = CAPOS_OP_RELEASE, .cap = F.con };
	struct capos_cqe c = { 0 };
	kcall_exec(&F.env, &rel, &c);
	CHECK_EQ(c.status, 0);
	CHECK_EQ(destroyed, 1);
	CHECK(!kobj_is_live(&F.console.k));
	c = call(F.con, capos_Console_TYPE_ID, capos_Console_METHOD_write, p_write("x", 1));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_STALE);
	CHECK_EQ(kconsole_init(&F.console, NULL, NULL, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(kvm_init(&F.vm, NULL, NULL, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(kbootpkg_init(&F.boot, NULL, 5, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(ktimer_init(&F.timer, NULL, NULL, NULL), CAPOS_ERR_INVALID);
}
