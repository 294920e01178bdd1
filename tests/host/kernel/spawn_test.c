/*
 * Host tests of the spawn request decoder (kernel/cap/spawn_decode.c): a valid
 * request decodes to the expected plan (names, grant kinds, held indices, the image
 * inside the module), and each hostile request fails with its exact typed error:
 * unknown binary, invalid ELF, bad process/grant names, duplicate grant names,
 * oversized grant list, forged or reused held index, unused sent cap, bad modes, a
 * kernel source the spawner cannot create, a named profile, a malformed module.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/elf.h>
#include <kernel/spawn.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

#define ST_MAX_GRANTS 40u

#define ST_REQUIRE(c)                                                                              \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: setup failed: %s\n", __FILE__, __LINE__, #c);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

enum st_kind { ST_KERNEL, ST_HELD, ST_UNSET };

struct st_grant {
	const char *name;
	enum st_kind kind;
	uint16_t mode;
	uint16_t source; /* ST_KERNEL */
	uint32_t held;	 /* ST_HELD */
	uint64_t iid;	 /* interfaceId (facets, endpoint sources) */
};

struct st_spec {
	const char *name, *binary, *profile;
	uint32_t ngrants;
	struct st_grant grants[ST_MAX_GRANTS];
};

static uint8_t *st_elf;
static size_t st_elf_len;
static uint8_t *st_module;
static size_t st_module_len;

