/*
 * Host tests of the kernel's boot-manifest decoder (kernel/boot/manifest.c): a valid
 * manifest built with the generated accessors decodes to the expected view, and each
 * hostile variant (framing, root, version, init, binaries, image, grants, kernel
 * parameters, bounds) fails with its exact typed error and the field it names.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/manifest.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

#define MT_BUF_BYTES (4u << 20)
#define MT_MAX_BIN 300u
#define MT_MAX_GRANT 40u

enum mt_src { MT_KERNEL, MT_SERVICE, MT_BOOT };

struct mt_grant {
	const char *name;
	const char *iface;
	enum mt_src kind;
	uint16_t kernel; /* capos_KernelCapSource */
	uint16_t mode;
};

struct mt_bin {
	const char *name;
	const uint8_t *image;
	uint32_t len;
};

/* Description of a manifest to build; mt_default() gives the valid one. */
struct mt_spec {
	uint32_t version;
	bool has_config, has_init;
	const char *init_binary;
	uint32_t nbins;
	struct mt_bin bins[MT_MAX_BIN];
	uint32_t ngrants;
	struct mt_grant grants[MT_MAX_GRANT];
	bool has_params;
	uint32_t log_level, timer_hz, max_cpus;
	const char *motd;
};

/* Test-setup failure (the builder itself): abort, which the runner reports. */
#define MT_REQUIRE(c)                                                                              \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: setup failed: %s\n", __FILE__, __LINE__, #c);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static uint8_t mt_elf[256];
static char mt_names[MT_MAX_GRANT][16];

