/*
 * lib/manifest/validate.c: the authority-graph checks over a decoded plan
 * (lib/include/manifest/manifest.h; every finding and its message format is listed in
 * docs/manifest.md "Validator findings"). Validation records every finding it can and
 * resolves the plan's references (binary, profile, import and export indexes) for the
 * executor in init.
 */
#include "internal.h"

#include <capos/error.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

struct mv_ctx {
	struct manifest_plan *p;
	struct manifest_report *r;
	unsigned flags;
	uint16_t target[MANIFEST_MAX_TOTAL_CAPS]; /* service a cap imports from, or NONE */
};

/* "<where>: caps[i] "name": " */
static void mv_cap_head(struct mv_ctx *c, uint32_t svc, uint32_t i, const struct manifest_cap *cap)
{
	mr_begin(c->r);
	mr_where(c->r, c->p, svc);
	mr_s(c->r, ": caps[");
	mr_u(c->r, i);
	mr_s(c->r, "] ");
	mr_qt(c->r, &cap->name);
	mr_s(c->r, ": ");
}

/* "<field>[i].name "X": not 1..63 bytes of [a-z0-9._-]" unless the name is fine. */
static bool mv_name(struct mv_ctx *c, uint32_t svc, const char *list, uint32_t i,
		    const struct manifest_text *name)
{
	if (manifest_name_ok(name->str, name->len))
		return true;
	mr_begin(c->r);
	if (svc != MANIFEST_NONE + 1u) {
		mr_where(c->r, c->p, svc);
		mr_s(c->r, ": ");
	}
	mr_s(c->r, list);
	mr_s(c->r, "[");
	mr_u(c->r, i);
	mr_s(c->r, "].name ");
	mr_qt(c->r, name);
	mr_s(c->r, ": not 1..63 bytes of [a-z0-9._-]");
	mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_NAME);
	return false;
}

#define MV_TOP (MANIFEST_NONE + 1u) /* no "<where>: " prefix */

/* "<list>[i].name: "x" duplicates <list>[j]". */
static void mv_dup(struct mv_ctx *c, uint32_t svc, const char *list, uint32_t i, uint32_t j,
		   const struct manifest_text *name, int code)
{
	mr_begin(c->r);
	if (svc != MV_TOP) {
		mr_where(c->r, c->p, svc);
		mr_s(c->r, ": ");
	}
	mr_s(c->r, list);
	mr_s(c->r, "[");
	mr_u(c->r, i);
	mr_s(c->r, "].name: ");
	mr_qt(c->r, name);
	mr_s(c->r, " duplicates ");
	mr_s(c->r, list);
	mr_s(c->r, "[");
	mr_u(c->r, j);
	mr_s(c->r, "]");
	mr_end(c->r, code);
}

static uint32_t mv_find_service(const struct manifest_plan *p, const struct manifest_text *name)
{
	for (uint32_t i = 0; i < p->nservices; i++) {
		if (manifest_text_eq(&p->services[i].name, name))
			return i;
	}
	return MANIFEST_NONE;
}

/* Global index of service svc's export `name`, or MANIFEST_NONE. */
static uint32_t mv_find_export(const struct manifest_plan *p, uint32_t svc,
			       const struct manifest_text *name)
{
	const struct manifest_service *s = &p->services[svc];

	for (uint32_t k = 0; k < s->nexports; k++) {
		if (manifest_text_eq(&p->exports[s->first_export + k].name, name))
			return s->first_export + k;
	}
	return MANIFEST_NONE;
}

/*
 * Does service `from` reach service `to` through imports? Breadth-first over the import
 * edges (c->target; services are at most 64: one bit each); parent[] gets the path back.
 */
static bool mv_reaches(const struct mv_ctx *c, uint32_t from, uint32_t to,
		       uint16_t parent[MANIFEST_MAX_SERVICES])
{
	const struct manifest_plan *p = c->p;
	uint16_t queue[MANIFEST_MAX_SERVICES];
	uint64_t seen = 1ull << from;
	uint32_t head = 0, tail = 0;

	_Static_assert(MANIFEST_MAX_SERVICES <= 64, "one bit per service");
	queue[tail++] = (uint16_t)from;
	parent[from] = MANIFEST_NONE;
	while (head < tail) {
		uint32_t a = queue[head++];
		const struct manifest_process *pr = &p->services[a].process;

		for (uint32_t k = 0; k < pr->ncaps; k++) {
			uint32_t b = c->target[pr->first_cap + k];

			if (b == MANIFEST_NONE || (seen & (1ull << b)))
				continue;
			seen |= 1ull << b;
			parent[b] = (uint16_t)a;
			if (b == to)
				return true;
			queue[tail++] = (uint16_t)b;
		}
	}
	return false;
}

