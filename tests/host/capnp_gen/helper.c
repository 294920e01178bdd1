/*
 * Interop helper for the capnpc-c tests (driven by interop.py): a host program that
 * encodes and decodes Cap'n Proto messages ONLY through the generated accessors of
 * tests/host/capnp_gen/test.capnp and schema/manifest.capnp, so the official `capnp`
 * tool can judge the bytes. Subcommands (binary messages are framed, on stdin/stdout):
 *   build-all       write the value of test.capnp's `sampleAll` built with setters
 *   echo-all        read an AllTypes with getters and rebuild it field by field with
 *                   setters (every field kind, both unions, the group)
 *   build-manifest  write a SystemManifest built with setters
 *   dump-manifest   read a SystemManifest with getters and print it as text lines
 * Exit status 0 on success; on any runtime error, 1 with the error name on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/manifest.capnp.h"
#include "tests/host/capnp_gen/test.capnp.h"

#define ARENA_BYTES (1u << 22)
#define MAX_SEGS 64

static uint8_t arena[ARENA_BYTES] __attribute__((aligned(8)));
static uint8_t input[ARENA_BYTES] __attribute__((aligned(8)));
static int status;

/* Record the first failing status; return whether st was success. */
static int ck(int st, const char *what)
{
	if (st != 0 && status == 0) {
		fprintf(stderr, "helper: %s: %s (%d)\n", what, capos_error_name(st), st);
		status = st;
	}
	return st == 0;
}

static int read_input(struct capnp_msg *m)
{
	static struct capnp_segment segs[MAX_SEGS];
	size_t n = fread(input, 1, sizeof input, stdin);

	return capnp_msg_init_framed(m, input, n, segs, MAX_SEGS, NULL, NULL);
}

static int write_output(const struct capnp_builder *b)
{
	static uint8_t out[ARENA_BYTES + 4096] __attribute__((aligned(8)));
	size_t n;
	int st = capnp_builder_write_framed(b, out, sizeof out, &n);

	if (st == 0 && fwrite(out, 1, n, stdout) != n)
		st = CAPOS_ERR_INVALID;
	return st;
}

/* ---- AllTypes: build the sampleAll value */

static void build_inner(const struct test_Inner_b *in, uint32_t id, const char *label,
			const char *tag)
{
	test_Inner_set_id(in, id);
	if (label)
		ck(test_Inner_set_label(in, label, (uint32_t)strlen(label)), "label");
	if (tag) {
		struct capnp_list_builder tags;
		struct capnp_ptr_builder p;
		if (ck(test_Inner_init_tags(in, 1, &tags), "tags")) {
			p = capnp_lb_ptr(&tags, 0);
			ck(capnp_ptr_set_text(&p, tag, (uint32_t)strlen(tag)), "tag");
		}
	}
}

