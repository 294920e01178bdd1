/*
 * capmgrtest: the CapabilityManager boot test (tests/qemu/capmgr_tests.py), started as
 * init from the focused manifest tests/qemu/capmgr/capmgr.capnp, which grants it
 * console, capmgr, vm and spawner (user/capmgrchild is packaged with it). Every step prints one transcript line on COM2 that the
 * suite compares exactly:
 *   - list: its whole table (slot, interface name and id, CapSet name, flags);
 *   - listRange: the same in one page, with nextSlot/more;
 *   - usage: cap slots and frames against their limits, threads;
 *   - hostile twins: derive/revoke with no cap sent (null cap pointer) and with a cap
 *     index past the CALL's caps, malformed params, a method beyond the interface, a
 *     forged and a released CapabilityManager id, a result buffer too small;
 *   - derive/revoke through the ring (the cap sent as a COPY transfer descriptor, the
 *     derived cap back as a result-cap record): write through a derived console,
 *     chain to the depth bound and one past it, revoke in the middle of the chain and
 *     at the source (exact counts), CAPOS_ERR_CAP_REVOKED on the dead ones while the
 *     live ones still write, derive/revoke of revoked, released and forged caps, a cap
 *     never derived from (0), release of the revoked caps, a fresh derive kept until
 *     exit (teardown frees its node);
 *   - across processes (user/capmgrchild, spawned with ProcessSpawner): a derived
 *     console granted to a child writes there; a second child holds a copy, the
 *     revoke at the console counts every holder (3: the fresh derived cap above, ours
 *     and the child's copy), both processes get CAP_REVOKED (the child
 *     reports it and lists its own table, dcon revoked, through a copied
 *     CapabilityManager); onwards: a child relays a fresh derived console to a
 *     grandchild and exits, the revoke counts ours and the grandchild's copy (2) and
 *     the grandchild reports CAP_REVOKED.
 * Exit 0 only if every step printed what it should (the suite checks the lines too).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define EXIT_NO_CAP 2
#define EXIT_FAILED 3

static struct capos_ring_client *ring;
static uint32_t cm, console;
static int failures;
static uint64_t arena[64];
static uint64_t framed[65];
static uint64_t res[1024];
static struct capnp_segment segs[4];

static void check(int ok, const char *what)
{
	if (!ok) {
		failures++;
		printf("capmgr: FAILED: %s\n", what);
	}
}

static int lookup(const char *name, uint64_t iface, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iface,
				   cap);
}

static int read_results(const struct capos_cqe *cqe, struct capnp_msg *m)
{
	const struct capnp_limits lim = { .traversal_words = 4096, .nesting = 16 };

	return capnp_msg_init_framed(m, res, cqe->result_len, segs, 4, &lim, NULL);
}

/* A CALL on the CapabilityManager with framed params; the CQE status. */
static int cm_call(uint32_t cap, uint16_t method, const void *params, uint32_t plen,
		   struct capos_cqe *cqe)
{
	memset(res, 0, sizeof(res));
	return capos_ring_call(ring, cap, capos_CapabilityManager_TYPE_ID, method, params, plen,
			       res, sizeof(res), cqe);
}

