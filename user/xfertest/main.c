/*
 * xfertest: the capability-transfer boot test (tests/qemu/xfer_tests.py), started as
 * init from the focused manifest tests/qemu/xfer/xfer.capnp with console and capmgr.
 * CapabilityManager.derive is the kernel object that takes a cap (params cap index 0 =
 * transfer descriptor 0) and returns one (a result-cap record), so it carries every
 * transfer case through the real ring, kcall and cap table (docs/abi.md §8):
 *   - copy: the derived console writes, the sender's console still works;
 *   - move: the moved id is CAP_STALE afterwards, the new one writes;
 *   - hostile descriptors, each with its exact status and the table unchanged
 *     (reserved field, bad mode, forged, stale, duplicate move, too many, the array in
 *     the kernel half or unmapped, count without an address);
 *   - table full: derive until CAP_TABLE_FULL, then a move on the full table is
 *     refused with the sent cap still usable; usage still answers; all released;
 *   - a result buffer too small for the record: RESULT_TOO_SMALL, no cap inserted;
 *   - revoke(console) sent with a MOVE of a cap derived from it: the moved entry
 *     leaves the table although the call revoked it, the other derived cap is
 *     CAP_REVOKED (and can still be released).
 * Every step prints one transcript line on COM2 that the suite compares exactly; the
 * kernel log must show the free-frame baseline and no revocation node left.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define EXIT_NO_CAP 2
#define EXIT_FAILED 3
#define MAX_DERIVED 64

static struct capos_ring_client *ring;
static uint32_t cm, console;
static int failures;
static uint64_t arena[64];
static uint64_t framed[65];
static uint64_t res[512];
static struct capnp_segment segs[4];
static uint32_t derived[MAX_DERIVED];

static void check(int ok, const char *what)
{
	if (!ok) {
		failures++;
		printf("xfer: FAILED: %s\n", what);
	}
}

static const char *yn(int b)
{
	return b ? "yes" : "no";
}

static const char *st(int err)
{
	return err ? capos_error_name(err) : "ok";
}

/* Frames derive params whose cap pointer is index 0; their length in *len. */
static int derive_params(uint32_t *len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_CapabilityManager_derive_Params_b p;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0)
		err = capos_CapabilityManager_derive_request(&b, &p);
	if (err == 0)
		err = capos_CapabilityManager_derive_Params_set_cap(&p, 0);
	if (err == 0)
		err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* derive sending `x` (n descriptors), results into `rcap` bytes of res. On success
 * *out is the derived cap, found through the results' cap index and its record. */
static int derive_x(const struct capos_xfer *x, uint16_t n, uint32_t rcap, uint32_t *out,
		    struct capos_cqe *cqe)
{
	struct capnp_msg m;
	struct capos_CapabilityManager_derive_Results_r r;
	const struct capos_xfer_result *recs;
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	uint32_t plen, rlen, index;
	int err = derive_params(&plen);

	if (err == 0)
		err = capos_ring_call_xfer(ring, cm, capos_CapabilityManager_TYPE_ID,
					   capos_CapabilityManager_METHOD_derive, framed, plen, x,
					   n, res, rcap, cqe);
	if (err)
		return err;
	err = capos_ring_result_caps(cqe, res, rcap, &recs, &rlen);
	if (err >= 0)
		err = capnp_msg_init_framed(&m, res, rlen, segs, 4, &lim, NULL);
	if (err == 0)
		err = capos_CapabilityManager_derive_read_results(&m, &r);
	if (err == 0)
		err = capos_CapabilityManager_derive_Results_get_derived(&r, &index);
	if (err == 0)
		err = capos_ring_result_cap(cqe, res, rcap, index, capos_Console_TYPE_ID, out);
	return err;
}

static int derive1(uint32_t cap, uint16_t mode, uint32_t *out)
{
	struct capos_xfer x = { .cap = cap, .mode = mode };
	struct capos_cqe cqe;

	return derive_x(&x, 1, sizeof(res), out, &cqe);
}

