/*
 * Host tests of libcapos's spawn helpers (lib/libcapos/spawn.c, unmodified) with the
 * ring client's three CALL entry points stood in by this file: the stand-in decodes
 * every ProcessSpawner.spawn request it is handed (name, binary, profile, each grant's
 * name and source, the COPY transfer descriptors of the held caps) and answers
 * ProcessHandle.wait with scripted results. Positive: kernel and held grants in order
 * with the held caps as transfers 0..n, the profile only when given, wait's exit code
 * and killed flag, kill as one CALL. Hostile twins with exact codes: nine grants and a
 * NULL binary, name or grant list (CAPOS_ERR_INVALID, nothing sent), a request larger
 * than the arena (a capnp builder error, nothing sent), the spawner's refusal and a
 * wait result that is not a message passed through.
 */
#include "test.h"

#include <libcapos/ring.h>
#include <libcapos/spawn.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <schema/capos.capnp.h>
#include <string.h>

#define SP_HANDLE 0x00050009u

static struct {
	uint32_t calls, nxfer;
	struct capos_xfer x[CAPOS_SPAWN_GRANTS_MAX];
	char name[32], binary[32], profile[32];
	int has_profile;
	uint32_t ngrants;
	char gname[CAPOS_SPAWN_GRANTS_MAX][32];
	int gheld[CAPOS_SPAWN_GRANTS_MAX];
	uint32_t gsource[CAPOS_SPAWN_GRANTS_MAX]; /* kernel source, or held index */
	int status;				  /* the CALL's answer */
	uint16_t method;
	int garbage;  /* wait: answer bytes that are not a message */
	uint32_t bad; /* failed SP_EXPECTs */
} sp;

/* A stand-in's own check (CHECK returns from the function it fails in, so the ring
 * stand-ins count failures instead; every test ends with sp.bad == 0). */
#define SP_EXPECT(cond) (sp.bad += !(cond))

static void sp_copy(char *dst, const struct capnp_text *t)
{
	CHECK(t->len < 32);
	memcpy(dst, t->str, t->len);
	dst[t->len] = '\0';
}

/* Decodes one spawn request into sp (CHECKs that it is well formed). */
static void sp_decode(const void *params, uint32_t len)
{
	const struct capnp_limits lim = { .traversal_words = 1024, .nesting = 8 };
	struct capos_ProcessSpawner_spawn_Params_r p;
	struct capos_CapGrant_rlist l;
	struct capnp_segment segs[1];
	struct capnp_text t = { 0 };
	struct capnp_msg m;

	CHECK_EQ(capnp_msg_init_framed(&m, params, len, segs, 1, &lim, NULL), CAPOS_OK);
	CHECK_EQ(capos_ProcessSpawner_spawn_read_params(&m, &p), CAPOS_OK);
	CHECK_EQ(capos_ProcessSpawner_spawn_Params_get_name(&p, &t), CAPOS_OK);
	sp_copy(sp.name, &t);
	CHECK_EQ(capos_ProcessSpawner_spawn_Params_get_binaryName(&p, &t), CAPOS_OK);
	sp_copy(sp.binary, &t);
	sp.has_profile = capos_ProcessSpawner_spawn_Params_has_profile(&p);
	if (sp.has_profile) {
		CHECK_EQ(capos_ProcessSpawner_spawn_Params_get_profile(&p, &t), CAPOS_OK);
		sp_copy(sp.profile, &t);
	}
	CHECK_EQ(capos_ProcessSpawner_spawn_Params_get_grants(&p, &l), CAPOS_OK);
	sp.ngrants = capos_CapGrant_list_len(&l);
	for (uint32_t i = 0; i < sp.ngrants && i < CAPOS_SPAWN_GRANTS_MAX; i++) {
		struct capos_CapGrant_r g = capos_CapGrant_list_get(&l, i);
		struct capos_CapGrant_source_r src = capos_CapGrant_get_source(&g);

		CHECK_EQ(capos_CapGrant_get_name(&g, &t), CAPOS_OK);
		sp_copy(sp.gname[i], &t);
		sp.gheld[i] = capos_CapGrant_source_which(&src) == capos_CapGrant_source_which_held;
		if (sp.gheld[i])
			CHECK_EQ(capos_CapGrant_source_get_held(&src, &sp.gsource[i]), CAPOS_OK);
		else
			sp.gsource[i] = capos_CapGrant_source_get_kernel(&src);
	}
}

