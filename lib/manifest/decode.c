/*
 * lib/manifest/decode.c: read a framed SystemManifest into a struct manifest_plan
 * (lib/include/manifest/manifest.h) under explicit limits: message size, segment count,
 * nesting, traversal budget, and the length of every list. Decoding mutates nothing but
 * the plan and the report; a malformed message (lib/capnp error) or a list over its
 * bound stops it with a finding naming the field.
 */
#include "internal.h"

#include <capos/error.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

struct md_ctx {
	struct capnp_msg msg;
	struct manifest_plan *p;
	struct manifest_report *r;
};

static void md_take(struct manifest_text *dst, const struct capnp_text *t)
{
	dst->str = t->str ? t->str : "";
	dst->len = t->str ? t->len : 0;
}

/* "<where>: <field>: malformed message" with the reader's code. */
static int md_malformed(struct md_ctx *c, uint32_t svc, const char *field, int32_t index,
			const char *sub, int st)
{
	mr_begin(c->r);
	if (svc != MANIFEST_NONE + 1u) {
		mr_where(c->r, c->p, svc);
		mr_s(c->r, ": ");
	}
	mr_s(c->r, field);
	if (index >= 0) {
		mr_s(c->r, "[");
		mr_u(c->r, (uint32_t)index);
		mr_s(c->r, "]");
	}
	mr_s(c->r, sub);
	mr_s(c->r, ": malformed message");
	return mr_end(c->r, st);
}

#define MD_TOP (MANIFEST_NONE + 1u) /* md_malformed: no "<where>: " prefix */

/* "<where?><field>: N entries, limit M" (CAPOS_ERR_MANIFEST_LIMIT). */
static int md_limit(struct md_ctx *c, uint32_t svc, const char *field, uint32_t n, uint32_t max)
{
	mr_begin(c->r);
	if (svc != MD_TOP) {
		mr_where(c->r, c->p, svc);
		mr_s(c->r, ": ");
	}
	mr_s(c->r, field);
	mr_s(c->r, ": ");
	mr_u(c->r, n);
	mr_s(c->r, " entries, limit ");
	mr_u(c->r, max);
	return mr_end(c->r, CAPOS_ERR_MANIFEST_LIMIT);
}

/* One CapEntry into plan.caps[ci]. */
static int md_cap(struct md_ctx *c, uint32_t svc, const struct manifest_CapEntry_rlist *caps,
		  uint32_t i, struct manifest_cap *cap)
{
	struct manifest_CapEntry_r e = manifest_CapEntry_list_get(caps, i);
	struct manifest_CapEntry_source_r src = manifest_CapEntry_get_source(&e);
	struct capnp_text t;
	int st;

	if ((st = manifest_CapEntry_get_name(&e, &t)))
		return md_malformed(c, svc, "caps", (int32_t)i, ".name", st);
	md_take(&cap->name, &t);
	if ((st = manifest_CapEntry_get_interface(&e, &t)))
		return md_malformed(c, svc, "caps", (int32_t)i, ".interface", st);
	md_take(&cap->interface, &t);
	cap->mode = (uint16_t)manifest_CapEntry_get_mode(&e);
	cap->kind = (uint16_t)manifest_CapEntry_source_which(&src);
	cap->service = MANIFEST_NONE;
	cap->export_index = MANIFEST_NONE;
	switch (cap->kind) {
	case MANIFEST_SOURCE_KERNEL:
		cap->kernel = (uint16_t)manifest_CapEntry_source_get_kernel(&src);
		break;
	case MANIFEST_SOURCE_SERVICE: {
		struct manifest_CapEntry_source_service_r s =
			manifest_CapEntry_source_get_service(&src);

		if ((st = manifest_CapEntry_source_service_get_service(&s, &t)))
			return md_malformed(c, svc, "caps", (int32_t)i, ".source.service.service",
					    st);
		md_take(&cap->import_service, &t);
		if ((st = manifest_CapEntry_source_service_get_export(&s, &t)))
			return md_malformed(c, svc, "caps", (int32_t)i, ".source.service.export",
					    st);
		md_take(&cap->import_export, &t);
		break;
	}
	case MANIFEST_SOURCE_BOOT:
		if ((st = manifest_CapEntry_source_get_boot(&src, &t)))
			return md_malformed(c, svc, "caps", (int32_t)i, ".source.boot", st);
		md_take(&cap->boot, &t);
		break;
	default:
		break; /* an unknown union tag: the validator reports it */
	}
	return 0;
}