/* The CapException status behind a RING_EXCEPTION, or 1 if it cannot be read. */
static int exception_status(const struct capos_cqe *cqe, int *type)
{
	struct capnp_msg m;
	struct capos_CapException_r ex;

	if (read_results(cqe, &m) || capos_CapException_read_root(&m, &ex))
		return 1;
	*type = (int)capos_CapException_get_type(&ex);
	return capos_CapException_get_status(&ex);
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

static void print_info(const char *what, const struct capos_CapabilityInfo_r *e)
{
	struct capnp_text name = { 0 }, iname = { 0 };

	(void)capos_CapabilityInfo_get_name(e, &name);
	(void)capos_CapabilityInfo_get_interfaceName(e, &iname);
	printf("capmgr: %s: slot %u gen %u %.*s (%#llx) name \"%.*s\" transferable %s revocable "
	       "%s revoked %s depth %u\n",
	       what, (unsigned)(capos_CapabilityInfo_get_capId(e) & 0xFFFF),
	       (unsigned)(capos_CapabilityInfo_get_capId(e) >> 16), (int)iname.len,
	       iname.str ? iname.str : "",
	       (unsigned long long)capos_CapabilityInfo_get_interfaceId(e), (int)name.len,
	       name.str ? name.str : "", yn(capos_CapabilityInfo_get_transferable(e)),
	       yn(capos_CapabilityInfo_get_revocable(e)), yn(capos_CapabilityInfo_get_revoked(e)),
	       (unsigned)capos_CapabilityInfo_get_deriveDepth(e));
}

static void step_list(void)
{
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_CapabilityManager_list_Results_r r;
	struct capos_CapabilityInfo_rlist l;
	int err = cm_call(cm, capos_CapabilityManager_METHOD_list, NULL, 0, &cqe);

	if (err == 0)
		err = read_results(&cqe, &m);
	if (err == 0)
		err = capos_CapabilityManager_list_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_CapabilityManager_list_Results_get_caps(&r, &l);
	if (err) {
		printf("capmgr: list failed: %s\n", capos_error_name(err));
		failures++;
		return;
	}
	printf("capmgr: list: %u caps\n", (unsigned)capos_CapabilityInfo_list_len(&l));
	for (uint32_t i = 0; i < capos_CapabilityInfo_list_len(&l); i++) {
		struct capos_CapabilityInfo_r e = capos_CapabilityInfo_list_get(&l, i);
		print_info("list", &e);
	}
}

/* Frames a params message built by `b` into `framed`; its length in *len. */
static int finish(struct capnp_builder *b, uint32_t *len)
{
	size_t n = 0;
	int err = capnp_builder_error(b);

	if (err == 0)
		err = capnp_builder_write_framed(b, framed, sizeof(framed), &n);
	*len = (uint32_t)n;
	return err;
}

static void step_list_range(void)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_CapabilityManager_listRange_Params_b p;
	struct capos_CapabilityManager_listRange_Results_r r;
	struct capos_CapabilityInfo_rlist l;
	struct capos_cqe cqe;
	struct capnp_msg m;
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0) {
		(void)capos_CapabilityManager_listRange_request(&b, &p);
		capos_CapabilityManager_listRange_Params_set_startSlot(&p, 1);
		err = finish(&b, &plen);
	}
	if (err == 0)
		err = cm_call(cm, capos_CapabilityManager_METHOD_listRange, framed, plen, &cqe);
	if (err == 0)
		err = read_results(&cqe, &m);
	if (err == 0)
		err = capos_CapabilityManager_listRange_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_CapabilityManager_listRange_Results_get_caps(&r, &l);
	if (err) {
		printf("capmgr: listRange failed: %s\n", capos_error_name(err));
		failures++;
		return;
	}
	printf("capmgr: listRange from slot 1: %u caps, nextSlot %u, more %s\n",
	       (unsigned)capos_CapabilityInfo_list_len(&l),
	       (unsigned)capos_CapabilityManager_listRange_Results_get_nextSlot(&r),
	       yn(capos_CapabilityManager_listRange_Results_get_more(&r)));
}

static void step_usage(void)
{
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_CapabilityManager_usage_Results_r r;
	struct capos_ResourceUsage_r u;
	int err = cm_call(cm, capos_CapabilityManager_METHOD_usage, NULL, 0, &cqe);

	if (err == 0)
		err = read_results(&cqe, &m);
	if (err == 0)
		err = capos_CapabilityManager_usage_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_CapabilityManager_usage_Results_get_usage(&r, &u);
	if (err) {
		printf("capmgr: usage failed: %s\n", capos_error_name(err));
		failures++;
		return;
	}
	uint64_t frames = capos_ResourceUsage_get_framePages(&u);
	uint64_t max = capos_ResourceUsage_get_framePagesMax(&u);
	printf("capmgr: usage: cap slots %u of %u, frames charged within the quota of %llu: %s, "
	       "threads %u\n",
	       (unsigned)capos_ResourceUsage_get_capSlots(&u),
	       (unsigned)capos_ResourceUsage_get_capSlotsMax(&u), (unsigned long long)max,
	       yn(frames > 0 && frames <= max), (unsigned)capos_ResourceUsage_get_threads(&u));
}