int capos_ring_call_xfer(struct capos_ring_client *c, uint32_t cap, uint64_t interface_id,
			 uint16_t method, const void *params, uint32_t params_len,
			 const struct capos_xfer *xfers, uint16_t nxfer, void *result,
			 uint32_t result_cap, struct capos_cqe *out)
{
	(void)c;
	(void)result;
	(void)result_cap;
	sp.calls++;
	SP_EXPECT(cap == 7);
	SP_EXPECT(interface_id == capos_ProcessSpawner_TYPE_ID);
	SP_EXPECT(method == capos_ProcessSpawner_METHOD_spawn);
	SP_EXPECT(nxfer <= CAPOS_SPAWN_GRANTS_MAX);
	sp.nxfer = nxfer;
	memcpy(sp.x, xfers, nxfer * sizeof(*xfers));
	sp_decode(params, params_len);
	memset(out, 0, sizeof(*out));
	return sp.status;
}

int capos_ring_result_cap(const struct capos_cqe *cqe, const void *result, uint32_t result_cap,
			  uint32_t index, uint64_t interface_id, uint32_t *cap)
{
	(void)cqe;
	(void)result;
	(void)result_cap;
	SP_EXPECT(index == 0);
	SP_EXPECT(interface_id == capos_ProcessHandle_TYPE_ID);
	*cap = SP_HANDLE;
	return CAPOS_OK;
}

int capos_ring_call(struct capos_ring_client *c, uint32_t cap, uint64_t interface_id,
		    uint16_t method, const void *params, uint32_t params_len, void *result,
		    uint32_t result_cap, struct capos_cqe *out)
{
	static uint64_t arena[16];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessHandle_wait_Results_b r;
	size_t n = 0;

	(void)c;
	(void)params;
	sp.calls++;
	sp.method = method;
	SP_EXPECT(cap == SP_HANDLE);
	SP_EXPECT(interface_id == capos_ProcessHandle_TYPE_ID);
	SP_EXPECT(params_len == 0);
	if (out)
		memset(out, 0, sizeof(*out));
	if (method == capos_ProcessHandle_METHOD_kill || sp.status)
		return sp.status;
	if (sp.garbage) {
		memset(result, 0xff, 16);
		out->result_len = 16;
		return CAPOS_OK;
	}
	SP_EXPECT(capnp_builder_init(&b, &seg, 1, arena, sizeof(arena)) == CAPOS_OK);
	SP_EXPECT(capos_ProcessHandle_wait_init_results(&b, &r) == CAPOS_OK);
	capos_ProcessHandle_wait_Results_set_exitCode(&r, -1);
	capos_ProcessHandle_wait_Results_set_killed(&r, 1);
	SP_EXPECT(capnp_builder_write_framed(&b, result, result_cap, &n) == CAPOS_OK);
	out->result_len = (uint32_t)n;
	return CAPOS_OK;
}

static void sp_reset(int status)
{
	memset(&sp, 0, sizeof(sp));
	sp.status = status;
}

TEST(spawn_kernel_and_held_grants_in_order)
{
	const struct capos_spawn_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = "mem", .kernel = capos_KernelCapSource_none, .held = 0x11 },
		{ .name = "space", .kernel = capos_KernelCapSource_sharedParkSpace },
		{ .name = "ep", .kernel = capos_KernelCapSource_none, .held = 0x22 },
	};
	const struct capos_spawn_req req = { "parkpeer", "peer", NULL, g, 4, NULL };
	uint32_t h = 0;

	sp_reset(CAPOS_OK);
	CHECK_EQ(capos_spawn(NULL, 7, &req, &h), CAPOS_OK);
	CHECK_UEQ(h, SP_HANDLE);
	CHECK_UEQ(sp.calls, 1);
	CHECK_STREQ(sp.name, "peer");
	CHECK_STREQ(sp.binary, "parkpeer");
	CHECK(!sp.has_profile);
	CHECK_UEQ(sp.ngrants, 4);
	CHECK_STREQ(sp.gname[0], "console");
	CHECK(!sp.gheld[0] && sp.gsource[0] == capos_KernelCapSource_console);
	CHECK_STREQ(sp.gname[1], "mem");
	CHECK(sp.gheld[1] && sp.gsource[1] == 0); /* transfer 0 */
	CHECK(!sp.gheld[2] && sp.gsource[2] == capos_KernelCapSource_sharedParkSpace);
	CHECK(sp.gheld[3] && sp.gsource[3] == 1); /* transfer 1 */
	CHECK_UEQ(sp.nxfer, 2);
	CHECK(sp.x[0].cap == 0x11 && sp.x[0].mode == CAPOS_XFER_COPY);
	CHECK(sp.x[1].cap == 0x22 && sp.x[1].mode == CAPOS_XFER_COPY);
	CHECK_UEQ(sp.bad, 0);
}

