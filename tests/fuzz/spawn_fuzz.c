/*
 * libFuzzer target for the spawn request decoder (kernel/cap/spawn_decode.c). The boot
 * module is the spawn test manifest (path in SPAWN_FUZZ_MODULE, read once). Each input
 * is either (first byte even) a recipe the target turns into a well-framed spawn
 * request with the generated builders — names, binary, profile, grants with any kind,
 * mode, held index, kernel source and interface id — so the decoder's semantic checks
 * are explored, or (first byte odd) raw bytes taken as the framed params message, so
 * its reader paths are. The low bits of the second byte pick how many caps were "sent"
 * and of which kind (plain copyable, move-only, raw endpoint).
 *
 * Properties (abort on violation): a success yields a valid process name, at most
 * SPAWN_MAX_GRANTS grants with valid, unique names, held indices below the sent count,
 * each sent cap named exactly once, at most SPAWN_MAX_EXPORTS exports, kernel grants of
 * allowed sources in copy mode, facets only of raw endpoints with a proper interface,
 * profile limits within the clamps and an image wholly inside the module; a failure is
 * a known negative code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/elf.h>
#include <kernel/spawn.h>
#include <schema/capos.capnp.h>

static uint8_t *module;
static size_t module_len;
static struct spawn_request req;
static struct elf_image img;
static struct kobj objs[CAPTAB_TXN_MAX];
static struct captab_item caps[CAPTAB_TXN_MAX];
static uint64_t arena[8192];
static uint64_t framed[8193];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("SPAWN_FUZZ_MODULE");
	FILE *f = path ? fopen(path, "rb") : NULL;

	(void)argc;
	(void)argv;
	if (!f || fseek(f, 0, SEEK_END) != 0)
		abort();
	long n = ftell(f);
	rewind(f);
	module = malloc((size_t)n);
	if (n <= 0 || !module || fread(module, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	module_len = (size_t)n;
	return 0;
}

/* A byte cursor over the recipe; reads past the end give zeros. */
struct cur {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct cur *c)
{
	if (c->n == 0)
		return 0;
	c->n--;
	return *c->p++;
}

static const char *const names[] = { "console", "t",   "svc", "Bad",	    "",
				     "x.y-z_1", "dup", "a b", "spawnchild", "init" };
static const char *const binaries[] = { "spawnchild", "spawntest", "nosuch", "" };
static const char *const profiles[] = { "", "tiny", "starved", "roomy", "gold" };
static const uint64_t iids[] = { 0, capos_Console_TYPE_ID, capos_Endpoint_TYPE_ID, 1 };

static size_t pick(struct cur *c, size_t n)
{
	return take(c) % n;
}

static void set_text(int (*set)(const struct capos_ProcessSpawner_spawn_Params_b *, const char *,
				uint32_t),
		     const struct capos_ProcessSpawner_spawn_Params_b *p, const char *s)
{
	(void)set(p, s, (uint32_t)strlen(s));
}

/* Builds the request the recipe describes into framed[]; its length, 0 on failure. */
static size_t build(struct cur *c)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	size_t n = 0;

	if (capnp_builder_init(&b, &seg, 1, arena, sizeof(arena)) ||
	    capos_ProcessSpawner_spawn_request(&b, &p))
		return 0;
	set_text(capos_ProcessSpawner_spawn_Params_set_name, &p, names[pick(c, 10)]);
	set_text(capos_ProcessSpawner_spawn_Params_set_binaryName, &p, binaries[pick(c, 4)]);
	set_text(capos_ProcessSpawner_spawn_Params_set_profile, &p, profiles[pick(c, 5)]);
	uint32_t ng = take(c) % 40;
	if (capos_ProcessSpawner_spawn_Params_init_grants(&p, ng, &list))
		return 0;
	for (uint32_t i = 0; i < ng; i++) {
		struct capos_CapGrant_b g = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);
		uint8_t k = take(c);

		(void)capos_CapGrant_set_name(&g, names[k % 10], (uint32_t)strlen(names[k % 10]));
		capos_CapGrant_set_mode(&g, (enum capos_TransferMode)(take(c) % 4));
		capos_CapGrant_set_interfaceId(&g, iids[pick(c, 4)]);
		capos_CapGrant_set_badge(&g, take(c));
		if (k & 0x80)
			capos_CapGrant_source_set_kernel(
				&src, (enum capos_KernelCapSource)(take(c) % 14));
		else
			(void)capos_CapGrant_source_set_held(&src, take(c) % 20);
	}
	if (capnp_builder_error(&b) || capnp_builder_write_framed(&b, framed, sizeof(framed), &n))
		return 0;
	return n;
}