static uint8_t *st_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	ST_REQUIRE(f != NULL);
	ST_REQUIRE(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	ST_REQUIRE(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	ST_REQUIRE(buf != NULL);
	ST_REQUIRE(fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint8_t *st_frame(struct capnp_builder *b, size_t *len)
{
	ST_REQUIRE(capnp_builder_error(b) == 0);
	size_t sz = capnp_builder_framed_size(b);
	uint8_t *out = malloc(sz);
	ST_REQUIRE(out != NULL);
	ST_REQUIRE(capnp_builder_write_framed(b, out, sz, len) == 0);
	return out;
}

/* One ResourceProfile of a test module: every field set (0 stays 0, no schema default). */
struct st_profile {
	const char *name;
	uint32_t slots;
	uint64_t frames, virt;
	uint32_t scratch, calls, queue, in_flight, children, threads, weight;
	uint64_t kbytes;
};

static const struct st_profile st_profiles[] = {
	{ "small", 8, 600, 1 << 20, 16384, 3, 5, 6, 2, 1, 4, 4096 },
	{ "noslots", 0, 600, 1 << 20, 16384, 3, 5, 6, 2, 1, 4, 4096 },
	{ "huge", 100000, 1ull << 40, 1ull << 62, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
	  UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT64_MAX },
};

static void st_add_profiles(struct manifest_SystemManifest_b *root, const struct st_profile *p,
			    uint32_t n)
{
	struct manifest_ResourceProfile_blist profs;

	ST_REQUIRE(manifest_SystemManifest_init_resourceProfiles(root, n, &profs) == 0);
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_ResourceProfile_b r =
			manifest_ResourceProfile_list_build(&profs, i);

		ST_REQUIRE(manifest_ResourceProfile_set_name(&r, p[i].name,
							     (uint32_t)strlen(p[i].name)) == 0);
		manifest_ResourceProfile_set_capSlots(&r, p[i].slots);
		manifest_ResourceProfile_set_framePages(&r, p[i].frames);
		manifest_ResourceProfile_set_virtualBytes(&r, p[i].virt);
		manifest_ResourceProfile_set_ringScratchBytes(&r, p[i].scratch);
		manifest_ResourceProfile_set_outstandingCalls(&r, p[i].calls);
		manifest_ResourceProfile_set_endpointQueueDepth(&r, p[i].queue);
		manifest_ResourceProfile_set_endpointInFlight(&r, p[i].in_flight);
		manifest_ResourceProfile_set_childProcesses(&r, p[i].children);
		manifest_ResourceProfile_set_threads(&r, p[i].threads);
		manifest_ResourceProfile_set_maxWeight(&r, p[i].weight);
		manifest_ResourceProfile_set_kernelBytes(&r, p[i].kbytes);
	}
}

/* A module for init's profile: init names `init_profile`; profiles p[0..n). */
static uint8_t *st_init_module(const char *init_profile, const struct st_profile *p, uint32_t n,
			       size_t *len)
{
	static uint64_t arena[1 << 12];
	struct capnp_bseg segs[2];
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	struct manifest_InitConfig_b ic;
	struct manifest_ProcessEntry_b init;

	ST_REQUIRE(capnp_builder_init(&b, segs, 2, arena, sizeof(arena)) == 0);
	ST_REQUIRE(manifest_SystemManifest_build_root(&b, &root) == 0);
	manifest_SystemManifest_set_schemaVersion(&root, 1);
	ST_REQUIRE(manifest_SystemManifest_init_initConfig(&root, &ic) == 0);
	ST_REQUIRE(manifest_InitConfig_init_init(&ic, &init) == 0);
	ST_REQUIRE(manifest_ProcessEntry_set_profile(&init, init_profile,
						     (uint32_t)strlen(init_profile)) == 0);
	if (n)
		st_add_profiles(&root, p, n);
	return st_frame(&b, len);
}

/* A module with binaries "child" (the sample ELF), "junk" (not an ELF), "empty". */
static void st_make_module(void)
{
	static uint64_t arena[1 << 16];
	static const uint8_t junk[128] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	struct capnp_bseg segs[2];
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	struct manifest_Binary_blist bins;

	if (st_module)
		return;
	st_elf = st_read_file(ELF_SAMPLE_PATH, &st_elf_len);
	ST_REQUIRE(capnp_builder_init(&b, segs, 2, arena, sizeof(arena)) == 0);
	ST_REQUIRE(manifest_SystemManifest_build_root(&b, &root) == 0);
	manifest_SystemManifest_set_schemaVersion(&root, 1);
	ST_REQUIRE(manifest_SystemManifest_init_binaries(&root, 3, &bins) == 0);
	struct manifest_Binary_b e = manifest_Binary_list_build(&bins, 0);
	ST_REQUIRE(manifest_Binary_set_name(&e, "child", 5) == 0);
	ST_REQUIRE(manifest_Binary_set_image(&e, st_elf, (uint32_t)st_elf_len) == 0);
	e = manifest_Binary_list_build(&bins, 1);
	ST_REQUIRE(manifest_Binary_set_name(&e, "junk", 4) == 0);
	ST_REQUIRE(manifest_Binary_set_image(&e, junk, sizeof(junk)) == 0);
	e = manifest_Binary_list_build(&bins, 2);
	ST_REQUIRE(manifest_Binary_set_name(&e, "empty", 5) == 0);

	st_add_profiles(&root, st_profiles, 3);
	st_module = st_frame(&b, &st_module_len);
}

static struct st_spec *st_default(void)
{
	static struct st_spec s;

	st_make_module();
	memset(&s, 0, sizeof(s));
	s.name = "worker";
	s.binary = "child";
	s.profile = "";
	s.ngrants = 3;
	s.grants[0] = (struct st_grant){
		"console", ST_KERNEL, capos_TransferMode_copy, capos_KernelCapSource_console, 0, 0
	};
	s.grants[1] = (struct st_grant){ "shared", ST_HELD, capos_TransferMode_copy, 0, 1, 0 };
	s.grants[2] = (struct st_grant){ "moved", ST_HELD, capos_TransferMode_move, 0, 0, 0 };
	return &s;
}

static uint8_t *st_build(const struct st_spec *s, size_t *len)
{
	static uint64_t arena[4096];
	struct capnp_bseg segs[2];
	struct capnp_builder b;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;

	memset(arena, 0, sizeof(arena));
	ST_REQUIRE(capnp_builder_init(&b, segs, 2, arena, sizeof(arena)) == 0);
	ST_REQUIRE(capos_ProcessSpawner_spawn_request(&b, &p) == 0);
	ST_REQUIRE(capos_ProcessSpawner_spawn_Params_set_name(&p, s->name,
							      (uint32_t)strlen(s->name)) == 0);
	ST_REQUIRE(capos_ProcessSpawner_spawn_Params_set_binaryName(
			   &p, s->binary, (uint32_t)strlen(s->binary)) == 0);
	ST_REQUIRE(capos_ProcessSpawner_spawn_Params_set_profile(
			   &p, s->profile, (uint32_t)strlen(s->profile)) == 0);
	ST_REQUIRE(capos_ProcessSpawner_spawn_Params_init_grants(&p, s->ngrants, &list) == 0);
	for (uint32_t i = 0; i < s->ngrants; i++) {
		const struct st_grant *g = &s->grants[i];
		struct capos_CapGrant_b e = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&e);

		ST_REQUIRE(capos_CapGrant_set_name(&e, g->name, (uint32_t)strlen(g->name)) == 0);
		capos_CapGrant_set_mode(&e, (enum capos_TransferMode)g->mode);
		capos_CapGrant_set_interfaceId(&e, g->iid);
		capos_CapGrant_set_badge(&e, g->iid ? 77 : 0);
		if (g->kind == ST_KERNEL)
			capos_CapGrant_source_set_kernel(&src,
							 (enum capos_KernelCapSource)g->source);
		else if (g->kind == ST_HELD)
			ST_REQUIRE(capos_CapGrant_source_set_held(&src, g->held) == 0);
	}
	return st_frame(&b, len);
}

static struct spawn_request st_req;
static struct elf_image st_img;
static struct captab_item st_caps[CAPTAB_TXN_MAX + 1];
static uint32_t st_ncaps = 2;

static void st_reset_caps(void)
{
	static struct kobj objs[CAPTAB_TXN_MAX + 1];

	for (uint32_t i = 0; i <= CAPTAB_TXN_MAX; i++)
		st_caps[i] = (struct captab_item){ .obj = &objs[i],
						   .interface_id = capos_Timer_TYPE_ID,
						   .xfer = CAPTAB_XFER_COPY };
	st_ncaps = 2;
}

static int st_decode(const struct st_spec *s)
{
	size_t len = 0;
	uint8_t *buf = st_build(s, &len);
	struct capnp_segment segs[8];
	const struct capnp_limits lim = { .traversal_words = 1 << 16, .nesting = 32 };
	struct capnp_msg m;
	int st;

	ST_REQUIRE(capnp_msg_init_framed(&m, buf, len, segs, 8, &lim, NULL) == 0);
	st = spawn_decode(&m, st_caps, st_ncaps, st_module, st_module_len, &st_img, &st_req);
	free(buf);
	return st;
}

TEST(spawn_decode_valid)
{
	struct st_spec *s = st_default();

	st_reset_caps();
	CHECK_EQ(st_decode(s), 0);
	CHECK_STREQ(st_req.name, "worker");
	CHECK_UEQ(st_req.ngrants, 3);
	CHECK_STREQ(st_req.grants[0].name, "console");
	CHECK_EQ(st_req.grants[0].kind, SPAWN_GRANT_KERNEL);
	CHECK_EQ(st_req.grants[0].source, capos_KernelCapSource_console);
	CHECK_EQ(st_req.grants[1].kind, SPAWN_GRANT_HELD);
	CHECK_UEQ(st_req.grants[1].held, 1);
	CHECK_EQ(st_req.grants[2].mode, capos_TransferMode_move);
	CHECK_UEQ(st_req.grants[2].held, 0);
	CHECK_UEQ(st_req.image_len, st_elf_len);
	CHECK(st_req.image > st_module &&
	      st_req.image + st_req.image_len <= st_module + st_module_len);
	CHECK_MEMEQ(st_req.image, st_elf, st_elf_len);
}

TEST(spawn_decode_no_grants_and_spawner_source)
{
	struct st_spec *s = st_default();

	st_reset_caps();
	st_ncaps = 0;
	s->ngrants = 0;
	CHECK_EQ(st_decode(s), 0);
	CHECK_UEQ(st_req.ngrants, 0);
	s->ngrants = 1;
	s->grants[0].source = capos_KernelCapSource_processSpawner;
	CHECK_EQ(st_decode(s), 0);
	CHECK_EQ(st_req.grants[0].source, capos_KernelCapSource_processSpawner);
}

TEST(spawn_decode_unknown_binary)
{
	static const char *bad[] = {
		"nope", "", "chil", "child2",
		("a-name-that-is-longer-than-sixty-three-bytes-and-so-can-never-"
		 "be-found")
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct st_spec *s = st_default();

		st_reset_caps();
		s->binary = bad[i];
		CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_UNKNOWN_BINARY);
	}
	struct st_spec *s = st_default();
	s->binary = "empty";
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_UNKNOWN_BINARY);
}

