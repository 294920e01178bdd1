/*
 * Host tests of lib/manifest (lib/include/manifest/manifest.h): the validator over the
 * broken graphs of tests/host/mgraph/cases.capnp (each with its expected code, exact
 * message and finding count), the default system, minimal and the focused graph
 * system/tests/graph.capnp (valid, references resolved), the boot module with images,
 * limits and out-of-schema enums built with the C builder, hostile framing, the report's
 * bounds, the overlay merge (override, append, conflicts, invalid merged graph), and
 * init's graph walk (user/init/graph.c) with a recording spawn hook.
 * Compiled manifests come from the build (MGRAPH_BUILD, see tests/host/mgraph.mk).
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <manifest/manifest.h>
#include <schema/capos.capnp.h>
#include <schema/manifest.capnp.h>

#include "graph.h" /* user/init/graph.h (-Iuser/init, tests/host/mgraph.mk) */

#define MG_ARENA (1u << 20)

static struct manifest_plan mg_plan;
static struct manifest_report mg_rep;
static char mg_text[16384];
static uint64_t mg_arena[MG_ARENA / 8];
static uint8_t mg_framed[MG_ARENA];

/* Read build/<rel> into a malloc'd buffer. */
static uint8_t *mg_load(const char *rel, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", MGRAPH_BUILD, rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int mg_check(const void *buf, size_t len, unsigned flags)
{
	manifest_report_init(&mg_rep, mg_text, sizeof(mg_text));
	return manifest_check(buf, len, flags, &mg_plan, &mg_rep);
}

static const char *mg_msg0(void)
{
	return manifest_report_message(&mg_rep, 0);
}

/* Frame the builder's message into mg_framed; its length. */
static size_t mg_frame(struct capnp_builder *b)
{
	size_t n = 0;

	if (capnp_builder_error(b) ||
	    capnp_builder_write_framed(b, mg_framed, sizeof(mg_framed), &n))
		return 0;
	return n;
}

static struct manifest_text mg_t(const char *s)
{
	return (struct manifest_text){ s, (uint32_t)strlen(s) };
}

static bool mg_eq(const struct manifest_text *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->str, s, t->len) == 0;
}

TEST(mgraph_cases_broken_graphs)
{
	size_t len = 0, flen;
	uint8_t *buf = mg_load("tests/mgraph/cases.bin", &len);
	struct capnp_segment segs[8];
	struct capnp_msg m;
	struct capnp_struct_reader root;
	struct capnp_list_reader list;
	uint32_t failures = 0;

	CHECK(buf != NULL);
	CHECK_EQ(capnp_msg_init_framed(&m, buf, len, segs, 8, NULL, NULL), 0);
	CHECK_EQ(capnp_msg_root_struct(&m, &root), 0);
	CHECK_EQ(capnp_get_list(&root, 0, CAPNP_ELEM_COMPOSITE, NULL, &list), 0);
	CHECK(list.len >= 35); /* the file cannot silently lose its cases */
	for (uint32_t i = 0; i < list.len; i++) {
		struct capnp_struct_reader c = capnp_list_struct(&list, i);
		struct capnp_struct_reader man;
		struct capnp_text name, code, msg;
		struct capnp_builder b;
		struct capnp_bseg bs[4];
		uint32_t findings = capnp_read_u32(&c, 0, 0);

		CHECK_EQ(capnp_get_text(&c, 0, NULL, &name), 0);
		CHECK_EQ(capnp_get_text(&c, 1, NULL, &code), 0);
		CHECK_EQ(capnp_get_text(&c, 2, NULL, &msg), 0);
		CHECK_EQ(capnp_get_struct(&c, 3, NULL, &man), 0);
		memset(mg_arena, 0, sizeof(mg_arena));
		CHECK_EQ(capnp_builder_init(&b, bs, 4, mg_arena, sizeof(mg_arena)), 0);
		struct capnp_ptr_builder rp = capnp_builder_root(&b);
		CHECK_EQ(capnp_ptr_copy_struct(&rp, &man, 0), 0);
		flen = mg_frame(&b);
		CHECK(flen > 0);
		int st = mg_check(mg_framed, flen, 0);
		const char *got_code = st ? capos_error_name(st) : "";
		const char *got_msg = mg_rep.nfindings ? mg_msg0() : "";
		if (strcmp(got_code, code.str) || strcmp(got_msg, msg.str) ||
		    mg_rep.total != findings || (st != 0) != (findings != 0)) {
			test_fail(__FILE__, __LINE__,
				  "case %s: got %s \"%s\" (%u findings), expected %s \"%s\" (%u)",
				  name.str, got_code, got_msg, mg_rep.total, code.str, msg.str,
				  findings);
			for (uint32_t k = 1; k < mg_rep.nfindings; k++)
				printf("#   also: %s %s\n",
				       capos_error_name(mg_rep.findings[k].code),
				       manifest_report_message(&mg_rep, k));
			failures++;
		} else {
			printf("# case %s: %s\n", name.str, got_code[0] ? got_code : "valid");
		}
	}
	free(buf);
	CHECK_EQ(failures, 0);
}