/* A ProcessEntry (init's when svc == MANIFEST_NONE); its caps are appended to plan.caps. */
static int md_process(struct md_ctx *c, uint32_t svc, const struct manifest_ProcessEntry_r *pe,
		      struct manifest_process *out)
{
	struct manifest_CapEntry_rlist caps;
	struct capnp_text t;
	int st;

	if ((st = manifest_ProcessEntry_get_binary(pe, &t)))
		return md_malformed(c, svc, "binary", -1, "", st);
	md_take(&out->binary, &t);
	if ((st = manifest_ProcessEntry_get_profile(pe, &t)))
		return md_malformed(c, svc, "profile", -1, "", st);
	md_take(&out->profile, &t);
	out->binary_index = MANIFEST_NONE;
	out->profile_index = MANIFEST_NONE;
	if ((st = manifest_ProcessEntry_get_caps(pe, &caps)))
		return md_malformed(c, svc, "caps", -1, "", st);
	uint32_t n = manifest_CapEntry_list_len(&caps);
	if (n > MANIFEST_MAX_CAPS)
		return md_limit(c, svc, "caps", n, MANIFEST_MAX_CAPS);
	if (n > MANIFEST_MAX_TOTAL_CAPS - c->p->ncaps)
		return md_limit(c, MD_TOP, "caps of all processes", c->p->ncaps + n,
				MANIFEST_MAX_TOTAL_CAPS);
	out->first_cap = c->p->ncaps;
	out->ncaps = n;
	for (uint32_t i = 0; i < n; i++) {
		st = md_cap(c, svc, &caps, i, &c->p->caps[c->p->ncaps]);
		if (st)
			return st;
		c->p->ncaps++;
	}
	return 0;
}

/* One Service into plan.services[i]. */
static int md_service(struct md_ctx *c, const struct manifest_Service_rlist *list, uint32_t i)
{
	struct manifest_Service_r s = manifest_Service_list_get(list, i);
	struct manifest_service *sv = &c->p->services[i];
	struct manifest_ProcessEntry_r pe;
	struct manifest_Export_rlist ex;
	struct capnp_text t;
	int st;

	if ((st = manifest_Service_get_name(&s, &t)))
		return md_malformed(c, MD_TOP, "initConfig.services", (int32_t)i, ".name", st);
	md_take(&sv->name, &t);
	c->p->nservices = i + 1; /* the name is readable: messages may use it */
	sv->restart = (uint16_t)manifest_Service_get_restart(&s);
	sv->restart_budget = manifest_Service_get_restartBudget(&s);
	sv->badge = manifest_Service_get_badge(&s);
	if (!manifest_Service_has_process(&s)) {
		mr_begin(c->r);
		mr_where(c->r, c->p, i);
		mr_s(c->r, ": process: missing");
		return mr_end(c->r, CAPOS_ERR_MANIFEST_NO_PROCESS);
	}
	if ((st = manifest_Service_get_process(&s, &pe)))
		return md_malformed(c, i, "process", -1, "", st);
	if ((st = md_process(c, i, &pe, &sv->process)))
		return st;
	if ((st = manifest_Service_get_exports(&s, &ex)))
		return md_malformed(c, i, "exports", -1, "", st);
	uint32_t n = manifest_Export_list_len(&ex);
	if (n > MANIFEST_MAX_EXPORTS)
		return md_limit(c, i, "exports", n, MANIFEST_MAX_EXPORTS);
	if (n > MANIFEST_MAX_TOTAL_EXPORTS - c->p->nexports)
		return md_limit(c, MD_TOP, "exports of all services", c->p->nexports + n,
				MANIFEST_MAX_TOTAL_EXPORTS);
	sv->first_export = c->p->nexports;
	sv->nexports = n;
	for (uint32_t k = 0; k < n; k++) {
		struct manifest_Export_r e = manifest_Export_list_get(&ex, k);
		struct manifest_export *x = &c->p->exports[c->p->nexports];

		if ((st = manifest_Export_get_name(&e, &t)))
			return md_malformed(c, i, "exports", (int32_t)k, ".name", st);
		md_take(&x->name, &t);
		if ((st = manifest_Export_get_interface(&e, &t)))
			return md_malformed(c, i, "exports", (int32_t)k, ".interface", st);
		md_take(&x->interface, &t);
		if ((st = manifest_Export_get_cap(&e, &t)))
			return md_malformed(c, i, "exports", (int32_t)k, ".cap", st);
		md_take(&x->cap, &t);
		x->cap_index = MANIFEST_NONE;
		c->p->nexports++;
	}
	return 0;
}