TEST(spawn_decode_invalid_elf)
{
	struct st_spec *s = st_default();

	st_reset_caps();
	s->binary = "junk";
	int st = st_decode(s);
	CHECK(st <= CAPOS_ERR_ELF_BAD_MAGIC && st >= -287);
}

TEST(spawn_decode_process_name)
{
	static const char *bad[] = { "", "sixteen-bytes-xx", "with space", "tab\there" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct st_spec *s = st_default();

		st_reset_caps();
		s->name = bad[i];
		CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_NAME);
	}
	struct st_spec *s = st_default();
	s->name = "fifteen-bytes-x";
	CHECK_EQ(st_decode(s), 0);
	CHECK_STREQ(st_req.name, "fifteen-bytes-x");
}

TEST(spawn_decode_grant_names)
{
	static const char *bad[] = { "", "Console", "con sole", "a/b",
				     "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct st_spec *s = st_default();

		st_reset_caps();
		s->grants[1].name = bad[i];
		CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_GRANT_NAME);
	}
	struct st_spec *s = st_default();
	s->grants[2].name = "console";
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_DUPLICATE_GRANT);
}

TEST(spawn_decode_too_many_grants)
{
	struct st_spec *s = st_default();
	static char names[ST_MAX_GRANTS][8];

	st_reset_caps();
	st_ncaps = 0;
	for (uint32_t i = 0; i < ST_MAX_GRANTS; i++) {
		snprintf(names[i], sizeof(names[i]), "t%u", i);
		s->grants[i] = (struct st_grant){
			names[i], ST_KERNEL, capos_TransferMode_copy, capos_KernelCapSource_timer,
			0,	  0
		};
	}
	s->ngrants = SPAWN_MAX_GRANTS;
	CHECK_EQ(st_decode(s), 0);
	s->ngrants = SPAWN_MAX_GRANTS + 1;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_TOO_MANY_GRANTS);
	st_ncaps = CAPTAB_TXN_MAX + 1;
	s->ngrants = 0;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_TOO_MANY_GRANTS);
}