/* `"svc.export"` as written (escaped). */
static void mv_import_name(struct mv_ctx *c, const struct manifest_cap *cap)
{
	mr_s(c->r, "\"");
	mr_e(c->r, cap->import_service.str, cap->import_service.len);
	mr_s(c->r, ".");
	mr_e(c->r, cap->import_export.str, cap->import_export.len);
	mr_s(c->r, "\"");
}

/* An import of a later service j: a cycle if j's imports lead back, else an ordering
 * error. */
static void mv_forward(struct mv_ctx *c, uint32_t svc, uint32_t i, const struct manifest_cap *cap,
		       uint32_t j)
{
	const struct manifest_plan *p = c->p;
	uint16_t parent[MANIFEST_MAX_SERVICES];
	uint16_t path[MANIFEST_MAX_SERVICES];
	uint32_t n = 0;

	mv_cap_head(c, svc, i, cap);
	mr_s(c->r, "imports ");
	mv_import_name(c, cap);
	if (!mv_reaches(c, j, svc, parent)) {
		mr_s(c->r, " but service ");
		mr_qt(c->r, &p->services[j].name);
		mr_s(c->r, " comes later (services[");
		mr_u(c->r, j);
		mr_s(c->r, "]); start it first");
		mr_end(c->r, CAPOS_ERR_MANIFEST_LATER_EXPORT);
		return;
	}
	/* Path: svc -> j -> ... -> svc, read back from parent[]. */
	for (uint32_t v = svc; v != j; v = parent[v])
		path[n++] = (uint16_t)v;
	mr_s(c->r, ", closing the cycle ");
	mr_e(c->r, p->services[svc].name.str, p->services[svc].name.len);
	mr_s(c->r, " -> ");
	mr_e(c->r, p->services[j].name.str, p->services[j].name.len);
	while (n) {
		uint32_t v = path[--n];

		mr_s(c->r, " -> ");
		mr_e(c->r, p->services[v].name.str, p->services[v].name.len);
	}
	mr_end(c->r, CAPOS_ERR_MANIFEST_CYCLE);
}

/* A service-sourced cap: resolve the import and check order, cycles and interface. */
static void mv_import(struct mv_ctx *c, uint32_t svc, uint32_t i, struct manifest_cap *cap)
{
	const struct manifest_plan *p = c->p;

	if (svc == MANIFEST_NONE) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "imports ");
		mv_import_name(c, cap);
		mr_s(c->r, ", but init holds kernel sources only");
		mr_end(c->r, CAPOS_ERR_MANIFEST_GRANT_SOURCE);
		return;
	}
	uint32_t j = c->target[cap - p->caps];
	if (j == MANIFEST_NONE) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "imports ");
		mv_import_name(c, cap);
		mr_s(c->r, " but no service ");
		mr_qt(c->r, &cap->import_service);
		mr_s(c->r, " exists");
		mr_end(c->r, CAPOS_ERR_MANIFEST_UNKNOWN_SERVICE);
		return;
	}
	if (j == svc) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "imports ");
		mv_import_name(c, cap);
		mr_s(c->r, " from its own service (a cycle)");
		mr_end(c->r, CAPOS_ERR_MANIFEST_CYCLE);
		return;
	}
	uint32_t x = mv_find_export(p, j, &cap->import_export);
	if (x == MANIFEST_NONE) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "imports ");
		mv_import_name(c, cap);
		mr_s(c->r, " which service ");
		mr_qt(c->r, &p->services[j].name);
		mr_s(c->r, " does not export");
		mr_end(c->r, CAPOS_ERR_MANIFEST_NO_EXPORT);
		return;
	}
	if (j > svc) {
		mv_forward(c, svc, i, cap, j);
		return;
	}
	cap->service = (uint16_t)j;
	cap->export_index = (uint16_t)x;
	const struct manifest_export *e = &p->exports[x];
	if (cap->interface_id && e->interface_id && cap->interface_id != e->interface_id) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "declares interface ");
		mr_qt(c->r, &cap->interface);
		mr_s(c->r, " but ");
		mv_import_name(c, cap);
		mr_s(c->r, " serves ");
		mr_qt(c->r, &e->interface);
		mr_end(c->r, CAPOS_ERR_MANIFEST_IFACE_MISMATCH);
	}
	if (cap->mode == capos_TransferMode_move) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "mode move cannot take an export (every importer shares it)");
		mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_MODE);
	}
}

