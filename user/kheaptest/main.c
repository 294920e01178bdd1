/*
 * kheaptest: the kernel self-protection boot test (tests/qemu/kheap_tests.py, manifest
 * tests/qemu/kheap/kheap.capnp). One binary, four roles chosen by the CapSet it gets:
 *   init      ("spawner")  drives the test and prints the transcript;
 *   hog       ("hog")      a hostile child with a small kernelBytes profile: mints client
 *                          facets of its own endpoint until the kernel-memory quota
 *                          refuses (CAPOS_ERR_QUOTA_KERNEL_MEMORY, exact), then checks
 *                          that derive and a 1 KiB CALL are refused the same way, that
 *                          freeing 8 facets makes room again, and last CALLs init's
 *                          endpoint with 128 bytes (a charged record) and stays
 *                          blocked there until init kills it;
 *   neighbour ("ep" only)  mints facets and derives while the hog sits at its quota;
 *   lowmem    ("vm")       maps memory (1 MiB, then 4 KiB at a time) until the kernel
 *                          reserve refuses (CAPOS_ERR_KERNEL_LOW_MEMORY), checks that a
 *                          facet and a derive are refused too, unmaps 1 MiB and mints.
 * init's steps: spawn the hog and RECV its call (it has finished its checks); a
 * neighbour child and init itself mint and derive meanwhile; kill the hog (its call,
 * charged to the dead hog's ledger, which the record keeps alive, is then answered:
 * CAPOS_ERR_EP_CALL_CANCELLED, and the charge goes back); the lowmem
 * child; a last neighbour once memory is back. Every line goes to COM2; the kernel's
 * end-of-run check (frames, objects, charged kernel blocks back at their baselines) is
 * judged from COM1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define KT_IID UINT64_C(0x6b68656170746573) /* the interface the facets claim to serve */
#define KT_HOG_MAX 1100u		    /* facets the hog tries at most (slots: 1024) */
#define KT_FREED 8u			    /* facets the hog releases to make room */
#define KT_MIB (1ull << 20)
#define KT_PAGE 4096ull
#define KT_MAP_MAX 4096u /* map steps of each size the lowmem child tries at most */
#define KT_NEIGHBOUR_FACETS 4u
#define KT_MAX_GRANTS 6u
#define KT_ORPHAN_PARAMS 128u /* params of the hog's last call (a charged record) */

static struct capos_ring_client *kt_ring;
static uint64_t kt_res[512];		       /* result buffer of every CALL */
static uint64_t kt_arena[128], kt_framed[129]; /* params being built / framed */
static uint8_t kt_big[1024];		       /* the hog's 1 KiB CALL params */
static uint32_t kt_facets[KT_HOG_MAX];
static int kt_type = -1; /* last CapException type, -1 when the status was not one */
static int kt_failed;

static const char *kt_type_name(void)
{
	const char *name = capos_exception_type_name(kt_type);

	return name ? name : "-";
}

/* ---- ring plumbing */

static uint32_t kt_cap(const char *name, uint64_t iid)
{
	uint32_t cap = 0;

	(void)capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				  &cap);
	return cap;
}

/* A CALL's status; for a CapException, the exception's own status (type in kt_type). */
static int kt_call(uint32_t cap, uint64_t iid, uint16_t method, const void *params, uint32_t plen,
		   const struct capos_xfer *x, uint16_t nx, struct capos_cqe *cqe)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	struct capos_CapException_r ex;
	struct capnp_msg m;
	int err = capos_ring_call_xfer(kt_ring, cap, iid, method, params, plen, x, nx, kt_res,
				       sizeof(kt_res), cqe);

	kt_type = -1;
	if (err != CAPOS_ERR_RING_EXCEPTION)
		return err;
	if (capnp_msg_init_framed(&m, kt_res, cqe->result_len, segs, 2, &lim, NULL) ||
	    capos_CapException_read_root(&m, &ex))
		return CAPOS_ERR_INVALID;
	kt_type = (int)capos_CapException_get_type(&ex);
	return capos_CapException_get_status(&ex);
}