static void mt_make_elf(void)
{
	memset(mt_elf, 0xcc, sizeof(mt_elf));
	memcpy(mt_elf,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	mt_elf[18] = 62;
	mt_elf[19] = 0;
}

static struct mt_spec *mt_default(void)
{
	static struct mt_spec s;

	mt_make_elf();
	memset(&s, 0, sizeof(s));
	s.version = 1;
	s.has_config = s.has_init = true;
	s.init_binary = "init";
	s.nbins = 2;
	s.bins[0] = (struct mt_bin){ "other", mt_elf, 64 };
	s.bins[1] = (struct mt_bin){ "init", mt_elf, sizeof(mt_elf) };
	s.ngrants = 4;
	s.grants[0] = (struct mt_grant){ "console", "Console", MT_KERNEL,
					 capos_KernelCapSource_console, 0 };
	s.grants[1] =
		(struct mt_grant){ "timer", "Timer", MT_KERNEL, capos_KernelCapSource_timer, 1 };
	s.grants[2] = (struct mt_grant){ "vm", "VirtualMemory", MT_KERNEL,
					 capos_KernelCapSource_virtualMemory, 0 };
	s.grants[3] = (struct mt_grant){ "boot", "BootPackage", MT_KERNEL,
					 capos_KernelCapSource_bootPackage, 0 };
	s.has_params = true;
	s.log_level = 3;
	s.timer_hz = 250;
	s.max_cpus = 4;
	s.motd = "hello";
	return &s;
}

static void mt_build_grants(const struct mt_spec *s, const struct manifest_ProcessEntry_b *pe)
{
	struct manifest_CapEntry_blist caps;

	MT_REQUIRE((manifest_ProcessEntry_init_caps(pe, s->ngrants, &caps)) == 0);
	for (uint32_t i = 0; i < s->ngrants; i++) {
		const struct mt_grant *g = &s->grants[i];
		struct manifest_CapEntry_b e = manifest_CapEntry_list_build(&caps, i);
		struct manifest_CapEntry_source_b src = manifest_CapEntry_init_source(&e);

		MT_REQUIRE((manifest_CapEntry_set_name(&e, g->name, (uint32_t)strlen(g->name))) ==
			   0);
		MT_REQUIRE((manifest_CapEntry_set_interface(&e, g->iface,
							    (uint32_t)strlen(g->iface))) == 0);
		manifest_CapEntry_set_mode(&e, (enum capos_TransferMode)g->mode);
		if (g->kind == MT_KERNEL) {
			manifest_CapEntry_source_set_kernel(&src,
							    (enum capos_KernelCapSource)g->kernel);
		} else if (g->kind == MT_BOOT) {
			MT_REQUIRE((manifest_CapEntry_source_set_boot(&src, "blockDevice", 11)) ==
				   0);
		} else {
			struct manifest_CapEntry_source_service_b sv =
				manifest_CapEntry_source_init_service(&src);
			(void)sv;
		}
	}
}

/* Build s into a fresh framed message; returns its bytes (malloc'd) and length. */
static uint8_t *mt_build(const struct mt_spec *s, size_t *len)
{
	static uint64_t arena[MT_BUF_BYTES / 8];
	struct capnp_bseg segs[4];
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	struct manifest_Binary_blist bins;

	memset(arena, 0, sizeof(arena));
	MT_REQUIRE((capnp_builder_init(&b, segs, 4, arena, sizeof(arena))) == 0);
	MT_REQUIRE((manifest_SystemManifest_build_root(&b, &root)) == 0);
	manifest_SystemManifest_set_schemaVersion(&root, s->version);
	MT_REQUIRE((manifest_SystemManifest_init_binaries(&root, s->nbins, &bins)) == 0);
	for (uint32_t i = 0; i < s->nbins; i++) {
		struct manifest_Binary_b e = manifest_Binary_list_build(&bins, i);

		MT_REQUIRE((manifest_Binary_set_name(&e, s->bins[i].name,
						     (uint32_t)strlen(s->bins[i].name))) == 0);
		if (s->bins[i].len)
			MT_REQUIRE((manifest_Binary_set_image(&e, s->bins[i].image,
							      s->bins[i].len)) == 0);
	}
	if (s->has_config) {
		struct manifest_InitConfig_b cfg;
		struct manifest_ProcessEntry_b pe;

		MT_REQUIRE((manifest_SystemManifest_init_initConfig(&root, &cfg)) == 0);
		if (s->has_init) {
			MT_REQUIRE((manifest_InitConfig_init_init(&cfg, &pe)) == 0);
			MT_REQUIRE(manifest_ProcessEntry_set_binary(
					   &pe, s->init_binary, (uint32_t)strlen(s->init_binary)) ==
				   0);
			mt_build_grants(s, &pe);
		}
	}
	if (s->has_params) {
		struct manifest_KernelParams_b kp;

		MT_REQUIRE((manifest_SystemManifest_init_kernelParams(&root, &kp)) == 0);
		manifest_KernelParams_set_logLevel(
			&kp, (enum manifest_KernelParams_LogLevel)s->log_level);
		manifest_KernelParams_set_timerHz(&kp, s->timer_hz);
		manifest_KernelParams_set_maxCpus(&kp, s->max_cpus);
		MT_REQUIRE((manifest_KernelParams_set_motd(&kp, s->motd,
							   (uint32_t)strlen(s->motd))) == 0);
	}
	MT_REQUIRE((capnp_builder_error(&b)) == 0);
	size_t sz = capnp_builder_framed_size(&b);
	uint8_t *out = malloc(sz);
	MT_REQUIRE(out != NULL);
	MT_REQUIRE((capnp_builder_write_framed(&b, out, sz, len)) == 0);
	return out;
}

static struct kmanifest_view mt_view;
static struct kmanifest_error mt_err;

/* Build s and decode it; returns the decoder's status. */
static int mt_decode_spec(const struct mt_spec *s)
{
	size_t len = 0;
	uint8_t *buf = mt_build(s, &len);
	int st = kmanifest_decode(buf, len, &mt_view, &mt_err);

	free(buf);
	return st;
}

#define EXPECT_FAIL(spec, code, fld, idx)                                                          \
	do {                                                                                       \
		CHECK_EQ(mt_decode_spec(spec), (code));                                            \
		CHECK_STREQ(mt_err.field, (fld));                                                  \
		CHECK_EQ(mt_err.index, (idx));                                                     \
		CHECK_EQ(mt_view.init_image == NULL, 1);                                           \
		CHECK_EQ(mt_view.ngrants, 0u);                                                     \
	} while (0)

TEST(manifest_valid_view)
{
	struct mt_spec *s = mt_default();
	size_t len = 0;
	uint8_t *buf = mt_build(s, &len);

	CHECK_EQ(kmanifest_decode(buf, len, &mt_view, &mt_err), 0);
	CHECK_UEQ(mt_view.schema_version, 1);
	CHECK_STREQ(mt_view.init_name, "init");
	CHECK_UEQ(mt_view.init_image_len, sizeof(mt_elf));
	CHECK(mt_view.init_image > buf && mt_view.init_image + mt_view.init_image_len <= buf + len);
	CHECK_MEMEQ(mt_view.init_image, mt_elf, sizeof(mt_elf));
	CHECK_UEQ(mt_view.ngrants, 4);
	CHECK_STREQ(mt_view.grants[0].name, "console");
	CHECK_UEQ(mt_view.grants[0].interface_id, capos_Console_TYPE_ID);
	CHECK_UEQ(mt_view.grants[1].source, capos_KernelCapSource_timer);
	CHECK_UEQ(mt_view.grants[1].mode, capos_TransferMode_move);
	CHECK_UEQ(mt_view.grants[1].interface_id, capos_Timer_TYPE_ID);
	CHECK_UEQ(mt_view.grants[2].interface_id, capos_VirtualMemory_TYPE_ID);
	CHECK_UEQ(mt_view.grants[3].interface_id, capos_BootPackage_TYPE_ID);
	CHECK_STREQ(mt_view.grants[3].name, "boot");
	CHECK_EQ(mt_view.params.present, true);
	CHECK_UEQ(mt_view.params.log_level, 3);
	CHECK_UEQ(mt_view.params.timer_hz, 250);
	CHECK_UEQ(mt_view.params.max_cpus, 4);
	CHECK_STREQ(mt_view.params.motd, "hello");
	free(buf);
}

TEST(manifest_defaults_without_params_and_grants)
{
	struct mt_spec *s = mt_default();

	s->has_params = false;
	s->ngrants = 0;
	CHECK_EQ(mt_decode_spec(s), 0);
	CHECK_EQ(mt_view.params.present, false);
	CHECK_UEQ(mt_view.params.timer_hz, 100); /* schema default */
	CHECK_UEQ(mt_view.params.log_level, manifest_KernelParams_LogLevel_info);
	CHECK_UEQ(mt_view.ngrants, 0);
}

TEST(manifest_truncated)
{
	struct mt_spec *s = mt_default();
	size_t len = 0;
	uint8_t *buf = mt_build(s, &len);

	CHECK_EQ(kmanifest_decode(buf, 0, &mt_view, &mt_err), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	CHECK_EQ(kmanifest_decode(buf, 4, &mt_view, &mt_err), CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	CHECK_EQ(kmanifest_decode(buf, len - 8, &mt_view, &mt_err),
		 CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	CHECK_STREQ(mt_err.field, "(framing)");
	for (size_t cut = 0; cut < len; cut += 8)
		CHECK_EQ(kmanifest_decode(buf, cut, &mt_view, &mt_err),
			 CAPOS_ERR_CAPNP_TRUNCATED_FRAMING);
	free(buf);
}

TEST(manifest_trailing_and_too_large)
{
	struct mt_spec *s = mt_default();
	size_t len = 0;
	uint8_t *buf = mt_build(s, &len);
	uint8_t *big = calloc(1, len + 8);

	memcpy(big, buf, len);
	CHECK_EQ(kmanifest_decode(big, len + 8, &mt_view, &mt_err), CAPOS_ERR_MANIFEST_TRAILING);
	CHECK_EQ(kmanifest_decode(big, (size_t)KMANIFEST_MAX_MODULE_BYTES + 1, &mt_view, &mt_err),
		 CAPOS_ERR_MANIFEST_TOO_LARGE);
	CHECK_EQ(kmanifest_decode(NULL, 8, &mt_view, &mt_err), CAPOS_ERR_INVALID);
	CHECK_EQ(kmanifest_decode(buf, len, NULL, &mt_err), CAPOS_ERR_INVALID);
	free(big);
	free(buf);
}

TEST(manifest_wrong_root_type)
{
	/* Root is a list pointer (empty byte list): not a struct. */
	static const uint8_t list_root[] = { 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0 };
	/* Root is a struct of another shape: one data word 7, no pointers. */
	static const uint8_t other_struct[] = { 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
						1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0 };
	/* Null root pointer. */
	static const uint8_t null_root[] = { 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	CHECK_EQ(kmanifest_decode(list_root, sizeof(list_root), &mt_view, &mt_err),
		 CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	CHECK_STREQ(mt_err.field, "(root)");
	CHECK_EQ(kmanifest_decode(other_struct, sizeof(other_struct), &mt_view, &mt_err),
		 CAPOS_ERR_MANIFEST_VERSION);
	CHECK_EQ(kmanifest_decode(null_root, sizeof(null_root), &mt_view, &mt_err),
		 CAPOS_ERR_MANIFEST_VERSION);
}

TEST(manifest_version)
{
	struct mt_spec *s = mt_default();

	s->version = 2;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_VERSION, "schemaVersion", -1);
	s->version = 0;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_VERSION, "schemaVersion", -1);
}

TEST(manifest_missing_init)
{
	struct mt_spec *s = mt_default();

	s->has_config = false;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_NO_INIT, "initConfig", -1);
	s = mt_default();
	s->has_init = false;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_NO_INIT, "initConfig.init", -1);
	s = mt_default();
	s->init_binary = "";
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_NAME, "initConfig.init.binary", -1);
	s = mt_default();
	s->init_binary = "nosuch";
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_INIT_MISSING, "initConfig.init.binary", -1);
}

