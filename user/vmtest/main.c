/*
 * vmtest: the VirtualMemory reservations boot test (tests/qemu/vmres_tests.py), started
 * as init from the focused manifest tests/qemu/vmres/vmres.capnp (console, vm, capmgr,
 * spawner). Each step prints one COM2 line the suite compares exactly:
 *   - reserve with a kernel-chosen address (the window's first page), a second one
 *     placed right after it, and an explicit hint kept exactly;
 *   - commit, write, read; decommit hands back exactly the committed frames (CapabilityManager
 *     usage) and a recommit reads zero-filled again;
 *   - hostile twins with their exact codes: overlapping hints for reserve and map
 *     (VMR_OVERLAP), commit outside or across the end of a reservation
 *     (VMR_NOT_RESERVED), commit of committed pages (VMR_COMMITTED), W+X (VM_WX),
 *     commit over a guard page (VMR_GUARD), guard over committed pages, decommit over a
 *     guard, protect of uncommitted pages (MM_NOT_MAPPED), the region table filled to
 *     VMR_TOO_MANY;
 *   - unmap of a whole reservation releases it (usage's virtualBytes drops by exactly
 *     its size, commit there is NOT_RESERVED, the kernel hands the range out again);
 *   - children (this binary again, spawned without "spawner"; the mode is the name of
 *     an extra Timer grant): "guard" touches its guard page and "decommit" its
 *     decommitted page (both killed by the fault; this process, the neighbour, keeps
 *     working), "quota" runs with the "vmsmall" profile (64 KiB of address space) into
 *     CAPOS_ERR_QUOTA_VIRTUAL for reserve and map, "exit" ends holding reserved,
 *     committed and guard ranges (teardown releases them).
 * After exit the kernel checks free frames and objects against their baselines.
 * Exit 0 only if every step matched.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define PG 4096ull
#define RW (CAPOS_VM_READ | CAPOS_VM_WRITE)
#define EXIT_NO_CAP 2
#define EXIT_FAILED 3
#define VMSMALL_BYTES (16 * PG) /* the "vmsmall" profile's virtualBytes (64 KiB) */
#define EXPLICIT_HINT (CAPOS_USER_ANON_BASE + (1ull << 30))

static struct capos_ring_client *ring;
static uint32_t vm, cm, spawner;
static int failures;
static uint64_t arena[128];
static uint64_t framed[129];
static uint64_t res[512];

static int lookup(const char *name, uint64_t iface, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iface,
				   cap);
}

/* One transcript line: the step and the status it got; a mismatch counts. */
static void expect(const char *what, int got, int want)
{
	printf("vmtest: %s: %s\n", what, got ? capos_error_name(got) : "ok");
	if (got != want) {
		failures++;
		printf("vmtest: FAILED: %s: expected %s\n", what, capos_error_name(want));
	}
}

static void truth(const char *what, int ok)
{
	printf("vmtest: %s: %s\n", what, ok ? "yes" : "no");
	if (!ok)
		failures++;
}

/* Writes a pattern over n pages at va, then reads it back; true if it held. */
static int pattern(uint64_t va, uint64_t n, uint8_t seed)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)va;

	for (uint64_t i = 0; i < n * PG; i += 512)
		p[i] = (uint8_t)(seed + i / 512);
	for (uint64_t i = 0; i < n * PG; i += 512)
		if (p[i] != (uint8_t)(seed + i / 512))
			return 0;
	return 1;
}

