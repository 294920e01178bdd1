/*
 * parkpeer: the child of the PARK/UNPARK tests (user/parktest, tests/qemu/park_tests.py);
 * its behaviour follows its CapSet:
 *   "space" (SharedParkSpace) and "mem" (MemoryObject): binds the space to the object,
 *     maps it, raises the flag word at offset 4 and PARKs on offset 0 while it holds 0
 *     (5 s at most); exits 0 when woken with the word then 1, else 1 (2 for a setup
 *     error). The parent stores and UNPARKs: a wake-up across two processes.
 *   "space" (ParkSpace) alone: PARKs forever on a private word (the parent kills it).
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define PP_WAIT_NS 5000000000ull

static int pp_shared(uint32_t space, uint32_t mo)
{
	uint64_t addr = 0;
	int err = capos_park_bind(space, mo);

	if (err == CAPOS_OK)
		err = capos_memobj_map(mo, 1, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	if (err) {
		printf("parkpeer: setup -> %s\n", capos_error_name(err));
		return 2;
	}
	volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)addr;
	__atomic_store_n(&w[1], 1, __ATOMIC_RELEASE);
	int st = capos_park(space, 0, 0, PP_WAIT_NS);
	uint32_t seen = __atomic_load_n(&w[0], __ATOMIC_ACQUIRE);
	printf("parkpeer: PARK(offset 0, expect 0) -> %s, word now %u\n", capos_error_name(st),
	       (unsigned)seen);
	return st == CAPOS_PARK_WOKEN && seen == 1 ? 0 : 1;
}

int main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;
	static volatile uint32_t word;
	uint32_t space = 0, mo = 0;

	if (capos_capset_lookup(cs, "mem", capos_MemoryObject_TYPE_ID, &mo) == CAPOS_OK &&
	    capos_capset_lookup(cs, "space", capos_SharedParkSpace_TYPE_ID, &space) == CAPOS_OK)
		return pp_shared(space, mo);
	if (capos_capset_lookup(cs, "space", capos_ParkSpace_TYPE_ID, &space) != CAPOS_OK)
		return 2;
	printf("parkpeer: parking forever\n");
	return capos_park(space, (uint64_t)(uintptr_t)&word, 0, CAPOS_TIMEOUT_INFINITE) == 0 ? 3
											     : 4;
}