/* derive or revoke whose params' cap pointer is `index` (CAPNP_CAP_NULL: null) and
 * which sends no cap: the kernel answers invalidArgument / CAPOS_ERR_INVALID. */
static void hostile_cap_arg(uint16_t method, uint32_t index, const char *what)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_CapabilityManager_derive_Params_b p; /* revoke's has this layout */
	struct capos_cqe cqe;
	uint32_t plen = 0;
	int type = -1, st;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0) {
		(void)capos_CapabilityManager_derive_request(&b, &p);
		if (index != CAPNP_CAP_NULL)
			(void)capos_CapabilityManager_derive_Params_set_cap(&p, index);
		err = finish(&b, &plen);
	}
	if (err == 0)
		err = cm_call(cm, method, framed, plen, &cqe);
	st = err == CAPOS_ERR_RING_EXCEPTION ? exception_status(&cqe, &type) : 1;
	printf("capmgr: hostile: %s: %s, exception %s (%d)\n", what, capos_error_name(err),
	       type == capos_ExceptionType_invalidArgument ? "invalidArgument" : "?", st);
	check(err == CAPOS_ERR_RING_EXCEPTION && type == capos_ExceptionType_invalidArgument &&
		      st == CAPOS_ERR_INVALID,
	      what);
}

static void step_hostile(void)
{
	static const uint64_t garbage[3] = { 0x0000000100000000ull, 0xFFFFFFFFFFFFFFFFull, 0 };
	struct capos_cqe cqe;
	int err;

	hostile_cap_arg(capos_CapabilityManager_METHOD_derive, CAPNP_CAP_NULL, "derive(null cap)");
	hostile_cap_arg(capos_CapabilityManager_METHOD_derive, 0, "derive(cap 0, none sent)");
	hostile_cap_arg(capos_CapabilityManager_METHOD_revoke, 3, "revoke(cap 3, none sent)");
	err = cm_call(cm, capos_CapabilityManager_METHOD_derive, garbage, sizeof(garbage), &cqe);
	printf("capmgr: hostile: derive(garbage params): %s\n", capos_error_name(err));
	check(err == CAPOS_ERR_RING_MALFORMED_PARAMS, "garbage params");
	err = cm_call(cm, capos_CapabilityManager_METHOD_COUNT, NULL, 0, &cqe);
	printf("capmgr: hostile: method %u: %s\n", capos_CapabilityManager_METHOD_COUNT,
	       capos_error_name(err));
	check(err == CAPOS_ERR_RING_METHOD_RANGE, "method range");
	err = cm_call(0x000100C8u, capos_CapabilityManager_METHOD_list, NULL, 0, &cqe);
	printf("capmgr: hostile: list on a forged id (slot 200): %s\n", capos_error_name(err));
	check(err == CAPOS_ERR_CAP_BAD_ID, "forged id");
	err = cm_call(0x0001003Fu, capos_CapabilityManager_METHOD_list, NULL, 0, &cqe);
	printf("capmgr: hostile: list on an empty slot (63): %s\n", capos_error_name(err));
	check(err == CAPOS_ERR_CAP_EMPTY, "empty slot");
	err = cm_call(console, capos_CapabilityManager_METHOD_list, NULL, 0, &cqe);
	printf("capmgr: hostile: list on the console: %s\n", capos_error_name(err));
	check(err == CAPOS_ERR_CAP_WRONG_INTERFACE, "console as capmgr");
	err = capos_ring_call(ring, cm, capos_CapabilityManager_TYPE_ID,
			      capos_CapabilityManager_METHOD_list, NULL, 0, res, 16, &cqe);
	printf("capmgr: hostile: list into 16 bytes: %s, needs more: %s\n", capos_error_name(err),
	       yn(cqe.result_len > 16));
	check(err == CAPOS_ERR_RING_RESULT_TOO_SMALL && cqe.result_len > 16, "short result");
	/* The size reported is exact: 8 bytes less is still short (same need), exactly
	 * that many bytes take the whole listing. */
	uint32_t need = cqe.result_len;
	int short8 = need > 8 && need <= sizeof(res)
			     ? capos_ring_call(ring, cm, capos_CapabilityManager_TYPE_ID,
					       capos_CapabilityManager_METHOD_list, NULL, 0, res,
					       need - 8, &cqe)
			     : CAPOS_ERR_INVALID;
	uint32_t need2 = cqe.result_len;
	err = need <= sizeof(res) ? capos_ring_call(ring, cm, capos_CapabilityManager_TYPE_ID,
						    capos_CapabilityManager_METHOD_list, NULL, 0,
						    res, need, &cqe)
				  : CAPOS_ERR_INVALID;
	printf("capmgr: hostile: list into need - 8 bytes: %s, same need: %s; into exactly need: "
	       "%s, all of it: %s\n",
	       capos_error_name(short8), yn(need2 == need), capos_error_name(err),
	       yn(err == 0 && cqe.result_len == need));
	check(short8 == CAPOS_ERR_RING_RESULT_TOO_SMALL && need2 == need && err == 0 &&
		      cqe.result_len == need,
	      "short result reports the exact size");
}