static int all_zero(uint64_t va, uint64_t n)
{
	const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)va;

	for (uint64_t i = 0; i < n * PG / 8; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* CapabilityManager.usage: the frames and address-space bytes charged to us. */
static int usage(uint64_t *frames, uint64_t *virt)
{
	struct capnp_segment segs[2];
	struct capnp_msg m;
	struct capos_CapabilityManager_usage_Results_r r;
	struct capos_ResourceUsage_r u;
	struct capos_cqe cqe;
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	int err = capos_ring_call(ring, cm, capos_CapabilityManager_TYPE_ID,
				  capos_CapabilityManager_METHOD_usage, NULL, 0, res, sizeof(res),
				  &cqe);

	if (err == 0)
		err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 2, &lim, NULL);
	if (err == 0)
		err = capos_CapabilityManager_usage_Results_read_root(&m, &r);
	if (err == 0)
		err = capos_CapabilityManager_usage_Results_get_usage(&r, &u);
	if (err == 0) {
		*frames = capos_ResourceUsage_get_framePages(&u);
		*virt = capos_ResourceUsage_get_virtualBytes(&u);
	}
	return err;
}

/* ---- in this process */

static uint64_t a, b; /* the two kernel-chosen reservations: 16 and 4 pages */

static void step_reserve(void)
{
	uint64_t h = 0;

	expect("reserve 16 pages, kernel-chosen", capos_vm_reserve(vm, 0, 16 * PG, &a), 0);
	truth("the first at the anonymous window's base", a == CAPOS_USER_ANON_BASE);
	expect("reserve 4 pages, kernel-chosen", capos_vm_reserve(vm, 0, 4 * PG, &b), 0);
	truth("second placed right after the first", b == a + 16 * PG);
	expect("reserve 2 pages at an explicit hint",
	       capos_vm_reserve(vm, EXPLICIT_HINT, 2 * PG, &h), 0);
	truth("the explicit hint kept exactly", h == EXPLICIT_HINT);
}

static void step_commit(void)
{
	uint64_t f0 = 0, f1 = 0, f2 = 0, v = 0;

	expect("usage before commit", usage(&f0, &v), 0);
	expect("commit 4 pages rw", capos_vm_commit(vm, a, 4 * PG, RW), 0);
	truth("write and read back 4 committed pages", pattern(a, 4, 7));
	expect("usage after commit", usage(&f1, &v), 0);
	expect("decommit the 4 pages", capos_vm_decommit(vm, a, 4 * PG), 0);
	expect("usage after decommit", usage(&f2, &v), 0);
	truth("decommit returned exactly 4 frames", f1 - f2 == 4 && f1 - f0 >= 4);
	expect("decommit again (idempotent)", capos_vm_decommit(vm, a, 4 * PG), 0);
	expect("recommit the 4 pages", capos_vm_commit(vm, a, 4 * PG, RW), 0);
	truth("recommitted pages read zero-filled", all_zero(a, 4));
	truth("and take writes again", pattern(a, 4, 99));
}

static void step_hostile(void)
{
	uint64_t x = 0;

	expect("hostile: reserve over a reservation", capos_vm_reserve(vm, a + 8 * PG, PG, &x),
	       CAPOS_ERR_VMR_OVERLAP);
	expect("hostile: reserve straddling the explicit one",
	       capos_vm_reserve(vm, EXPLICIT_HINT - PG, 2 * PG, &x), CAPOS_ERR_VMR_OVERLAP);
	expect("hostile: map over a reservation", capos_vm_map(vm, b, PG, RW, &x),
	       CAPOS_ERR_VMR_OVERLAP);
	expect("hostile: commit outside any reservation",
	       capos_vm_commit(vm, EXPLICIT_HINT + 4 * PG, PG, RW), CAPOS_ERR_VMR_NOT_RESERVED);
	expect("hostile: commit across a reservation's end",
	       capos_vm_commit(vm, EXPLICIT_HINT + PG, 2 * PG, RW), CAPOS_ERR_VMR_NOT_RESERVED);
	expect("hostile: commit of committed pages", capos_vm_commit(vm, a + 2 * PG, 4 * PG, RW),
	       CAPOS_ERR_VMR_COMMITTED);
	expect("hostile: commit W+X", capos_vm_commit(vm, a + 8 * PG, PG, RW | CAPOS_VM_EXEC),
	       CAPOS_ERR_VM_WX);
	expect("guard the last page", capos_vm_guard(vm, a + 15 * PG, PG), 0);
	expect("hostile: commit over the guard page", capos_vm_commit(vm, a + 14 * PG, 2 * PG, RW),
	       CAPOS_ERR_VMR_GUARD);
	expect("hostile: guard over committed pages", capos_vm_guard(vm, a, PG),
	       CAPOS_ERR_VMR_COMMITTED);
	expect("hostile: guard outside any reservation", capos_vm_guard(vm, b + 4 * PG, PG),
	       CAPOS_ERR_VMR_NOT_RESERVED);
	expect("hostile: decommit over the guard page", capos_vm_decommit(vm, a + 12 * PG, 4 * PG),
	       CAPOS_ERR_VMR_GUARD);
	expect("hostile: protect of reserved, uncommitted pages",
	       capos_vm_protect(vm, a + 8 * PG, PG, CAPOS_VM_READ), CAPOS_ERR_MM_NOT_MAPPED);
	expect("protect a committed page read-only", capos_vm_protect(vm, a, PG, CAPOS_VM_READ), 0);
	truth("a refused call changed nothing: committed pages intact", pattern(a + PG, 3, 99));
}