/* A kernel-sourced cap: the source exists and provides the declared interface. */
static void mv_kernel(struct mv_ctx *c, uint32_t svc, uint32_t i, const struct manifest_cap *cap)
{
	uint64_t id = manifest_kernel_source_interface(cap->kernel);

	if (id == 0) {
		mv_cap_head(c, svc, i, cap);
		if (cap->kernel == capos_KernelCapSource_none) {
			mr_s(c->r, "no source (kernel source none)");
		} else {
			mr_s(c->r, "kernel source ");
			mr_u(c->r, cap->kernel);
			mr_s(c->r, " is not a KernelCapSource");
		}
		mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_SOURCE);
		return;
	}
	if (cap->interface_id && cap->interface_id != id) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "declares interface ");
		mr_qt(c->r, &cap->interface);
		mr_s(c->r, " but kernel source ");
		mr_s(c->r, manifest_kernel_source_name(cap->kernel));
		mr_s(c->r, " provides \"");
		mr_s(c->r, manifest_interface_name(id));
		mr_s(c->r, "\"");
		mr_end(c->r, CAPOS_ERR_MANIFEST_SOURCE_IFACE);
	}
	if (cap->mode == capos_TransferMode_clientFacet) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "mode clientFacet applies only to service imports");
		mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_MODE);
	}
}

/* One cap of a process: name, mode, interface, source. */
static void mv_cap(struct mv_ctx *c, uint32_t svc, const struct manifest_process *pr, uint32_t i)
{
	struct manifest_cap *cap = &c->p->caps[pr->first_cap + i];

	if (mv_name(c, svc, "caps", i, &cap->name)) {
		for (uint32_t j = 0; j < i; j++) {
			if (manifest_text_eq(&c->p->caps[pr->first_cap + j].name, &cap->name)) {
				mv_dup(c, svc, "caps", i, j, &cap->name,
				       CAPOS_ERR_MANIFEST_DUP_CAP);
				break;
			}
		}
	}
	if (cap->mode >= capos_TransferMode_COUNT) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "mode ");
		mr_u(c->r, cap->mode);
		mr_s(c->r, " is not a TransferMode");
		mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_MODE);
	}
	cap->interface_id = manifest_interface_by_name(cap->interface.str, cap->interface.len);
	if (cap->interface_id == 0) {
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "interface ");
		mr_qt(c->r, &cap->interface);
		mr_s(c->r, " is not a schema interface");
		mr_end(c->r, CAPOS_ERR_MANIFEST_UNKNOWN_IFACE);
	}
	switch (cap->kind) {
	case MANIFEST_SOURCE_KERNEL:
		mv_kernel(c, svc, i, cap);
		break;
	case MANIFEST_SOURCE_SERVICE:
		mv_import(c, svc, i, cap);
		break;
	case MANIFEST_SOURCE_BOOT:
		/* No kernel names platform devices yet: every boot source is unknown. */
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "boot device ");
		mr_qt(c->r, &cap->boot);
		if (svc == MANIFEST_NONE) {
			mr_s(c->r, ", but init holds kernel sources only");
			mr_end(c->r, CAPOS_ERR_MANIFEST_GRANT_SOURCE);
		} else {
			mr_s(c->r, " is not provided by this kernel");
			mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_SOURCE);
		}
		break;
	default:
		mv_cap_head(c, svc, i, cap);
		mr_s(c->r, "source tag ");
		mr_u(c->r, cap->kind);
		mr_s(c->r, " is not kernel, service or boot");
		mr_end(c->r, CAPOS_ERR_MANIFEST_BAD_SOURCE);
		break;
	}
}

/* "<where>: <pfx>binary "x" ..." */
static void mv_binary_head(struct mv_ctx *c, uint32_t svc, const char *field,
			   const struct manifest_text *t)
{
	mr_begin(c->r);
	mr_where(c->r, c->p, svc);
	mr_s(c->r, svc == MANIFEST_NONE ? ": " : ": process.");
	mr_s(c->r, field);
	mr_s(c->r, " ");
	mr_qt(c->r, t);
}