TEST(mgraph_focused_graph_valid_and_resolved)
{
	size_t len = 0;
	uint8_t *buf = mg_load("system/tests/graph.bin", &len);
	const struct manifest_plan *p = &mg_plan;

	CHECK(buf != NULL);
	CHECK_EQ(mg_check(buf, len, 0), 0);
	CHECK_EQ(mg_rep.total, 0);
	CHECK_EQ(p->nservices, 3);
	CHECK_EQ(p->ncaps, 4 + 2 + 3 + 3);
	CHECK_EQ(p->nexports, 2);
	CHECK_EQ(p->nbinaries, 4);
	CHECK(mg_eq(&p->services[0].name, "log"));
	CHECK_EQ(p->services[0].restart, manifest_RestartPolicy_restart);
	CHECK_EQ(p->services[0].restart_budget, 5);
	CHECK_EQ(p->services[2].badge, 7);
	CHECK_EQ(p->services[1].process.profile_index, 1);
	CHECK_EQ(p->services[0].process.profile_index, MANIFEST_NONE);
	CHECK_EQ(p->services[2].process.binary_index, 3);
	/* app's caps: log (export 0 of service 0), clock (export 1 of service 1), vm. */
	const struct manifest_cap *app = &p->caps[p->services[2].process.first_cap];
	CHECK_EQ(app[0].kind, MANIFEST_SOURCE_SERVICE);
	CHECK_EQ(app[0].service, 0);
	CHECK_EQ(app[0].export_index, 0);
	CHECK_EQ(app[0].mode, capos_TransferMode_clientFacet);
	CHECK_EQ(app[1].service, 1);
	CHECK_EQ(app[1].export_index, 1);
	CHECK_UEQ(app[1].interface_id, capos_Timer_TYPE_ID);
	CHECK_EQ(app[2].kernel, capos_KernelCapSource_virtualMemory);
	/* Exports point at their service's endpoint cap. */
	CHECK_EQ(p->exports[0].cap_index, p->services[0].process.first_cap + 1);
	CHECK_EQ(p->caps[p->exports[1].cap_index].kernel, capos_KernelCapSource_endpoint);
	CHECK_UEQ(p->exports[0].interface_id, capos_Console_TYPE_ID);
	CHECK(mg_eq(&p->params.motd, "graph test"));
	CHECK(mg_eq(&p->profiles[1].name, "small"));
	CHECK_EQ(p->profiles[1].cap_slots, 32);
	CHECK_EQ(p->profiles[1].threads, 2);
	CHECK_EQ(p->profiles[0].cap_slots, 256); /* schema default */
	free(buf);
}

