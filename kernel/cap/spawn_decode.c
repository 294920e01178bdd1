/*
 * Decode step of ProcessSpawner.spawn (contract in kernel/include/kernel/spawn.h):
 * every field of the request and every cap sent with it is checked, and the binary is
 * found in the boot module and validated as an ELF, before anything is created. Pure:
 * no allocation, no globals, no kernel services, so the host tests drive it with
 * messages built by the generated accessors.
 */
#include <kernel/spawn.h>

#include <capos/error.h>
#include <kernel/elf.h>
#include <kernel/manifest.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

static bool spawn_text_eq(const struct capnp_text *t, const char *s, uint32_t len)
{
	return t->len == len && __builtin_memcmp(t->str, s, len) == 0;
}

/* The boot module opened under the manifest decoder's bounds. */
struct spawn_module {
	struct capnp_segment segs[KMANIFEST_MAX_SEGMENTS];
	struct capnp_msg msg;
	struct manifest_SystemManifest_r root;
};

static int spawn_open_module(const void *module, uint64_t module_len, struct spawn_module *m)
{
	struct capnp_limits lim = {
		.traversal_words = module_len / CAPNP_WORD + KMANIFEST_TRAVERSAL_SLACK_WORDS,
		.nesting = KMANIFEST_NESTING,
	};
	int st;

	if (module_len > KMANIFEST_MAX_MODULE_BYTES)
		return CAPOS_ERR_MANIFEST_TOO_LARGE;
	st = capnp_msg_init_framed(&m->msg, module, module_len, m->segs, KMANIFEST_MAX_SEGMENTS,
				   &lim, NULL);
	return st ? st : manifest_SystemManifest_read_root(&m->msg, &m->root);
}

/* Every field of profile r into *out, clamped. 0 frames or 0 slots: unusable. */
static int spawn_profile_read(const struct manifest_ResourceProfile_r *r, struct proc_limits *out)
{
	*out = (struct proc_limits){
		.limit = {
			[LEDGER_CAP_SLOTS] = manifest_ResourceProfile_get_capSlots(r),
			[LEDGER_FRAMES] = manifest_ResourceProfile_get_framePages(r),
			[LEDGER_VIRTUAL] = manifest_ResourceProfile_get_virtualBytes(r),
			[LEDGER_RING_SCRATCH] = manifest_ResourceProfile_get_ringScratchBytes(r),
			[LEDGER_CALLS] = manifest_ResourceProfile_get_outstandingCalls(r),
			[LEDGER_CHILDREN] = manifest_ResourceProfile_get_childProcesses(r),
			[LEDGER_THREADS] = manifest_ResourceProfile_get_threads(r),
			[LEDGER_KERNEL_BYTES] = manifest_ResourceProfile_get_kernelBytes(r),
		},
		.ep_queue_depth = manifest_ResourceProfile_get_endpointQueueDepth(r),
		.ep_in_flight = manifest_ResourceProfile_get_endpointInFlight(r),
		.max_weight = manifest_ResourceProfile_get_maxWeight(r),
	};
	if (out->limit[LEDGER_FRAMES] == 0 || out->limit[LEDGER_CAP_SLOTS] == 0)
		return CAPOS_ERR_SPAWN_PROFILE; /* could not even load a binary */
	profile_clamp(out);
	return CAPOS_OK;
}

/* The profile called name[0..len) of an opened module. */
static int spawn_module_profile(struct spawn_module *m, const char *name, uint32_t len,
				struct proc_limits *out)
{
	struct manifest_ResourceProfile_rlist list;
	int st = manifest_SystemManifest_get_resourceProfiles(&m->root, &list);

	if (st)
		return st;
	uint32_t n = manifest_ResourceProfile_list_len(&list);
	if (n > SPAWN_MAX_PROFILES)
		return CAPOS_ERR_SPAWN_PROFILE; /* more than the kernel reads: refuse, never guess */
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_ResourceProfile_r r = manifest_ResourceProfile_list_get(&list, i);
		struct capnp_text t;

		st = manifest_ResourceProfile_get_name(&r, &t);
		if (st)
			return st;
		if (spawn_text_eq(&t, name, len))
			return spawn_profile_read(&r, out);
	}
	return CAPOS_ERR_SPAWN_PROFILE;
}

int spawn_find_profile(const void *module, uint64_t module_len, const char *name, uint32_t len,
		       struct proc_limits *out)
{
	struct spawn_module m;
	int st = spawn_open_module(module, module_len, &m);

	return st ? st : spawn_module_profile(&m, name, len, out);
}

