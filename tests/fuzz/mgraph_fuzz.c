/*
 * libFuzzer target for lib/manifest: decode + validate (manifest_check) and the overlay
 * merge, on every input. Properties (abort on violation, so it is a finding):
 *   - the status is 0 or negative, and equals the report's first code; 0 iff no finding;
 *   - every recorded message is NUL-terminated inside the report buffer;
 *   - on success every resolved reference is in range and consistent: binary and
 *     profile indexes, each import's service is earlier than the importer and its
 *     export belongs to that service with the declared interface, each export's cap is
 *     a kernel endpoint cap of its own service; all texts lie inside the input;
 *   - merging the input into itself never crashes and, when it succeeds, yields a
 *     message the decoder reads back.
 * Sanitizer reports, crashes and hangs are findings too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <manifest/manifest.h>
#include <schema/capos.capnp.h>

static struct manifest_plan plan;
static struct manifest_report rep;
static char text[4096];
static uint64_t arena[1 << 15];
static uint8_t framed[sizeof(arena)];

static void check_text(const struct manifest_text *t, const uint8_t *data, size_t size)
{
	if (t->len == 0)
		return;
	if ((const uint8_t *)t->str < data ||
	    t->len > (size_t)(data + size - (const uint8_t *)t->str))
		abort();
}

static void check_report(int st)
{
	if (st > 0 || (st == 0) != (rep.total == 0) || (st && rep.first != st))
		abort();
	if (rep.nfindings > MANIFEST_MAX_FINDINGS || rep.nfindings > rep.total)
		abort();
	for (uint32_t i = 0; i < rep.nfindings; i++) {
		const char *m = manifest_report_message(&rep, i);

		if (m != rep.buf + rep.findings[i].offset && m[0] != '\0')
			abort();
		if (m[0] && strnlen(m, sizeof(text)) >= sizeof(text))
			abort();
	}
}

static void check_process(const struct manifest_process *p, const uint8_t *data, size_t size,
			  uint32_t svc)
{
	if (p->binary_index >= plan.nbinaries)
		abort();
	if (p->profile_index != MANIFEST_NONE && p->profile_index >= plan.nprofiles)
		abort();
	if (p->first_cap + p->ncaps > plan.ncaps || p->ncaps > MANIFEST_MAX_CAPS)
		abort();
	for (uint32_t i = 0; i < p->ncaps; i++) {
		const struct manifest_cap *c = &plan.caps[p->first_cap + i];

		check_text(&c->name, data, size);
		if (!manifest_name_ok(c->name.str, c->name.len) || c->interface_id == 0)
			abort();
		if (c->kind == MANIFEST_SOURCE_SERVICE) {
			if (svc == MANIFEST_NONE || c->service >= svc ||
			    c->export_index >= plan.nexports)
				abort();
			const struct manifest_service *s = &plan.services[c->service];
			const struct manifest_export *e = &plan.exports[c->export_index];
			if (c->export_index < s->first_export ||
			    c->export_index >= s->first_export + s->nexports ||
			    e->interface_id != c->interface_id)
				abort();
		} else if (c->kind != MANIFEST_SOURCE_KERNEL ||
			   manifest_kernel_source_interface(c->kernel) != c->interface_id) {
			abort();
		}
	}
}

static void check_plan(const uint8_t *data, size_t size)
{
	check_process(&plan.init, data, size, MANIFEST_NONE);
	for (uint32_t i = 0; i < plan.nservices; i++) {
		const struct manifest_service *s = &plan.services[i];

		check_text(&s->name, data, size);
		check_process(&s->process, data, size, i);
		for (uint32_t k = 0; k < s->nexports; k++) {
			const struct manifest_export *e = &plan.exports[s->first_export + k];
			const struct manifest_cap *c = &plan.caps[e->cap_index];

			if (e->cap_index < s->process.first_cap ||
			    e->cap_index >= s->process.first_cap + s->process.ncaps ||
			    c->kind != MANIFEST_SOURCE_KERNEL ||
			    c->kernel != capos_KernelCapSource_endpoint)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnp_builder b;
	struct capnp_bseg segs[4];
	size_t n = 0;
	int st;

	manifest_report_init(&rep, text, sizeof(text));
	st = manifest_check(data, size, 0, &plan, &rep);
	check_report(st);
	if (st == 0)
		check_plan(data, size);

	memset(arena, 0, sizeof(arena));
	if (capnp_builder_init(&b, segs, 4, arena, sizeof(arena)))
		abort();
	manifest_report_init(&rep, text, sizeof(text));
	st = manifest_merge(data, size, data, size, &b, &rep);
	check_report(st);
	if (st == 0) {
		if (capnp_builder_write_framed(&b, framed, sizeof(framed), &n))
			return 0; /* larger than the test's buffer: not a property */
		manifest_report_init(&rep, text, sizeof(text));
		check_report(manifest_decode(framed, n, &plan, &rep));
	}
	return 0;
}