/* ---- derive and revoke: the cap travels as a sideband transfer descriptor (COPY)
 * and the derived cap comes back as a result-cap record ending the result bytes. */
static uint64_t next_ud = 1;

/* A CALL with `nx` transfer descriptors; the CQE status. */
static int call_x(uint32_t cap, uint64_t iid, uint16_t method, const void *params, uint32_t plen,
		  const struct capos_xfer *x, uint16_t nx, struct capos_cqe *cqe)
{
	struct capos_sqe *sqe;
	uint64_t ud = next_ud++;
	int err = capos_ring_get_sqe(ring, &sqe);

	if (err)
		return err;
	memset(res, 0, sizeof(res));
	sqe->opcode = CAPOS_OP_CALL;
	sqe->cap = cap;
	sqe->interface_id = iid;
	sqe->method = method;
	sqe->addr = plen ? (uint64_t)(uintptr_t)params : 0;
	sqe->len = plen;
	sqe->result_addr = (uint64_t)(uintptr_t)res;
	sqe->result_len = sizeof(res);
	sqe->xfer_addr = nx ? (uint64_t)(uintptr_t)x : 0;
	sqe->xfer_count = nx;
	sqe->user_data = ud;
	capos_ring_submit(ring);
	err = capos_ring_wait(ring, ud, CAPOS_TIMEOUT_INFINITE, cqe);
	return err ? err : cqe->status;
}

/* derive (method derive) or revoke of `cap` sent as params cap index 0. */
static int cm_cap_call(uint16_t method, uint32_t cap, struct capos_cqe *cqe)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_CapabilityManager_derive_Params_b p; /* revoke's has this layout */
	const struct capos_xfer x = { .cap = cap, .mode = CAPOS_XFER_COPY };
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0) {
		(void)capos_CapabilityManager_derive_request(&b, &p);
		(void)capos_CapabilityManager_derive_Params_set_cap(&p, 0);
		err = finish(&b, &plen);
	}
	return err ? err
		   : call_x(cm, capos_CapabilityManager_TYPE_ID, method, framed, plen, &x, 1, cqe);
}

/* The derived cap of a successful derive: its result-cap record (interface Console). */
static int derive(uint32_t src, uint32_t *out)
{
	struct capos_cqe cqe;
	int err = cm_cap_call(capos_CapabilityManager_METHOD_derive, src, &cqe);
	uint32_t n = cqe.xfer_count;

	if (err)
		return err;
	if (!(cqe.flags & CAPOS_CQE_F_XFER) || n != 1 || cqe.result_len < 16u * n)
		return CAPOS_ERR_INVALID;
	const struct capos_xfer_result *rec =
		(const struct capos_xfer_result *)((const uint8_t *)res + cqe.result_len - 16u);
	*out = rec->cap;
	return rec->interface_id == capos_Console_TYPE_ID ? CAPOS_OK : CAPOS_ERR_INVALID;
}