TEST(mgraph_default_system_and_minimal_valid)
{
	size_t len = 0;
	uint8_t *buf = mg_load("system/system.bin", &len);

	CHECK(buf != NULL);
	CHECK_EQ(mg_check(buf, len, 0), 0);
	CHECK_EQ(mg_plan.init.ncaps, 5); /* console, timer, vm, boot, spawner */
	/* echo, kv, audit, credstore, sysinfo, broker, sessmgr, shell */
	CHECK_EQ(mg_plan.nservices, 8);
	CHECK_EQ(mg_plan.nexports, 9); /* one api each, audit's log+read, the shell's stdio */
	CHECK_EQ(mg_plan.ncaps, 38);   /* init 5 + 1 + 1 + 3 + 3 + 2 + broker 13 + 6 + 4 */
	CHECK_EQ(mg_plan.params.timer_hz, 100);
	/* Image-less source: the image check names init's binary. */
	CHECK_EQ(mg_check(buf, len, MANIFEST_CHECK_IMAGES), CAPOS_ERR_MANIFEST_NO_IMAGE);
	CHECK_STREQ(mg_msg0(), "init: binary \"init\" has no ELF64 x86_64 image");
	free(buf);
	buf = mg_load("system/demo.bin", &len);
	CHECK(buf != NULL);
	CHECK_EQ(mg_check(buf, len, 0), 0);
	CHECK_EQ(mg_plan.nservices, 3); /* the demo graph: echo, kv, democlient */
	CHECK_EQ(mg_plan.nexports, 3);	/* echo.api, kv.api, democlient.notify */
	CHECK_EQ(mg_plan.ncaps, 13);	/* init 5 + 2 + 2 + 4 */
	free(buf);
	buf = mg_load("system/minimal.bin", &len);
	CHECK(buf != NULL);
	CHECK_EQ(mg_check(buf, len, 0), 0);
	CHECK_EQ(mg_plan.init.ncaps, 4);
	free(buf);
}

TEST(mgraph_boot_module_with_images_valid)
{
	size_t len = 0;
	uint8_t *buf = mg_load("manifest.bin", &len);

	CHECK(buf != NULL);
	CHECK_EQ(mg_check(buf, len, MANIFEST_CHECK_IMAGES), 0);
	CHECK(mg_plan.binaries[mg_plan.init.binary_index].image_len > 64);
	free(buf);
}

/* A manifest with nsvc services s0.., each with ncaps console caps c0.. and nexp exports
 * of its endpoint cap "ep" (added when nexp > 0); framed into mg_framed. */
static size_t mg_build(uint32_t nsvc, uint32_t ncaps, uint32_t nexp, struct capnp_builder *b,
		       struct manifest_SystemManifest_b *root)
{
	static struct capnp_bseg bs[4];
	struct manifest_Binary_blist bins;
	struct manifest_InitConfig_b cfg;
	struct manifest_ProcessEntry_b init, pe;
	struct manifest_Service_blist svcs;
	struct manifest_CapEntry_blist caps;
	char name[16];

