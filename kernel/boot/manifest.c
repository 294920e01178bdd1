/*
 * Boot manifest decoder (kernel/include/kernel/manifest.h): the kernel's bounded,
 * validating read of the boot module. It takes from the SystemManifest only what the
 * kernel needs to start init: the schema version, init's ELF image (a pointer into the
 * module), init's grants from kernel sources and the kernel parameters. Every field it
 * reads is checked; any failure returns a typed error and names the field. Pure:
 * no allocation, no globals, no kernel services (host tests, fuzzing and
 * tools/mkmanifest compile this same file). The interface table, the kernel-source
 * mapping and the image check are lib/manifest's (lib/manifest/iface.c), shared with the
 * validator that mkmanifest and init run over the whole graph.
 */
#include <kernel/manifest.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

/* Decoding state: the message and where a failure is reported. */
struct kmanifest_ctx {
	struct capnp_msg msg;
	struct kmanifest_error *err;
};

/* Record the failing field and pass the status through. */
static int kmanifest_fail(struct kmanifest_ctx *c, int status, const char *field, int32_t index)
{
	if (c->err) {
		c->err->field = field;
		c->err->index = index;
	}
	return status;
}

uint64_t kmanifest_source_interface(uint16_t source)
{
	switch (source) {
	case capos_KernelCapSource_console:
	case capos_KernelCapSource_timer:
	case capos_KernelCapSource_virtualMemory:
	case capos_KernelCapSource_bootPackage:
		return manifest_kernel_source_interface(source); /* the sources ABI v1 grants */
	case capos_KernelCapSource_processSpawner:
		return capos_ProcessSpawner_TYPE_ID;
	case capos_KernelCapSource_endpoint:
		return capos_Endpoint_TYPE_ID; /* a fresh raw endpoint owned by the grantee */
	case capos_KernelCapSource_capabilityManager:
		return capos_CapabilityManager_TYPE_ID;
	case capos_KernelCapSource_frameAllocator:
		return capos_FrameAllocator_TYPE_ID; /* MemoryObjects charged to the caller */
	case capos_KernelCapSource_terminal:
		return capos_TerminalSession_TYPE_ID; /* the COM2 terminal (kernel/kterm.h) */
	case capos_KernelCapSource_entropySource:
	case capos_KernelCapSource_systemControl:
	case capos_KernelCapSource_systemStatus:
		return manifest_kernel_source_interface(source); /* kernel/proc/ksys.c */
	case capos_KernelCapSource_threadSpawner:
	case capos_KernelCapSource_threadControl:
		return manifest_kernel_source_interface(source); /* kernel/kthread.h */
	case capos_KernelCapSource_parkSpace:
	case capos_KernelCapSource_sharedParkSpace:
		return manifest_kernel_source_interface(source); /* kernel/proc/kpark.c */
	default:
		return 0;
	}
}

/* Length of a NUL-terminated string (kernel has no libc). */
static uint32_t kmanifest_strlen(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

uint64_t kmanifest_interface_by_name(const char *name, uint32_t len)
{
	return manifest_interface_by_name(name, len);
}

/* A name is 1..KMANIFEST_MAX_NAME bytes without embedded NUL. */
static bool kmanifest_name_ok(const struct capnp_text *t)
{
	return t->len > 0 && t->len <= KMANIFEST_MAX_NAME && kmanifest_strlen(t->str) == t->len;
}

static void kmanifest_copy_name(char *dst, const struct capnp_text *t)
{
	__builtin_memcpy(dst, t->str, t->len);
	dst[t->len] = '\0';
}

static bool kmanifest_text_eq(const struct capnp_text *a, const struct capnp_text *b)
{
	return a->len == b->len && __builtin_memcmp(a->str, b->str, a->len) == 0;
}

/* Plausible ELF64 little-endian x86_64 image (lib/manifest); the ELF loader validates the
 * rest. */
static bool kmanifest_image_ok(const struct capnp_data *d)
{
	return manifest_image_ok(d->ptr, d->len);
}

/* Find init's binary by name in SystemManifest.binaries and take its image. */
static int kmanifest_init_image(struct kmanifest_ctx *c,
				const struct manifest_SystemManifest_r *root,
				const struct capnp_text *init_name, struct kmanifest_view *v)
{
	struct manifest_Binary_rlist bins;
	int found = -1;
	int st;

	st = manifest_SystemManifest_get_binaries(root, &bins);
	if (st)
		return kmanifest_fail(c, st, "binaries", -1);
	uint32_t n = manifest_Binary_list_len(&bins);
	if (n > KMANIFEST_MAX_BINARIES)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_TOO_MANY_BINARIES, "binaries", -1);
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_Binary_r b = manifest_Binary_list_get(&bins, i);
		struct capnp_text name;

		st = manifest_Binary_get_name(&b, &name);
		if (st)
			return kmanifest_fail(c, st, "binaries[].name", (int32_t)i);
		if (!kmanifest_text_eq(&name, init_name))
			continue;
		if (found >= 0)
			return kmanifest_fail(c, CAPOS_ERR_MANIFEST_DUPLICATE, "binaries[].name",
					      (int32_t)i);
		found = (int)i;
	}
	if (found < 0)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_INIT_MISSING, "initConfig.init.binary",
				      -1);

	struct manifest_Binary_r b = manifest_Binary_list_get(&bins, (uint32_t)found);
	struct capnp_data img;

	st = manifest_Binary_get_image(&b, &img);
	if (st)
		return kmanifest_fail(c, st, "binaries[].image", found);
	if (!kmanifest_image_ok(&img))
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_IMAGE, "binaries[].image", found);
	v->init_image = img.ptr;
	v->init_image_len = img.len;
	return 0;
}