TEST(manifest_init_name_bounds)
{
	static char n63[64], n64[65];
	struct mt_spec *s = mt_default();

	memset(n63, 'a', 63);
	memset(n64, 'a', 64);
	s->init_binary = n63;
	s->bins[1].name = n63;
	CHECK_EQ(mt_decode_spec(s), 0);
	CHECK_UEQ(mt_view.init_name_len, 63);
	s->init_binary = n64;
	s->bins[1].name = n64;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_NAME, "initConfig.init.binary", -1);
}

TEST(manifest_binaries_bounds)
{
	struct mt_spec *s = mt_default();

	s->nbins = 3;
	s->bins[2] = (struct mt_bin){ "init", mt_elf, 64 };
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_DUPLICATE, "binaries[].name", 2);
	s = mt_default();
	s->nbins = KMANIFEST_MAX_BINARIES + 1;
	for (uint32_t i = 2; i < s->nbins; i++)
		s->bins[i] = (struct mt_bin){ "x", NULL, 0 };
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_TOO_MANY_BINARIES, "binaries", -1);
	s->nbins = KMANIFEST_MAX_BINARIES;
	CHECK_EQ(mt_decode_spec(s), 0);
}

TEST(manifest_init_image)
{
	static uint8_t bad[256];
	struct mt_spec *s = mt_default();

	s->bins[1].len = 0;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_IMAGE, "binaries[].image", 1);
	s = mt_default();
	s->bins[1].len = 63; /* shorter than an ELF64 header */
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_IMAGE, "binaries[].image", 1);
	memcpy(bad, mt_elf, sizeof(bad));
	bad[4] = 1; /* ELFCLASS32 */
	s = mt_default();
	s->bins[1].image = bad;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_IMAGE, "binaries[].image", 1);
	memcpy(bad, mt_elf, sizeof(bad));
	bad[18] = 3; /* EM_386 */
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_IMAGE, "binaries[].image", 1);
	memcpy(bad, mt_elf, sizeof(bad));
	bad[0] = 0;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_IMAGE, "binaries[].image", 1);
}