TEST(spawn_decode_held_indices)
{
	struct st_spec *s = st_default();

	st_reset_caps();
	s->grants[1].held = 2; /* only two caps were sent */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_NOT_HELD);
	s->grants[1].held = 0xFFFFFFFFu;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_NOT_HELD);
	s = st_default();
	s->grants[2].held = 1; /* both grants name cap 1 */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_CAP_REUSED);
	s = st_default();
	s->ngrants = 2; /* cap 0 sent but named by no grant */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_CAP_UNUSED);
	s = st_default();
	s->grants[1].kind = ST_UNSET; /* a null cap pointer names no sent cap */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_NOT_HELD);
}

TEST(spawn_decode_modes)
{
	struct st_spec *s = st_default();

	st_reset_caps();
	s->grants[1].mode = capos_TransferMode_clientFacet;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);
	s->grants[1].mode = 7; /* outside the enum */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);
	s = st_default();
	s->grants[0].mode = capos_TransferMode_move; /* kernel sources are copy */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);
	s = st_default();
	st_caps[1].xfer = CAPTAB_XFER_MOVE; /* move-only cap granted as copy */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);
	s->grants[1].mode = capos_TransferMode_move;
	CHECK_EQ(st_decode(s), 0);
	st_caps[1].xfer = CAPTAB_XFER_NONE;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);
}