/* Decode one of init's grants into g; names seen so far are v->grants[0..i). */
static int kmanifest_grant(struct kmanifest_ctx *c, const struct manifest_CapEntry_rlist *caps,
			   uint32_t i, struct kmanifest_view *v)
{
	struct manifest_CapEntry_r e = manifest_CapEntry_list_get(caps, i);
	struct kmanifest_grant *g = &v->grants[i];
	struct capnp_text name, iface;
	int32_t idx = (int32_t)i;
	int st;

	st = manifest_CapEntry_get_name(&e, &name);
	if (st)
		return kmanifest_fail(c, st, "initConfig.init.caps[].name", idx);
	if (!kmanifest_name_ok(&name))
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_NAME, "initConfig.init.caps[].name",
				      idx);
	for (uint32_t j = 0; j < i; j++) {
		if (v->grants[j].name_len == name.len &&
		    __builtin_memcmp(v->grants[j].name, name.str, name.len) == 0)
			return kmanifest_fail(c, CAPOS_ERR_MANIFEST_DUPLICATE,
					      "initConfig.init.caps[].name", idx);
	}

	struct manifest_CapEntry_source_r src = manifest_CapEntry_get_source(&e);
	if (manifest_CapEntry_source_which(&src) != manifest_CapEntry_source_which_kernel)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_GRANT_SOURCE,
				      "initConfig.init.caps[].source", idx);
	uint16_t kind = (uint16_t)manifest_CapEntry_source_get_kernel(&src);
	uint64_t id = kmanifest_source_interface(kind);
	if (id == 0)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_UNKNOWN_SOURCE,
				      "initConfig.init.caps[].source.kernel", idx);

	st = manifest_CapEntry_get_interface(&e, &iface);
	if (st)
		return kmanifest_fail(c, st, "initConfig.init.caps[].interface", idx);
	if (kmanifest_interface_by_name(iface.str, iface.len) != id)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_INTERFACE,
				      "initConfig.init.caps[].interface", idx);

	uint16_t mode = (uint16_t)manifest_CapEntry_get_mode(&e);
	if (mode >= capos_TransferMode_COUNT)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_BAD_ENUM, "initConfig.init.caps[].mode",
				      idx);

	kmanifest_copy_name(g->name, &name);
	g->name_len = name.len;
	g->source = kind;
	g->mode = mode;
	g->interface_id = id;
	return 0;
}

/* initConfig.init: the binary name, its image and the grants. */
static int kmanifest_init(struct kmanifest_ctx *c, const struct manifest_SystemManifest_r *root,
			  struct kmanifest_view *v)
{
	struct manifest_InitConfig_r cfg;
	struct manifest_ProcessEntry_r init;
	struct manifest_CapEntry_rlist caps;
	struct capnp_text bin;
	int st;

	if (!manifest_SystemManifest_has_initConfig(root))
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_NO_INIT, "initConfig", -1);
	st = manifest_SystemManifest_get_initConfig(root, &cfg);
	if (st)
		return kmanifest_fail(c, st, "initConfig", -1);
	if (!manifest_InitConfig_has_init(&cfg))
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_NO_INIT, "initConfig.init", -1);
	st = manifest_InitConfig_get_init(&cfg, &init);
	if (st)
		return kmanifest_fail(c, st, "initConfig.init", -1);

	st = manifest_ProcessEntry_get_binary(&init, &bin);
	if (st)
		return kmanifest_fail(c, st, "initConfig.init.binary", -1);
	if (!kmanifest_name_ok(&bin))
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_NAME, "initConfig.init.binary", -1);
	kmanifest_copy_name(v->init_name, &bin);
	v->init_name_len = bin.len;

	st = kmanifest_init_image(c, root, &bin, v);
	if (st)
		return st;

	st = manifest_ProcessEntry_get_caps(&init, &caps);
	if (st)
		return kmanifest_fail(c, st, "initConfig.init.caps", -1);
	uint32_t n = manifest_CapEntry_list_len(&caps);
	if (n > KMANIFEST_MAX_GRANTS)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_TOO_MANY_GRANTS, "initConfig.init.caps",
				      -1);
	for (uint32_t i = 0; i < n; i++) {
		st = kmanifest_grant(c, &caps, i, v);
		if (st)
			return st;
	}
	v->ngrants = n;
	return 0;
}