/* A process: binary, profile, caps. */
static void mv_process(struct mv_ctx *c, uint32_t svc, struct manifest_process *pr)
{
	const struct manifest_plan *p = c->p;

	for (uint32_t b = 0; b < p->nbinaries; b++) {
		if (manifest_text_eq(&p->binaries[b].name, &pr->binary)) {
			pr->binary_index = (uint16_t)b;
			break;
		}
	}
	if (pr->binary_index == MANIFEST_NONE) {
		mv_binary_head(c, svc, "binary", &pr->binary);
		mr_s(c->r, " names no entry of binaries");
		mr_end(c->r, CAPOS_ERR_MANIFEST_UNKNOWN_BINARY);
	} else if ((c->flags & MANIFEST_CHECK_IMAGES) &&
		   !manifest_image_ok(p->binaries[pr->binary_index].image,
				      p->binaries[pr->binary_index].image_len)) {
		mv_binary_head(c, svc, "binary", &pr->binary);
		mr_s(c->r, " has no ELF64 x86_64 image");
		mr_end(c->r, CAPOS_ERR_MANIFEST_NO_IMAGE);
	}
	if (pr->profile.len) {
		for (uint32_t k = 0; k < p->nprofiles; k++) {
			if (manifest_text_eq(&p->profiles[k].name, &pr->profile)) {
				pr->profile_index = (uint16_t)k;
				break;
			}
		}
		if (pr->profile_index == MANIFEST_NONE) {
			mv_binary_head(c, svc, "profile", &pr->profile);
			mr_s(c->r, " names no resource profile");
			mr_end(c->r, CAPOS_ERR_MANIFEST_UNKNOWN_PROFILE);
		}
	}
	for (uint32_t i = 0; i < pr->ncaps; i++)
		mv_cap(c, svc, pr, i);
}

/* "<where>: exports[k] "x": " */
static void mv_export_head(struct mv_ctx *c, uint32_t svc, uint32_t k,
			   const struct manifest_export *e)
{
	mr_begin(c->r);
	mr_where(c->r, c->p, svc);
	mr_s(c->r, ": exports[");
	mr_u(c->r, k);
	mr_s(c->r, "] ");
	mr_qt(c->r, &e->name);
	mr_s(c->r, ": ");
}

/* A service's exports: names, interfaces, the endpoint cap each names. */
static void mv_exports(struct mv_ctx *c, uint32_t svc)
{
	struct manifest_plan *p = c->p;
	const struct manifest_service *s = &p->services[svc];

	for (uint32_t k = 0; k < s->nexports; k++) {
		struct manifest_export *e = &p->exports[s->first_export + k];

		if (mv_name(c, svc, "exports", k, &e->name)) {
			for (uint32_t j = 0; j < k; j++) {
				if (manifest_text_eq(&p->exports[s->first_export + j].name,
						     &e->name)) {
					mv_dup(c, svc, "exports", k, j, &e->name,
					       CAPOS_ERR_MANIFEST_DUP_EXPORT);
					break;
				}
			}
		}
		e->interface_id = manifest_interface_by_name(e->interface.str, e->interface.len);
		if (e->interface_id == 0) {
			mv_export_head(c, svc, k, e);
			mr_s(c->r, "interface ");
			mr_qt(c->r, &e->interface);
			mr_s(c->r, " is not a schema interface");
			mr_end(c->r, CAPOS_ERR_MANIFEST_UNKNOWN_IFACE);
		}
		for (uint32_t i = 0; i < s->process.ncaps; i++) {
			if (manifest_text_eq(&p->caps[s->process.first_cap + i].name, &e->cap)) {
				e->cap_index = (uint16_t)(s->process.first_cap + i);
				break;
			}
		}
		if (e->cap_index == MANIFEST_NONE) {
			mv_export_head(c, svc, k, e);
			mr_s(c->r, "cap ");
			mr_qt(c->r, &e->cap);
			mr_s(c->r, " names no cap of this service");
			mr_end(c->r, CAPOS_ERR_MANIFEST_EXPORT_CAP);
		} else if (p->caps[e->cap_index].kind != MANIFEST_SOURCE_KERNEL ||
			   p->caps[e->cap_index].kernel != capos_KernelCapSource_endpoint) {
			mv_export_head(c, svc, k, e);
			mr_s(c->r, "cap ");
			mr_qt(c->r, &e->cap);
			mr_s(c->r, " is not a fresh endpoint (kernel source endpoint)");
			mr_end(c->r, CAPOS_ERR_MANIFEST_EXPORT_CAP);
			e->cap_index = MANIFEST_NONE;
		}
	}
}