TEST(manifest_init_image_oversize)
{
	struct mt_spec *s = mt_default();
	uint8_t *big = calloc(1, KMANIFEST_MAX_IMAGE_BYTES + 8);

	memcpy(big, mt_elf, sizeof(mt_elf));
	s->bins[1].image = big;
	s->bins[1].len = KMANIFEST_MAX_IMAGE_BYTES + 8;
	/* The test arena is smaller than the image: build into a private larger one. */
	struct capnp_bseg segs[1];
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	struct manifest_Binary_blist bins;
	struct manifest_InitConfig_b cfg;
	struct manifest_ProcessEntry_b pe;
	size_t cap = KMANIFEST_MAX_IMAGE_BYTES + 65536, len = 0;
	uint64_t *arena = calloc(1, cap);

	CHECK_EQ(capnp_builder_init(&b, segs, 1, arena, cap), 0);
	CHECK_EQ(manifest_SystemManifest_build_root(&b, &root), 0);
	manifest_SystemManifest_set_schemaVersion(&root, 1);
	CHECK_EQ(manifest_SystemManifest_init_binaries(&root, 1, &bins), 0);
	struct manifest_Binary_b e = manifest_Binary_list_build(&bins, 0);
	CHECK_EQ(manifest_Binary_set_name(&e, "init", 4), 0);
	CHECK_EQ(manifest_Binary_set_image(&e, big, s->bins[1].len), 0);
	CHECK_EQ(manifest_SystemManifest_init_initConfig(&root, &cfg), 0);
	CHECK_EQ(manifest_InitConfig_init_init(&cfg, &pe), 0);
	CHECK_EQ(manifest_ProcessEntry_set_binary(&pe, "init", 4), 0);
	uint8_t *out = malloc(capnp_builder_framed_size(&b));
	CHECK_EQ(capnp_builder_write_framed(&b, out, capnp_builder_framed_size(&b), &len), 0);
	CHECK_EQ(kmanifest_decode(out, len, &mt_view, &mt_err), CAPOS_ERR_MANIFEST_IMAGE);
	CHECK_STREQ(mt_err.field, "binaries[].image");
	free(out);
	free(arena);
	free(big);
}

