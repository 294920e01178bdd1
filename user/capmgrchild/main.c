/*
 * capmgrchild: the child user/capmgrtest spawns for the cross-process revocation steps
 * (tests/qemu/capmgr_tests.py). Its CapSet decides what it does:
 *   - "dcon" only (a derived Console the parent holds too): write one line through it
 *     and exit 0 — the derived cap works in another process;
 *   - "dcon", "console" and "capmgr" (the parent's CapabilityManager, copied): poll
 *     "dcon" with empty writes (nothing printed) until the parent's revoke reaches it
 *     and the write fails with CAPOS_ERR_CAP_REVOKED, report that through "console",
 *     list its own table through the copied CapabilityManager (which acts on the
 *     caller, this process) and exit 0. The poll is bounded (CHILD_POLLS x 1 ms); the
 *     outcome does not depend on whether the child runs before or after the revoke;
 *   - "dcon", "console" and "spawner": relay — spawn a grandchild (this binary)
 *     holding copies of "dcon" (as "relayed") and "console", then exit at once;
 *   - "relayed" (the grandchild): poll it as above until the parent's revoke reaches
 *     this copy of a copy, report CAP_REVOKED and exit 0.
 * Exit codes: 0 ok, 2 a cap missing, 3 a step failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <schema/capos.capnp.h>

#define CHILD_POLLS 5000u
#define CHILD_POLL_NS 1000000u

static struct capos_ring_client *ring;
static uint64_t arena[64];
static uint64_t framed[65];
static uint64_t res[512];

static int lookup(const char *name, uint64_t iface, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iface,
				   cap);
}

/* Console.write(data) on `cap`; the CQE status. */
static int write_data(uint32_t cap, const char *data, uint32_t len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_Console_write_Params_b p;
	struct capos_cqe cqe;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == 0) {
		(void)capos_Console_write_request(&b, &p);
		if (len)
			(void)capos_Console_write_Params_set_data(&p, data, len);
		err = capnp_builder_error(&b);
	}
	if (err == 0)
		err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n);
	return err ? err
		   : capos_ring_call(ring, cap, capos_Console_TYPE_ID, capos_Console_METHOD_write,
				     framed, (uint32_t)n, NULL, 0, &cqe);
}

/* Polls `dcon` until a write fails; returns that status (0 if it never failed). */
static int poll_until_revoked(uint32_t dcon)
{
	for (uint32_t i = 0; i < CHILD_POLLS; i++) {
		int err = write_data(dcon, "", 0);
		if (err)
			return err;
		(void)capos_sys_cap_enter(1, CHILD_POLL_NS); /* nothing queued: a 1 ms wait */
	}
	return 0;
}

/* Lists this process's table through `cm`: one line per cap, its interface and flags. */
static int list_own(uint32_t cm)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 2048, .nesting = 8 };
	struct capos_CapabilityManager_list_Results_r r;
	struct capos_CapabilityInfo_rlist l;
	struct capos_cqe cqe;
	struct capnp_msg m;
	int err = capos_ring_call(ring, cm, capos_CapabilityManager_TYPE_ID,
				  capos_CapabilityManager_METHOD_list, NULL, 0, res, sizeof(res),
				  &cqe);

	if (err == 0)
		err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 2, &lim, NULL);
	if (err == 0)
		err = capos_CapabilityManager_list_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_CapabilityManager_list_Results_get_caps(&r, &l);
	if (err)
		return err;
	for (uint32_t i = 0; i < capos_CapabilityInfo_list_len(&l); i++) {
		struct capos_CapabilityInfo_r e = capos_CapabilityInfo_list_get(&l, i);
		struct capnp_text name = { 0 }, iname = { 0 };

		(void)capos_CapabilityInfo_get_name(&e, &name);
		(void)capos_CapabilityInfo_get_interfaceName(&e, &iname);
		printf("capmgrchild: list: \"%.*s\" %.*s revocable %s revoked %s depth %u\n",
		       (int)name.len, name.str ? name.str : "", (int)iname.len,
		       iname.str ? iname.str : "",
		       capos_CapabilityInfo_get_revocable(&e) ? "yes" : "no",
		       capos_CapabilityInfo_get_revoked(&e) ? "yes" : "no",
		       (unsigned)capos_CapabilityInfo_get_deriveDepth(&e));
	}
	return CAPOS_OK;
}

/* Relay mode: spawn a grandchild (this binary) holding copies of our "dcon" (as
 * "relayed") and "console", then exit without waiting: the parent revokes once we are
 * gone, and the grandchild's copy of a copy must die too. */
static int relay(uint32_t dcon, uint32_t console, uint32_t spawner)
{
	static uint64_t big[256], bigf[257];
	static const char *const names[] = { "relayed", "console" };
	const uint32_t caps[] = { dcon, console };
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	struct capos_xfer x[2];
	struct capos_cqe cqe;
	size_t len = 0;
	int err = capnp_builder_init(&b, &seg, 1, big, sizeof(big));

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err == 0) {
		(void)capos_ProcessSpawner_spawn_Params_set_name(&p, "grandchild", 10);
		(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "capmgrchild", 11);
		(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, 2, &list);
		for (uint32_t i = 0; i < 2; i++) {
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
		err = capos_ring_call_xfer(ring, spawner, capos_ProcessSpawner_TYPE_ID,
					   capos_ProcessSpawner_METHOD_spawn, bigf, (uint32_t)len,
					   x, 2, res, sizeof(res), &cqe);
	printf("capmgrchild: relayed the derived console to a grandchild: %s\n",
	       err ? capos_error_name(err) : "ok");
	return err ? 3 : 0; /* the handle goes with us; the grandchild runs on */
}

int main(void)
{
	static const char hello[] = "capmgrchild: this line went through the derived console\n";
	uint32_t dcon, console, cm, spawner;

	if (capos_ring_self(&ring))
		return 3;
	if (lookup("relayed", capos_Console_TYPE_ID, &dcon) == 0) { /* the grandchild */
		int err = poll_until_revoked(dcon);
		printf("capmgrchild (grandchild): relayed copy after the parent's revoke: %s\n",
		       err ? capos_error_name(err) : "still valid");
		return err == CAPOS_ERR_CAP_REVOKED ? 0 : 3;
	}
	if (lookup("dcon", capos_Console_TYPE_ID, &dcon))
		return 2;
	if (lookup("spawner", capos_ProcessSpawner_TYPE_ID, &spawner) == 0)
		return lookup("console", capos_Console_TYPE_ID, &console)
			       ? 2
			       : relay(dcon, console, spawner);
	if (lookup("capmgr", capos_CapabilityManager_TYPE_ID, &cm)) /* the plain run */
		return write_data(dcon, hello, sizeof(hello) - 1) ? 3 : 0;
	if (lookup("console", capos_Console_TYPE_ID, &console))
		return 2;
	int err = poll_until_revoked(dcon);
	printf("capmgrchild: derived console after the parent's revoke: %s\n",
	       err ? capos_error_name(err) : "still valid");
	if (list_own(cm))
		return 3;
	return err == CAPOS_ERR_CAP_REVOKED ? 0 : 3;
}