	memset(mg_arena, 0, sizeof(mg_arena));
	(void)capnp_builder_init(b, bs, 4, mg_arena, sizeof(mg_arena));
	(void)manifest_SystemManifest_build_root(b, root);
	manifest_SystemManifest_set_schemaVersion(root, 1);
	(void)manifest_SystemManifest_init_binaries(root, 1, &bins);
	struct manifest_Binary_b b0 = manifest_Binary_list_build(&bins, 0);
	(void)manifest_Binary_set_name(&b0, "init", 4);
	(void)manifest_SystemManifest_init_initConfig(root, &cfg);
	(void)manifest_InitConfig_init_init(&cfg, &init);
	(void)manifest_ProcessEntry_set_binary(&init, "init", 4);
	(void)manifest_InitConfig_init_services(&cfg, nsvc, &svcs);
	for (uint32_t i = 0; i < nsvc; i++) {
		struct manifest_Service_b s = manifest_Service_list_build(&svcs, i);
		uint32_t n = ncaps + (nexp ? 1 : 0);

		snprintf(name, sizeof(name), "s%u", i);
		(void)manifest_Service_set_name(&s, name, (uint32_t)strlen(name));
		(void)manifest_Service_init_process(&s, &pe);
		(void)manifest_ProcessEntry_set_binary(&pe, "init", 4);
		(void)manifest_ProcessEntry_init_caps(&pe, n, &caps);
		for (uint32_t k = 0; k < n; k++) {
			struct manifest_CapEntry_b c = manifest_CapEntry_list_build(&caps, k);
			struct manifest_CapEntry_source_b src = manifest_CapEntry_init_source(&c);

			if (k == ncaps) {
				(void)manifest_CapEntry_set_name(&c, "ep", 2);
				(void)manifest_CapEntry_set_interface(&c, "Endpoint", 8);
				manifest_CapEntry_source_set_kernel(&src,
								    capos_KernelCapSource_endpoint);
				continue;
			}
			snprintf(name, sizeof(name), "c%u", k);
			(void)manifest_CapEntry_set_name(&c, name, (uint32_t)strlen(name));
			(void)manifest_CapEntry_set_interface(&c, "Console", 7);
			manifest_CapEntry_source_set_kernel(&src, capos_KernelCapSource_console);
		}
		if (nexp) {
			struct manifest_Export_blist ex;

			(void)manifest_Service_init_exports(&s, nexp, &ex);
			for (uint32_t k = 0; k < nexp; k++) {
				struct manifest_Export_b e = manifest_Export_list_build(&ex, k);

				snprintf(name, sizeof(name), "e%u", k);
				(void)manifest_Export_set_name(&e, name, (uint32_t)strlen(name));
				(void)manifest_Export_set_interface(&e, "Console", 7);
				(void)manifest_Export_set_cap(&e, "ep", 2);
			}
		}
	}
	return mg_frame(b);
}

TEST(mgraph_limits)
{
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	size_t n;

	n = mg_build(MANIFEST_MAX_SERVICES, 1, 0, &b, &root);
	CHECK(n > 0);
	CHECK_EQ(mg_check(mg_framed, n, 0), 0);
	n = mg_build(MANIFEST_MAX_SERVICES + 1, 1, 0, &b, &root);
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_LIMIT);
	CHECK_STREQ(mg_msg0(), "initConfig.services: 65 entries, limit 64");
	n = mg_build(1, MANIFEST_MAX_CAPS, 0, &b, &root);
	CHECK_EQ(mg_check(mg_framed, n, 0), 0);
	n = mg_build(1, MANIFEST_MAX_CAPS + 1, 0, &b, &root);
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_LIMIT);
	CHECK_STREQ(mg_msg0(), "service \"s0\": caps: 33 entries, limit 32");
	n = mg_build(2, 1, MANIFEST_MAX_EXPORTS, &b, &root);
	CHECK_EQ(mg_check(mg_framed, n, 0), 0);
	CHECK_EQ(mg_plan.nexports, 2 * MANIFEST_MAX_EXPORTS);
	n = mg_build(1, 1, MANIFEST_MAX_EXPORTS + 1, &b, &root);
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_LIMIT);
	CHECK_STREQ(mg_msg0(), "service \"s0\": exports: 17 entries, limit 16");
	/* 17 services x 31 caps = 527 > 512 caps in all. */
	n = mg_build(17, 31, 0, &b, &root);
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_LIMIT);
	CHECK_STREQ(mg_msg0(), "caps of all processes: 527 entries, limit 512");
}