/* Offset, in the framed bytes, of pointer `idx` of binaries[i] (single segment). */
static size_t mt_binary_ptr_off(const uint8_t *buf, size_t len, uint32_t i, uint16_t idx)
{
	struct capnp_segment segs[4];
	struct capnp_msg m;
	struct manifest_SystemManifest_r root;
	struct manifest_Binary_rlist bins;

	MT_REQUIRE((capnp_msg_init_framed(&m, buf, len, segs, 4, NULL, NULL)) == 0);
	MT_REQUIRE(m.nsegs == 1);
	MT_REQUIRE((manifest_SystemManifest_read_root(&m, &root)) == 0);
	MT_REQUIRE((manifest_SystemManifest_get_binaries(&root, &bins)) == 0);
	struct manifest_Binary_r b = manifest_Binary_list_get(&bins, i);
	return (size_t)(b.s.ptrs + 8u * idx - buf);
}

TEST(manifest_init_image_out_of_bounds)
{
	struct mt_spec *s = mt_default();
	size_t len = 0;
	uint8_t *buf = mt_build(s, &len);
	size_t off = mt_binary_ptr_off(buf, len, 1, 1); /* binaries[1].image */
	uint32_t hi;

	/* Element count (bytes) far past the segment end. */
	memcpy(&hi, buf + off + 4, 4);
	CHECK_UEQ(hi & 7, 2); /* byte list */
	hi = (0x100000u << 3) | 2;
	memcpy(buf + off + 4, &hi, 4);
	CHECK_EQ(kmanifest_decode(buf, len, &mt_view, &mt_err), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	CHECK_STREQ(mt_err.field, "binaries[].image");
	CHECK_EQ(mt_err.index, 1);
	CHECK(mt_view.init_image == NULL);
	/* Offset pointing before the segment start. */
	free(buf);
	buf = mt_build(s, &len);
	uint32_t lo = (uint32_t)(-1000 * 4) | 1;
	memcpy(buf + off, &lo, 4);
	CHECK_EQ(kmanifest_decode(buf, len, &mt_view, &mt_err), CAPOS_ERR_CAPNP_OUT_OF_BOUNDS);
	free(buf);
}

TEST(manifest_grant_sources)
{
	struct mt_spec *s = mt_default();

	s->grants[2].kind = MT_SERVICE;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_GRANT_SOURCE, "initConfig.init.caps[].source", 2);
	s = mt_default();
	s->grants[0].kind = MT_BOOT;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_GRANT_SOURCE, "initConfig.init.caps[].source", 0);
	static const uint16_t bad[] = { capos_KernelCapSource_none, 99, 0xffff };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = mt_default();
		s->grants[3].kernel = bad[i];
		EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_UNKNOWN_SOURCE,
			    "initConfig.init.caps[].source.kernel", 3);
	}
}

