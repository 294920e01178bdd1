/*
 * Host tests of the machine-wide kernel caps (kernel/cap/entropy.c, sysctl.c,
 * sysstatus.c) driven as the ring drives them: framed params in fake user memory,
 * kcall_exec over a cap table, results or CapExceptions read back. The fake backends
 * count their calls, so each refusal also proves the backend never ran.
 */
#include "test.h"

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/kcall.h>
#include <kernel/ksys.h>
#include <schema/capos.capnp.h>

#define UBASE 0x500000ull
#define RES (UBASE + 0x4000)
static uint8_t umem[1 << 15] __attribute__((aligned(8)));

static int fake_copy(uint8_t *dst, const uint8_t *src, uint64_t ua, uint32_t len)
{
	if (ua < UBASE || ua - UBASE > sizeof(umem) || len > sizeof(umem) - (ua - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(dst, src, len);
	return 0;
}

static int fake_in(void *ctx, void *dst, uint64_t ua, uint32_t len)
{
	(void)ctx;
	return fake_copy(dst, umem + (ua - UBASE), ua, len);
}

static int fake_out(void *ctx, uint64_t ua, const void *src, uint32_t len)
{
	(void)ctx;
	return fake_copy(umem + (ua - UBASE), src, ua, len);
}

/* ---- fake backends: call counts and what they saw */
static struct {
	unsigned gen_calls, off_calls, sum_calls;
	int gen_status, sum_status;
	size_t gen_n;
	void *off_caller;
	uint8_t off_code;
} B;

static int fgen(void *ctx, void *out, size_t n)
{
	(void)ctx;
	B.gen_calls++;
	B.gen_n = n;
	for (size_t i = 0; i < n && B.gen_status == 0; i++)
		((uint8_t *)out)[i] = (uint8_t)(i * 7 + 1);
	return B.gen_status;
}

static int foff(void *ctx, void *caller, uint8_t code)
{
	(void)ctx;
	B.off_calls++;
	B.off_caller = caller;
	B.off_code = code;
	return 0;
}

static int fsum(void *ctx, struct ksys_summary *s)
{
	(void)ctx;
	B.sum_calls++;
	*s = (struct ksys_summary){ .version = "9.8.7",
				    .motd = "hi",
				    .motd_len = 2,
				    .cpus = 1,
				    .cpus_present = 4,
				    .processes = 3,
				    .memory_bytes = 1ull << 27,
				    .free_bytes = 1ull << 26,
				    .uptime_ns = 12345,
				    .timer_interrupts = 678 };
	return B.sum_status;
}

/* ---- fixture */
static const struct kcall_iface *const ifaces[] = { &kentropy_iface, &ksysctl_iface,
						    &ksysstatus_iface };
static struct {
	struct captab table;
	struct captab_entry slots[4];
	struct kentropy ent;
	struct ksysctl ctl;
	struct ksysstatus st;
	uint32_t ent_id, ctl_id, st_id;
	uint64_t ps[256], rs[256];
	struct kcall_env env;
	int caller_cookie;
} F;

static uint32_t grant(struct kobj *o, uint64_t iid)
{
	struct captab_item it = { .obj = o, .interface_id = iid, .xfer = CAPTAB_XFER_COPY };
	uint32_t id = 0;

	(void)captab_insert(&F.table, &it, &id);
	(void)kobj_put(o);
	return id;
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	memset(&B, 0, sizeof(B));
	(void)captab_init(&F.table, F.slots, 4);
	CHECK_EQ(kentropy_init(&F.ent, fgen, NULL, NULL), 0);
	CHECK_EQ(ksysctl_init(&F.ctl, foff, NULL, NULL), 0);
	CHECK_EQ(ksysstatus_init(&F.st, fsum, NULL, NULL), 0);
	F.ent_id = grant(&F.ent.k, capos_EntropySource_TYPE_ID);
	F.ctl_id = grant(&F.ctl.k, capos_SystemControl_TYPE_ID);
	F.st_id = grant(&F.st.k, capos_SystemStatus_TYPE_ID);
	F.env = (struct kcall_env){ .table = &F.table,
				    .caller = &F.caller_cookie,
				    .ifaces = ifaces,
				    .nifaces = 3,
				    .copy_in = fake_in,
				    .copy_out = fake_out,
				    .params_scratch = F.ps,
				    .params_scratch_bytes = sizeof(F.ps),
				    .results_scratch = F.rs,
				    .results_scratch_bytes = sizeof(F.rs) };
}

/* Frames a one-field params message (count or code) at UBASE; its length. */
static uint32_t params(uint64_t iid, uint32_t v)
{
	static uint64_t buf[16];
	struct capnp_bseg seg;
	struct capnp_builder b;
	size_t n = 0;

	(void)capnp_builder_init(&b, &seg, 1, buf, sizeof(buf));
	if (iid == capos_EntropySource_TYPE_ID) {
		struct capos_EntropySource_getBytes_Params_b p;

		(void)capos_EntropySource_getBytes_request(&b, &p);
		capos_EntropySource_getBytes_Params_set_count(&p, v);
	} else {
		struct capos_SystemControl_shutdown_Params_b p;

		(void)capos_SystemControl_shutdown_request(&b, &p);
		capos_SystemControl_shutdown_Params_set_code(&p, (uint8_t)v);
	}
	if (capnp_builder_write_framed(&b, umem, sizeof(umem), &n))
		return 0;
	return (uint32_t)n;
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
			      .result_len = 0x1000 };
	struct capos_cqe cqe = { 0 };

	kcall_exec(&F.env, &op, &cqe);
	return cqe;
}

static int results_of(const struct capos_cqe *c, struct capnp_msg *m, struct capnp_segment *segs)
{
	return capnp_msg_init_framed(m, umem + (RES - UBASE), c->result_len, segs, 2, NULL, NULL);
}

/* The CapException in the result buffer: its type (-1 if none) and *status. */
static int exception_of(const struct capos_cqe *c, int *status)
{
	static struct capnp_msg m;
	struct capnp_segment segs[2];
	struct capos_CapException_r ex;

	if (c->status != CAPOS_ERR_RING_EXCEPTION || results_of(c, &m, segs) ||
	    capos_CapException_read_root(&m, &ex))
		return -1;
	*status = capos_CapException_get_status(&ex);
	return (int)capos_CapException_get_type(&ex);
}

static struct capos_cqe get_bytes(uint32_t count)
{
	return call(F.ent_id, capos_EntropySource_TYPE_ID, capos_EntropySource_METHOD_getBytes,
		    params(capos_EntropySource_TYPE_ID, count));
}

TEST(ksys_entropy_serves_exactly_count)
{
	static const uint32_t counts[] = { 1, 32, 256 };

	setup();
	for (unsigned i = 0; i < 3; i++) {
		struct capos_cqe c = get_bytes(counts[i]);
		struct capnp_segment segs[2];
		struct capnp_msg m;
		struct capos_EntropySource_getBytes_Results_r r;
		struct capnp_data d = { 0 };

		CHECK_EQ(c.status, 0);
		CHECK_EQ(results_of(&c, &m, segs), 0);
		CHECK_EQ(capos_EntropySource_getBytes_Results_read_root(&m, &r), 0);
		CHECK_EQ(capos_EntropySource_getBytes_Results_get_data(&r, &d), 0);
		CHECK_UEQ(d.len, counts[i]);
		CHECK_UEQ(B.gen_n, counts[i]);
		CHECK_UEQ(d.ptr[counts[i] - 1], (uint8_t)((counts[i] - 1) * 7 + 1));
	}
	CHECK_UEQ(B.gen_calls, 3);
}

TEST(ksys_entropy_count_refused_before_the_generator)
{
	static const uint32_t bad[] = { 0, 257, 4096, UINT32_MAX };

	setup();
	for (unsigned i = 0; i < 4; i++) {
		struct capos_cqe c = get_bytes(bad[i]);
		int status = 0;

		CHECK_EQ(exception_of(&c, &status), capos_ExceptionType_invalidArgument);
		CHECK_EQ(status, CAPOS_ERR_ENTROPY_COUNT);
	}
	CHECK_UEQ(B.gen_calls, 0);
}

TEST(ksys_entropy_unseeded_is_failed)
{
	int status = 0;

	setup();
	B.gen_status = CAPOS_ERR_ENTROPY_UNSEEDED;
	struct capos_cqe c = get_bytes(32);

	CHECK_EQ(exception_of(&c, &status), capos_ExceptionType_failed);
	CHECK_EQ(status, CAPOS_ERR_ENTROPY_UNSEEDED);
	CHECK_UEQ(B.gen_calls, 1);
}

TEST(ksys_wrong_interface_and_stale_ids_never_reach_a_backend)
{
	setup();
	struct capos_cqe c =
		call(F.st_id, capos_EntropySource_TYPE_ID, capos_EntropySource_METHOD_getBytes,
		     params(capos_EntropySource_TYPE_ID, 8));

	CHECK_EQ(c.status, CAPOS_ERR_CAP_WRONG_INTERFACE);
	c = call(F.ent_id, capos_SystemControl_TYPE_ID, capos_SystemControl_METHOD_shutdown,
		 params(capos_SystemControl_TYPE_ID, 0));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_WRONG_INTERFACE);
	c = call(capos_cap_make(capos_cap_slot(F.ctl_id), capos_cap_gen(F.ctl_id) + 1),
		 capos_SystemControl_TYPE_ID, capos_SystemControl_METHOD_shutdown,
		 params(capos_SystemControl_TYPE_ID, 0));
	CHECK_EQ(c.status, CAPOS_ERR_CAP_STALE);
	c = call(F.ctl_id, capos_SystemControl_TYPE_ID, 1, 0);
	CHECK_EQ(c.status, CAPOS_ERR_RING_METHOD_RANGE);
	CHECK_UEQ(B.gen_calls + B.off_calls + B.sum_calls, 0);
}