TEST(spawn_decode_kernel_sources)
{
	static const uint16_t bad[] = { capos_KernelCapSource_none,
					capos_KernelCapSource_bootPackage, 99 };
	struct st_spec *ok = st_default();

	/* A CapabilityManager acts on its holder's own table: grantable (user/broker). */
	st_reset_caps();
	ok->grants[0].source = capos_KernelCapSource_capabilityManager;
	CHECK_EQ(st_decode(ok), 0);
	/* Park spaces: keyed by the holder's own addresses, or unbound until it binds. */
	st_reset_caps();
	ok->grants[0].source = capos_KernelCapSource_parkSpace;
	CHECK_EQ(st_decode(ok), 0);
	st_reset_caps();
	ok->grants[0].source = capos_KernelCapSource_sharedParkSpace;
	/* Thread caps act on the child's own process: grantable. */
	st_reset_caps();
	ok->grants[0].source = capos_KernelCapSource_threadSpawner;
	CHECK_EQ(st_decode(ok), 0);
	st_reset_caps();
	ok->grants[0].source = capos_KernelCapSource_threadControl;
	CHECK_EQ(st_decode(ok), 0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct st_spec *s = st_default();

		st_reset_caps();
		s->grants[0].source = bad[i];
		CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_SOURCE);
	}
}

/* The limits "small" must decode to: every field as written, all inside the clamps. */
static void st_check_small(const struct proc_limits *l)
{
	CHECK_UEQ(l->limit[LEDGER_CAP_SLOTS], 8);
	CHECK_UEQ(l->limit[LEDGER_FRAMES], 600);
	CHECK_UEQ(l->limit[LEDGER_VIRTUAL], 1 << 20);
	CHECK_UEQ(l->limit[LEDGER_RING_SCRATCH], 16384);
	CHECK_UEQ(l->limit[LEDGER_CALLS], 3);
	CHECK_UEQ(l->limit[LEDGER_CHILDREN], 2);
	CHECK_UEQ(l->limit[LEDGER_THREADS], 1);
	CHECK_UEQ(l->limit[LEDGER_KERNEL_BYTES], 4096);
	CHECK_UEQ(l->ep_queue_depth, 5);
	CHECK_UEQ(l->ep_in_flight, 6);
	CHECK_UEQ(l->max_weight, 4);
}

TEST(spawn_decode_profile)
{
	struct st_spec *s = st_default();

	st_reset_caps();
	CHECK_EQ(st_decode(s), 0);
	CHECK(!st_req.has_profile); /* empty: the parent's limits */
	s->profile = "small";
	CHECK_EQ(st_decode(s), 0);
	CHECK(st_req.has_profile);
	st_check_small(&st_req.limits);
	s->profile = "huge"; /* every field clamped to the kernel's limits */
	CHECK_EQ(st_decode(s), 0);
	const struct proc_limits *l = &st_req.limits;
	CHECK_UEQ(l->limit[LEDGER_CAP_SLOTS], PROFILE_MAX_CAP_SLOTS);
	CHECK_UEQ(l->limit[LEDGER_FRAMES], PROFILE_MAX_FRAMES);
	CHECK_UEQ(l->limit[LEDGER_VIRTUAL], PROFILE_MAX_VIRTUAL);
	CHECK_UEQ(l->limit[LEDGER_RING_SCRATCH], PROFILE_MAX_RING_SCRATCH);
	CHECK_UEQ(l->limit[LEDGER_CALLS], PROFILE_MAX_CALLS);
	CHECK_UEQ(l->limit[LEDGER_CHILDREN], PROFILE_MAX_CHILDREN);
	CHECK_UEQ(l->limit[LEDGER_THREADS], PROFILE_MAX_THREADS);
	CHECK_UEQ(l->limit[LEDGER_KERNEL_BYTES], PROFILE_MAX_KERNEL_BYTES);
	CHECK_UEQ(l->ep_queue_depth, ENDPOINT_QUEUE_MAX);
	CHECK_UEQ(l->ep_in_flight, ENDPOINT_IN_SERVICE_MAX);
	CHECK_UEQ(l->max_weight, PROFILE_MAX_WEIGHT);
	static const char *bad[] = { "default", "smal", "noslots",
				     ("a-profile-name-that-is-longer-than-sixty-three-bytes-and-"
				      "so-refused") };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s->profile = bad[i];
		CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_PROFILE);
	}
}