/* One SQE of `op` on `cap` (RELEASE, RECV into kt_res, RETURN of call `aux`), waited. */
static int kt_op(uint8_t op, uint32_t cap, uint64_t aux, struct capos_cqe *cqe)
{
	static uint64_t ud = 1;
	struct capos_sqe *sqe;
	int err = capos_ring_get_sqe(kt_ring, &sqe);

	if (err)
		return err;
	sqe->opcode = op;
	sqe->cap = cap;
	sqe->aux = aux;
	sqe->user_data = ud;
	if (op == CAPOS_OP_RECV) {
		sqe->result_addr = (uint64_t)(uintptr_t)kt_res;
		sqe->result_len = sizeof(kt_res);
	}
	capos_ring_submit(kt_ring);
	err = capos_ring_wait(kt_ring, ud++, CAPOS_TIMEOUT_INFINITE, cqe);
	return err ? err : cqe->status;
}

static int kt_release(uint32_t cap)
{
	struct capos_cqe cqe;

	return kt_op(CAPOS_OP_RELEASE, cap, 0, &cqe);
}

static int kt_frame(struct capnp_builder *b, uint32_t *len)
{
	size_t n = 0;
	int err = capnp_builder_error(b);

	if (err == 0)
		err = capnp_builder_write_framed(b, kt_framed, sizeof(kt_framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* The id of result cap 0 of the CALL that just completed (interface `iid`). */
static int kt_result_cap(const struct capos_cqe *cqe, uint64_t iid, uint32_t *cap)
{
	return capos_ring_result_cap(cqe, kt_res, sizeof(kt_res), 0, iid, cap);
}

/* ---- the kernel methods used */

/* Endpoint.client on the raw endpoint `ep`: a facet in *facet. */
static int kt_mint(uint32_t ep, uint32_t *facet)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_Endpoint_client_Params_b p;
	struct capos_cqe cqe;
	uint32_t len;
	int err = capnp_builder_init(&b, &seg, 1, kt_arena, sizeof(kt_arena));

	if (err == 0)
		err = capos_Endpoint_client_request(&b, &p);
	if (err)
		return err;
	capos_Endpoint_client_Params_set_interfaceId(&p, KT_IID);
	capos_Endpoint_client_Params_set_badge(&p, 1);
	err = kt_frame(&b, &len);
	if (err == 0)
		err = kt_call(ep, capos_Endpoint_TYPE_ID, capos_Endpoint_METHOD_client, kt_framed,
			      len, NULL, 0, &cqe);
	return err ? err : kt_result_cap(&cqe, KT_IID, facet);
}

/* CapabilityManager.derive of `src` (a Console): the derived cap in *out. */
static int kt_derive(uint32_t capmgr, uint32_t src, uint32_t *out)
{
	const struct capos_xfer x = { .cap = src, .mode = CAPOS_XFER_COPY };
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_CapabilityManager_derive_Params_b p;
	struct capos_cqe cqe;
	uint32_t len;
	int err = capnp_builder_init(&b, &seg, 1, kt_arena, sizeof(kt_arena));

	if (err == 0)
		err = capos_CapabilityManager_derive_request(&b, &p);
	if (err == 0)
		err = capos_CapabilityManager_derive_Params_set_cap(&p, 0);
	if (err == 0)
		err = kt_frame(&b, &len);
	if (err == 0)
		err = kt_call(capmgr, capos_CapabilityManager_TYPE_ID,
			      capos_CapabilityManager_METHOD_derive, kt_framed, len, &x, 1, &cqe);
	return err ? err : kt_result_cap(&cqe, capos_Console_TYPE_ID, out);
}

/* VirtualMemory.map (unmap when `unmap`) of `size` bytes at *addr (map: kernel-chosen). */
static int kt_vm(uint32_t vm, int unmap, uint64_t size, uint64_t *addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_cqe cqe;
	uint32_t len;
	int err = capnp_builder_init(&b, &seg, 1, kt_arena, sizeof(kt_arena));

	if (err)
		return err;
	if (unmap) {
		struct capos_VirtualMemory_unmap_Params_b p;

		(void)capos_VirtualMemory_unmap_request(&b, &p);
		capos_VirtualMemory_unmap_Params_set_addr(&p, *addr);
		capos_VirtualMemory_unmap_Params_set_size(&p, size);
	} else {
		struct capos_VirtualMemory_map_Params_b p;
		struct capos_Protection_b prot;

		(void)capos_VirtualMemory_map_request(&b, &p);
		capos_VirtualMemory_map_Params_set_size(&p, size);
		(void)capos_VirtualMemory_map_Params_init_prot(&p, &prot);
		capos_Protection_set_read(&prot, true);
		capos_Protection_set_write(&prot, true);
	}
	err = kt_frame(&b, &len);
	if (err == 0)
		err = kt_call(vm, capos_VirtualMemory_TYPE_ID,
			      unmap ? capos_VirtualMemory_METHOD_unmap
				    : capos_VirtualMemory_METHOD_map,
			      kt_framed, len, NULL, 0, &cqe);
	if (err || unmap)
		return err;
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capos_VirtualMemory_map_Results_r r;
	struct capnp_msg m;
	err = capnp_msg_init_framed(&m, kt_res, cqe.result_len, segs, 2, &lim, NULL);
	if (err == 0)
		err = capos_VirtualMemory_map_Results_read_root(&m, &r);
	if (err == 0)
		*addr = capos_VirtualMemory_map_Results_get_addr(&r);
	return err;
}

/* ---- the children */

/* Mints facets until one is refused; *n minted. The refusal's status. */
static int kt_fill(uint32_t ep, uint32_t max, uint32_t *n)
{
	int err = CAPOS_OK;

	*n = 0;
	while (*n < max && (err = kt_mint(ep, &kt_facets[*n])) == CAPOS_OK)
		(*n)++;
	return err;
}

static int kt_hog(void)
{
	uint32_t ep = kt_cap("hog", capos_Endpoint_TYPE_ID);
	uint32_t capmgr = kt_cap("capmgr", capos_CapabilityManager_TYPE_ID);
	uint32_t console = kt_cap("console", capos_Console_TYPE_ID),
		 parent = kt_cap("parent", KT_IID);
	uint32_t n, d = 0, f = 0;
	struct capos_cqe cqe;
	int fill = kt_fill(ep, KT_HOG_MAX, &n);

	if (fill != CAPOS_ERR_QUOTA_KERNEL_MEMORY || n == 0) {
		printf("kheaptest: hog: %u facets, then %s (not the quota)\n", n,
		       capos_error_name(fill));
		return 2; /* the 1 KiB CALL below would queue and never be answered */
	}
	int der = kt_derive(capmgr, console, &d);
	const char *der_type = kt_type_name();
	int big = kt_call(kt_facets[0], KT_IID, 0, kt_big, sizeof(kt_big), NULL, 0, &cqe);

	printf("kheaptest: hog: %s after %s facets; derive: %s (%s); 1 KiB call: %s\n",
	       capos_error_name(fill), n >= 100 ? "100+" : "fewer than 100", capos_error_name(der),
	       der_type, capos_error_name(big));
	for (uint32_t i = 0; i < KT_FREED && i < n; i++)
		(void)kt_release(kt_facets[n - 1 - i]);
	int mint = kt_mint(ep, &f);
	der = kt_derive(capmgr, console, &d);
	printf("kheaptest: hog: %u facets released: mint %s, derive %s\n", KT_FREED,
	       capos_error_name(mint), capos_error_name(der));
	(void)kt_release(f);
	(void)kt_release(d);
	/* Tell init, and stay here: init kills us while this call is in service. Its
	 * KT_ORPHAN_PARAMS bytes make it a charged record (over the kernel's 64-byte fast
	 * path), which then outlives us until init answers it. */
	kt_call(parent, KT_IID, 0, kt_big, KT_ORPHAN_PARAMS, NULL, 0, &cqe);
	return 1;
}

static int kt_neighbour(void)
{
	uint32_t ep = kt_cap("ep", capos_Endpoint_TYPE_ID);
	uint32_t capmgr = kt_cap("capmgr", capos_CapabilityManager_TYPE_ID);
	uint32_t console = kt_cap("console", capos_Console_TYPE_ID), n, d = 0;
	int fill = kt_fill(ep, KT_NEIGHBOUR_FACETS, &n);
	int der = kt_derive(capmgr, console, &d);

	for (uint32_t i = 0; i < n; i++)
		(void)kt_release(kt_facets[i]);
	(void)kt_release(d);
	printf("kheaptest: neighbour: %u facets %s, derive %s\n", n, capos_error_name(fill),
	       capos_error_name(der));
	return fill || der || n != KT_NEIGHBOUR_FACETS;
}

/* Maps `size` at a time until refused; *n maps done, *last the last address. */
static int kt_map_all(uint32_t vm, uint64_t size, uint32_t *n, uint64_t *last)
{
	uint64_t addr;
	int err = CAPOS_OK;

	*n = 0;
	while (*n < KT_MAP_MAX && (err = kt_vm(vm, 0, size, &addr)) == CAPOS_OK) {
		*last = addr;
		(*n)++;
	}
	return err;
}

static int kt_lowmem(void)
{
	uint32_t vm = kt_cap("vm", capos_VirtualMemory_TYPE_ID),
		 ep = kt_cap("ep", capos_Endpoint_TYPE_ID);
	uint32_t capmgr = kt_cap("capmgr", capos_CapabilityManager_TYPE_ID);
	uint32_t console = kt_cap("console", capos_Console_TYPE_ID), mib, pages, f = 0, d = 0;
	uint64_t last_mib = 0, last_page = 0;
	int e1 = kt_map_all(vm, KT_MIB, &mib, &last_mib);
	const char *t1 = kt_type_name();
	int e2 = kt_map_all(vm, KT_PAGE, &pages, &last_page);
	int mint = kt_mint(ep, &f);
	const char *mint_type = kt_type_name();
	int der = kt_derive(capmgr, console, &d);

	printf("kheaptest: lowmem: %s 1 MiB maps, then %s (%s); %s page maps, then %s\n",
	       mib > 0 ? "some" : "no", capos_error_name(e1), t1, pages > 0 ? "some" : "no",
	       capos_error_name(e2));
	printf("kheaptest: lowmem: at the reserve: mint %s (%s), derive %s\n",
	       capos_error_name(mint), mint_type, capos_error_name(der));
	int unmap = mib ? kt_vm(vm, 1, KT_MIB, &last_mib) : CAPOS_ERR_INVALID;
	mint = kt_mint(ep, &f);
	printf("kheaptest: lowmem: 1 MiB unmapped (%s): mint %s\n", capos_error_name(unmap),
	       capos_error_name(mint));
	return 0;
}

/* ---- init */

struct kt_grant {
	const char *name;
	uint16_t source; /* kernel source, or capos_KernelCapSource_none: `held` */
	uint32_t *held;	 /* a cap of ours sent with the spawn (a copy) */
	uint16_t mode;	 /* held: capos_TransferMode_copy or _clientFacet (of a raw ep) */
	uint64_t iid;	 /* facets and endpoint sources */
};

static struct {
	uint32_t spawner, ep, console, capmgr;
} kt;

static int kt_spawn_params(const char *name, const char *profile, const struct kt_grant *g,
			   uint32_t ng, uint32_t *len)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	int err = capnp_builder_init(&b, &seg, 1, kt_arena, sizeof(kt_arena));

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&b, &p);
	if (err)
		return err;
	(void)capos_ProcessSpawner_spawn_Params_set_name(&p, name, (uint32_t)strlen(name));
	(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "kheaptest", 9);
	if (profile)
		(void)capos_ProcessSpawner_spawn_Params_set_profile(&p, profile,
								    (uint32_t)strlen(profile));
	(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, ng, &list);
	for (uint32_t i = 0, held = 0; i < ng; i++) {
		struct capos_CapGrant_b e = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&e);
		int held_grant = g[i].source == capos_KernelCapSource_none;

		(void)capos_CapGrant_set_name(&e, g[i].name, (uint32_t)strlen(g[i].name));
		capos_CapGrant_set_mode(&e, (enum capos_TransferMode)g[i].mode);
		capos_CapGrant_set_interfaceId(&e, g[i].iid);
		if (held_grant)
			(void)capos_CapGrant_source_set_held(&src, held++);
		else
			capos_CapGrant_source_set_kernel(&src,
							 (enum capos_KernelCapSource)g[i].source);
	}
	return kt_frame(&b, len);
}

