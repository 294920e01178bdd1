/*
 * libFuzzer target for the kernel's boot-manifest decoder (kernel/boot/manifest.c).
 * Each input is a candidate boot module. Properties checked on every input (abort on
 * violation, so it is a finding): success yields an init image wholly inside the
 * input, a NUL-terminated init name of the recorded length, at most
 * KMANIFEST_MAX_GRANTS grants each with a v1 kernel source whose interface id matches,
 * and in-range kernel parameters; failure yields a negative code, a named field and a
 * zeroed view. Sanitizer reports, crashes and hangs are findings too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <kernel/manifest.h>

static struct kmanifest_view view;
static const struct kmanifest_view zero_view;

static void check_name(const char *name, uint32_t len)
{
	if (len == 0 || len > KMANIFEST_MAX_NAME || strlen(name) != len)
		abort();
}

static void check_ok(const uint8_t *data, size_t size)
{
	if (!view.init_image || view.init_image < data ||
	    view.init_image_len > (size_t)(data + size - view.init_image))
		abort();
	if (view.init_image_len > KMANIFEST_MAX_IMAGE_BYTES || view.init_image[0] != 0x7f)
		abort();
	check_name(view.init_name, view.init_name_len);
	if (view.ngrants > KMANIFEST_MAX_GRANTS)
		abort();
	for (uint32_t i = 0; i < view.ngrants; i++) {
		const struct kmanifest_grant *g = &view.grants[i];

		check_name(g->name, g->name_len);
		if (g->interface_id == 0 ||
		    g->interface_id != kmanifest_source_interface(g->source))
			abort();
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(view.grants[j].name, g->name))
				abort();
	}
	if (view.params.timer_hz == 0 || view.params.timer_hz > KMANIFEST_MAX_TIMER_HZ ||
	    view.params.max_cpus > KMANIFEST_MAX_CPUS || view.params.motd_len > KMANIFEST_MAX_MOTD)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmanifest_error err;
	int st = kmanifest_decode(data, size, &view, &err);

	if (st == 0) {
		check_ok(data, size);
		return 0;
	}
	if (st > 0 || !err.field || !err.field[0] || memcmp(&view, &zero_view, sizeof(view)) != 0)
		abort();
	return 0;
}