static void build_prim_lists(const struct test_AllTypes_b *a)
{
	struct capnp_list_builder l;

	if (ck(test_AllTypes_init_boolList(a, 4, &l), "boolList")) {
		capnp_lb_set_bool(&l, 0, true);
		capnp_lb_set_bool(&l, 2, true);
		capnp_lb_set_bool(&l, 3, true);
	}
	if (ck(test_AllTypes_init_int8List(a, 2, &l), "int8List")) {
		capnp_lb_set_i8(&l, 0, -1);
		capnp_lb_set_i8(&l, 1, 1);
	}
	if (ck(test_AllTypes_init_int16List(a, 2, &l), "int16List")) {
		capnp_lb_set_i16(&l, 0, -300);
		capnp_lb_set_i16(&l, 1, 300);
	}
	if (ck(test_AllTypes_init_int32List(a, 2, &l), "int32List")) {
		capnp_lb_set_i32(&l, 0, -70000);
		capnp_lb_set_i32(&l, 1, 70000);
	}
	if (ck(test_AllTypes_init_int64List(a, 2, &l), "int64List")) {
		capnp_lb_set_i64(&l, 0, -5000000000);
		capnp_lb_set_i64(&l, 1, 5000000000);
	}
	if (ck(test_AllTypes_init_uInt8List(a, 2, &l), "uInt8List"))
		capnp_lb_set_u8(&l, 0, 255);
	if (ck(test_AllTypes_init_uInt16List(a, 1, &l), "uInt16List"))
		capnp_lb_set_u16(&l, 0, 65535);
	if (ck(test_AllTypes_init_uInt32List(a, 1, &l), "uInt32List"))
		capnp_lb_set_u32(&l, 0, 4294967295u);
	if (ck(test_AllTypes_init_uInt64List(a, 1, &l), "uInt64List"))
		capnp_lb_set_u64(&l, 0, UINT64_MAX);
	if (ck(test_AllTypes_init_float32List(a, 2, &l), "float32List")) {
		capnp_lb_set_f32(&l, 0, 0.25f);
		capnp_lb_set_f32(&l, 1, -0.25f);
	}
	if (ck(test_AllTypes_init_float64List(a, 1, &l), "float64List"))
		capnp_lb_set_f64(&l, 0, 0.125);
	if (ck(test_AllTypes_init_enumList(a, 2, &l), "enumList")) {
		capnp_lb_set_u16(&l, 0, test_Color_blue);
		capnp_lb_set_u16(&l, 1, test_Color_red);
	}
	ck(test_AllTypes_init_voidList(a, 3, &l), "voidList");
}

static void build_ptr_lists(const struct test_AllTypes_b *a)
{
	static const char *const texts[] = { "a", "", "ccc" };
	struct capnp_list_builder l, inner;
	struct test_Inner_blist sl;
	struct capnp_ptr_builder p;

	if (ck(test_AllTypes_init_textList(a, 3, &l), "textList"))
		for (uint32_t i = 0; i < 3; i++) {
			p = capnp_lb_ptr(&l, i);
			ck(capnp_ptr_set_text(&p, texts[i], (uint32_t)strlen(texts[i])),
			   "text elem");
		}
	if (ck(test_AllTypes_init_dataList(a, 2, &l), "dataList")) {
		p = capnp_lb_ptr(&l, 0);
		ck(capnp_ptr_set_data(&p, "\xff", 1), "data elem");
		p = capnp_lb_ptr(&l, 1);
		ck(capnp_ptr_set_data(&p, "\x00", 1), "data elem");
	}
	if (ck(test_AllTypes_init_structList(a, 2, &sl), "structList")) {
		struct test_Inner_b e0 = test_Inner_list_build(&sl, 0);
		struct test_Inner_b e1 = test_Inner_list_build(&sl, 1);
		build_inner(&e0, 1, "one", "t");
		build_inner(&e1, 2, NULL, NULL);
	}
	if (ck(test_AllTypes_init_listList(a, 3, &l), "listList")) {
		static const int32_t v[3][2] = { { 1, 2 }, { 0, 0 }, { 3, 0 } };
		static const uint32_t n[3] = { 2, 0, 1 };
		for (uint32_t i = 0; i < 3; i++) {
			p = capnp_lb_ptr(&l, i);
			if (!ck(capnp_ptr_init_list(&p, CAPNP_ELEM_FOUR, n[i], &inner),
				"inner list"))
				continue;
			for (uint32_t k = 0; k < n[i]; k++)
				capnp_lb_set_i32(&inner, k, v[i][k]);
		}
	}
}

