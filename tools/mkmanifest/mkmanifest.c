/*
 * mkmanifest: build the capOS boot module (docs/manifest.md).
 *
 * Input: a SystemManifest compiled by the official tool (`capnp eval --binary
 * -I. system/<name>.capnp <const>`), whose Binary entries name the executables but
 * carry no images, and optionally (-l) an operator overlay compiled the same way, merged
 * into it by lib/manifest's manifest_merge (rules in docs/manifest.md "Overlays").
 * The merged manifest is validated by lib/manifest (the whole authority graph); every
 * finding is printed as "mkmanifest: IN: <message> (<CODE>)" and none is written.
 * Output: the same manifest with every binary's ELF image embedded (Binary.image;
 * Binary.path dropped), written as one framed message. Each image comes from, in order:
 * `-b NAME=FILE` on the command line, the entry's `path` field, or DIR/NAME.elf for
 * `-d DIR`. The tool checks every image (readable file, plausible ELF64 x86_64 image
 * within KMANIFEST_MAX_IMAGE_BYTES), then runs the kernel's own decoder
 * (kernel/boot/manifest.c) and the validator (now requiring images) over the result, so a
 * module the tool writes is one the kernel and init accept. Exit status:
 *   1  the manifest, the overlay or a binary is invalid      2  usage or I/O error
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/manifest.h>
#include <manifest/manifest.h>
#include <schema/manifest.capnp.h>

#define MKM_EXIT_INVALID 1
#define MKM_EXIT_USAGE 2
#define MKM_MAX_OVERRIDES 64
#define MKM_MAX_BSEGS 16

struct mkm_override {
	const char *name;
	const char *file;
	int used;
};

struct mkm_opts {
	const char *in;
	const char *overlay;
	const char *out;
	const char *dir;
	struct mkm_override ov[MKM_MAX_OVERRIDES];
	int nov;
};

/* One binary's image, read from a file (owned) or taken from the input (borrowed). */
struct mkm_image {
	uint8_t *buf;
	const uint8_t *ptr;
	size_t len;
};

/* The error.h description of a status code. */
static const char *mkm_error_desc(int status)
{
	switch (status) {
#define MKM_DESC_CASE(name, value, desc)                                                           \
	case (value):                                                                              \
		return desc;
		CAPOS_ERRORS(MKM_DESC_CASE)
#undef MKM_DESC_CASE
	}
	return "unknown error";
}

static void mkm_usage(void)
{
	fprintf(stderr, "usage: mkmanifest [-d DIR] [-b NAME=FILE]... [-l OVERLAY] -o OUT IN\n");
}

/* Print "mkmanifest: <field with [i]>: <what>" for a decoder error. */
static void mkm_report_decode(const char *what, int st, const struct kmanifest_error *e)
{
	const char *f = e->field ? e->field : "";
	const char *br = strstr(f, "[]");

	if (br && e->index >= 0)
		fprintf(stderr, "mkmanifest: %s: %.*s[%d]%s: %s (%s)\n", what, (int)(br - f), f,
			(int)e->index, br + 2, mkm_error_desc(st), capos_error_name(st));
	else
		fprintf(stderr, "mkmanifest: %s: %s: %s (%s)\n", what, f, mkm_error_desc(st),
			capos_error_name(st));
}