TEST(manifest_grant_process_spawner)
{
	struct mt_spec *s = mt_default();

	s->grants[3].kernel = capos_KernelCapSource_processSpawner;
	s->grants[3].iface = "ProcessSpawner";
	CHECK_EQ(mt_decode_spec(s), 0);
	CHECK_UEQ(mt_view.grants[3].interface_id, capos_ProcessSpawner_TYPE_ID);
	s->grants[3].iface = "BootPackage";
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_INTERFACE, "initConfig.init.caps[].interface", 3);
}

TEST(manifest_grant_capability_manager)
{
	struct mt_spec *s = mt_default();

	s->grants[3].kernel = capos_KernelCapSource_capabilityManager;
	s->grants[3].iface = "CapabilityManager";
	CHECK_EQ(mt_decode_spec(s), 0);
	CHECK_UEQ(mt_view.grants[3].interface_id, capos_CapabilityManager_TYPE_ID);
	s->grants[3].iface = "Console";
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_INTERFACE, "initConfig.init.caps[].interface", 3);
}

TEST(manifest_grant_interface)
{
	static const char *bad[] = { "Timer", "Bogus", "", "console", "ProcessSpawner" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mt_spec *s = mt_default();

		s->grants[0].iface = bad[i];
		EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_INTERFACE, "initConfig.init.caps[].interface", 0);
	}
	CHECK_UEQ(kmanifest_interface_by_name("Console", 7), capos_Console_TYPE_ID);
	CHECK_UEQ(kmanifest_interface_by_name("Consol", 6), 0);
	CHECK_UEQ(kmanifest_source_interface(capos_KernelCapSource_endpoint),
		  capos_Endpoint_TYPE_ID);
	CHECK_UEQ(kmanifest_source_interface(capos_KernelCapSource_frameAllocator),
		  capos_FrameAllocator_TYPE_ID);
	CHECK_UEQ(kmanifest_source_interface(capos_KernelCapSource_parkSpace),
		  capos_ParkSpace_TYPE_ID);
	CHECK_UEQ(kmanifest_source_interface(capos_KernelCapSource_sharedParkSpace),
		  capos_SharedParkSpace_TYPE_ID);
	CHECK_UEQ(kmanifest_source_interface(capos_KernelCapSource_threadSpawner),
		  capos_ThreadSpawner_TYPE_ID);
	CHECK_UEQ(kmanifest_source_interface(capos_KernelCapSource_none), 0);
}

TEST(manifest_grant_names_and_mode)
{
	static char n64[65];
	struct mt_spec *s = mt_default();

	s->grants[1].name = "";
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_NAME, "initConfig.init.caps[].name", 1);
	memset(n64, 'g', 64);
	s->grants[1].name = n64;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_NAME, "initConfig.init.caps[].name", 1);
	s = mt_default();
	s->grants[3].name = "console";
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_DUPLICATE, "initConfig.init.caps[].name", 3);
	s = mt_default();
	s->grants[2].mode = capos_TransferMode_COUNT;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_BAD_ENUM, "initConfig.init.caps[].mode", 2);
}