static void step_unmap(void)
{
	uint64_t again = 0, f = 0, v0 = 0, v1 = 0;

	expect("usage before unmap", usage(&f, &v0), 0);
	expect("unmap the whole 16-page reservation", capos_vm_unmap(vm, a, 16 * PG), 0);
	expect("usage after unmap", usage(&f, &v1), 0);
	truth("exactly 16 pages of address space came back", v0 - v1 == 16 * PG);
	expect("hostile: commit in the released range", capos_vm_commit(vm, a, PG, RW),
	       CAPOS_ERR_VMR_NOT_RESERVED);
	expect("hostile: unmap it again", capos_vm_unmap(vm, a, PG), CAPOS_ERR_MM_NOT_MAPPED);
	expect("reserve 8 pages, kernel-chosen", capos_vm_reserve(vm, 0, 8 * PG, &again), 0);
	truth("the released range handed out again", again == a);
	expect("unmap it", capos_vm_unmap(vm, again, 8 * PG), 0);
}

/* One-page reservations two pages apart (separate entries: touching ranges in one
 * state would share one) until the region table (VMR_MAX = 256 entries) is full. */
#define TABLE_TRIES 300u
static void step_table_full(void)
{
	static uint64_t got[TABLE_TRIES];
	uint32_t n = 0;
	int err = 0;

	while (n < TABLE_TRIES &&
	       (err = capos_vm_reserve(vm, EXPLICIT_HINT + (16 + 2 * n) * PG, PG, &got[n])) == 0)
		n++;
	expect("one-page reservations until refused", err, CAPOS_ERR_VMR_TOO_MANY);
	truth("refused after at least 248 more", n >= 248 && n < 256);
	for (uint32_t i = 0; i < n; i++)
		if (capos_vm_unmap(vm, got[i], PG) != 0)
			err = -1;
	expect("all of them unmapped", err == -1 ? CAPOS_ERR_INVALID : 0, 0);
	expect("a reservation fits again",
	       capos_vm_reserve(vm, EXPLICIT_HINT + 16 * PG, PG, &got[0]), 0);
	expect("unmap it", capos_vm_unmap(vm, got[0], PG), 0);
}

/* ---- children */