/* The schema defaults (stored as zero bits, exactly like unset fields), clamped. */
TEST(spawn_profile_schema_defaults)
{
	static const struct st_profile none[] = { { "default", 256, 4096, 1ull << 30, 65536, 64, 64,
						    16, 16, 16, 16, 1048576 } };
	struct proc_limits l;
	size_t len;
	uint8_t *m = st_init_module("", none, 1, &len);

	CHECK_EQ(spawn_find_profile(m, len, "default", 7, &l), 0);
	CHECK_UEQ(l.limit[LEDGER_CAP_SLOTS], 256);
	CHECK_UEQ(l.ep_queue_depth, ENDPOINT_QUEUE_MAX); /* 64 clamped */
	CHECK_UEQ(l.ep_in_flight, 16);
	CHECK_UEQ(l.limit[LEDGER_KERNEL_BYTES], 1048576);
	free(m);
}

/* init: its named profile, else "default", else the kernel defaults; a named
 * profile that is missing is refused. */
TEST(spawn_init_profile_rules)
{
	struct proc_limits l, want;
	size_t len;
	uint8_t *m = st_init_module("small", st_profiles, 3, &len);

	CHECK_EQ(spawn_init_profile(m, len, &l), 0);
	st_check_small(&l);
	free(m);
	m = st_init_module("missing", st_profiles, 3, &len);
	CHECK_EQ(spawn_init_profile(m, len, &l), CAPOS_ERR_SPAWN_PROFILE);
	free(m);
	m = st_init_module("noslots", st_profiles, 3, &len);
	CHECK_EQ(spawn_init_profile(m, len, &l), CAPOS_ERR_SPAWN_PROFILE);
	free(m);
	static const struct st_profile dflt[] = { { "default", 8, 600, 1 << 20, 16384, 3, 5, 6, 2,
						    1, 4, 4096 } };
	m = st_init_module("", dflt, 1, &len);
	CHECK_EQ(spawn_init_profile(m, len, &l), 0);
	st_check_small(&l); /* same values under the name "default" */
	free(m);
	m = st_init_module("", st_profiles, 3, &len); /* no "default": the kernel's */
	CHECK_EQ(spawn_init_profile(m, len, &l), 0);
	profile_defaults(&want);
	CHECK(memcmp(&l, &want, sizeof(l)) == 0);
	CHECK_UEQ(l.limit[LEDGER_FRAMES], PROFILE_DEFAULT_FRAMES);
	CHECK_UEQ(l.limit[LEDGER_CAP_SLOTS], PROFILE_DEFAULT_CAP_SLOTS);
	free(m);
	static const uint8_t garbage[16] = { 0xff, 0xff, 0xff, 0xff };
	CHECK(spawn_init_profile(garbage, sizeof(garbage), &l) < 0);
}

/* An empty profile inherits every limit of the parent's ledger; applying limits to a
 * fresh ledger sets exactly those. */