TEST(ksys_shutdown_passes_caller_and_code)
{
	setup();
	struct capos_cqe c =
		call(F.ctl_id, capos_SystemControl_TYPE_ID, capos_SystemControl_METHOD_shutdown,
		     params(capos_SystemControl_TYPE_ID, 200));

	CHECK_EQ(c.status, 0); /* a host fake returns; the kernel's never does */
	CHECK_UEQ(B.off_calls, 1);
	CHECK(B.off_caller == &F.caller_cookie);
	CHECK_UEQ(B.off_code, 200);
}

TEST(ksys_summary_fields_and_backend_error)
{
	struct capnp_segment segs[2];
	struct capnp_msg m;
	struct capos_SystemStatus_summary_Results_r r;
	struct capos_SystemSummary_r s;
	struct capnp_text v, motd;
	int status = 0;

	setup();
	struct capos_cqe c =
		call(F.st_id, capos_SystemStatus_TYPE_ID, capos_SystemStatus_METHOD_summary, 0);

	CHECK_EQ(c.status, 0);
	CHECK_EQ(results_of(&c, &m, segs), 0);
	CHECK_EQ(capos_SystemStatus_summary_Results_read_root(&m, &r), 0);
	CHECK_EQ(capos_SystemStatus_summary_Results_get_summary(&r, &s), 0);
	CHECK_EQ(capos_SystemSummary_get_version(&s, &v), 0);
	CHECK_EQ(capos_SystemSummary_get_motd(&s, &motd), 0);
	CHECK_STREQ(v.str, "9.8.7");
	CHECK_STREQ(motd.str, "hi");
	CHECK_UEQ(capos_SystemSummary_get_cpus(&s), 1);
	CHECK_UEQ(capos_SystemSummary_get_cpusPresent(&s), 4);
	CHECK_UEQ(capos_SystemSummary_get_processes(&s), 3);
	CHECK_UEQ(capos_SystemSummary_get_memoryBytes(&s), 1ull << 27);
	CHECK_UEQ(capos_SystemSummary_get_freeBytes(&s), 1ull << 26);
	CHECK_UEQ(capos_SystemSummary_get_uptimeNs(&s), 12345);
	CHECK_UEQ(capos_SystemSummary_get_timerInterrupts(&s), 678);
	B.sum_status = CAPOS_ERR_BUSY;
	c = call(F.st_id, capos_SystemStatus_TYPE_ID, capos_SystemStatus_METHOD_summary, 0);
	CHECK_EQ(exception_of(&c, &status), capos_ExceptionType_overloaded);
	CHECK_EQ(status, CAPOS_ERR_BUSY);
}

TEST(ksys_init_refuses_missing_backends)
{
	struct kentropy e;
	struct ksysctl s;
	struct ksysstatus st;

	CHECK_EQ(kentropy_init(&e, NULL, NULL, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(ksysctl_init(&s, NULL, NULL, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(ksysstatus_init(&st, NULL, NULL, NULL), CAPOS_ERR_INVALID);
}