TEST(mgraph_enums_outside_schema)
{
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	struct capnp_msg m;
	struct capnp_segment segs[4];
	size_t n = mg_build(1, 1, 0, &b, &root);

	CHECK(n > 0);
	/* Patch the framed message through a reader's view: find the first cap of s0 and
	 * the service struct, then write out-of-schema values into their data sections. */
	CHECK_EQ(capnp_msg_init_framed(&m, mg_framed, n, segs, 4, NULL, NULL), 0);
	struct manifest_SystemManifest_r r;
	struct manifest_InitConfig_r cfg;
	struct manifest_Service_rlist svcs;
	struct manifest_ProcessEntry_r pe;
	struct manifest_CapEntry_rlist caps;
	CHECK_EQ(manifest_SystemManifest_read_root(&m, &r), 0);
	CHECK_EQ(manifest_SystemManifest_get_initConfig(&r, &cfg), 0);
	CHECK_EQ(manifest_InitConfig_get_services(&cfg, &svcs), 0);
	struct manifest_Service_r s = manifest_Service_list_get(&svcs, 0);
	CHECK_EQ(manifest_Service_get_process(&s, &pe), 0);
	CHECK_EQ(manifest_ProcessEntry_get_caps(&pe, &caps), 0);
	struct manifest_CapEntry_r c = manifest_CapEntry_list_get(&caps, 0);
	uint8_t *cap_data = (uint8_t *)(uintptr_t)c.s.data;
	uint8_t *svc_data = (uint8_t *)(uintptr_t)s.s.data;
	uint8_t save[8];

	memcpy(save, cap_data, 8);
	cap_data[0] = 7; /* mode (u16 at byte 0) */
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_BAD_MODE);
	CHECK_STREQ(mg_msg0(), "service \"s0\": caps[0] \"c0\": mode 7 is not a TransferMode");
	memcpy(cap_data, save, 8);
	cap_data[2] = 42; /* kernel source (u16 at byte 2) */
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_BAD_SOURCE);
	CHECK_STREQ(mg_msg0(), "service \"s0\": caps[0] \"c0\": kernel source 42 is not a "
			       "KernelCapSource");
	memcpy(cap_data, save, 8);
	cap_data[4] = 3; /* union tag (u16 at byte 4) */
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_BAD_SOURCE);
	CHECK_STREQ(mg_msg0(), "service \"s0\": caps[0] \"c0\": source tag 3 is not kernel, "
			       "service or boot");
	memcpy(cap_data, save, 8);
	CHECK_EQ(mg_check(mg_framed, n, 0), 0);
	svc_data[0] = 5; /* restart (u16 at byte 0) */
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_RESTART);
	CHECK_STREQ(mg_msg0(), "service \"s0\": restart: 5 is not a RestartPolicy");
}

TEST(mgraph_log_level_outside_schema)
{
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	struct manifest_KernelParams_b kp;

	mg_build(1, 1, 0, &b, &root);
	CHECK_EQ(manifest_SystemManifest_init_kernelParams(&root, &kp), 0);
	manifest_KernelParams_set_logLevel(&kp, (enum manifest_KernelParams_LogLevel)9);
	manifest_KernelParams_set_maxCpus(&kp, 257);
	size_t n = mg_frame(&b);
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_BAD_ENUM);
	CHECK_STREQ(mg_msg0(), "kernelParams.logLevel: 9 is not a LogLevel");
	CHECK_EQ(mg_rep.total, 2);
	CHECK_EQ(mg_rep.findings[1].code, CAPOS_ERR_MANIFEST_KERNEL_PARAM);
	CHECK_STREQ(manifest_report_message(&mg_rep, 1),
		    "kernelParams.maxCpus: 257, expected 0..256");
}

TEST(mgraph_hostile_framing)
{
	size_t len = 0;
	uint8_t *buf = mg_load("system/tests/graph.bin", &len);
	uint8_t *copy;

	CHECK(buf != NULL);
	/* Every truncation is refused with a finding, never a crash. */
	for (size_t cut = 0; cut < len; cut += 8) {
		copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		int st = mg_check(copy, cut, 0);
		free(copy);
		CHECK(st != 0);
		CHECK(mg_rep.total >= 1);
		CHECK_EQ(mg_rep.first, st);
	}
	copy = calloc(1, len + 8);
	memcpy(copy, buf, len);
	CHECK_EQ(mg_check(copy, len + 8, 0), CAPOS_ERR_MANIFEST_TRAILING);
	CHECK_STREQ(mg_msg0(), "(framing): 8 bytes after the message");
	free(copy);
	CHECK_EQ(mg_check(buf, (size_t)MANIFEST_MAX_MESSAGE_BYTES + 1, 0),
		 CAPOS_ERR_MANIFEST_TOO_LARGE);
	CHECK_STREQ(mg_msg0(), "(message): 67108865 bytes, limit 67108864");
	CHECK_EQ(mg_check(NULL, 8, 0), CAPOS_ERR_INVALID);
	free(buf);
}