static void mv_restart(struct mv_ctx *c, uint32_t svc)
{
	const struct manifest_service *s = &c->p->services[svc];

	if (s->restart >= manifest_RestartPolicy_COUNT) {
		mr_begin(c->r);
		mr_where(c->r, c->p, svc);
		mr_s(c->r, ": restart: ");
		mr_u(c->r, s->restart);
		mr_s(c->r, " is not a RestartPolicy");
		mr_end(c->r, CAPOS_ERR_MANIFEST_RESTART);
	} else if (s->restart == manifest_RestartPolicy_restart &&
		   (s->restart_budget == 0 || s->restart_budget > MANIFEST_MAX_RESTART_BUDGET)) {
		mr_begin(c->r);
		mr_where(c->r, c->p, svc);
		mr_s(c->r, ": restartBudget: ");
		mr_u(c->r, s->restart_budget);
		mr_s(c->r, " under restart, expected 1..");
		mr_u(c->r, MANIFEST_MAX_RESTART_BUDGET);
		mr_end(c->r, CAPOS_ERR_MANIFEST_RESTART);
	}
}

/* Names of binaries, profiles and services: well-formed and unique. */
static void mv_tables(struct mv_ctx *c)
{
	const struct manifest_plan *p = c->p;

	for (uint32_t i = 0; i < p->nbinaries; i++) {
		if (!mv_name(c, MV_TOP, "binaries", i, &p->binaries[i].name))
			continue;
		for (uint32_t j = 0; j < i; j++) {
			if (manifest_text_eq(&p->binaries[j].name, &p->binaries[i].name)) {
				mv_dup(c, MV_TOP, "binaries", i, j, &p->binaries[i].name,
				       CAPOS_ERR_MANIFEST_DUP_BINARY);
				break;
			}
		}
	}
	for (uint32_t i = 0; i < p->nprofiles; i++) {
		if (!mv_name(c, MV_TOP, "resourceProfiles", i, &p->profiles[i].name))
			continue;
		for (uint32_t j = 0; j < i; j++) {
			if (manifest_text_eq(&p->profiles[j].name, &p->profiles[i].name)) {
				mv_dup(c, MV_TOP, "resourceProfiles", i, j, &p->profiles[i].name,
				       CAPOS_ERR_MANIFEST_DUP_PROFILE);
				break;
			}
		}
	}
	for (uint32_t i = 0; i < p->nservices; i++) {
		if (!mv_name(c, MV_TOP, "services", i, &p->services[i].name))
			continue;
		for (uint32_t j = 0; j < i; j++) {
			if (manifest_text_eq(&p->services[j].name, &p->services[i].name)) {
				mv_dup(c, MV_TOP, "services", i, j, &p->services[i].name,
				       CAPOS_ERR_MANIFEST_DUP_SERVICE);
				break;
			}
		}
	}
}

int manifest_validate(struct manifest_plan *plan, unsigned flags, struct manifest_report *rep)
{
	struct mv_ctx c = { .p = plan, .r = rep, .flags = flags }; /* ~1 KiB of stack */

	if (!plan || !rep)
		return CAPOS_ERR_INVALID;
	/* Resolve every import's service once (the cycle search walks these edges). */
	for (uint32_t i = 0; i < plan->ncaps; i++)
		c.target[i] =
			plan->caps[i].kind == MANIFEST_SOURCE_SERVICE
				? (uint16_t)mv_find_service(plan, &plan->caps[i].import_service)
				: MANIFEST_NONE;
	mv_tables(&c);
	mv_process(&c, MANIFEST_NONE, &plan->init);
	/* Exports first: interface ids are needed when earlier services' imports resolve. */
	for (uint32_t i = 0; i < plan->nservices; i++)
		mv_exports(&c, i);
	for (uint32_t i = 0; i < plan->nservices; i++) {
		mv_process(&c, i, &plan->services[i].process);
		mv_restart(&c, i);
	}
	return rep->first;
}

int manifest_check(const void *buf, size_t len, unsigned flags, struct manifest_plan *plan,
		   struct manifest_report *rep)
{
	int st = manifest_decode(buf, len, plan, rep);

	return st ? st : manifest_validate(plan, flags, rep);
}
