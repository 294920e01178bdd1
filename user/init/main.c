/*
 * init: the first user process, named by the boot manifest (system/system.capnp) and
 * started by the kernel (kernel/proc/kinit.c) with exactly the caps the manifest grants
 * it. For issue 4 it exercises the kernel caps it holds and reports on COM2:
 *   - Console: every line goes through newlib's printf, which libcapos turns into
 *     Console.write CALLs on the ring;
 *   - Timer: Timer.now twice, and a 10 ms timed wait (cap_enter with nothing queued)
 *     measured with Timer.now;
 *   - VirtualMemory: map two read-write pages, check they are zeroed, write and read
 *     back a pattern, unmap them.
 *   - BootPackage: the boot manifest read back in bounded chunks and validated again
 *     with lib/manifest (user/init/manifest.c), one summary line; then the service graph
 *     is walked in order (user/init/graph.c) through a spawn hook. The executor
 *     (ProcessSpawner) is not wired yet: a manifest with services fails at the first one.
 * Each step prints one transcript line with its outcome; init exits 0 only if every
 * step succeeded. A missing cap (lookup failure) exits with INIT_EXIT_NO_CAP before
 * anything is printed (there may be no console to print to); any failed step exits
 * INIT_EXIT_FAILED. The kernel logs the status and treats non-zero as a failed boot.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <capos/ring.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <schema/capos.capnp.h>

#include "graph.h"

#define INIT_EXIT_NO_CAP 2     /* a cap init needs is not in its CapSet */
#define INIT_EXIT_FAILED 3     /* a step failed (its line says which) */
#define INIT_WAIT_NS 10000000u /* the timed wait: 10 ms */
#define INIT_VM_PAGES 2u
#define INIT_PAGE 4096u

struct init_caps {
	uint32_t console, timer, vm, boot;
};

static struct capos_ring_client *init_ring;
static uint64_t init_arena[64];
static uint64_t init_framed[65];

/* Looks up `name` with `iface` in the CapSet; 0 or the lookup's error. */
static int init_lookup(const char *name, uint64_t iface, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iface,
				   cap);
}

/* Reads framed results into a message (bounded). 0 or a capnp error. */
static int init_results(const void *buf, uint32_t len, struct capnp_msg *m)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };

	return capnp_msg_init_framed(m, buf, len, segs, 2, &lim, NULL);
}

/* Timer.now in *ns; 0 or the CALL's / decoder's error. */
static int init_now(uint32_t timer, uint64_t *ns)
{
	uint64_t res[8];
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_Timer_now_Results_r r;
	int err = capos_ring_call(init_ring, timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now,
				  NULL, 0, res, sizeof(res), &cqe);

	if (err == 0)
		err = init_results(res, cqe.result_len, &m);
	if (err == 0)
		err = capos_Timer_now_Results_read_root(&m, &r);
	if (err == 0)
		*ns = capos_Timer_now_Results_get_ns(&r);
	return err;
}

/* Frames the builder's message into init_framed; its length in *len. */
static int init_finish(struct capnp_builder *b, uint32_t *len)
{
	size_t n = 0;
	int err = capnp_builder_error(b);

	if (err == 0)
		err = capnp_builder_write_framed(b, init_framed, sizeof(init_framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* VirtualMemory.map(size, read+write) -> *addr. 0 or an error. */
static int init_map(uint32_t vm, uint64_t size, uint64_t *addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_map_Params_b p;
	struct capos_Protection_b prot;
	struct capos_VirtualMemory_map_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	uint64_t res[8];
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, init_arena, sizeof(init_arena));

	if (err == 0) {
		(void)capos_VirtualMemory_map_request(&b, &p);
		capos_VirtualMemory_map_Params_set_hint(&p, 0);
		capos_VirtualMemory_map_Params_set_size(&p, size);
		(void)capos_VirtualMemory_map_Params_init_prot(&p, &prot);
		capos_Protection_set_read(&prot, true);
		capos_Protection_set_write(&prot, true);
		err = init_finish(&b, &plen);
	}
	if (err == 0)
		err = capos_ring_call(init_ring, vm, capos_VirtualMemory_TYPE_ID,
				      capos_VirtualMemory_METHOD_map, init_framed, plen, res,
				      sizeof(res), &cqe);
	if (err == 0)
		err = init_results(res, cqe.result_len, &m);
	if (err == 0)
		err = capos_VirtualMemory_map_Results_read_root(&m, &r);
	if (err == 0)
		*addr = capos_VirtualMemory_map_Results_get_addr(&r);
	return err;
}

/* VirtualMemory.unmap(addr, size). 0 or an error. */
static int init_unmap(uint32_t vm, uint64_t addr, uint64_t size)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_unmap_Params_b p;
	struct capos_cqe cqe;
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, init_arena, sizeof(init_arena));

	if (err == 0) {
		(void)capos_VirtualMemory_unmap_request(&b, &p);
		capos_VirtualMemory_unmap_Params_set_addr(&p, addr);
		capos_VirtualMemory_unmap_Params_set_size(&p, size);
		err = init_finish(&b, &plen);
	}
	if (err == 0)
		err = capos_ring_call(init_ring, vm, capos_VirtualMemory_TYPE_ID,
				      capos_VirtualMemory_METHOD_unmap, init_framed, plen, NULL, 0,
				      &cqe);
	return err;
}