TEST(mgraph_report_bounds)
{
	struct capnp_builder b;
	struct manifest_SystemManifest_b root;
	char small[16];

	/* 40 services naming a missing binary: 40 findings, 32 recorded. */
	size_t n = mg_build(40, 1, 0, &b, &root);
	CHECK_EQ(mg_check(mg_framed, n, 0), 0);
	manifest_report_init(&mg_rep, mg_text, sizeof(mg_text));
	CHECK_EQ(manifest_decode(mg_framed, n, &mg_plan, &mg_rep), 0);
	for (uint32_t i = 0; i < mg_plan.nservices; i++)
		mg_plan.services[i].process.binary = mg_t("nosuch");
	CHECK_EQ(manifest_validate(&mg_plan, 0, &mg_rep), CAPOS_ERR_MANIFEST_UNKNOWN_BINARY);
	CHECK_EQ(mg_rep.total, 40);
	CHECK_EQ(mg_rep.nfindings, MANIFEST_MAX_FINDINGS);
	CHECK_STREQ(manifest_report_message(&mg_rep, 31),
		    "service \"s31\": process.binary \"nosuch\" names no entry of binaries");
	/* A 16-byte buffer: the first message truncated to 15 bytes, the rest empty. */
	manifest_report_init(&mg_rep, small, sizeof(small));
	CHECK_EQ(manifest_validate(&mg_plan, 0, &mg_rep), CAPOS_ERR_MANIFEST_UNKNOWN_BINARY);
	CHECK_STREQ(manifest_report_message(&mg_rep, 0), "service \"s0\": p");
	CHECK_STREQ(manifest_report_message(&mg_rep, 1), "");
	CHECK_EQ(mg_rep.findings[1].code, CAPOS_ERR_MANIFEST_UNKNOWN_BINARY);
	/* No buffer at all: codes only. */
	manifest_report_init(&mg_rep, NULL, 0);
	CHECK_EQ(manifest_validate(&mg_plan, 0, &mg_rep), CAPOS_ERR_MANIFEST_UNKNOWN_BINARY);
	CHECK_STREQ(manifest_report_message(&mg_rep, 0), "");
	/* Quoted texts escape control bytes and stop after 64 bytes. */
	mg_plan.services[0].process.binary = mg_t("a\"b\x01");
	manifest_report_init(&mg_rep, mg_text, sizeof(mg_text));
	manifest_validate(&mg_plan, 0, &mg_rep);
	CHECK_STREQ(mg_msg0(), "service \"s0\": process.binary \"a\\x22b\\x01\" names no entry of "
			       "binaries");
}

/* Merge build/tests/mgraph/<ov>.bin into base.bin; framed result in mg_framed. */
static int mg_merge(const char *ov, size_t *out_len)
{
	size_t blen = 0, olen = 0;
	uint8_t *base = mg_load("tests/mgraph/base.bin", &blen);
	char rel[128];
	uint8_t *o;
	struct capnp_builder b;
	struct capnp_bseg bs[4];
	int st;

	snprintf(rel, sizeof(rel), "tests/mgraph/%s.bin", ov);
	o = mg_load(rel, &olen);
	if (!base || !o)
		return -9999;
	memset(mg_arena, 0, sizeof(mg_arena));
	(void)capnp_builder_init(&b, bs, 4, mg_arena, sizeof(mg_arena));
	manifest_report_init(&mg_rep, mg_text, sizeof(mg_text));
	st = manifest_merge(base, blen, o, olen, &b, &mg_rep);
	*out_len = st ? 0 : mg_frame(&b);
	free(base);
	free(o);
	return st;
}