static int name_ok(const char *s, uint32_t len, uint32_t max)
{
	return len > 0 && len <= max && strlen(s) == len;
}

/* A named profile's limits: frames and slots non-zero, every value within its clamp. */
static bool limits_ok(const struct proc_limits *l)
{
	struct proc_limits c = *l;

	profile_clamp(&c);
	return l->limit[LEDGER_FRAMES] != 0 && l->limit[LEDGER_CAP_SLOTS] != 0 &&
	       __builtin_memcmp(&c, l, sizeof(c)) == 0;
}

static void check_ok(uint32_t ncaps)
{
	uint32_t used = 0, exports = 0;

	if (!name_ok(req.name, (uint32_t)strlen(req.name), SPAWN_NAME_MAX))
		abort();
	if (req.ngrants > SPAWN_MAX_GRANTS || !req.image || req.image < module ||
	    req.image_len > (size_t)(module + module_len - req.image))
		abort();
	if (req.has_profile && !limits_ok(&req.limits))
		abort();
	for (uint32_t i = 0; i < req.ngrants; i++) {
		const struct spawn_grant *g = &req.grants[i];

		if (!name_ok(g->name, g->name_len, SPAWN_GRANT_NAME_MAX))
			abort();
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(req.grants[j].name, g->name))
				abort();
		if (g->kind == SPAWN_GRANT_KERNEL) {
			if (g->mode != capos_TransferMode_copy)
				abort();
			exports += g->source == capos_KernelCapSource_endpoint;
			continue;
		}
		if (g->held >= ncaps || (used & (1u << g->held)))
			abort();
		used |= 1u << g->held;
		if (g->kind == SPAWN_GRANT_FACET &&
		    (caps[g->held].obj->type != KOBJ_ENDPOINT || g->interface_id == 0 ||
		     g->interface_id == capos_Endpoint_TYPE_ID))
			abort();
		if (g->kind == SPAWN_GRANT_HELD && g->mode == capos_TransferMode_copy &&
		    caps[g->held].xfer != CAPTAB_XFER_COPY)
			abort();
	}
	if (used != (ncaps ? (uint32_t)((1ull << ncaps) - 1) : 0) || exports != req.nexports ||
	    exports > SPAWN_MAX_EXPORTS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };
	uint8_t mode = take(&c), capsel = take(&c);
	uint32_t ncaps = capsel % (CAPTAB_TXN_MAX + 1);
	struct capnp_segment segs[8];
	const struct capnp_limits lim = { .traversal_words = 1 << 16, .nesting = 32 };
	struct capnp_msg m;
	size_t len;

	for (uint32_t i = 0; i < CAPTAB_TXN_MAX; i++) {
		uint8_t kind = (uint8_t)((capsel >> 5) + i) % 3;

		objs[i].type = kind == 2 ? KOBJ_ENDPOINT : KOBJ_TIMER;
		caps[i] = (struct captab_item){
			.obj = &objs[i],
			.interface_id = kind == 2 ? capos_Endpoint_TYPE_ID : capos_Timer_TYPE_ID,
			.xfer = kind == 1 ? CAPTAB_XFER_MOVE : CAPTAB_XFER_COPY
		};
	}
	if (mode & 1) {
		len = c.n < sizeof(framed) ? c.n : sizeof(framed);
		memcpy(framed, c.p, len);
	} else {
		len = build(&c);
	}
	if (len == 0 || capnp_msg_init_framed(&m, framed, len, segs, 8, &lim, NULL))
		return 0;
	int st = spawn_decode(&m, caps, ncaps, module, module_len, &img, &req);
	if (st == 0)
		check_ok(ncaps);
	else if (st > 0 || !strcmp(capos_error_name(st), "unknown"))
		abort();
	return 0;
}