/* ProcessSpawner.spawn: the handle in *handle (its export facet, if any, released). */
static int kt_spawn(const char *name, const char *profile, const struct kt_grant *g, uint32_t ng,
		    uint32_t *handle)
{
	struct capos_xfer x[KT_MAX_GRANTS];
	const struct capos_xfer_result *recs;
	struct capos_cqe cqe;
	uint32_t len, nx = 0, rlen;

	for (uint32_t i = 0; i < ng; i++)
		if (g[i].source == capos_KernelCapSource_none)
			x[nx++] = (struct capos_xfer){ .cap = *g[i].held, .mode = CAPOS_XFER_COPY };
	int err = kt_spawn_params(name, profile, g, ng, &len);
	if (err == 0)
		err = kt_call(kt.spawner, capos_ProcessSpawner_TYPE_ID,
			      capos_ProcessSpawner_METHOD_spawn, kt_framed, len, x, (uint16_t)nx,
			      &cqe);
	if (err)
		return err;
	int n = capos_ring_result_caps(&cqe, kt_res, sizeof(kt_res), &recs, &rlen);
	if (n < 1)
		return CAPOS_ERR_INVALID;
	for (int i = 0; i < n - 1; i++) /* exports first, the handle last */
		(void)kt_release(recs[i].cap);
	*handle = recs[n - 1].cap;
	return CAPOS_OK;
}