TEST(mgraph_merge_override)
{
	size_t n = 0;

	CHECK_EQ(mg_merge("ovOverride", &n), 0);
	CHECK(n > 0);
	CHECK_EQ(mg_check(mg_framed, n, 0), 0);
	CHECK_EQ(mg_plan.nservices, 2);
	CHECK(mg_eq(&mg_plan.services[0].name, "kv")); /* replaced in place */
	CHECK_EQ(mg_plan.services[0].restart, manifest_RestartPolicy_restart);
	CHECK_EQ(mg_plan.services[0].restart_budget, 9);
	CHECK(mg_eq(&mg_plan.services[1].name, "kv-client"));
	CHECK_EQ(mg_plan.services[1].restart_budget, 3); /* the base's, untouched */
	CHECK(mg_eq(&mg_plan.params.motd, "overlay"));
	CHECK_EQ(mg_plan.params.log_level, manifest_KernelParams_LogLevel_debug);
	CHECK_EQ(mg_plan.params.timer_hz, 250); /* overlay left the default: base kept */
	CHECK_EQ(mg_plan.params.max_cpus, 2);
	CHECK_EQ(mg_plan.nbinaries, 3);
	CHECK_EQ(mg_plan.init.ncaps, 2);
}

TEST(mgraph_merge_append)
{
	size_t n = 0;

	CHECK_EQ(mg_merge("ovAppend", &n), 0);
	CHECK_EQ(mg_check(mg_framed, n, 0), 0);
	CHECK_EQ(mg_plan.nbinaries, 4);
	CHECK(mg_eq(&mg_plan.binaries[3].name, "extra"));
	CHECK_EQ(mg_plan.nservices, 3);
	CHECK(mg_eq(&mg_plan.services[2].name, "extra"));
	CHECK_EQ(mg_plan.caps[mg_plan.services[2].process.first_cap].service, 0);
	CHECK_EQ(mg_plan.nprofiles, 2);
	CHECK(mg_eq(&mg_plan.profiles[0].name, "default"));
	CHECK_EQ(mg_plan.profiles[0].cap_slots, 64); /* replaced in place */
	CHECK(mg_eq(&mg_plan.profiles[1].name, "tiny"));
	CHECK_EQ(mg_plan.services[2].process.profile_index, 1);
	CHECK(mg_eq(&mg_plan.params.motd, "base")); /* overlay has no kernelParams */
	CHECK_EQ(mg_plan.params.timer_hz, 250);
}

TEST(mgraph_merge_conflicts)
{
	size_t n = 0;

	CHECK_EQ(mg_merge("ovInit", &n), CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT);
	CHECK_STREQ(mg_msg0(), "overlay: initConfig.init: an overlay may not redefine init");
	CHECK_EQ(mg_merge("ovDupService", &n), CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT);
	CHECK_STREQ(mg_msg0(), "overlay: initConfig.services[1].name: \"kv\" duplicates "
			       "initConfig.services[0]");
	CHECK_EQ(mg_merge("ovVersion", &n), CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT);
	CHECK_STREQ(mg_msg0(), "overlay: schemaVersion: 2, base has 1");
	/* A clean merge can still produce an invalid graph: the validator catches it. */
	CHECK_EQ(mg_merge("ovBadGraph", &n), 0);
	CHECK_EQ(mg_check(mg_framed, n, 0), CAPOS_ERR_MANIFEST_NO_EXPORT);
	CHECK_STREQ(mg_msg0(), "service \"late\": caps[0] \"kv\": imports \"kv.nope\" which "
			       "service \"kv\" does not export");
}

TEST(mgraph_merge_hostile_inputs)
{
	static const uint8_t junk[16] = { 0xff, 0xff, 0xff, 0xff };
	size_t blen = 0, olen = 0;
	uint8_t *base = mg_load("tests/mgraph/base.bin", &blen);
	uint8_t *ov = mg_load("tests/mgraph/ovAppend.bin", &olen);
	struct capnp_builder b;
	struct capnp_bseg bs[1];
	static uint64_t tiny[8];

	CHECK(base != NULL && ov != NULL);
	memset(mg_arena, 0, sizeof(mg_arena));
	(void)capnp_builder_init(&b, bs, 1, mg_arena, sizeof(mg_arena));
	manifest_report_init(&mg_rep, mg_text, sizeof(mg_text));
	CHECK_EQ(manifest_merge(base, blen, junk, sizeof(junk), &b, &mg_rep),
		 CAPOS_ERR_CAPNP_SEGMENT_COUNT);
	CHECK_STREQ(mg_msg0(), "overlay: (framing): malformed message");
	/* No room to build the result: the builder's error, reported. */
	(void)capnp_builder_init(&b, bs, 1, tiny, sizeof(tiny));
	manifest_report_init(&mg_rep, mg_text, sizeof(mg_text));
	int st = manifest_merge(base, blen, ov, olen, &b, &mg_rep);
	CHECK_EQ(manifest_merge(NULL, 8, base, blen, &b, &mg_rep), CAPOS_ERR_INVALID);
	free(base);
	free(ov);
	CHECK(st != 0);
	CHECK_EQ(mg_rep.first, st);
	CHECK_STREQ(mg_msg0(), "merged manifest: building failed");
}