static int mkm_parse_args(int argc, char **argv, struct mkm_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "-o") || !strcmp(a, "-d") || !strcmp(a, "-b") ||
		     !strcmp(a, "-l")) &&
		    i + 1 >= argc) {
			fprintf(stderr, "mkmanifest: %s needs an argument\n", a);
			return -1;
		}
		if (!strcmp(a, "-o")) {
			o->out = argv[++i];
		} else if (!strcmp(a, "-d")) {
			o->dir = argv[++i];
		} else if (!strcmp(a, "-l")) {
			o->overlay = argv[++i];
		} else if (!strcmp(a, "-b")) {
			char *v = argv[++i];
			char *eq = strchr(v, '=');

			if (!eq || eq == v || !eq[1] || o->nov == MKM_MAX_OVERRIDES) {
				fprintf(stderr, "mkmanifest: -b %s: expected NAME=FILE\n", v);
				return -1;
			}
			*eq = '\0';
			o->ov[o->nov++] = (struct mkm_override){ .name = v, .file = eq + 1 };
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "mkmanifest: unknown option %s\n", a);
			return -1;
		} else if (!o->in) {
			o->in = a;
		} else {
			fprintf(stderr, "mkmanifest: more than one input\n");
			return -1;
		}
	}
	if (!o->in || !o->out) {
		mkm_usage();
		return -1;
	}
	return 0;
}

/* Read a whole file of at most `max` bytes. Returns 0, -1 (I/O) or -2 (too large). */
static int mkm_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (!f)
		return -1;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(b, cap + 8);
			if (!nb)
				goto out_close;
			b = nb;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			rc = -2;
			goto out_close;
		}
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto out_close;
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out_close:
	free(b);
	fclose(f);
	return rc;
}

/* The file an entry's image comes from, or NULL when none is named. */
static const char *mkm_image_file(struct mkm_opts *o, const struct capnp_text *name,
				  const struct capnp_text *path, char *tmp, size_t tmpsz)
{
	for (int i = 0; i < o->nov; i++) {
		if (strlen(o->ov[i].name) == name->len &&
		    !memcmp(o->ov[i].name, name->str, name->len)) {
			o->ov[i].used = 1;
			return o->ov[i].file;
		}
	}
	if (path->len)
		return path->str;
	if (o->dir) {
		snprintf(tmp, tmpsz, "%s/%s.elf", o->dir, name->str);
		return tmp;
	}
	return NULL;
}

static int mkm_elf_plausible(const uint8_t *p, size_t len)
{
	return len >= 64 &&
	       !memcmp(p,
		       "\x7f"
		       "ELF",
		       4) &&
	       p[4] == 2 && p[5] == 1 && p[18] == 62 && p[19] == 0;
}

/* Load and check binaries[i]'s image (names were validated by lib/manifest). */
static int mkm_load_binary(struct mkm_opts *o, struct manifest_Binary_rlist *bins, uint32_t i,
			   struct mkm_image *img)
{
	struct manifest_Binary_r b = manifest_Binary_list_get(bins, i);
	struct capnp_text name, path;
	struct capnp_data inl;
	char tmp[4096];

	if (manifest_Binary_get_name(&b, &name) || manifest_Binary_get_path(&b, &path) ||
	    manifest_Binary_get_image(&b, &inl)) {
		fprintf(stderr, "mkmanifest: binaries[%u]: malformed entry\n", i);
		return MKM_EXIT_INVALID;
	}
	const char *file = mkm_image_file(o, &name, &path, tmp, sizeof(tmp));
	if (file) {
		int rc = mkm_read_file(file, KMANIFEST_MAX_IMAGE_BYTES, &img->buf, &img->len);

		if (rc == -2) {
			fprintf(stderr, "mkmanifest: binaries[%u] (%s): %s: larger than %u bytes\n",
				i, name.str, file, KMANIFEST_MAX_IMAGE_BYTES);
			return MKM_EXIT_INVALID;
		}
		if (rc) {
			fprintf(stderr, "mkmanifest: binaries[%u] (%s): %s: %s\n", i, name.str,
				file, strerror(errno));
			return MKM_EXIT_USAGE;
		}
		img->ptr = img->buf;
	} else if (inl.len) {
		img->ptr = inl.ptr;
		img->len = inl.len;
		file = "(embedded image)";
	} else {
		fprintf(stderr, "mkmanifest: binaries[%u] (%s): no image (no path, no -b, no -d)\n",
			i, name.str);
		return MKM_EXIT_INVALID;
	}
	if (img->len > KMANIFEST_MAX_IMAGE_BYTES) {
		fprintf(stderr, "mkmanifest: binaries[%u] (%s): %s: larger than %u bytes\n", i,
			name.str, file, KMANIFEST_MAX_IMAGE_BYTES);
		return MKM_EXIT_INVALID;
	}
	if (!mkm_elf_plausible(img->ptr, img->len)) {
		fprintf(stderr, "mkmanifest: binaries[%u] (%s): %s: not an ELF64 x86_64 file\n", i,
			name.str, file);
		return MKM_EXIT_INVALID;
	}
	return 0;
}