/* spawn(name "vmchild", binary "vmtest") with console, vm and a Timer named `mode`. */
static int spawn_mode(const char *mode, const char *profile, uint32_t *handle)
{
	static const struct {
		const char *name;
		uint16_t source;
	} grants[] = { { "console", capos_KernelCapSource_console },
		       { "vm", capos_KernelCapSource_virtualMemory },
		       { NULL, capos_KernelCapSource_timer } };
	struct capnp_builder bld;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist list;
	struct capos_cqe cqe;
	size_t len = 0;
	int err = capnp_builder_init(&bld, &seg, 1, arena, sizeof(arena));

	if (err == 0)
		err = capos_ProcessSpawner_spawn_request(&bld, &p);
	if (err)
		return err;
	(void)capos_ProcessSpawner_spawn_Params_set_name(&p, "vmchild", 7);
	(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "vmtest", 6);
	if (profile)
		(void)capos_ProcessSpawner_spawn_Params_set_profile(&p, profile,
								    (uint32_t)strlen(profile));
	(void)capos_ProcessSpawner_spawn_Params_init_grants(&p, 3, &list);
	for (uint32_t i = 0; i < 3; i++) {
		struct capos_CapGrant_b g = capos_CapGrant_list_build(&list, i);
		struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);
		const char *name = grants[i].name ? grants[i].name : mode;

		(void)capos_CapGrant_set_name(&g, name, (uint32_t)strlen(name));
		capos_CapGrant_source_set_kernel(&src,
						 (enum capos_KernelCapSource)grants[i].source);
	}
	err = capnp_builder_error(&bld);
	if (err == 0)
		err = capnp_builder_write_framed(&bld, framed, sizeof(framed), &len);
	if (err == 0)
		err = capos_ring_call(ring, spawner, capos_ProcessSpawner_TYPE_ID,
				      capos_ProcessSpawner_METHOD_spawn, framed, (uint32_t)len, res,
				      sizeof(res), &cqe);
	/* the handle is result cap 0 (the results' `handle` field) */
	return err ? err
		   : capos_ring_result_cap(&cqe, res, sizeof(res), 0, capos_ProcessHandle_TYPE_ID,
					   handle);
}

/* RELEASE of a cap (the handle of an ended child). */
static void release_cap(uint32_t cap)
{
	(void)capos_ring_release(ring, cap);
}

/* ProcessHandle.wait, then RELEASE of the handle: the exit code and whether killed. */
static int wait_child(uint32_t handle, int64_t *code, int *killed)
{
	struct capnp_segment segs[1];
	struct capnp_msg m;
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_cqe cqe;
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	int err = capos_ring_call(ring, handle, capos_ProcessHandle_TYPE_ID,
				  capos_ProcessHandle_METHOD_wait, NULL, 0, res, sizeof(res), &cqe);

	if (err == 0)
		err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 1, &lim, NULL);
	if (err == 0)
		err = capos_ProcessHandle_wait_Results_read_root(&m, &r);
	if (err == 0) {
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
		*killed = capos_ProcessHandle_wait_Results_get_killed(&r);
	}
	release_cap(handle);
	return err;
}

/* Spawns a child in `mode`, waits, and prints how it ended. */
static void child_ends(const char *mode, const char *profile, int64_t want_code, int want_killed)
{
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0;
	char what[64];
	int err = spawn_mode(mode, profile, &h);

	if (err == 0)
		err = wait_child(h, &code, &killed);
	snprintf(what, sizeof(what), "child %s", mode);
	expect(what, err, 0);
	printf("vmtest: child %s ended: exit %lld killed %s\n", mode, (long long)code,
	       killed ? "yes" : "no");
	if (code != want_code || killed != want_killed)
		failures++;
}

static void step_children(void)
{
	uint64_t x = 0;

	child_ends("guard", NULL, -1, 1);
	child_ends("decommit", NULL, -1, 1);
	child_ends("quota", "vmsmall", 0, 0);
	child_ends("exit", NULL, 0, 0);
	expect("neighbour: reserve after the kills", capos_vm_reserve(vm, 0, 2 * PG, &x), 0);
	expect("neighbour: commit", capos_vm_commit(vm, x, 2 * PG, RW), 0);
	truth("neighbour: write and read back", pattern(x, 2, 3));
	expect("neighbour: unmap", capos_vm_unmap(vm, x, 2 * PG), 0);
}

/* ---- child modes (stdout is the granted console) */

static int child_is(const char *mode)
{
	uint32_t t;

	return lookup(mode, capos_Timer_TYPE_ID, &t) == 0;
}