/* ProcessHandle.wait, then the handle is released. */
static int kt_wait(uint32_t handle, int64_t *code, int *killed)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	int err = kt_call(handle, capos_ProcessHandle_TYPE_ID, capos_ProcessHandle_METHOD_wait,
			  NULL, 0, NULL, 0, &cqe);

	if (err == 0)
		err = capnp_msg_init_framed(&m, kt_res, cqe.result_len, segs, 2, &lim, NULL);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	(void)kt_release(handle);
	return err;
}

static void kt_check(const char *what, int ok)
{
	if (!ok)
		kt_failed = 1;
	printf("kheaptest: %s: %s\n", what, ok ? "ok" : "FAILED");
}

/* Spawns a child with `g`, waits for it; true if it exited 0. */
static int kt_run(const char *name, const char *profile, const struct kt_grant *g, uint32_t ng)
{
	uint32_t h = 0;
	int64_t code = -1;
	int killed = 0;
	int err = kt_spawn(name, profile, g, ng, &h);

	if (err == 0)
		err = kt_wait(h, &code, &killed);
	if (err)
		printf("kheaptest: %s: %s\n", name, capos_error_name(err));
	return err == 0 && code == 0 && !killed;
}

#define KT_CONSOLE                                                                                 \
	{                                                                                          \
		"console", capos_KernelCapSource_console, NULL, 0, 0                               \
	}