TEST(spawn_profile_and_eight_grants)
{
	struct capos_spawn_grant g[CAPOS_SPAWN_GRANTS_MAX];
	const char *names[] = { "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7" };
	uint32_t h = 0;

	for (uint32_t i = 0; i < CAPOS_SPAWN_GRANTS_MAX; i++)
		g[i] = (struct capos_spawn_grant){ .name = names[i],
						   .kernel = capos_KernelCapSource_timer };
	const struct capos_spawn_req req = { "threadtest",	     "role.quota", "threads2", g,
					     CAPOS_SPAWN_GRANTS_MAX, NULL };

	sp_reset(CAPOS_OK);
	CHECK_EQ(capos_spawn(NULL, 7, &req, &h), CAPOS_OK);
	CHECK(sp.has_profile);
	CHECK_STREQ(sp.profile, "threads2");
	CHECK_UEQ(sp.ngrants, CAPOS_SPAWN_GRANTS_MAX);
	CHECK_STREQ(sp.gname[7], "g7");
	CHECK_UEQ(sp.nxfer, 0);
	CHECK_UEQ(sp.bad, 0);
}

TEST(spawn_hostile_requests_send_nothing)
{
	struct capos_spawn_grant g[CAPOS_SPAWN_GRANTS_MAX + 1];
	static char longname[4096];
	uint32_t h = 0x77;

	for (uint32_t i = 0; i <= CAPOS_SPAWN_GRANTS_MAX; i++)
		g[i] = (struct capos_spawn_grant){ .name = "t",
						   .kernel = capos_KernelCapSource_timer };
	const struct capos_spawn_req nine = { "b", "n", NULL, g, CAPOS_SPAWN_GRANTS_MAX + 1, NULL };
	const struct capos_spawn_req nobin = { NULL, "n", NULL, g, 1, NULL };
	const struct capos_spawn_req noname = { "b", NULL, NULL, g, 1, NULL };
	const struct capos_spawn_req nolist = { "b", "n", NULL, NULL, 1, NULL };

	sp_reset(CAPOS_OK);
	CHECK_EQ(capos_spawn(NULL, 7, &nine, &h), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_spawn(NULL, 7, &nobin, &h), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_spawn(NULL, 7, &noname, &h), CAPOS_ERR_INVALID);
	CHECK_EQ(capos_spawn(NULL, 7, &nolist, &h), CAPOS_ERR_INVALID);
	const struct capos_spawn_grant exported = { .name = "ready",
						    .kernel = capos_KernelCapSource_endpoint,
						    .export_iid = 0x1234 };
	const struct capos_spawn_req noexports = { "b", "n", NULL, &exported, 1, NULL };

	CHECK_EQ(capos_spawn(NULL, 7, &noexports, &h), CAPOS_ERR_INVALID);
	memset(longname, 'x', sizeof(longname) - 1);
	const struct capos_spawn_req huge = { "b", longname, NULL, g, 1, NULL };
	int err = capos_spawn(NULL, 7, &huge, &h);

	CHECK(err < 0 && err != CAPOS_ERR_INVALID); /* the arena's builder error */
	CHECK_UEQ(sp.calls, 0);
	CHECK_UEQ(h, 0x77);
}

TEST(spawn_refusal_passes_through)
{
	const struct capos_spawn_req req = { "nosuch", "n", NULL, NULL, 0, NULL };
	uint32_t h = 0x77;

	sp_reset(CAPOS_ERR_NOT_FOUND);
	CHECK_EQ(capos_spawn(NULL, 7, &req, &h), CAPOS_ERR_NOT_FOUND);
	CHECK_UEQ(sp.calls, 1);
	CHECK_UEQ(h, 0x77);
	CHECK_UEQ(sp.bad, 0);
}

TEST(wait_and_kill)
{
	int64_t code = 0;
	int killed = 0;

	sp_reset(CAPOS_OK);
	CHECK_EQ(capos_process_wait(NULL, SP_HANDLE, &code, &killed), CAPOS_OK);
	CHECK(code == -1 && killed == 1);
	CHECK_UEQ(sp.method, capos_ProcessHandle_METHOD_wait);
	CHECK_EQ(capos_process_kill(NULL, SP_HANDLE), CAPOS_OK);
	CHECK_UEQ(sp.method, capos_ProcessHandle_METHOD_kill);
	CHECK_UEQ(sp.calls, 2);
	sp_reset(CAPOS_ERR_CAP_REVOKED);
	code = 5;
	CHECK_EQ(capos_process_wait(NULL, SP_HANDLE, &code, &killed), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(capos_process_kill(NULL, SP_HANDLE), CAPOS_ERR_CAP_REVOKED);
	CHECK(code == 5);
	sp_reset(CAPOS_OK);
	sp.garbage = 1;
	int err = capos_process_wait(NULL, SP_HANDLE, &code, &killed);

	CHECK(err < 0 && err != CAPOS_ERR_INVALID); /* the reader's CAPNP code */
	CHECK(code == 5);
	CHECK_UEQ(sp.bad, 0);
}
