/*
 * The live ring, positive transcript (utest=ring with this program as the boot
 * module; checked line by line by tests/qemu/ring_tests.py). Every line is printed
 * with printf, so stdout reaching COM2 through Console.write is itself under test.
 * Proves: entry registers (ring, CapSet), NOP alone and a batch of 16 in one
 * cap_enter, a CALL of each kernel object, cap_enter's timed wait, VirtualMemory
 * map/write/read/unmap, RELEASE (the kernel logs the object freed), a long write
 * split at the Console bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capos/layout.h>
#include <capos/syscall.h>
#include <libcapos/console.h>
#include <libcapos/sys.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#include "ringlib.h"

static int fails;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		fails++;
}

static void t_entry(void)
{
	check(capos_boot.ring == CAPOS_USER_RING_BASE, "entry: RDI is thread 0's ring page");
	check(capos_boot.capset == CAPOS_USER_CAPSET, "entry: RDX is the CapSet page");
	check(rt_client->ring->hdr.thread_id == 0, "entry: ring header names thread 0");
}

static void t_nop(void)
{
	struct capos_sqe *sqe;
	int64_t n;
	int i, good = 1;

	check(capos_ring_nop(rt_client) == 0, "nop: one NOP completes with status 0");
	for (i = 0; i < 16; i++) {
		if (capos_ring_get_sqe(rt_client, &sqe)) {
			good = 0;
			break;
		}
		sqe->opcode = CAPOS_OP_NOP;
		sqe->user_data = 1000 + (uint64_t)i;
	}
	capos_ring_submit(rt_client);
	n = capos_ring_enter(rt_client, 16, 0);
	for (i = 0; good && i < 16; i++) {
		struct capos_cqe c;

		if (capos_ring_wait(rt_client, 1000 + (uint64_t)i, 0, &c) || c.status != 0)
			good = 0;
	}
	check(good && n == 16,
	      "nop: a batch of 16 NOPs in one cap_enter, all completed by user_data");
}

static void t_timer(void)
{
	uint64_t t0 = rt_now(), t1, t2;
	int64_t n;

	t1 = rt_now();
	check(t0 > 0 && t1 >= t0, "timer: Timer.now is monotonic");
	n = capos_sys_cap_enter(1, 20000000ull); /* nothing queued: a 20 ms timed wait */
	t2 = rt_now();
	check(n == 0 && t2 - t1 >= 20000000ull,
	      "timer: cap_enter(1, 20 ms) with nothing queued times out with 0 after >= 20 ms");
	check(capos_sys_cap_enter(0, CAPOS_TIMEOUT_INFINITE) == 0,
	      "cap_enter(0, infinite) returns at once");
}

static void t_boot(void)
{
	uint64_t res[64];
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_BootPackage_manifestSize_Results_r sr;
	struct capos_BootPackage_readManifest_Results_r rr;
	struct capnp_data d = { 0 };
	const void *p;
	uint32_t plen;
	int st = rt_call(rt.boot, capos_BootPackage_TYPE_ID, capos_BootPackage_METHOD_manifestSize,
			 NULL, 0, res, sizeof(res), &cqe);

	check(st == 0 && !rt_results(res, cqe.result_len, &m) &&
		      !capos_BootPackage_manifestSize_Results_read_root(&m, &sr) &&
		      capos_BootPackage_manifestSize_Results_get_size(&sr) > 4096,
	      "boot: BootPackage.manifestSize is the module's size");
	plen = rt_p_read(0, 4, &p);
	st = rt_call(rt.boot, capos_BootPackage_TYPE_ID, capos_BootPackage_METHOD_readManifest, p,
		     plen, res, sizeof(res), &cqe);
	check(st == 0 && !rt_results(res, cqe.result_len, &m) &&
		      !capos_BootPackage_readManifest_Results_read_root(&m, &rr) &&
		      !capos_BootPackage_readManifest_Results_get_data(&rr, &d) && d.len == 4 &&
		      memcmp(d.ptr,
			     "\x7f"
			     "ELF",
			     4) == 0,
	      "boot: readManifest(0, 4) is the module's first bytes (an ELF)");
}

static void t_vm(void)
{
	uint64_t res[8], addr = 0;
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_VirtualMemory_map_Results_r r;
	const void *p;
	uint32_t plen = rt_p_map(0, 3 * 4096, 1, 0, &p);
	int st = rt_call(rt.vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map, p,
			 plen, res, sizeof(res), &cqe);

	if (st == 0 && !rt_results(res, cqe.result_len, &m) &&
	    !capos_VirtualMemory_map_Results_read_root(&m, &r))
		addr = capos_VirtualMemory_map_Results_get_addr(&r);
	check(addr >= CAPOS_USER_ANON_BASE && addr < CAPOS_USER_ANON_END && addr % 4096 == 0,
	      "vm: map(3 pages, rw) returns an anonymous-region address");
	if (addr) {
		volatile uint8_t *mem = (volatile uint8_t *)addr;
		int zero = mem[0] == 0 && mem[3 * 4096 - 1] == 0;

		mem[0] = 0x5a;
		mem[3 * 4096 - 1] = 0xa5;
		check(zero && mem[0] == 0x5a && mem[3 * 4096 - 1] == 0xa5,
		      "vm: the pages are zeroed, writable and readable");
		plen = rt_p_unmap(addr, 3 * 4096, &p);
		st = rt_call(rt.vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_unmap,
			     p, plen, NULL, 0, &cqe);
		check(st == 0, "vm: unmap succeeds");
	}
}

static void t_console(void)
{
	static char big[5000];
	int64_t n;

	memset(big, 'x', sizeof(big));
	n = capos_console_write(big, sizeof(big));
	printf("\n");
	check(n == 4096, "console: a 5000-byte write is cut at the 4096-byte Console bound");
}

static void t_release(void)
{
	struct capos_sqe s = { .opcode = CAPOS_OP_RELEASE, .cap = rt.timer };
	struct capos_cqe cqe;

	check(rt_raw(&s, &cqe) == 0, "release: RELEASE of the timer cap completes with 0");
	check(rt_call(rt.timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, NULL, 0, NULL, 0,
		      &cqe) == CAPOS_ERR_CAP_STALE,
	      "release: the released id is stale");
}

int main(void)
{
	printf("ring-ok: hello from printf through Console, pid %d\n", 0 + (int)capos_boot.pid);
	rt_init();
	t_entry();
	t_nop();
	t_timer();
	t_boot();
	t_vm();
	t_console();
	t_release();
	printf("ring-ok: done, %d failure(s)\n", fails);
	return fails ? 1 : 0;
}