/* Console.writeLine through `cap`: the CQE status. */
static int write_line(uint32_t cap, const char *text)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_Console_writeLine_Params_b p;
	struct capos_cqe cqe;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0)
		err = capos_Console_writeLine_request(&b, &p);
	if (err == 0)
		err = capos_Console_writeLine_Params_set_text(&p, text, (uint32_t)strlen(text));
	if (err == 0)
		err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n);
	if (err == 0)
		err = capos_ring_call(ring, cap, capos_Console_TYPE_ID,
				      capos_Console_METHOD_writeLine, framed, (uint32_t)n, NULL, 0,
				      &cqe);
	return err;
}

/* Live caps in this process's table, from CapabilityManager.usage. */
static int cap_slots(uint32_t *live, uint32_t *max)
{
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_CapabilityManager_usage_Results_r r;
	struct capos_ResourceUsage_r u;
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	int err = capos_ring_call(ring, cm, capos_CapabilityManager_TYPE_ID,
				  capos_CapabilityManager_METHOD_usage, NULL, 0, res, sizeof(res),
				  &cqe);

	if (err == 0)
		err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 4, &lim, NULL);
	if (err == 0)
		err = capos_CapabilityManager_usage_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_CapabilityManager_usage_Results_get_usage(&r, &u);
	if (err)
		return err;
	*live = (uint32_t)capos_ResourceUsage_get_capSlots(&u);
	*max = (uint32_t)capos_ResourceUsage_get_capSlotsMax(&u);
	return 0;
}

static int release(uint32_t cap)
{
	return capos_ring_release(ring, cap);
}

/* copy: both the sender's console and the derived one write. */
static void step_copy(uint32_t *d1)
{
	int err = derive1(console, CAPOS_XFER_COPY, d1);

	printf("xfer: copy: derive(console) %s\n", st(err));
	check(err == 0, "copy derive");
	err = write_line(*d1, "xfer: copy: written through the received cap");
	check(err == 0, "write through the copy");
	err = write_line(console, "xfer: copy: the sender's console still writes");
	check(err == 0, "sender keeps a copy");
}

/* move: the moved id goes stale, the received one writes. */
static void step_move(uint32_t d1, uint32_t *d2)
{
	int err = derive1(d1, CAPOS_XFER_MOVE, d2);

	printf("xfer: move: derive(received cap, move) %s\n", st(err));
	check(err == 0, "move derive");
	err = write_line(d1, "never printed");
	printf("xfer: move: the moved id: %s\n", st(err));
	check(err == CAPOS_ERR_CAP_STALE, "moved id stale");
	err = write_line(*d2, "xfer: move: written through the moved-in cap");
	check(err == 0, "write through the moved cap");
}

/* A CALL SQE with raw xfer fields (past what capos_ring_call_xfer lets through). */
static int raw_derive(uint64_t xfer_addr, uint16_t count)
{
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	uint32_t plen;
	int err = derive_params(&plen);

	if (err == 0)
		err = capos_ring_get_sqe(ring, &sqe);
	if (err)
		return err;
	sqe->opcode = CAPOS_OP_CALL;
	sqe->cap = cm;
	sqe->interface_id = capos_CapabilityManager_TYPE_ID;
	sqe->method = capos_CapabilityManager_METHOD_derive;
	sqe->addr = (uint64_t)(uintptr_t)framed;
	sqe->len = plen;
	sqe->result_addr = (uint64_t)(uintptr_t)res;
	sqe->result_len = sizeof(res);
	sqe->xfer_addr = xfer_addr;
	sqe->xfer_count = count;
	sqe->user_data = 0xBADF00D;
	capos_ring_submit(ring);
	err = capos_ring_wait(ring, 0xBADF00D, CAPOS_TIMEOUT_INFINITE, &cqe);
	return err ? err : cqe.status;
}