static void build_all(const struct test_AllTypes_b *a)
{
	struct test_Inner_b in;
	struct test_AllTypes_outer_b outer;
	struct test_AllTypes_outer_choice_b choice;
	struct test_AllTypes_outer_choice_right_b right;

	test_AllTypes_set_boolField(a, true);
	test_AllTypes_set_int8Field(a, -8);
	test_AllTypes_set_int16Field(a, -16);
	test_AllTypes_set_int32Field(a, -32);
	test_AllTypes_set_int64Field(a, -64);
	test_AllTypes_set_uInt8Field(a, 8);
	test_AllTypes_set_uInt16Field(a, 16);
	test_AllTypes_set_uInt32Field(a, 32);
	test_AllTypes_set_uInt64Field(a, 64);
	test_AllTypes_set_float32Field(a, 0.5f);
	test_AllTypes_set_float64Field(a, 1.25);
	ck(test_AllTypes_set_textField(a, "text", 4), "textField");
	ck(test_AllTypes_set_dataField(a, "\x01\x02\x03", 3), "dataField");
	if (ck(test_AllTypes_init_structField(a, &in), "structField"))
		build_inner(&in, 5, "five", NULL);
	test_AllTypes_set_enumField(a, test_Color_green);
	build_prim_lists(a);
	build_ptr_lists(a);
	ck(test_AllTypes_set_word(a, "chosen", 6), "word");
	outer = test_AllTypes_init_outer(a);
	test_AllTypes_outer_set_depth(&outer, 9);
	choice = test_AllTypes_outer_init_choice(&outer);
	right = test_AllTypes_outer_choice_init_right(&choice);
	test_AllTypes_outer_choice_right_set_a(&right, 4);
	ck(test_AllTypes_outer_choice_right_set_b(&right, "bee", 3), "b");
}

/* ---- AllTypes: echo through getters and setters */

#define ECHO_PRIM(f) test_AllTypes_set_##f(b, test_AllTypes_get_##f(r))

static void echo_inner(const struct test_Inner_r *r, const struct test_Inner_b *b)
{
	struct capnp_text t;
	struct capnp_list_reader tags;

	test_Inner_set_id(b, test_Inner_get_id(r));
	if (test_Inner_has_label(r) && ck(test_Inner_get_label(r, &t), "label"))
		ck(test_Inner_set_label(b, t.str, t.len), "label");
	if (test_Inner_has_tags(r) && ck(test_Inner_get_tags(r, &tags), "tags"))
		ck(test_Inner_set_tags(b, &tags), "tags");
}

static void echo_scalars(const struct test_AllTypes_r *r, const struct test_AllTypes_b *b)
{
	ECHO_PRIM(boolField);
	ECHO_PRIM(int8Field);
	ECHO_PRIM(int16Field);
	ECHO_PRIM(int32Field);
	ECHO_PRIM(int64Field);
	ECHO_PRIM(uInt8Field);
	ECHO_PRIM(uInt16Field);
	ECHO_PRIM(uInt32Field);
	ECHO_PRIM(uInt64Field);
	ECHO_PRIM(float32Field);
	ECHO_PRIM(float64Field);
	ECHO_PRIM(enumField);
}

static void echo_blobs(const struct test_AllTypes_r *r, const struct test_AllTypes_b *b)
{
	struct capnp_text t;
	struct capnp_data d;
	struct test_Inner_r in;
	struct test_Inner_b inb;
	uint32_t cap;

	if (test_AllTypes_has_textField(r) && ck(test_AllTypes_get_textField(r, &t), "textField"))
		ck(test_AllTypes_set_textField(b, t.str, t.len), "textField");
	if (test_AllTypes_has_dataField(r) && ck(test_AllTypes_get_dataField(r, &d), "dataField"))
		ck(test_AllTypes_set_dataField(b, d.ptr, d.len), "dataField");
	if (test_AllTypes_has_structField(r) &&
	    ck(test_AllTypes_get_structField(r, &in), "structField") &&
	    ck(test_AllTypes_init_structField(b, &inb), "structField"))
		echo_inner(&in, &inb);
	if (test_AllTypes_has_anyField(r)) {
		struct capnp_ptr_reader src = test_AllTypes_get_anyField(r);
		struct capnp_ptr_builder dst = test_AllTypes_init_anyField(b);
		ck(capnp_ptr_copy(&dst, &src, 0), "anyField");
	}
	if (test_AllTypes_has_capField(r) && ck(test_AllTypes_get_capField(r, &cap), "capField"))
		ck(test_AllTypes_set_capField(b, cap), "capField");
	if (test_AllTypes_has_ifaceField(r) &&
	    ck(test_AllTypes_get_ifaceField(r, &cap), "ifaceField"))
		ck(test_AllTypes_set_ifaceField(b, cap), "ifaceField");
}