/* kernelParams: schema defaults when absent, else range-checked values. */
static int kmanifest_params(struct kmanifest_ctx *c, const struct manifest_SystemManifest_r *root,
			    struct kmanifest_params *p)
{
	struct manifest_KernelParams_r kp;
	struct capnp_text motd;
	int st;

	p->present = manifest_SystemManifest_has_kernelParams(root);
	st = manifest_SystemManifest_get_kernelParams(root, &kp); /* absent: all defaults */
	if (st)
		return kmanifest_fail(c, st, "kernelParams", -1);
	uint32_t level = (uint32_t)manifest_KernelParams_get_logLevel(&kp);
	if (level >= manifest_KernelParams_LogLevel_COUNT)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_BAD_ENUM, "kernelParams.logLevel", -1);
	p->log_level = (uint8_t)level;
	p->timer_hz = manifest_KernelParams_get_timerHz(&kp);
	if (p->timer_hz == 0 || p->timer_hz > KMANIFEST_MAX_TIMER_HZ)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_KERNEL_PARAM, "kernelParams.timerHz",
				      -1);
	p->max_cpus = manifest_KernelParams_get_maxCpus(&kp);
	if (p->max_cpus > KMANIFEST_MAX_CPUS)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_KERNEL_PARAM, "kernelParams.maxCpus",
				      -1);
	st = manifest_KernelParams_get_motd(&kp, &motd);
	if (st)
		return kmanifest_fail(c, st, "kernelParams.motd", -1);
	if (motd.len > KMANIFEST_MAX_MOTD)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_KERNEL_PARAM, "kernelParams.motd", -1);
	p->motd = motd.str;
	p->motd_len = motd.len;
	return 0;
}

/* Framing, root and version: everything before the fields. */
static int kmanifest_open(struct kmanifest_ctx *c, const void *module, size_t len,
			  struct capnp_segment *segs, struct manifest_SystemManifest_r *root,
			  struct kmanifest_view *v)
{
	struct capnp_limits lim = {
		.traversal_words = len / CAPNP_WORD + KMANIFEST_TRAVERSAL_SLACK_WORDS,
		.nesting = KMANIFEST_NESTING,
	};
	size_t used = 0;
	int st;

	if (len > KMANIFEST_MAX_MODULE_BYTES)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_TOO_LARGE, "(module)", -1);
	st = capnp_msg_init_framed(&c->msg, module, len, segs, KMANIFEST_MAX_SEGMENTS, &lim, &used);
	if (st)
		return kmanifest_fail(c, st, "(framing)", -1);
	if (used != len)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_TRAILING, "(framing)", -1);
	st = manifest_SystemManifest_read_root(&c->msg, root);
	if (st)
		return kmanifest_fail(c, st, "(root)", -1);
	v->schema_version = manifest_SystemManifest_get_schemaVersion(root);
	if (v->schema_version != manifest_currentSchemaVersion)
		return kmanifest_fail(c, CAPOS_ERR_MANIFEST_VERSION, "schemaVersion", -1);
	return 0;
}

int kmanifest_decode(const void *module, size_t len, struct kmanifest_view *view,
		     struct kmanifest_error *err)
{
	struct kmanifest_ctx c = { .err = err };
	struct capnp_segment segs[KMANIFEST_MAX_SEGMENTS];
	struct manifest_SystemManifest_r root;
	int st;

	if (err) {
		err->field = "";
		err->index = -1;
	}
	if (!view)
		return kmanifest_fail(&c, CAPOS_ERR_INVALID, "(arguments)", -1);
	__builtin_memset(view, 0, sizeof(*view));
	if (!module && len)
		return kmanifest_fail(&c, CAPOS_ERR_INVALID, "(arguments)", -1);

	st = kmanifest_open(&c, module, len, segs, &root, view);
	if (!st)
		st = kmanifest_init(&c, &root, view);
	if (!st)
		st = kmanifest_params(&c, &root, &view->params);
	if (!st)
		st = capnp_msg_error(&c.msg); /* belt and braces: any sticky reader error */
	if (st)
		__builtin_memset(view, 0, sizeof(*view));
	return st;
}