/* Timer: now is non-zero and monotonic; a timed wait with nothing queued returns 0
 * after at least INIT_WAIT_NS. */
static int init_timer(uint32_t timer)
{
	uint64_t t0 = 0, t1 = 0;
	int64_t n;
	int err = init_now(timer, &t0);

	if (err) {
		printf("init: timer: now failed: %s\n", capos_error_name(err));
		return err;
	}
	printf("init: timer: now is non-zero: %s\n", t0 > 0 ? "yes" : "no");
	n = capos_sys_cap_enter(1, INIT_WAIT_NS);
	err = init_now(timer, &t1);
	if (err) {
		printf("init: timer: now failed: %s\n", capos_error_name(err));
		return err;
	}
	printf("init: timer: cap_enter(1, 10 ms) with nothing queued returned %lld, "
	       "at least 10 ms later: %s\n",
	       (long long)n, t1 >= t0 && t1 - t0 >= INIT_WAIT_NS ? "yes" : "no");
	return t0 > 0 && n == 0 && t1 >= t0 && t1 - t0 >= INIT_WAIT_NS ? 0 : CAPOS_ERR_INVALID;
}

/* VirtualMemory: map INIT_VM_PAGES pages, check zero, write/read a pattern, unmap. */
static int init_vm(uint32_t vm)
{
	const uint64_t size = INIT_VM_PAGES * INIT_PAGE;
	uint64_t addr = 0;
	int err = init_map(vm, size, &addr);
	int zero = 1, same = 1;

	if (err || addr < CAPOS_USER_ANON_BASE || addr >= CAPOS_USER_ANON_END || addr % INIT_PAGE) {
		printf("init: vm: map of %u pages failed: %s\n", INIT_VM_PAGES,
		       err ? capos_error_name(err) : "address outside the anonymous region");
		return err ? err : CAPOS_ERR_INVALID;
	}
	volatile uint8_t *mem = (volatile uint8_t *)(uintptr_t)addr;
	for (uint64_t i = 0; i < size; i++)
		zero &= mem[i] == 0;
	for (uint64_t i = 0; i < size; i++)
		mem[i] = (uint8_t)(i * 7u + 1u);
	for (uint64_t i = 0; i < size; i++)
		same &= mem[i] == (uint8_t)(i * 7u + 1u);
	printf("init: vm: mapped %u pages read-write; zeroed: %s; pattern read back: %s\n",
	       INIT_VM_PAGES, zero ? "yes" : "no", same ? "yes" : "no");
	err = init_unmap(vm, addr, size);
	printf("init: vm: unmap: %s\n", err ? capos_error_name(err) : "ok");
	return err ? err : (zero && same ? 0 : CAPOS_ERR_INVALID);
}

/* BootPackage: read and validate the manifest, then walk the service graph. */
static int init_graph(uint32_t boot)
{
	struct init_manifest m;
	struct init_graph_result res;
	int err = init_manifest_load(init_ring, boot, &m);

	if (err)
		return err;
	/* No executor yet: ProcessSpawner plugs in here as the spawn hook. */
	err = init_graph_run(m.plan, NULL, NULL, &res);
	init_manifest_free(&m);
	return err;
}

int main(void)
{
	struct init_caps c;
	int failed = 0;

	if (init_lookup("console", capos_Console_TYPE_ID, &c.console) ||
	    init_lookup("timer", capos_Timer_TYPE_ID, &c.timer) ||
	    init_lookup("vm", capos_VirtualMemory_TYPE_ID, &c.vm) ||
	    init_lookup("boot", capos_BootPackage_TYPE_ID, &c.boot))
		return INIT_EXIT_NO_CAP;
	if (capos_ring_self(&init_ring))
		return INIT_EXIT_FAILED;
	printf("init: hello from init (pid %u) through Console\n", (unsigned)capos_boot.pid);
	failed |= init_timer(c.timer) != 0;
	failed |= init_vm(c.vm) != 0;
	failed |= init_graph(c.boot) != 0;
	printf("init: %s\n", failed ? "FAILED" : "done, exiting 0");
	return failed ? INIT_EXIT_FAILED : 0;
}