#define KT_CAPMGR                                                                                  \
	{                                                                                          \
		"capmgr", capos_KernelCapSource_none, &kt.capmgr, capos_TransferMode_copy, 0       \
	}
#define KT_EP(name)                                                                                \
	{                                                                                          \
		name, capos_KernelCapSource_endpoint, NULL, 0, KT_IID                              \
	}

static const struct kt_grant kt_neighbour_grants[] = { KT_CONSOLE, KT_CAPMGR, KT_EP("ep") };

/* The hog fills its quota; the neighbour and init work meanwhile; the hog is killed
 * with its call to init in service. */
static void kt_test_hog(void)
{
	const struct kt_grant g[] = {
		KT_CONSOLE,
		KT_CAPMGR,
		KT_EP("hog"),
		{ "parent", capos_KernelCapSource_none, &kt.ep, capos_TransferMode_clientFacet,
		  KT_IID },
	};
	uint32_t h = 0, f = 0, d = 0;
	int64_t code = 0;
	int killed = 0;
	struct capos_cqe cqe, rcqe;
	int err = kt_spawn("hog", "hog", g, 4, &h);

	if (err == 0)
		err = kt_op(CAPOS_OP_RECV, kt.ep, 0, &rcqe); /* the hog is at its quota */
	kt_check("hog spawned and at its quota", err == 0);
	kt_check("neighbour works beside it", kt_run("neighbour", NULL, kt_neighbour_grants, 3));
	int mint = kt_mint(kt.ep, &f), der = kt_derive(kt.capmgr, kt.console, &d);
	kt_check("init mints and derives beside it", mint == 0 && der == 0);
	(void)kt_release(f);
	(void)kt_release(d);
	err = kt_call(h, capos_ProcessHandle_TYPE_ID, capos_ProcessHandle_METHOD_kill, NULL, 0,
		      NULL, 0, &cqe);
	if (err == 0)
		err = kt_wait(h, &code, &killed);
	kt_check("hog killed", err == 0 && code == -1 && killed);
	err = kt_op(CAPOS_OP_RETURN, kt.ep, rcqe.call_id, &cqe);
	printf("kheaptest: return to the dead hog's call: %s\n", capos_error_name(err));
}