static int md_binaries(struct md_ctx *c, const struct manifest_SystemManifest_r *root)
{
	struct manifest_Binary_rlist bins;
	struct capnp_text t;
	struct capnp_data d;
	int st;

	if ((st = manifest_SystemManifest_get_binaries(root, &bins)))
		return md_malformed(c, MD_TOP, "binaries", -1, "", st);
	uint32_t n = manifest_Binary_list_len(&bins);
	if (n > MANIFEST_MAX_BINARIES)
		return md_limit(c, MD_TOP, "binaries", n, MANIFEST_MAX_BINARIES);
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_Binary_r b = manifest_Binary_list_get(&bins, i);
		struct manifest_binary *x = &c->p->binaries[i];

		if ((st = manifest_Binary_get_name(&b, &t)))
			return md_malformed(c, MD_TOP, "binaries", (int32_t)i, ".name", st);
		md_take(&x->name, &t);
		if ((st = manifest_Binary_get_image(&b, &d)))
			return md_malformed(c, MD_TOP, "binaries", (int32_t)i, ".image", st);
		x->image = d.len ? d.ptr : NULL;
		x->image_len = d.len;
	}
	c->p->nbinaries = n;
	return 0;
}

static int md_profiles(struct md_ctx *c, const struct manifest_SystemManifest_r *root)
{
	struct manifest_ResourceProfile_rlist l;
	struct capnp_text t;
	int st;

	if ((st = manifest_SystemManifest_get_resourceProfiles(root, &l)))
		return md_malformed(c, MD_TOP, "resourceProfiles", -1, "", st);
	uint32_t n = manifest_ResourceProfile_list_len(&l);
	if (n > MANIFEST_MAX_PROFILES)
		return md_limit(c, MD_TOP, "resourceProfiles", n, MANIFEST_MAX_PROFILES);
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_ResourceProfile_r r = manifest_ResourceProfile_list_get(&l, i);
		struct manifest_profile *x = &c->p->profiles[i];

		if ((st = manifest_ResourceProfile_get_name(&r, &t)))
			return md_malformed(c, MD_TOP, "resourceProfiles", (int32_t)i, ".name", st);
		md_take(&x->name, &t);
		x->cap_slots = manifest_ResourceProfile_get_capSlots(&r);
		x->frame_pages = manifest_ResourceProfile_get_framePages(&r);
		x->virtual_bytes = manifest_ResourceProfile_get_virtualBytes(&r);
		x->ring_scratch_bytes = manifest_ResourceProfile_get_ringScratchBytes(&r);
		x->outstanding_calls = manifest_ResourceProfile_get_outstandingCalls(&r);
		x->endpoint_queue_depth = manifest_ResourceProfile_get_endpointQueueDepth(&r);
		x->endpoint_in_flight = manifest_ResourceProfile_get_endpointInFlight(&r);
		x->child_processes = manifest_ResourceProfile_get_childProcesses(&r);
		x->threads = manifest_ResourceProfile_get_threads(&r);
		x->max_weight = manifest_ResourceProfile_get_maxWeight(&r);
	}
	c->p->nprofiles = n;
	return 0;
}