TEST(spawn_profile_inherit_apply)
{
	struct proc_limits a, b;
	struct ledger parent = { 0 }, child = { 0 };
	size_t len;
	uint8_t *m = st_init_module("small", st_profiles, 3, &len);

	CHECK_EQ(spawn_init_profile(m, len, &a), 0);
	profile_apply(&a, &parent);
	CHECK_UEQ(parent.limit[LEDGER_CALLS], 3);
	CHECK_UEQ(parent.ep_queue_depth, 5);
	profile_inherit(&parent, &b);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	profile_apply(&b, &child);
	CHECK(memcmp(child.limit, parent.limit, sizeof(child.limit)) == 0);
	CHECK_UEQ(child.max_weight, 4);
	CHECK_UEQ(child.used[LEDGER_CALLS], 0);
	free(m);
}

TEST(spawn_find_binary_hostile_module)
{
	const uint8_t *img = NULL;
	uint64_t len = 0;
	static const uint8_t garbage[64] = { 0xff, 0xff, 0xff, 0xff };

	st_make_module();
	CHECK_EQ(spawn_find_binary(st_module, st_module_len, "child", 5, &img, &len), 0);
	CHECK_UEQ(len, st_elf_len);
	CHECK(spawn_find_binary(garbage, sizeof(garbage), "child", 5, &img, &len) < 0);
	CHECK(spawn_find_binary(st_module, st_module_len - 8, "child", 5, &img, &len) < 0);
	CHECK_EQ(spawn_find_binary(st_module, st_module_len, "child", 0, &img, &len),
		 CAPOS_ERR_SPAWN_UNKNOWN_BINARY);
}

TEST(spawn_decode_endpoint_exports)
{
	struct st_spec *s = st_default();
	static char names[8][8];

	st_reset_caps();
	s->grants[0] = (struct st_grant){ "svc",
					  ST_KERNEL,
					  capos_TransferMode_copy,
					  capos_KernelCapSource_endpoint,
					  0,
					  capos_Console_TYPE_ID };
	CHECK_EQ(st_decode(s), 0);
	CHECK_UEQ(st_req.nexports, 1);
	CHECK_UEQ(st_req.grants[0].interface_id, capos_Console_TYPE_ID);
	CHECK_UEQ(st_req.grants[0].badge, 77);
	s->grants[0].iid = 0;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_FACET_INTERFACE);
	s->grants[0].iid = capos_Endpoint_TYPE_ID;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_FACET_INTERFACE);
	s->grants[0].iid = capos_Console_TYPE_ID;
	s->grants[0].mode = capos_TransferMode_clientFacet;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);

	s = st_default();
	st_ncaps = 0;
	s->ngrants = 0;
	for (uint32_t i = 0; i <= SPAWN_MAX_EXPORTS; i++) {
		snprintf(names[i], sizeof(names[i]), "ep%u", i);
		s->grants[s->ngrants++] = (struct st_grant){ names[i],
							     ST_KERNEL,
							     capos_TransferMode_copy,
							     capos_KernelCapSource_endpoint,
							     0,
							     capos_Timer_TYPE_ID };
	}
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS);
	s->ngrants = SPAWN_MAX_EXPORTS;
	CHECK_EQ(st_decode(s), 0);
	CHECK_UEQ(st_req.nexports, SPAWN_MAX_EXPORTS);
}