/* Write the output message: every field of the input, images embedded, paths dropped. */
static int mkm_build(const struct manifest_SystemManifest_r *in, struct manifest_Binary_rlist *bins,
		     const struct mkm_image *imgs, struct capnp_builder *b)
{
	struct manifest_SystemManifest_b root;
	struct manifest_Binary_blist out;
	struct manifest_InitConfig_r cfg;
	struct manifest_KernelParams_r kp;
	struct manifest_ResourceProfile_rlist prof;
	uint32_t n = manifest_Binary_list_len(bins);
	int st;

	st = manifest_SystemManifest_build_root(b, &root);
	if (st)
		return st;
	manifest_SystemManifest_set_schemaVersion(&root,
						  manifest_SystemManifest_get_schemaVersion(in));
	st = manifest_SystemManifest_init_binaries(&root, n, &out);
	for (uint32_t i = 0; !st && i < n; i++) {
		struct manifest_Binary_r src = manifest_Binary_list_get(bins, i);
		struct manifest_Binary_b dst = manifest_Binary_list_build(&out, i);
		struct capnp_text name;

		st = manifest_Binary_get_name(&src, &name);
		if (!st)
			st = manifest_Binary_set_name(&dst, name.str, name.len);
		if (!st)
			st = manifest_Binary_set_image(&dst, imgs[i].ptr, (uint32_t)imgs[i].len);
	}
	if (!st && manifest_SystemManifest_has_initConfig(in)) {
		st = manifest_SystemManifest_get_initConfig(in, &cfg);
		if (!st)
			st = manifest_SystemManifest_set_initConfig(&root, &cfg);
	}
	if (!st && manifest_SystemManifest_has_kernelParams(in)) {
		st = manifest_SystemManifest_get_kernelParams(in, &kp);
		if (!st)
			st = manifest_SystemManifest_set_kernelParams(&root, &kp);
	}
	if (!st && manifest_SystemManifest_has_resourceProfiles(in)) {
		st = manifest_SystemManifest_get_resourceProfiles(in, &prof);
		if (!st)
			st = manifest_SystemManifest_set_resourceProfiles(&root, &prof.l);
	}
	return st ? st : capnp_builder_error(b);
}

/* Print every finding of a report as "mkmanifest: WHAT: <message> (<CODE>)". */
static void mkm_print_report(const char *what, const struct manifest_report *r)
{
	for (uint32_t i = 0; i < r->nfindings; i++)
		fprintf(stderr, "mkmanifest: %s: %s (%s)\n", what, manifest_report_message(r, i),
			capos_error_name(r->findings[i].code));
	if (r->total > r->nfindings)
		fprintf(stderr, "mkmanifest: %s: %u more findings not shown\n", what,
			r->total - r->nfindings);
}

/* Validate buf[0..len) with lib/manifest; print the findings. 0 or MKM_EXIT_*. */
static int mkm_validate(const char *what, const void *buf, size_t len, unsigned flags)
{
	struct manifest_plan *plan = malloc(sizeof(*plan));
	struct manifest_report *rep = malloc(sizeof(*rep));
	char *text = malloc(16384);
	int rc = MKM_EXIT_USAGE;

	if (!plan || !rep || !text)
		goto out_free;
	manifest_report_init(rep, text, 16384);
	rc = 0;
	if (manifest_check(buf, len, flags, plan, rep) != 0) {
		mkm_print_report(what, rep);
		rc = MKM_EXIT_INVALID;
	}
out_free:
	free(text);
	free(rep);
	free(plan);
	return rc;
}