static int revoke(uint32_t src, uint32_t *count)
{
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_CapabilityManager_revoke_Results_r r;
	int err = cm_cap_call(capos_CapabilityManager_METHOD_revoke, src, &cqe);

	if (err == 0)
		err = read_results(&cqe, &m);
	if (err == 0)
		err = capos_CapabilityManager_revoke_Results_read_root(&m, &r);
	if (err == 0)
		*count = capos_CapabilityManager_revoke_Results_get_revoked(&r);
	return err;
}

/* Console.writeLine(text) on `cap`; the CQE status. */
static int write_line(uint32_t cap, const char *text)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_Console_writeLine_Params_b p;
	struct capos_cqe cqe;
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0) {
		(void)capos_Console_writeLine_request(&b, &p);
		(void)capos_Console_writeLine_Params_set_text(&p, text, (uint32_t)strlen(text));
		err = finish(&b, &plen);
	}
	return err ? err
		   : capos_ring_call(ring, cap, capos_Console_TYPE_ID,
				     capos_Console_METHOD_writeLine, framed, plen, NULL, 0, &cqe);
}

static int release(uint32_t cap)
{
	return capos_ring_release(ring, cap);
}

static void report(const char *what, int err, int want)
{
	printf("capmgr: %s: %s\n", what, err ? capos_error_name(err) : "ok");
	check(err == want, what);
}

/* derive a chain console -> d[0] -> ... -> d[DEPTH-1], write through d[0], hit the
 * depth bound, revoke at the console, then every derived cap is dead while the
 * console works; release everything. */
#define DEPTH 8
static void step_derive(void)
{
	uint32_t d[DEPTH], x, count = 0;
	int err = derive(console, &d[0]);

	report("derive(console)", err, 0);
	if (err)
		return;
	report("writeLine through the derived console",
	       write_line(d[0], "capmgr: this line went through the derived console"), 0);
	for (int i = 1; i < DEPTH && err == 0; i++)
		err = derive(d[i - 1], &d[i]);
	report("derive chain to depth 8", err, 0);
	if (err)
		return;
	report("derive beyond depth 8", derive(d[DEPTH - 1], &x), CAPOS_ERR_CAP_DERIVE_DEPTH);
	step_list();
	err = revoke(d[0], &count);
	printf("capmgr: revoke(derived depth 1): %s, revoked %u\n",
	       err ? capos_error_name(err) : "ok", (unsigned)count);
	check(err == 0 && count == DEPTH - 1, "revoke below d1");
	report("writeLine through depth 1 (still valid)",
	       write_line(d[0], "capmgr: depth 1 still writes"), 0);
	report("writeLine through depth 2 (revoked)", write_line(d[1], "x"), CAPOS_ERR_CAP_REVOKED);
	err = revoke(console, &count);
	printf("capmgr: revoke(console): %s, revoked %u\n", err ? capos_error_name(err) : "ok",
	       (unsigned)count);
	check(err == 0 && count == 1, "revoke console");
	report("writeLine through depth 1 (revoked)", write_line(d[0], "x"), CAPOS_ERR_CAP_REVOKED);
	report("writeLine through the console",
	       write_line(console, "capmgr: the original console still writes"), 0);
	report("derive(revoked cap)", derive(d[0], &x), CAPOS_ERR_CAP_REVOKED);
	report("revoke(revoked cap)", revoke(d[3], &count), CAPOS_ERR_CAP_REVOKED);
	err = revoke(console, &count);
	printf("capmgr: revoke(console) again: %s, revoked %u\n",
	       err ? capos_error_name(err) : "ok", (unsigned)count);
	check(err == 0 && count == 0, "revoke again");
	err = revoke(cm, &count);
	printf("capmgr: revoke(never derived from): %s, revoked %u\n",
	       err ? capos_error_name(err) : "ok", (unsigned)count);
	check(err == 0 && count == 0, "revoke never derived");
	report("derive(released cap)", (release(x = d[0]) == 0) ? derive(x, &x) : -1,
	       CAPOS_ERR_CAP_STALE);
	report("derive(forged cap, slot 200)", derive(0x000100C8u, &x), CAPOS_ERR_CAP_BAD_ID);
	step_list();
	err = 0;
	for (int i = 1; i < DEPTH; i++)
		err |= release(d[i]);
	report("release the revoked caps", err, 0);
	/* A fresh derive after the revoke works; it is left for the process teardown to
	 * release (the kernel then checks that no revocation node is left). */
	report("derive(console) after the revoke", derive(console, &x), 0);
	report("writeLine through the fresh derived console",
	       write_line(x, "capmgr: the fresh derived console writes"), 0);
	step_usage();
}