/* Copy a list field through the generic list reader (the generated getter checked the
 * element size against the schema) and the generated copy setter. */
#define ECHO_LIST(f)                                                                               \
	do {                                                                                       \
		struct capnp_list_reader l_;                                                       \
		if (test_AllTypes_has_##f(r) && ck(test_AllTypes_get_##f(r, &l_), #f))             \
			ck(test_AllTypes_set_##f(b, &l_), #f);                                     \
	} while (0)

static void echo_lists(const struct test_AllTypes_r *r, const struct test_AllTypes_b *b)
{
	struct test_Inner_rlist sl;
	struct test_Inner_blist sb;

	ECHO_LIST(boolList);
	ECHO_LIST(int8List);
	ECHO_LIST(int16List);
	ECHO_LIST(int32List);
	ECHO_LIST(int64List);
	ECHO_LIST(uInt8List);
	ECHO_LIST(uInt16List);
	ECHO_LIST(uInt32List);
	ECHO_LIST(uInt64List);
	ECHO_LIST(float32List);
	ECHO_LIST(float64List);
	ECHO_LIST(textList);
	ECHO_LIST(dataList);
	ECHO_LIST(enumList);
	ECHO_LIST(voidList);
	ECHO_LIST(listList);
	/* Struct lists element by element through the typed accessors. */
	if (test_AllTypes_has_structList(r) &&
	    ck(test_AllTypes_get_structList(r, &sl), "structList") &&
	    ck(test_AllTypes_init_structList(b, test_Inner_list_len(&sl), &sb), "structList"))
		for (uint32_t i = 0; i < test_Inner_list_len(&sl); i++) {
			struct test_Inner_r e = test_Inner_list_get(&sl, i);
			struct test_Inner_b eb = test_Inner_list_build(&sb, i);
			echo_inner(&e, &eb);
		}
}

static void echo_unions(const struct test_AllTypes_r *r, const struct test_AllTypes_b *b)
{
	struct test_AllTypes_outer_r o = test_AllTypes_get_outer(r);
	struct test_AllTypes_outer_b ob = test_AllTypes_init_outer(b);
	struct test_AllTypes_outer_choice_r c = test_AllTypes_outer_get_choice(&o);
	struct test_AllTypes_outer_choice_b cb = test_AllTypes_outer_init_choice(&ob);
	struct test_AllTypes_outer_choice_right_r rr;
	struct test_AllTypes_outer_choice_right_b rb;
	struct test_Inner_r in;
	struct test_Inner_b inb;
	struct capnp_text t;

	switch (test_AllTypes_which(r)) {
	case test_AllTypes_which_none:
		test_AllTypes_set_none(b);
		break;
	case test_AllTypes_which_number:
		ECHO_PRIM(number);
		break;
	case test_AllTypes_which_word:
		if (ck(test_AllTypes_get_word(r, &t), "word"))
			ck(test_AllTypes_set_word(b, t.str, t.len), "word");
		break;
	case test_AllTypes_which_inner:
		if (ck(test_AllTypes_get_inner(r, &in), "inner") &&
		    ck(test_AllTypes_init_inner(b, &inb), "inner"))
			echo_inner(&in, &inb);
		break;
	default:
		ck(CAPOS_ERR_INVALID, "unknown union tag");
		break;
	}
	test_AllTypes_outer_set_depth(&ob, test_AllTypes_outer_get_depth(&o));
	switch (test_AllTypes_outer_choice_which(&c)) {
	case test_AllTypes_outer_choice_which_left:
		test_AllTypes_outer_choice_set_left(&cb, test_AllTypes_outer_choice_get_left(&c));
		break;
	case test_AllTypes_outer_choice_which_right:
		rr = test_AllTypes_outer_choice_get_right(&c);
		rb = test_AllTypes_outer_choice_init_right(&cb);
		test_AllTypes_outer_choice_right_set_a(&rb,
						       test_AllTypes_outer_choice_right_get_a(&rr));
		if (test_AllTypes_outer_choice_right_has_b(&rr) &&
		    ck(test_AllTypes_outer_choice_right_get_b(&rr, &t), "b"))
			ck(test_AllTypes_outer_choice_right_set_b(&rb, t.str, t.len), "b");
		break;
	case test_AllTypes_outer_choice_which_nothing:
		test_AllTypes_outer_choice_set_nothing(&cb);
		break;
	default:
		ck(CAPOS_ERR_INVALID, "unknown choice tag");
		break;
	}
}

static int cmd_all(bool echo)
{
	static struct capnp_bseg segs[MAX_SEGS];
	struct capnp_builder b;
	struct test_AllTypes_b ab;
	int st = capnp_builder_init(&b, segs, MAX_SEGS, arena, sizeof arena);

	if (!ck(st, "builder") || !ck(test_AllTypes_build_root(&b, &ab), "root"))
		return status;
	if (echo) {
		struct capnp_msg m;
		struct test_AllTypes_r ar;
		if (!ck(read_input(&m), "read") || !ck(test_AllTypes_read_root(&m, &ar), "root"))
			return status;
		echo_scalars(&ar, &ab);
		echo_blobs(&ar, &ab);
		echo_lists(&ar, &ab);
		echo_unions(&ar, &ab);
		ck(capnp_msg_error(&m), "reader (sticky)");
	} else {
		build_all(&ab);
	}
	ck(capnp_builder_error(&b), "builder (sticky)");
	if (status == 0)
		ck(write_output(&b), "write");
	return status;
}

/* ---- SystemManifest */

#define SETS(fn, b, s) ck(fn(b, s, (uint32_t)strlen(s)), #fn)

static void build_cap(const struct manifest_CapEntry_b *c, const char *name, const char *iface,
		      int kernel_source, const char *svc, const char *exp)
{
	SETS(manifest_CapEntry_set_name, c, name);
	SETS(manifest_CapEntry_set_interface, c, iface);
	if (svc) {
		struct manifest_CapEntry_source_b src = manifest_CapEntry_init_source(c);
		struct manifest_CapEntry_source_service_b s =
			manifest_CapEntry_source_init_service(&src);
		manifest_CapEntry_set_mode(c, capos_TransferMode_clientFacet);
		SETS(manifest_CapEntry_source_service_set_service, &s, svc);
		SETS(manifest_CapEntry_source_service_set_export, &s, exp);
	} else {
		struct manifest_CapEntry_source_b src = manifest_CapEntry_init_source(c);
		manifest_CapEntry_source_set_kernel(&src,
						    (enum capos_KernelCapSource)kernel_source);
	}
}

static void build_services(const struct manifest_InitConfig_b *ic)
{
	struct manifest_Service_blist svcs;
	struct manifest_Service_b echo, client;
	struct manifest_ProcessEntry_b pe;
	struct manifest_CapEntry_blist caps;
	struct manifest_Export_blist exps;
	struct manifest_Export_b ex;
	struct manifest_CapEntry_b c;

	if (!ck(manifest_InitConfig_init_services(ic, 2, &svcs), "services"))
		return;
	echo = manifest_Service_list_build(&svcs, 0);
	SETS(manifest_Service_set_name, &echo, "echo");
	if (ck(manifest_Service_init_process(&echo, &pe), "process")) {
		SETS(manifest_ProcessEntry_set_binary, &pe, "echo-server");
		if (ck(manifest_ProcessEntry_init_caps(&pe, 2, &caps), "caps")) {
			c = manifest_CapEntry_list_build(&caps, 0);
			build_cap(&c, "console", "Console", capos_KernelCapSource_console, NULL,
				  NULL);
			c = manifest_CapEntry_list_build(&caps, 1);
			build_cap(&c, "ep", "Endpoint", capos_KernelCapSource_endpoint, NULL, NULL);
		}
	}
	if (ck(manifest_Service_init_exports(&echo, 1, &exps), "exports")) {
		ex = manifest_Export_list_build(&exps, 0);
		SETS(manifest_Export_set_name, &ex, "echo");
		SETS(manifest_Export_set_interface, &ex, "Echo");
		SETS(manifest_Export_set_cap, &ex, "ep");
	}
	manifest_Service_set_restart(&echo, manifest_RestartPolicy_restart);
	client = manifest_Service_list_build(&svcs, 1);
	SETS(manifest_Service_set_name, &client, "client");
	manifest_Service_set_restartBudget(&client, 0);
	manifest_Service_set_badge(&client, UINT64_C(0x1122334455667788));
	if (ck(manifest_Service_init_process(&client, &pe), "process")) {
		SETS(manifest_ProcessEntry_set_binary, &pe, "echo-client");
		SETS(manifest_ProcessEntry_set_profile, &pe, "small");
		if (ck(manifest_ProcessEntry_init_caps(&pe, 1, &caps), "caps")) {
			c = manifest_CapEntry_list_build(&caps, 0);
			build_cap(&c, "echo", "Echo", 0, "echo", "echo");
		}
	}
}

static void build_manifest(const struct manifest_SystemManifest_b *m)
{
	struct manifest_Binary_blist bins;
	struct manifest_InitConfig_b ic;
	struct manifest_ProcessEntry_b init;
	struct manifest_CapEntry_blist caps;
	struct manifest_KernelParams_b kp;
	struct manifest_ResourceProfile_blist profs;

	manifest_SystemManifest_set_schemaVersion(m, manifest_currentSchemaVersion);
	if (ck(manifest_SystemManifest_init_binaries(m, 2, &bins), "binaries")) {
		struct manifest_Binary_b b0 = manifest_Binary_list_build(&bins, 0);
		struct manifest_Binary_b b1 = manifest_Binary_list_build(&bins, 1);
		SETS(manifest_Binary_set_name, &b0, "init");
		ck(manifest_Binary_set_image(&b0,
					     "\x7f"
					     "ELF",
					     4),
		   "image");
		SETS(manifest_Binary_set_name, &b1, "echo-server");
		SETS(manifest_Binary_set_path, &b1, "build/user/echo-server");
	}
	if (ck(manifest_SystemManifest_init_initConfig(m, &ic), "initConfig")) {
		if (ck(manifest_InitConfig_init_init(&ic, &init), "init")) {
			SETS(manifest_ProcessEntry_set_binary, &init, "init");
			if (ck(manifest_ProcessEntry_init_caps(&init, 1, &caps), "caps")) {
				struct manifest_CapEntry_b c =
					manifest_CapEntry_list_build(&caps, 0);
				build_cap(&c, "boot", "BootPackage",
					  capos_KernelCapSource_bootPackage, NULL, NULL);
			}
		}
		build_services(&ic);
	}
	if (ck(manifest_SystemManifest_init_kernelParams(m, &kp), "kernelParams")) {
		SETS(manifest_KernelParams_set_motd, &kp, "welcome to capOS");
		manifest_KernelParams_set_logLevel(&kp, manifest_KernelParams_LogLevel_debug);
		manifest_KernelParams_set_maxCpus(&kp, 4);
	}
	if (ck(manifest_SystemManifest_init_resourceProfiles(m, 1, &profs), "profiles")) {
		struct manifest_ResourceProfile_b p =
			manifest_ResourceProfile_list_build(&profs, 0);
		SETS(manifest_ResourceProfile_set_name, &p, "small");
		manifest_ResourceProfile_set_capSlots(&p, 32);
		manifest_ResourceProfile_set_framePages(&p, 256);
	}
}

static int cmd_build_manifest(void)
{
	static struct capnp_bseg segs[MAX_SEGS];
	struct capnp_builder b;
	struct manifest_SystemManifest_b m;

	if (!ck(capnp_builder_init(&b, segs, MAX_SEGS, arena, sizeof arena), "builder") ||
	    !ck(manifest_SystemManifest_build_root(&b, &m), "root"))
		return status;
	build_manifest(&m);
	ck(capnp_builder_error(&b), "builder (sticky)");
	if (status == 0)
		ck(write_output(&b), "write");
	return status;
}

static void print_text(const char *label, int st, struct capnp_text t)
{
	if (ck(st, label))
		printf("%s=%.*s\n", label, (int)t.len, t.str);
}

static void dump_caps(const char *who, const struct manifest_ProcessEntry_r *pe)
{
	struct manifest_CapEntry_rlist caps;
	struct capnp_text t;

	print_text("binary", manifest_ProcessEntry_get_binary(pe, &t), t);
	print_text("profile", manifest_ProcessEntry_get_profile(pe, &t), t);
	if (!ck(manifest_ProcessEntry_get_caps(pe, &caps), "caps"))
		return;
	for (uint32_t i = 0; i < manifest_CapEntry_list_len(&caps); i++) {
		struct manifest_CapEntry_r c = manifest_CapEntry_list_get(&caps, i);
		struct manifest_CapEntry_source_r s = manifest_CapEntry_get_source(&c);
		struct capnp_text n, ifc;
		ck(manifest_CapEntry_get_name(&c, &n), "name");
		ck(manifest_CapEntry_get_interface(&c, &ifc), "interface");
		printf("%s.cap %.*s :%.*s mode=%d ", who, (int)n.len, n.str, (int)ifc.len, ifc.str,
		       (int)manifest_CapEntry_get_mode(&c));
		switch (manifest_CapEntry_source_which(&s)) {
		case manifest_CapEntry_source_which_kernel:
			printf("kernel=%d\n", (int)manifest_CapEntry_source_get_kernel(&s));
			break;
		case manifest_CapEntry_source_which_service: {
			struct manifest_CapEntry_source_service_r sv =
				manifest_CapEntry_source_get_service(&s);
			struct capnp_text a, b;
			ck(manifest_CapEntry_source_service_get_service(&sv, &a), "service");
			ck(manifest_CapEntry_source_service_get_export(&sv, &b), "export");
			printf("service=%.*s/%.*s\n", (int)a.len, a.str, (int)b.len, b.str);
			break;
		}
		case manifest_CapEntry_source_which_boot:
			print_text("boot", manifest_CapEntry_source_get_boot(&s, &n), n);
			break;
		default:
			printf("unknown source\n");
			break;
		}
	}
}

static void dump_services(const struct manifest_InitConfig_r *ic)
{
	struct manifest_Service_rlist svcs;
	struct capnp_text t;

	if (!ck(manifest_InitConfig_get_services(ic, &svcs), "services"))
		return;
	for (uint32_t i = 0; i < manifest_Service_list_len(&svcs); i++) {
		struct manifest_Service_r s = manifest_Service_list_get(&svcs, i);
		struct manifest_ProcessEntry_r pe;
		struct manifest_Export_rlist ex;
		print_text("service", manifest_Service_get_name(&s, &t), t);
		printf("restart=%d budget=%u badge=%#llx\n", (int)manifest_Service_get_restart(&s),
		       manifest_Service_get_restartBudget(&s),
		       (unsigned long long)manifest_Service_get_badge(&s));
		if (ck(manifest_Service_get_process(&s, &pe), "process"))
			dump_caps("service", &pe);
		if (!ck(manifest_Service_get_exports(&s, &ex), "exports"))
			continue;
		for (uint32_t k = 0; k < manifest_Export_list_len(&ex); k++) {
			struct manifest_Export_r e = manifest_Export_list_get(&ex, k);
			print_text("export", manifest_Export_get_name(&e, &t), t);
		}
	}
}

static int cmd_dump_manifest(void)
{
	struct capnp_msg msg;
	struct manifest_SystemManifest_r m;
	struct manifest_Binary_rlist bins;
	struct manifest_InitConfig_r ic;
	struct manifest_ProcessEntry_r init;
	struct manifest_KernelParams_r kp;
	struct manifest_ResourceProfile_rlist profs;
	struct capnp_text t;
	struct capnp_data d;

	if (!ck(read_input(&msg), "read") ||
	    !ck(manifest_SystemManifest_read_root(&msg, &m), "root"))
		return status;
	printf("schemaVersion=%u\n", manifest_SystemManifest_get_schemaVersion(&m));
	if (ck(manifest_SystemManifest_get_binaries(&m, &bins), "binaries"))
		for (uint32_t i = 0; i < manifest_Binary_list_len(&bins); i++) {
			struct manifest_Binary_r b = manifest_Binary_list_get(&bins, i);
			print_text("binary.name", manifest_Binary_get_name(&b, &t), t);
			if (ck(manifest_Binary_get_image(&b, &d), "image"))
				printf("binary.image=%u bytes\n", d.len);
		}
	if (ck(manifest_SystemManifest_get_initConfig(&m, &ic), "initConfig")) {
		if (ck(manifest_InitConfig_get_init(&ic, &init), "init"))
			dump_caps("init", &init);
		dump_services(&ic);
	}
	if (ck(manifest_SystemManifest_get_kernelParams(&m, &kp), "kernelParams")) {
		print_text("motd", manifest_KernelParams_get_motd(&kp, &t), t);
		printf("logLevel=%d timerHz=%u maxCpus=%u\n",
		       (int)manifest_KernelParams_get_logLevel(&kp),
		       manifest_KernelParams_get_timerHz(&kp),
		       manifest_KernelParams_get_maxCpus(&kp));
	}
	if (ck(manifest_SystemManifest_get_resourceProfiles(&m, &profs), "profiles"))
		for (uint32_t i = 0; i < manifest_ResourceProfile_list_len(&profs); i++) {
			struct manifest_ResourceProfile_r p =
				manifest_ResourceProfile_list_get(&profs, i);
			print_text("profile", manifest_ResourceProfile_get_name(&p, &t), t);
			printf("capSlots=%u framePages=%llu virtualBytes=%#llx threads=%u\n",
			       manifest_ResourceProfile_get_capSlots(&p),
			       (unsigned long long)manifest_ResourceProfile_get_framePages(&p),
			       (unsigned long long)manifest_ResourceProfile_get_virtualBytes(&p),
			       manifest_ResourceProfile_get_threads(&p));
		}
	ck(capnp_msg_error(&msg), "reader (sticky)");
	return status;
}

int main(int argc, char **argv)
{
	int st;

	if (argc != 2) {
		fprintf(stderr, "usage: helper build-all|echo-all|build-manifest|dump-manifest\n");
		return 2;
	}
	if (strcmp(argv[1], "build-all") == 0)
		st = cmd_all(false);
	else if (strcmp(argv[1], "echo-all") == 0)
		st = cmd_all(true);
	else if (strcmp(argv[1], "build-manifest") == 0)
		st = cmd_build_manifest();
	else if (strcmp(argv[1], "dump-manifest") == 0)
		st = cmd_dump_manifest();
	else
		return 2;
	return st == 0 ? 0 : 1;
}