/* Merge the overlay file into *in (replaced by the merged message). 0 or MKM_EXIT_*. */
static int mkm_merge(const struct mkm_opts *o, uint8_t **in, size_t *inlen)
{
	struct capnp_bseg bsegs[MKM_MAX_BSEGS];
	struct capnp_builder b;
	struct manifest_report rep;
	char text[4096];
	uint8_t *ov = NULL, *arena = NULL, *out = NULL;
	size_t ovlen = 0, total, sz, written = 0;
	int rc = MKM_EXIT_USAGE, st;

	int r = mkm_read_file(o->overlay, KMANIFEST_MAX_MODULE_BYTES, &ov, &ovlen);
	if (r) {
		fprintf(stderr, "mkmanifest: %s: %s\n", o->overlay,
			r == -2 ? "larger than the module bound" : strerror(errno));
		return r == -2 ? MKM_EXIT_INVALID : MKM_EXIT_USAGE;
	}
	total = (*inlen + ovlen + 65536 + 7) & ~(size_t)7;
	arena = aligned_alloc(8, total);
	if (!arena)
		goto out_free;
	memset(arena, 0, total);
	manifest_report_init(&rep, text, sizeof(text));
	st = capnp_builder_init(&b, bsegs, MKM_MAX_BSEGS, arena, total);
	if (!st)
		st = manifest_merge(*in, *inlen, ov, ovlen, &b, &rep);
	if (st) {
		if (rep.total)
			mkm_print_report(o->overlay, &rep);
		else
			fprintf(stderr, "mkmanifest: %s: merge: %s\n", o->overlay,
				capos_error_name(st));
		rc = MKM_EXIT_INVALID;
		goto out_free;
	}
	sz = capnp_builder_framed_size(&b);
	out = malloc(sz ? sz : 1);
	if (!out || capnp_builder_write_framed(&b, out, sz, &written))
		goto out_free;
	free(*in);
	*in = out;
	*inlen = written;
	out = NULL;
	rc = 0;
out_free:
	free(out);
	free(arena);
	free(ov);
	return rc;
}

static int mkm_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "mkmanifest: %s: %s\n", path, strerror(errno));
		return MKM_EXIT_USAGE;
	}
	return 0;
}

/* Serialize, check with the kernel's decoder, write. */
static int mkm_finish(const struct mkm_opts *o, struct capnp_builder *b)
{
	size_t sz = capnp_builder_framed_size(b), written = 0;
	uint8_t *buf = malloc(sz ? sz : 1);
	struct kmanifest_view *view = malloc(sizeof(*view));
	struct kmanifest_error err;
	int rc = MKM_EXIT_USAGE, st;

	if (!buf || !view)
		goto out_free;
	st = capnp_builder_write_framed(b, buf, sz, &written);
	if (st) {
		fprintf(stderr, "mkmanifest: serializing: %s\n", capos_error_name(st));
		goto out_free;
	}
	st = kmanifest_decode(buf, written, view, &err);
	if (st) {
		mkm_report_decode(o->in, st, &err);
		rc = MKM_EXIT_INVALID;
		goto out_free;
	}
	rc = mkm_validate(o->in, buf, written, MANIFEST_CHECK_IMAGES);
	if (rc == 0)
		rc = mkm_write(o->out, buf, written);
out_free:
	free(view);
	free(buf);
	return rc;
}