static void hostile(const char *what, const struct capos_xfer *x, uint16_t n, int want)
{
	struct capos_cqe cqe;
	uint32_t out;
	int err = derive_x(x, n, sizeof(res), &out, &cqe);

	printf("xfer: hostile: %s: %s\n", what, st(err));
	check(err == want, what);
}

static void hostile_raw(const char *what, uint64_t addr, uint16_t n, int want)
{
	int err = raw_derive(addr, n);

	printf("xfer: hostile: %s: %s\n", what, st(err));
	check(err == want, what);
}

static void step_hostile(uint32_t stale, uint32_t live)
{
	static struct capos_xfer many[CAPOS_XFER_MAX + 1];
	uint32_t before = 0, after = 1, max;
	int err = cap_slots(&before, &max);

	check(err == 0, "usage before");
	struct capos_xfer rsvd = { .cap = live, .mode = CAPOS_XFER_COPY, .rsvd1 = 1 };
	struct capos_xfer mode = { .cap = live, .mode = 2 };
	struct capos_xfer forged = { .cap = 0x000100C8u, .mode = CAPOS_XFER_COPY };
	struct capos_xfer old = { .cap = stale, .mode = CAPOS_XFER_COPY };
	struct capos_xfer dup[2] = { { .cap = live, .mode = CAPOS_XFER_MOVE },
				     { .cap = live, .mode = CAPOS_XFER_COPY } };
	hostile("reserved field set", &rsvd, 1, CAPOS_ERR_XFER_RESERVED);
	hostile("mode 2", &mode, 1, CAPOS_ERR_XFER_BAD_MODE);
	hostile("forged id (slot 200)", &forged, 1, CAPOS_ERR_CAP_BAD_ID);
	hostile("the moved (stale) id", &old, 1, CAPOS_ERR_CAP_STALE);
	hostile("one cap moved and copied", dup, 2, CAPOS_ERR_XFER_DUPLICATE);
	for (unsigned i = 0; i <= CAPOS_XFER_MAX; i++)
		many[i] = (struct capos_xfer){ .cap = live, .mode = CAPOS_XFER_COPY };
	hostile_raw("17 descriptors", (uint64_t)(uintptr_t)many, CAPOS_XFER_MAX + 1,
		    CAPOS_ERR_XFER_TOO_MANY);
	hostile_raw("descriptors in the kernel half", 0xFFFF800000001000ull, 1,
		    CAPOS_ERR_XFER_FAULT);
	hostile_raw("descriptors on an unmapped page", CAPOS_USER_ANON_BASE + 0x10000000ull, 1,
		    CAPOS_ERR_XFER_FAULT);
	hostile_raw("a count without an address", 0, 1, CAPOS_ERR_RING_BAD_XFER);
	err = cap_slots(&after, &max);
	printf("xfer: hostile: caps in the table unchanged: %s\n", yn(err == 0 && after == before));
	check(err == 0 && after == before, "table unchanged after hostile descriptors");
	err = write_line(live, "xfer: hostile: the cap sent with every refused call still writes");
	check(err == 0, "live cap after hostile");
}

/* Fill the table with derived copies; a move into the full table is refused whole. */
static void step_full(uint32_t live)
{
	uint32_t n = 0, slots = 0, max = 0, start = 0, moved = 0;
	int err = cap_slots(&start, &max);

	while (err == 0 && n < MAX_DERIVED) {
		err = derive1(console, CAPOS_XFER_COPY, &derived[n]);
		if (err == 0)
			n++;
	}
	printf("xfer: full: derived until %s; table full: %s\n", st(err),
	       yn(cap_slots(&slots, &max) == 0 && slots == max && start + n == max));
	check(err == CAPOS_ERR_CAP_TABLE_FULL && slots == max, "fill the table");
	err = derive1(live, CAPOS_XFER_MOVE, &moved);
	printf("xfer: full: move into the full table: %s\n", st(err));
	check(err == CAPOS_ERR_CAP_TABLE_FULL, "move into a full table");
	err = write_line(live, "xfer: full: the cap whose move was refused still writes");
	check(err == 0, "move rolled back");
	err = 0;
	for (uint32_t i = 0; i < n && err == 0; i++)
		err = release(derived[i]);
	printf("xfer: full: released %u derived caps: %s; back to %u caps: %s\n", n, st(err), start,
	       yn(cap_slots(&slots, &max) == 0 && slots == start));
	check(err == 0 && slots == start, "release the derived caps");
}