int spawn_init_profile(const void *module, uint64_t module_len, struct proc_limits *out)
{
	static const char dflt[] = "default";
	struct manifest_InitConfig_r ic;
	struct manifest_ProcessEntry_r init;
	struct capnp_text name;
	struct spawn_module m;
	int st = spawn_open_module(module, module_len, &m);

	if (!st)
		st = manifest_SystemManifest_get_initConfig(&m.root, &ic);
	if (!st)
		st = manifest_InitConfig_get_init(&ic, &init);
	if (!st)
		st = manifest_ProcessEntry_get_profile(&init, &name);
	if (st)
		return st;
	if (name.len != 0)
		return spawn_module_profile(&m, name.str, name.len, out);
	st = spawn_module_profile(&m, dflt, sizeof(dflt) - 1, out);
	if (st == CAPOS_ERR_SPAWN_PROFILE)
		profile_defaults(out); /* no "default" profile: the kernel's */
	return st == CAPOS_ERR_SPAWN_PROFILE ? CAPOS_OK : st;
}

int spawn_find_binary(const void *module, uint64_t module_len, const char *name, uint32_t len,
		      const uint8_t **image, uint64_t *image_len)
{
	struct manifest_Binary_rlist bins;
	struct spawn_module m;
	int st;

	if (len == 0 || len > SPAWN_BINARY_NAME_MAX)
		return CAPOS_ERR_SPAWN_UNKNOWN_BINARY;
	st = spawn_open_module(module, module_len, &m);
	if (!st)
		st = manifest_SystemManifest_get_binaries(&m.root, &bins);
	if (st)
		return st;
	uint32_t n = manifest_Binary_list_len(&bins);
	if (n > KMANIFEST_MAX_BINARIES)
		return CAPOS_ERR_MANIFEST_TOO_MANY_BINARIES;
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_Binary_r b = manifest_Binary_list_get(&bins, i);
		struct capnp_text t;
		struct capnp_data img;

		st = manifest_Binary_get_name(&b, &t);
		if (st)
			return st;
		if (!spawn_text_eq(&t, name, len))
			continue;
		st = manifest_Binary_get_image(&b, &img);
		if (st)
			return st;
		if (img.len == 0)
			return CAPOS_ERR_SPAWN_UNKNOWN_BINARY;
		*image = img.ptr;
		*image_len = img.len;
		return CAPOS_OK;
	}
	return CAPOS_ERR_SPAWN_UNKNOWN_BINARY;
}

/* A process name: 1..SPAWN_NAME_MAX printable ASCII bytes, no space. */
static int spawn_decode_name(const struct capnp_text *t, struct spawn_request *req)
{
	if (t->len == 0 || t->len > SPAWN_NAME_MAX)
		return CAPOS_ERR_SPAWN_NAME;
	for (uint32_t i = 0; i < t->len; i++) {
		if (t->str[i] <= ' ' || t->str[i] > '~')
			return CAPOS_ERR_SPAWN_NAME;
	}
	__builtin_memcpy(req->name, t->str, t->len);
	req->name[t->len] = '\0';
	return CAPOS_OK;
}