/* Touches a guard page: the fault kills this process. */
static int child_guard(void)
{
	uint64_t r = 0;

	if (capos_vm_reserve(vm, 0, 2 * PG, &r) || capos_vm_commit(vm, r, PG, RW) ||
	    capos_vm_guard(vm, r + PG, PG) || !pattern(r, 1, 5))
		return EXIT_FAILED;
	printf("vmtest child guard: touching the guard page\n");
	*(volatile uint8_t *)(uintptr_t)(r + PG) = 1;
	return EXIT_FAILED; /* not reached */
}

/* Reads a decommitted page: the fault kills this process. */
static int child_decommit(void)
{
	uint64_t r = 0;

	if (capos_vm_reserve(vm, 0, PG, &r) || capos_vm_commit(vm, r, PG, RW) ||
	    !pattern(r, 1, 9) || capos_vm_decommit(vm, r, PG))
		return EXIT_FAILED;
	printf("vmtest child decommit: reading the decommitted page\n");
	(void)*(volatile uint8_t *)(uintptr_t)r;
	return EXIT_FAILED; /* not reached */
}

/* The "vmsmall" profile's address space runs out: the typed quota error, for reserve
 * and for map. One-page reservations (whatever the heap already holds counts too). */
static int child_quota(void)
{
	static uint64_t got[20];
	uint32_t n = 0;
	uint64_t x = 0;
	int over = 0, mapped, again = CAPOS_ERR_INVALID, freed = 0;

	while (n < 20 && (over = capos_vm_reserve(vm, 0, PG, &got[n])) == 0)
		n++;
	mapped = capos_vm_map(vm, 0, PG, RW, &x);
	if (n >= 1 && capos_vm_unmap(vm, got[0], PG) == 0)
		again = capos_vm_reserve(vm, 0, PG, &got[0]); /* the freed page's room */
	for (uint32_t i = 0; i < n; i++)
		freed |= capos_vm_unmap(vm, got[i], PG);
	printf("vmtest child quota: one-page reservations end with %s, map %s, after an unmap "
	       "%s, unmap all %s\n",
	       capos_error_name(over), capos_error_name(mapped), capos_error_name(again),
	       capos_error_name(freed));
	return over == CAPOS_ERR_QUOTA_VIRTUAL && mapped == CAPOS_ERR_QUOTA_VIRTUAL && again == 0 &&
			       freed == 0 && n >= 1 && n <= VMSMALL_BYTES / PG
		       ? 0
		       : EXIT_FAILED;
}

/* Ends holding reserved, committed and guard ranges: teardown releases them. */
static int child_exit(void)
{
	uint64_t r = 0, m = 0;

	if (capos_vm_reserve(vm, 0, 64 * PG, &r) || capos_vm_commit(vm, r, 8 * PG, RW) ||
	    capos_vm_guard(vm, r + 63 * PG, PG) || capos_vm_map(vm, 0, 4 * PG, RW, &m) ||
	    !pattern(r, 8, 1) || !pattern(m, 4, 2))
		return EXIT_FAILED;
	printf("vmtest child exit: exiting with 12 committed pages and 68 reserved\n");
	return 0;
}

static int child_main(void)
{
	if (child_is("guard"))
		return child_guard();
	if (child_is("decommit"))
		return child_decommit();
	if (child_is("quota"))
		return child_quota();
	return child_is("exit") ? child_exit() : EXIT_NO_CAP;
}

int main(void)
{
	if (lookup("vm", capos_VirtualMemory_TYPE_ID, &vm) || capos_ring_self(&ring))
		return EXIT_NO_CAP;
	if (lookup("spawner", capos_ProcessSpawner_TYPE_ID, &spawner))
		return child_main();
	if (lookup("capmgr", capos_CapabilityManager_TYPE_ID, &cm))
		return EXIT_NO_CAP;
	printf("vmtest: start\n");
	step_reserve();
	step_commit();
	step_hostile();
	step_unmap();
	step_table_full();
	step_children();
	printf("vmtest: %s\n", failures ? "FAILED" : "done, exiting 0");
	return failures ? EXIT_FAILED : 0;
}