static int md_init_config(struct md_ctx *c, const struct manifest_SystemManifest_r *root)
{
	struct manifest_InitConfig_r cfg;
	struct manifest_ProcessEntry_r init;
	struct manifest_Service_rlist svcs;
	int st;

	if (!manifest_SystemManifest_has_initConfig(root)) {
		mr_begin(c->r);
		mr_s(c->r, "initConfig: missing");
		return mr_end(c->r, CAPOS_ERR_MANIFEST_NO_INIT);
	}
	if ((st = manifest_SystemManifest_get_initConfig(root, &cfg)))
		return md_malformed(c, MD_TOP, "initConfig", -1, "", st);
	if (!manifest_InitConfig_has_init(&cfg)) {
		mr_begin(c->r);
		mr_s(c->r, "initConfig.init: missing");
		return mr_end(c->r, CAPOS_ERR_MANIFEST_NO_INIT);
	}
	if ((st = manifest_InitConfig_get_init(&cfg, &init)))
		return md_malformed(c, MD_TOP, "initConfig.init", -1, "", st);
	if ((st = md_process(c, MANIFEST_NONE, &init, &c->p->init)))
		return st;
	if ((st = manifest_InitConfig_get_services(&cfg, &svcs)))
		return md_malformed(c, MD_TOP, "initConfig.services", -1, "", st);
	uint32_t n = manifest_Service_list_len(&svcs);
	if (n > MANIFEST_MAX_SERVICES)
		return md_limit(c, MD_TOP, "initConfig.services", n, MANIFEST_MAX_SERVICES);
	for (uint32_t i = 0; i < n; i++) {
		if ((st = md_service(c, &svcs, i)))
			return st;
	}
	return 0;
}

/* "kernelParams.<field>: <v>, expected <lo>..<hi>" (CAPOS_ERR_MANIFEST_KERNEL_PARAM). */
static void md_param_range(struct md_ctx *c, const char *field, uint64_t v, uint64_t lo,
			   uint64_t hi)
{
	mr_begin(c->r);
	mr_s(c->r, "kernelParams.");
	mr_s(c->r, field);
	mr_s(c->r, ": ");
	mr_u(c->r, v);
	mr_s(c->r, ", expected ");
	mr_u(c->r, lo);
	mr_s(c->r, "..");
	mr_u(c->r, hi);
	mr_end(c->r, CAPOS_ERR_MANIFEST_KERNEL_PARAM);
}

static int md_params(struct md_ctx *c, const struct manifest_SystemManifest_r *root)
{
	struct manifest_KernelParams_r kp;
	struct manifest_kernel_params *p = &c->p->params;
	struct capnp_text t;
	int st;

	if ((st = manifest_SystemManifest_get_kernelParams(root, &kp))) /* absent: defaults */
		return md_malformed(c, MD_TOP, "kernelParams", -1, "", st);
	if ((st = manifest_KernelParams_get_motd(&kp, &t)))
		return md_malformed(c, MD_TOP, "kernelParams.motd", -1, "", st);
	md_take(&p->motd, &t);
	p->log_level = (uint16_t)manifest_KernelParams_get_logLevel(&kp);
	p->timer_hz = manifest_KernelParams_get_timerHz(&kp);
	p->max_cpus = manifest_KernelParams_get_maxCpus(&kp);
	if (p->log_level >= manifest_KernelParams_LogLevel_COUNT) {
		mr_begin(c->r);
		mr_s(c->r, "kernelParams.logLevel: ");
		mr_u(c->r, p->log_level);
		mr_s(c->r, " is not a LogLevel");
		mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_ENUM);
	}
	if (p->timer_hz == 0 || p->timer_hz > MANIFEST_MAX_TIMER_HZ)
		md_param_range(c, "timerHz", p->timer_hz, 1, MANIFEST_MAX_TIMER_HZ);
	if (p->max_cpus > MANIFEST_MAX_CPUS)
		md_param_range(c, "maxCpus", p->max_cpus, 0, MANIFEST_MAX_CPUS);
	if (p->motd.len > MANIFEST_MAX_MOTD)
		md_param_range(c, "motd bytes", p->motd.len, 0, MANIFEST_MAX_MOTD);
	return 0;
}