TEST(mgraph_shared_helpers)
{
	CHECK_UEQ(manifest_interface_by_name("Console", 7), capos_Console_TYPE_ID);
	CHECK_UEQ(manifest_interface_by_name("Consol", 6), 0);
	CHECK_STREQ(manifest_interface_name(capos_ProcessSpawner_TYPE_ID), "ProcessSpawner");
	CHECK(manifest_interface_name(1) == NULL);
	CHECK_UEQ(manifest_kernel_source_interface(capos_KernelCapSource_endpoint),
		  capos_Endpoint_TYPE_ID);
	CHECK_UEQ(manifest_kernel_source_interface(capos_KernelCapSource_none), 0);
	CHECK_UEQ(manifest_kernel_source_interface(capos_KernelCapSource_COUNT), 0);
	CHECK_STREQ(manifest_kernel_source_name(capos_KernelCapSource_parkSpace), "parkSpace");
	CHECK(manifest_name_ok("kv-client.v2_x", 14));
	CHECK(!manifest_name_ok("Kv", 2));
	CHECK(!manifest_name_ok("", 0));
	CHECK(!manifest_name_ok("a b", 3));
	CHECK(manifest_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			       63));
	CHECK(!manifest_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				64));
}

/* ---- init's graph walk (user/init/graph.c) with a recording spawn hook */

struct mg_spawns {
	uint32_t order[MANIFEST_MAX_SERVICES];
	uint32_t n;
	uint32_t fail_at; /* index whose spawn fails, or MANIFEST_NONE */
};

static int mg_spawn(void *ctx, const struct manifest_plan *plan, uint32_t index)
{
	struct mg_spawns *s = ctx;

	(void)plan;
	s->order[s->n++] = index;
	return index == s->fail_at ? CAPOS_ERR_CAP_TABLE_FULL : 0;
}

TEST(mgraph_init_graph_walk)
{
	size_t len = 0;
	uint8_t *buf = mg_load("system/tests/graph.bin", &len);
	struct mg_spawns s = { .fail_at = MANIFEST_NONE };
	struct init_graph_result res;

	CHECK(buf != NULL);
	CHECK_EQ(mg_check(buf, len, 0), 0);
	/* Every service, in manifest order. */
	CHECK_EQ(init_graph_run(&mg_plan, mg_spawn, &s, &res), 0);
	CHECK_EQ(res.started, 3);
	CHECK_EQ(s.n, 3);
	CHECK(s.order[0] == 0 && s.order[1] == 1 && s.order[2] == 2);
	/* A failure stops the walk there (later services may import from it). */
	s = (struct mg_spawns){ .fail_at = 1 };
	CHECK_EQ(init_graph_run(&mg_plan, mg_spawn, &s, &res), CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_EQ(res.started, 1);
	CHECK_EQ(res.failed, 1);
	CHECK_EQ(res.error, CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_EQ(s.n, 2);
	/* No executor: the first service fails with CAPOS_ERR_UNSUPPORTED. */
	CHECK_EQ(init_graph_run(&mg_plan, NULL, NULL, &res), CAPOS_ERR_UNSUPPORTED);
	CHECK_EQ(res.started, 0);
	CHECK_EQ(res.failed, 0);
	free(buf);
}