/* The CapSet name rule (kernel/cap/capset.c): 1..47 bytes of [a-z0-9._-]. */
static bool spawn_grant_name_ok(const struct capnp_text *t)
{
	if (t->len == 0 || t->len > SPAWN_GRANT_NAME_MAX)
		return false;
	for (uint32_t i = 0; i < t->len; i++) {
		char c = t->str[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Kernel sources a spawn may create fresh for the child. */
static bool spawn_kernel_source_ok(uint16_t source)
{
	switch (source) {
	case capos_KernelCapSource_console:
	case capos_KernelCapSource_timer:
	case capos_KernelCapSource_virtualMemory:
	case capos_KernelCapSource_processSpawner:
	case capos_KernelCapSource_endpoint:
	case capos_KernelCapSource_frameAllocator:
	case capos_KernelCapSource_terminal:
	case capos_KernelCapSource_capabilityManager: /* acts on the holder's own table */
	case capos_KernelCapSource_entropySource:
	case capos_KernelCapSource_systemStatus:
	case capos_KernelCapSource_systemControl: /* the spawner is the authority (docs/entropy.md) */
	case capos_KernelCapSource_threadSpawner: /* threads of the child's own process */
	case capos_KernelCapSource_threadControl:
	case capos_KernelCapSource_parkSpace:	    /* keyed by the holder's own addresses */
	case capos_KernelCapSource_sharedParkSpace: /* unbound: useless without a MemoryObject */
		return true;
	default:
		return false;
	}
}

/* The interface a facet is granted as: any but none and Endpoint's own. */
static bool spawn_facet_interface_ok(uint64_t iid)
{
	return iid != 0 && iid != capos_Endpoint_TYPE_ID;
}

/*
 * A clientFacet grant of the sent cap `in`: a new facet of a raw endpoint
 * (SPAWN_GRANT_FACET), or a copy of an unbadged client facet carrying g's badge
 * (SPAWN_GRANT_MINT). The mint rule is seL4's: only an unbadged facet may be given a
 * badge, and a badged one is never re-badged (its holder could otherwise pose as
 * another client); the copy keeps the facet's interface (no re-typing).
 */
static int spawn_decode_facet(const struct captab_item *in, struct spawn_grant *g)
{
	bool raw = in->obj && in->obj->type == KOBJ_ENDPOINT &&
		   in->interface_id == capos_Endpoint_TYPE_ID;
	bool facet =
		in->obj && in->obj->type == KOBJ_ENDPOINT_CLIENT && in->xfer == CAPTAB_XFER_COPY;

	if (!raw && !facet)
		return CAPOS_ERR_SPAWN_BAD_MODE; /* only endpoints and their facets have facets */
	if (!spawn_facet_interface_ok(g->interface_id) ||
	    (facet && g->interface_id != in->interface_id))
		return CAPOS_ERR_SPAWN_FACET_INTERFACE;
	if (facet && in->badge != 0)
		return CAPOS_ERR_FACET_BADGED;
	g->kind = raw ? SPAWN_GRANT_FACET : SPAWN_GRANT_MINT;
	return CAPOS_OK;
}

/* A held grant: the index names an unused sent cap that permits the mode. */
static int spawn_decode_held(const struct capos_CapGrant_source_r *src,
			     const struct captab_item *caps_in, uint32_t ncaps_in, uint32_t *used,
			     struct spawn_grant *g)
{
	uint32_t idx;
	int st = capos_CapGrant_source_get_held(src, &idx);

	if (st)
		return st;
	if (idx >= ncaps_in)
		return CAPOS_ERR_SPAWN_NOT_HELD;
	if (used[idx / 32] & (1u << (idx % 32)))
		return CAPOS_ERR_SPAWN_CAP_REUSED;
	if (g->mode == capos_TransferMode_clientFacet) {
		int err = spawn_decode_facet(&caps_in[idx], g);

		if (err)
			return err;
		used[idx / 32] |= 1u << (idx % 32);
		g->held = idx;
		return CAPOS_OK;
	}
	if (g->mode == capos_TransferMode_copy && caps_in[idx].xfer != CAPTAB_XFER_COPY)
		return CAPOS_ERR_SPAWN_BAD_MODE;
	if (caps_in[idx].xfer != CAPTAB_XFER_COPY && caps_in[idx].xfer != CAPTAB_XFER_MOVE)
		return CAPOS_ERR_SPAWN_BAD_MODE;
	used[idx / 32] |= 1u << (idx % 32);
	g->kind = SPAWN_GRANT_HELD;
	g->held = idx;
	return CAPOS_OK;
}

static int spawn_decode_grant(const struct capos_CapGrant_rlist *list, uint32_t i,
			      const struct captab_item *caps_in, uint32_t ncaps_in, uint32_t *used,
			      struct spawn_request *req)
{
	struct capos_CapGrant_r r = capos_CapGrant_list_get(list, i);
	struct spawn_grant *g = &req->grants[i];
	struct capnp_text t;
	int st = capos_CapGrant_get_name(&r, &t);

	if (st)
		return st;
	if (!spawn_grant_name_ok(&t))
		return CAPOS_ERR_SPAWN_GRANT_NAME;
	for (uint32_t j = 0; j < i; j++) {
		if (spawn_text_eq(&t, req->grants[j].name, req->grants[j].name_len))
			return CAPOS_ERR_SPAWN_DUPLICATE_GRANT;
	}
	__builtin_memcpy(g->name, t.str, t.len);
	g->name[t.len] = '\0';
	g->name_len = t.len;
	g->mode = (uint8_t)capos_CapGrant_get_mode(&r);
	if (g->mode >= capos_TransferMode_COUNT)
		return CAPOS_ERR_SPAWN_BAD_MODE;
	g->interface_id = capos_CapGrant_get_interfaceId(&r);
	g->badge = capos_CapGrant_get_badge(&r);

	struct capos_CapGrant_source_r src = capos_CapGrant_get_source(&r);
	switch (capos_CapGrant_source_which(&src)) {
	case capos_CapGrant_source_which_held:
		return spawn_decode_held(&src, caps_in, ncaps_in, used, g);
	case capos_CapGrant_source_which_kernel:
		g->kind = SPAWN_GRANT_KERNEL;
		g->source = (uint16_t)capos_CapGrant_source_get_kernel(&src);
		if (!spawn_kernel_source_ok(g->source))
			return CAPOS_ERR_SPAWN_BAD_SOURCE;
		if (g->mode != capos_TransferMode_copy)
			return CAPOS_ERR_SPAWN_BAD_MODE;
		if (g->source != capos_KernelCapSource_endpoint)
			return CAPOS_OK;
		if (!spawn_facet_interface_ok(g->interface_id))
			return CAPOS_ERR_SPAWN_FACET_INTERFACE;
		if (req->nexports >= SPAWN_MAX_EXPORTS)
			return CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS;
		req->nexports++;
		return CAPOS_OK;
	default:
		return CAPOS_ERR_SPAWN_BAD_SOURCE;
	}
}

static int spawn_decode_grants(const struct capos_ProcessSpawner_spawn_Params_r *p,
			       const struct captab_item *caps_in, uint32_t ncaps_in,
			       struct spawn_request *req)
{
	uint32_t used[(CAPTAB_TXN_MAX + 31) / 32] = { 0 };
	struct capos_CapGrant_rlist list;
	int st = capos_ProcessSpawner_spawn_Params_get_grants(p, &list);

	if (st)
		return st;
	if (ncaps_in > CAPTAB_TXN_MAX)
		return CAPOS_ERR_SPAWN_TOO_MANY_GRANTS; /* kcall never sends more */
	uint32_t n = capos_CapGrant_list_len(&list);
	if (n > SPAWN_MAX_GRANTS)
		return CAPOS_ERR_SPAWN_TOO_MANY_GRANTS;
	for (uint32_t i = 0; i < n; i++) {
		st = spawn_decode_grant(&list, i, caps_in, ncaps_in, used, req);
		if (st)
			return st;
	}
	for (uint32_t i = 0; i < ncaps_in; i++) {
		if (!(used[i / 32] & (1u << (i % 32))))
			return CAPOS_ERR_SPAWN_CAP_UNUSED;
	}
	req->ngrants = n;
	return CAPOS_OK;
}

int spawn_decode(struct capnp_msg *params, const struct captab_item *caps_in, uint32_t ncaps_in,
		 const void *module, uint64_t module_len, struct elf_image *elf_scratch,
		 struct spawn_request *req)
{
	struct capos_ProcessSpawner_spawn_Params_r p;
	struct capnp_text name, profile, bin;
	int st = capos_ProcessSpawner_spawn_read_params(params, &p);

	req->ngrants = 0;
	req->nexports = 0;
	if (!st)
		st = capos_ProcessSpawner_spawn_Params_get_name(&p, &name);
	if (!st)
		st = spawn_decode_name(&name, req);
	if (!st)
		st = capos_ProcessSpawner_spawn_Params_get_profile(&p, &profile);
	req->has_profile = !st && profile.len != 0;
	if (req->has_profile)
		st = profile.len > SPAWN_BINARY_NAME_MAX
			     ? CAPOS_ERR_SPAWN_PROFILE
			     : spawn_find_profile(module, module_len, profile.str, profile.len,
						  &req->limits);
	if (!st)
		st = spawn_decode_grants(&p, caps_in, ncaps_in, req);
	if (!st)
		st = capos_ProcessSpawner_spawn_Params_get_binaryName(&p, &bin);
	if (!st)
		st = spawn_find_binary(module, module_len, bin.str, bin.len, &req->image,
				       &req->image_len);
	if (!st)
		st = elf_validate(req->image, req->image_len, elf_scratch);
	if (!st)
		st = capnp_msg_error(params);
	return st;
}

int spawn_check_modes(const struct spawn_request *req, const uint8_t *caps_in_move,
		      uint32_t ncaps_in)
{
	for (uint32_t i = 0; i < req->ngrants; i++) {
		const struct spawn_grant *g = &req->grants[i];

		if (g->kind == SPAWN_GRANT_KERNEL)
			continue;
		if (g->held >= ncaps_in || caps_in_move == NULL)
			return CAPOS_ERR_SPAWN_NOT_HELD; /* not from spawn_decode: refuse */
		bool moved = caps_in_move[g->held] != 0;
		bool want_move = g->kind == SPAWN_GRANT_HELD && g->mode == capos_TransferMode_move;
		if (moved != want_move)
			return CAPOS_ERR_SPAWN_MODE_MISMATCH;
	}
	return CAPOS_OK;
}