/* Framing, root and version. */
static int md_open(struct md_ctx *c, const void *buf, size_t len, struct capnp_segment *segs,
		   struct manifest_SystemManifest_r *root)
{
	struct capnp_limits lim = {
		.traversal_words = len / CAPNP_WORD + MANIFEST_TRAVERSAL_SLACK_WORDS,
		.nesting = MANIFEST_NESTING,
	};
	size_t used = 0;
	int st;

	if (len > MANIFEST_MAX_MESSAGE_BYTES) {
		mr_begin(c->r);
		mr_s(c->r, "(message): ");
		mr_u(c->r, len);
		mr_s(c->r, " bytes, limit ");
		mr_u(c->r, MANIFEST_MAX_MESSAGE_BYTES);
		return mr_end(c->r, CAPOS_ERR_MANIFEST_TOO_LARGE);
	}
	st = capnp_msg_init_framed(&c->msg, buf, len, segs, MANIFEST_MAX_SEGMENTS, &lim, &used);
	if (st)
		return md_malformed(c, MD_TOP, "(framing)", -1, "", st);
	if (used != len) {
		mr_begin(c->r);
		mr_s(c->r, "(framing): ");
		mr_u(c->r, len - used);
		mr_s(c->r, " bytes after the message");
		return mr_end(c->r, CAPOS_ERR_MANIFEST_TRAILING);
	}
	if ((st = manifest_SystemManifest_read_root(&c->msg, root)))
		return md_malformed(c, MD_TOP, "(root)", -1, "", st);
	c->p->schema_version = manifest_SystemManifest_get_schemaVersion(root);
	if (c->p->schema_version != manifest_currentSchemaVersion) {
		mr_begin(c->r);
		mr_s(c->r, "schemaVersion: ");
		mr_u(c->r, c->p->schema_version);
		mr_s(c->r, ", expected ");
		mr_u(c->r, manifest_currentSchemaVersion);
		return mr_end(c->r, CAPOS_ERR_MANIFEST_VERSION);
	}
	return 0;
}

int manifest_decode(const void *buf, size_t len, struct manifest_plan *plan,
		    struct manifest_report *rep)
{
	struct md_ctx c = { .p = plan, .r = rep };
	struct capnp_segment segs[MANIFEST_MAX_SEGMENTS];
	struct manifest_SystemManifest_r root;
	int st;

	if (!plan || !rep)
		return CAPOS_ERR_INVALID;
	__builtin_memset(plan, 0, sizeof(*plan));
	if (!buf && len) {
		mr_begin(rep);
		mr_s(rep, "(arguments): no message");
		return mr_end(rep, CAPOS_ERR_INVALID);
	}
	st = md_open(&c, buf, len, segs, &root);
	if (!st)
		st = md_binaries(&c, &root);
	if (!st)
		st = md_profiles(&c, &root);
	if (!st)
		st = md_init_config(&c, &root);
	if (!st)
		st = md_params(&c, &root);
	if (!st && (st = capnp_msg_error(&c.msg)))
		md_malformed(&c, MD_TOP, "(message)", -1, "", st);
	return rep->first;
}