static void kt_test_lowmem(void)
{
	const struct kt_grant g[] = {
		KT_CONSOLE,
		KT_CAPMGR,
		{ "vm", capos_KernelCapSource_virtualMemory, NULL, 0, 0 },
		KT_EP("ep"),
	};

	kt_check("lowmem child ran and exited", kt_run("lowmem", "lowmem", g, 4));
	kt_check("a neighbour works once memory is back",
		 kt_run("neighbour", NULL, kt_neighbour_grants, 3));
}

static int kt_init(void)
{
	kt.spawner = kt_cap("spawner", capos_ProcessSpawner_TYPE_ID);
	kt.ep = kt_cap("ep", capos_Endpoint_TYPE_ID);
	kt.console = kt_cap("console", capos_Console_TYPE_ID);
	kt.capmgr = kt_cap("capmgr", capos_CapabilityManager_TYPE_ID);
	printf("kheaptest: start\n");
	kt_test_hog();
	kt_test_lowmem();
	printf("kheaptest: done, %s\n", kt_failed ? "FAILED" : "all passed");
	return kt_failed;
}

int main(void)
{
	if (capos_ring_self(&kt_ring))
		return 120;
	if (kt_cap("spawner", capos_ProcessSpawner_TYPE_ID))
		return kt_init();
	if (kt_cap("hog", capos_Endpoint_TYPE_ID))
		return kt_hog();
	if (kt_cap("vm", capos_VirtualMemory_TYPE_ID))
		return kt_lowmem();
	return kt_neighbour();
}