/* Results that fit but leave no room for the record: no cap inserted. */
static void step_too_small(void)
{
	struct capos_xfer x = { .cap = console, .mode = CAPOS_XFER_COPY };
	struct capos_cqe cqe;
	uint32_t before = 0, after = 1, max, out;
	int err = cap_slots(&before, &max);

	check(err == 0, "usage before short buffer");
	err = derive_x(&x, 1, 16, &out, &cqe);
	printf("xfer: short: derive into 16 bytes: %s, needs %s; no cap inserted: %s\n", st(err),
	       cqe.result_len > 16 ? "more" : "?",
	       yn(cap_slots(&after, &max) == 0 && after == before));
	check(err == CAPOS_ERR_RING_RESULT_TOO_SMALL && after == before, "short result buffer");
}

/* revoke(console) while moving a cap derived from it in the same CALL: the move still
 * takes the (now revoked) entry out of the table, the other derived cap stays revoked. */
static void step_revoke_moved(uint32_t d2)
{
	struct capos_xfer x[2] = { { .cap = console, .mode = CAPOS_XFER_COPY } };
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_CapabilityManager_revoke_Results_r r;
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	uint32_t d3 = 0, plen = 0;
	int err = derive1(console, CAPOS_XFER_COPY, &d3);

	x[1] = (struct capos_xfer){ .cap = d3, .mode = CAPOS_XFER_MOVE };
	if (err == 0)
		err = derive_params(&plen); /* revoke's params have derive's layout */
	if (err == 0)
		err = capos_ring_call_xfer(ring, cm, capos_CapabilityManager_TYPE_ID,
					   capos_CapabilityManager_METHOD_revoke, framed, plen, x,
					   2, res, sizeof(res), &cqe);
	if (err == 0)
		err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 4, &lim, NULL);
	if (err == 0)
		err = capos_CapabilityManager_revoke_Results_read_root(&m, &r);
	uint32_t n = err ? 0 : capos_CapabilityManager_revoke_Results_get_revoked(&r);
	printf("xfer: revoke: revoke(console) moving a derived cap: %s, %u revoked\n", st(err), n);
	check(err == 0 && n == 2, "revoke with a moved derived cap");
	err = write_line(d3, "never printed");
	printf("xfer: revoke: the moved derived cap: %s\n", st(err));
	check(err == CAPOS_ERR_CAP_STALE, "moved revoked cap left the table");
	err = write_line(d2, "never printed");
	printf("xfer: revoke: the other derived cap: %s\n", st(err));
	check(err == CAPOS_ERR_CAP_REVOKED, "other derived cap revoked");
	err = write_line(console, "xfer: revoke: the console itself still writes");
	check(err == 0, "console after revoke");
}

int main(void)
{
	uint32_t d1 = 0, d2 = 0;

	if (capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, "console",
				capos_Console_TYPE_ID, &console) ||
	    capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, "capmgr",
				capos_CapabilityManager_TYPE_ID, &cm))
		return EXIT_NO_CAP;
	if (capos_ring_self(&ring))
		return EXIT_FAILED;
	printf("xfer: start\n");
	step_copy(&d1);
	step_move(d1, &d2);
	step_hostile(d1, d2);
	step_full(d2);
	step_too_small();
	step_revoke_moved(d2);
	int err = release(d2);
	printf("xfer: release the moved-in (revoked) cap: %s\n", st(err));
	check(err == 0, "release d2");
	printf("xfer: %s\n", failures ? "FAILED" : "done, exiting 0");
	return failures ? EXIT_FAILED : 0;
}