/* ---- across processes: a derived console granted to user/capmgrchild */
static uint32_t spawner;

/* ProcessSpawner.spawn("capmgrchild") granting held caps (copy): names[i] <- caps[i].
 * 0 with the handle, or the status. */
static int spawn_child(const char *const *names, const uint32_t *caps, uint32_t n, uint32_t *handle)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_ProcessSpawner_spawn_Results_r r;
	struct capos_CapGrant_blist list;
	struct capos_xfer x[4];
	struct capos_cqe cqe;
	struct capnp_msg m;
	static uint64_t big[256];
	static uint64_t bigf[257];
	size_t len = 0;
	uint32_t index = 0;
	int err = capnp_builder_init(&b, &seg, 1, big, sizeof(big));

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err == 0) {
		(void)capos_ProcessSpawner_spawn_Params_set_name(&p, "child", 5);
		(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "capmgrchild", 11);
		(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, n, &list);
		for (uint32_t i = 0; i < n; i++) {
			struct capos_CapGrant_b g = capos_CapGrant_list_build(&list, i);
			struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);

			(void)capos_CapGrant_set_name(&g, names[i], (uint32_t)strlen(names[i]));
			capos_CapGrant_set_mode(&g, capos_TransferMode_copy);
			(void)capos_CapGrant_source_set_held(&src, i);
			x[i] = (struct capos_xfer){ .cap = caps[i], .mode = CAPOS_XFER_COPY };
		}
		err = capnp_builder_error(&b);
	}
	if (err == 0)
		err = capnp_builder_write_framed(&b, bigf, sizeof(bigf), &len);
	if (err == 0)
		err = call_x(spawner, capos_ProcessSpawner_TYPE_ID,
			     capos_ProcessSpawner_METHOD_spawn, bigf, (uint32_t)len, x, (uint16_t)n,
			     &cqe);
	if (err)
		return err;
	if (!(cqe.flags & CAPOS_CQE_F_XFER) || cqe.xfer_count != 1 || cqe.result_len < 16)
		return CAPOS_ERR_INVALID;
	const struct capos_xfer_result *rec =
		(const struct capos_xfer_result *)((const uint8_t *)res + cqe.result_len - 16u);
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	err = capnp_msg_init_framed(&m, res, cqe.result_len - 16u, segs, 4, &lim, NULL);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	if (err == 0 && (index != 0 || rec->interface_id != capos_ProcessHandle_TYPE_ID))
		err = CAPOS_ERR_INVALID;
	if (err == 0)
		*handle = rec->cap;
	return err;
}

/* ProcessHandle.wait, then release the handle; 0 with the exit code, or the status. */
static int wait_child(uint32_t handle, int64_t *code)
{
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	int err = call_x(handle, capos_ProcessHandle_TYPE_ID, capos_ProcessHandle_METHOD_wait, NULL,
			 0, NULL, 0, &cqe);

	if (err == 0)
		err = read_results(&cqe, &m);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0)
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
	(void)release(handle);
	return err;
}

/* A derived console works in a child; then a second child holds a copy, the parent
 * revokes at the console (both holders counted), and both holders get CAP_REVOKED. */