static int mkm_run(struct mkm_opts *o, const uint8_t *inbuf, size_t inlen)
{
	struct capnp_segment segs[KMANIFEST_MAX_SEGMENTS];
	struct capnp_msg msg;
	struct manifest_SystemManifest_r root;
	struct manifest_Binary_rlist bins;
	struct mkm_image *imgs = NULL;
	struct capnp_bseg bsegs[MKM_MAX_BSEGS];
	struct capnp_builder b;
	uint8_t *arena = NULL;
	uint32_t n = 0;
	size_t used = 0, total = inlen;
	int rc = MKM_EXIT_INVALID, st;

	rc = mkm_validate(o->in, inbuf, inlen, 0);
	if (rc)
		return rc;
	st = capnp_msg_init_framed(&msg, inbuf, inlen, segs, KMANIFEST_MAX_SEGMENTS, NULL, &used);
	if (!st && used != inlen)
		st = CAPOS_ERR_MANIFEST_TRAILING;
	if (!st)
		st = manifest_SystemManifest_read_root(&msg, &root);
	if (st) {
		fprintf(stderr, "mkmanifest: %s: not a framed SystemManifest: %s (%s)\n", o->in,
			mkm_error_desc(st), capos_error_name(st));
		return MKM_EXIT_INVALID;
	}
	st = manifest_SystemManifest_get_binaries(&root, &bins);
	n = manifest_Binary_list_len(&bins);
	if (st || n > KMANIFEST_MAX_BINARIES) {
		fprintf(stderr, "mkmanifest: binaries: malformed or more than %u entries\n",
			KMANIFEST_MAX_BINARIES);
		return MKM_EXIT_INVALID;
	}
	imgs = calloc(n ? n : 1, sizeof(*imgs));
	if (!imgs)
		return MKM_EXIT_USAGE;
	for (uint32_t i = 0; i < n; i++) {
		rc = mkm_load_binary(o, &bins, i, &imgs[i]);
		if (rc)
			goto out_free;
		total += imgs[i].len + 64;
	}
	for (int i = 0; i < o->nov; i++) {
		if (!o->ov[i].used) {
			fprintf(stderr,
				"mkmanifest: -b %s: no binary of that name in the manifest\n",
				o->ov[i].name);
			rc = MKM_EXIT_INVALID;
			goto out_free;
		}
	}
	/* One segment holds everything: the input's words plus the images plus slack. */
	total = (total + 4096 + 7) & ~(size_t)7;
	rc = MKM_EXIT_USAGE;
	arena = aligned_alloc(8, total);
	if (!arena)
		goto out_free;
	memset(arena, 0, total);
	st = capnp_builder_init(&b, bsegs, MKM_MAX_BSEGS, arena, total);
	if (!st)
		st = mkm_build(&root, &bins, imgs, &b);
	if (st) {
		fprintf(stderr, "mkmanifest: building the output: %s (%s)\n", mkm_error_desc(st),
			capos_error_name(st));
		rc = MKM_EXIT_INVALID;
		goto out_free;
	}
	rc = mkm_finish(o, &b);
out_free:
	for (uint32_t i = 0; i < n; i++)
		free(imgs[i].buf);
	free(imgs);
	free(arena);
	return rc;
}

int main(int argc, char **argv)
{
	struct mkm_opts *o = calloc(1, sizeof(*o));
	uint8_t *in = NULL;
	size_t inlen = 0;
	int rc = MKM_EXIT_USAGE;

	if (!o)
		return MKM_EXIT_USAGE;
	if (mkm_parse_args(argc, argv, o))
		goto out;
	int r = mkm_read_file(o->in, KMANIFEST_MAX_MODULE_BYTES, &in, &inlen);
	if (r) {
		fprintf(stderr, "mkmanifest: %s: %s\n", o->in,
			r == -2 ? "larger than the module bound" : strerror(errno));
		rc = r == -2 ? MKM_EXIT_INVALID : MKM_EXIT_USAGE;
		goto out;
	}
	if (o->overlay) {
		rc = mkm_merge(o, &in, &inlen);
		if (rc)
			goto out;
	}
	rc = mkm_run(o, in, inlen);
out:
	free(in);
	free(o);
	return rc;
}