TEST(spawn_decode_client_facet)
{
	static struct kobj raw = { .type = KOBJ_ENDPOINT };
	static struct kobj facet = { .type = KOBJ_ENDPOINT_CLIENT };
	struct st_spec *s = st_default();

	st_reset_caps();
	st_caps[1] = (struct captab_item){ .obj = &raw,
					   .interface_id = capos_Endpoint_TYPE_ID,
					   .xfer = CAPTAB_XFER_COPY };
	s->grants[1] = (struct st_grant){ "svc", ST_HELD, capos_TransferMode_clientFacet,
					  0,	 1,	  capos_Console_TYPE_ID };
	CHECK_EQ(st_decode(s), 0);
	CHECK_EQ(st_req.grants[1].kind, SPAWN_GRANT_FACET);
	CHECK_UEQ(st_req.grants[1].held, 1);
	CHECK_UEQ(st_req.grants[1].interface_id, capos_Console_TYPE_ID);
	CHECK_UEQ(st_req.nexports, 0);
	s->grants[1].iid = capos_Endpoint_TYPE_ID;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_FACET_INTERFACE);
	s->grants[1].iid = capos_Console_TYPE_ID;
	/* an unbadged facet: minted into a badged copy of itself */
	st_caps[1].obj = &facet;
	st_caps[1].interface_id = capos_Console_TYPE_ID;
	CHECK_EQ(st_decode(s), 0);
	CHECK_EQ(st_req.grants[1].kind, SPAWN_GRANT_MINT);
	CHECK_UEQ(st_req.grants[1].held, 1);
	/* hostile twins: re-typing, re-badging, a non-copyable facet, a facet's own type
	 * under Endpoint's id */
	s->grants[1].iid = capos_Timer_TYPE_ID;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_FACET_INTERFACE);
	s->grants[1].iid = capos_Console_TYPE_ID;
	st_caps[1].badge = 5;
	CHECK_EQ(st_decode(s), CAPOS_ERR_FACET_BADGED);
	st_caps[1].badge = 0;
	st_caps[1].xfer = CAPTAB_XFER_NONE;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);
	st_caps[1].xfer = CAPTAB_XFER_COPY;
	st_caps[1].interface_id = capos_Endpoint_TYPE_ID; /* named like a raw one */
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_FACET_INTERFACE);
	st_caps[1].obj = &raw; /* a raw endpoint under a served id is no raw endpoint */
	st_caps[1].interface_id = capos_Console_TYPE_ID;
	CHECK_EQ(st_decode(s), CAPOS_ERR_SPAWN_BAD_MODE);
}

/* spawn_check_modes: each held grant's mode against its descriptor's (copy grant:
 * COPY, move grant: MOVE, clientFacet: COPY); kernel grants are not checked. */
TEST(spawn_check_modes_descriptor_agreement)
{
	static struct spawn_request r;
	uint8_t move[3] = { 0, 1, 0 };

	memset(&r, 0, sizeof(r));
	r.ngrants = 4;
	r.grants[0] =
		(struct spawn_grant){ .kind = SPAWN_GRANT_KERNEL, .mode = capos_TransferMode_copy };
	r.grants[1] = (struct spawn_grant){ .kind = SPAWN_GRANT_HELD,
					    .mode = capos_TransferMode_copy,
					    .held = 0 };
	r.grants[2] = (struct spawn_grant){ .kind = SPAWN_GRANT_HELD,
					    .mode = capos_TransferMode_move,
					    .held = 1 };
	r.grants[3] = (struct spawn_grant){ .kind = SPAWN_GRANT_FACET,
					    .mode = capos_TransferMode_clientFacet,
					    .held = 2 };
	CHECK_EQ(spawn_check_modes(&r, move, 3), CAPOS_OK);
	move[0] = 1; /* copy grant, MOVE descriptor */
	CHECK_EQ(spawn_check_modes(&r, move, 3), CAPOS_ERR_SPAWN_MODE_MISMATCH);
	move[0] = 0;
	move[1] = 0; /* move grant, COPY descriptor */
	CHECK_EQ(spawn_check_modes(&r, move, 3), CAPOS_ERR_SPAWN_MODE_MISMATCH);
	move[1] = 1;
	move[2] = 1; /* clientFacet, MOVE descriptor: the parent would lose its endpoint */
	CHECK_EQ(spawn_check_modes(&r, move, 3), CAPOS_ERR_SPAWN_MODE_MISMATCH);
	move[2] = 0;
	CHECK_EQ(spawn_check_modes(&r, move, 2), CAPOS_ERR_SPAWN_NOT_HELD);
	CHECK_EQ(spawn_check_modes(&r, NULL, 3), CAPOS_ERR_SPAWN_NOT_HELD);
	r.ngrants = 1; /* kernel grants only: nothing sent, nothing to check */
	CHECK_EQ(spawn_check_modes(&r, NULL, 0), CAPOS_OK);
}