static void step_cross(void)
{
	static const char *const plain[] = { "dcon" };
	static const char *const full[] = { "dcon", "console", "capmgr" };
	uint32_t d, h, count = 0;
	int64_t code = -1;
	int err = derive(console, &d);

	report("cross: derive(console)", err, 0);
	if (err)
		return;
	err = spawn_child(plain, &d, 1, &h);
	if (err == 0)
		err = wait_child(h, &code);
	printf("capmgr: cross: child with the derived console: %s, exit %lld\n",
	       err ? capos_error_name(err) : "ok", (long long)code);
	check(err == 0 && code == 0, "cross: plain child");
	const uint32_t caps[] = { d, console, cm };
	err = spawn_child(full, caps, 3, &h);
	report("cross: spawn a child holding a copy", err, 0);
	if (err)
		return;
	err = revoke(console, &count);
	printf("capmgr: cross: revoke(console): %s, revoked %u (the fresh derived cap, ours "
	       "and the child's copy)\n",
	       err ? capos_error_name(err) : "ok", (unsigned)count);
	check(err == 0 && count == 3, "cross: revoke count");
	/* Reported after the child's exit: the child prints its own lines after the revoke,
	 * so a line printed now would race them on the console. */
	int wl = write_line(d, "x");
	code = -1;
	err = wait_child(h, &code);
	report("cross: writeLine through our derived copy", wl, CAPOS_ERR_CAP_REVOKED);
	printf("capmgr: cross: child exit: %s, %lld\n", err ? capos_error_name(err) : "ok",
	       (long long)code);
	check(err == 0 && code == 0, "cross: child saw the revoke");
	report("cross: release our revoked copy", release(d), 0);

	/* Onwards: a child relays a fresh derived console to a grandchild and exits; our
	 * revoke reaches the grandchild's copy of the child's copy. */
	static const char *const relay[] = { "dcon", "console", "spawner" };
	err = derive(console, &d);
	report("onwards: derive(console)", err, 0);
	if (err)
		return;
	const uint32_t rcaps[] = { d, console, spawner };
	code = -1;
	err = spawn_child(relay, rcaps, 3, &h);
	if (err == 0)
		err = wait_child(h, &code);
	printf("capmgr: onwards: relay child exit: %s, %lld\n", err ? capos_error_name(err) : "ok",
	       (long long)code);
	check(err == 0 && code == 0, "onwards: relay child");
	err = revoke(console, &count);
	printf("capmgr: onwards: revoke(console): %s, revoked %u (ours and the grandchild's)\n",
	       err ? capos_error_name(err) : "ok", (unsigned)count);
	check(err == 0 && count == 2, "onwards: revoke count");
	report("onwards: writeLine through our copy", write_line(d, "x"), CAPOS_ERR_CAP_REVOKED);
	report("onwards: release our revoked copy", release(d), 0);
}

/* The last step: release the CapabilityManager; using it again is a stale id. */
static void step_release(void)
{
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	int err = capos_ring_get_sqe(ring, &sqe);

	if (err == 0) {
		sqe->opcode = CAPOS_OP_RELEASE;
		sqe->cap = cm;
		sqe->user_data = 77;
		capos_ring_submit(ring);
		err = capos_ring_wait(ring, 77, CAPOS_TIMEOUT_INFINITE, &cqe);
	}
	if (err == 0)
		err = cqe.status;
	printf("capmgr: release capmgr: %s\n", err ? capos_error_name(err) : "ok");
	check(err == 0, "release");
	err = cm_call(cm, capos_CapabilityManager_METHOD_list, NULL, 0, &cqe);
	printf("capmgr: hostile: list on the released id: %s\n", capos_error_name(err));
	check(err == CAPOS_ERR_CAP_STALE, "released id");
}

int main(void)
{
	if (lookup("console", capos_Console_TYPE_ID, &console) ||
	    lookup("capmgr", capos_CapabilityManager_TYPE_ID, &cm) ||
	    lookup("spawner", capos_ProcessSpawner_TYPE_ID, &spawner))
		return EXIT_NO_CAP;
	if (capos_ring_self(&ring))
		return EXIT_FAILED;
	printf("capmgr: start\n");
	step_list();
	step_list_range();
	step_usage();
	step_hostile();
	step_derive();
	step_cross();
	step_release();
	printf("capmgr: %s\n", failures ? "FAILED" : "done, exiting 0");
	return failures ? EXIT_FAILED : 0;
}