TEST(manifest_too_many_grants)
{
	struct mt_spec *s = mt_default();

	for (uint32_t i = 0; i < KMANIFEST_MAX_GRANTS + 1; i++) {
		snprintf(mt_names[i], sizeof(mt_names[i]), "c%u", i);
		s->grants[i] = (struct mt_grant){ mt_names[i], "Console", MT_KERNEL,
						  capos_KernelCapSource_console, 0 };
	}
	s->ngrants = KMANIFEST_MAX_GRANTS;
	CHECK_EQ(mt_decode_spec(s), 0);
	CHECK_UEQ(mt_view.ngrants, KMANIFEST_MAX_GRANTS);
	CHECK_STREQ(mt_view.grants[KMANIFEST_MAX_GRANTS - 1].name, "c31");
	s->ngrants = KMANIFEST_MAX_GRANTS + 1;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_TOO_MANY_GRANTS, "initConfig.init.caps", -1);
}

TEST(manifest_kernel_params)
{
	static char motd[KMANIFEST_MAX_MOTD + 2];
	struct mt_spec *s = mt_default();

	s->timer_hz = 0;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_KERNEL_PARAM, "kernelParams.timerHz", -1);
	s->timer_hz = KMANIFEST_MAX_TIMER_HZ + 1;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_KERNEL_PARAM, "kernelParams.timerHz", -1);
	s->timer_hz = KMANIFEST_MAX_TIMER_HZ;
	CHECK_EQ(mt_decode_spec(s), 0);
	s->max_cpus = KMANIFEST_MAX_CPUS + 1;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_KERNEL_PARAM, "kernelParams.maxCpus", -1);
	s = mt_default();
	s->log_level = manifest_KernelParams_LogLevel_COUNT;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_BAD_ENUM, "kernelParams.logLevel", -1);
	s = mt_default();
	memset(motd, 'm', KMANIFEST_MAX_MOTD + 1);
	s->motd = motd;
	EXPECT_FAIL(s, CAPOS_ERR_MANIFEST_KERNEL_PARAM, "kernelParams.motd", -1);
	motd[KMANIFEST_MAX_MOTD] = '\0';
	CHECK_EQ(mt_decode_spec(s), 0);
	CHECK_UEQ(mt_view.params.motd_len, KMANIFEST_MAX_MOTD);
}

TEST(manifest_traversal_amplification)
{
	/* binaries[2..255].name all alias binaries[0]'s 256 KiB name: a small module that
	 * would make the decoder read 64 MiB. The traversal budget (module words + slack)
	 * stops it with the capnp runtime's typed error. */
	static char huge[256 * 1024 + 1];
	struct mt_spec *s = mt_default();
	size_t len = 0;

	memset(huge, 'h', sizeof(huge) - 1);
	s->bins[0].name = huge;
	s->nbins = KMANIFEST_MAX_BINARIES;
	for (uint32_t i = 2; i < s->nbins; i++)
		s->bins[i] = (struct mt_bin){ "x", NULL, 0 };
	uint8_t *buf = mt_build(s, &len);
	CHECK_EQ(kmanifest_decode(buf, len, &mt_view, &mt_err), 0); /* unaliased: fine */

	size_t p0 = mt_binary_ptr_off(buf, len, 0, 0);
	uint32_t lo0, hi0;
	memcpy(&lo0, buf + p0, 4);
	memcpy(&hi0, buf + p0 + 4, 4);
	/* Target word of binaries[0].name: pointer word + 1 + offset (signed 30 bits). */
	int64_t target = (int64_t)(p0 / 8) + 1 + ((int32_t)lo0 >> 2);
	for (uint32_t i = 2; i < s->nbins; i++) {
		size_t pi = mt_binary_ptr_off(buf, len, i, 0);
		int32_t off = (int32_t)(target - (int64_t)(pi / 8) - 1);
		uint32_t lo = ((uint32_t)off << 2) | 1;

		memcpy(buf + pi, &lo, 4);
		memcpy(buf + pi + 4, &hi0, 4);
	}
	CHECK_EQ(kmanifest_decode(buf, len, &mt_view, &mt_err), CAPOS_ERR_CAPNP_TRAVERSAL_LIMIT);
	CHECK_STREQ(mt_err.field, "binaries[].name");
	CHECK(mt_view.init_image == NULL);
	free(buf);
}
