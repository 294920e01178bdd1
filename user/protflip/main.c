/*
 * protflip: regression test of "protect leaves a page briefly not present"
 * (tests/qemu/tlb_tests.py tlb-protect-flip; kernel/proc/vm.c vm_remap). A reader
 * thread loads words of PROT_PAGES anonymous page(s) in a loop (no system call) and a
 * writer thread stores into them whenever the protection allows, while the main
 * thread flips the range RW -> R -> RW through VirtualMemory.protect PROT_FLIPS times.
 * At -smp 2 and 4 the three threads run on different CPUs. A protect that left a page
 * absent for an instant would let the reader's table walk (after a TLB miss) find no
 * page: a fatal #PF that kills the process with a read fault (error 0x4). To make
 * such walks frequent, the reader also loads PROT_ALIASES pages whose TLB slots clash
 * with the flipped page's in a direct-mapped TLB (QEMU TCG's softmmu TLB, one slot per
 * page number modulo its size), so its next load of the flipped page walks the tables.
 * Even so the old code's window (a few hundred instructions per flip) was not hit in
 * 5 runs: the test guards the semantics, the host test proves the single store.
 *
 * The writer stores only between the main thread's "writes allowed" and "writes
 * closed" (a Dekker handshake on `prot_allow`/`prot_inflight`), so a correct kernel
 * never sees it fault. After the flips the main thread checks that both threads made
 * progress, closes the range read-only once more and writes to it itself: that write
 * must fault exactly as before (the process is killed with a user write protection
 * fault, error 0x7, at the page), which is how the test ends.
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#define PROT_PAGE 4096u
#define PROT_PAGES 1u
#define PROT_FLIPS 200u
#define PROT_ALIASES 12u
/* 2^22 pages: the largest QEMU softmmu TLB has at most this many slots, and every
 * smaller power of two divides it, so these pages share the flipped pages' slots. */
#define PROT_ALIAS_STRIDE (1ull << 34)
#define PROT_WORDS (PROT_PAGES * PROT_PAGE / 8u)
#define PROT_TAG 0x5052u /* high 16 bits of every word ever stored */
#define PROT_PAUSE 100u	 /* writer's pauses between two stores */
#define PROT_NAP_NS 50000u

static volatile uint64_t *prot_words;
static volatile const uint64_t *prot_alias[PROT_ALIASES];
static uint32_t prot_done;     /* main: threads stop */
static uint32_t prot_allow;    /* main: writes allowed now */
static uint32_t prot_inflight; /* writer: inside a store that `prot_allow` admitted */
static uint64_t prot_loads, prot_stores;

static int64_t prot_reader(void *arg)
{
	uint64_t n = 0, sum = 0;

	(void)arg;
	while (!__atomic_load_n(&prot_done, __ATOMIC_ACQUIRE)) {
		uint64_t v = prot_words[(n * 509u) % PROT_WORDS];

		if ((v >> 48) != PROT_TAG) {
			printf("protflip: FAIL: load %#llx: wrong value\n", (unsigned long long)v);
			capos_sys_exit(4);
		}
		sum += prot_alias[n % PROT_ALIASES][0];
		__atomic_store_n(&prot_loads, ++n, __ATOMIC_RELAXED);
	}
	return (int64_t)(sum & 1);
}

/* The writer spends most of its time outside the admitted window (PROT_PAUSE pause
 * instructions per store, and no entry while writes are closed), so a preemption
 * rarely leaves it inside while main waits. */
static int64_t prot_writer(void *arg)
{
	uint64_t n = 0;

	(void)arg;
	while (!__atomic_load_n(&prot_done, __ATOMIC_ACQUIRE)) {
		for (unsigned i = 0; i < PROT_PAUSE; i++)
			__asm__ volatile("pause");
		if (!__atomic_load_n(&prot_allow, __ATOMIC_SEQ_CST))
			continue;
		__atomic_fetch_add(&prot_inflight, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&prot_allow, __ATOMIC_SEQ_CST)) {
			prot_words[(n * 131u) % PROT_WORDS] = ((uint64_t)PROT_TAG << 48) | n;
			__atomic_store_n(&prot_stores, ++n, __ATOMIC_RELAXED);
		}
		__atomic_fetch_sub(&prot_inflight, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

/* Writes closed: once this returns no store admitted by `prot_allow` is running.
 * Naps while the writer is inside (it may be preempted there, at -smp 1 always). */
static void prot_close_writes(void)
{
	__atomic_store_n(&prot_allow, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&prot_inflight, __ATOMIC_SEQ_CST))
		(void)capos_sys_cap_enter(1, PROT_NAP_NS);
}

static int prot_setup(uint32_t vm, uint64_t *addr)
{
	int err = capos_vm_map(vm, 0, PROT_PAGES * PROT_PAGE, CAPOS_VM_READ | CAPOS_VM_WRITE, addr);

	for (unsigned i = 0; err == CAPOS_OK && i < PROT_ALIASES; i++) {
		uint64_t a = 0, want = *addr + (i + 1) * PROT_ALIAS_STRIDE;

		err = capos_vm_map(vm, want, PROT_PAGE, CAPOS_VM_READ, &a);
		prot_alias[i] = (volatile const uint64_t *)(uintptr_t)a;
		if (err == CAPOS_OK && a != want)
			printf("protflip: alias %u at %#llx, not %#llx (less TLB pressure)\n", i,
			       (unsigned long long)a, (unsigned long long)want);
	}
	if (err != CAPOS_OK)
		return err;
	prot_words = (volatile uint64_t *)(uintptr_t)*addr;
	for (unsigned i = 0; i < PROT_WORDS; i++)
		prot_words[i] = (uint64_t)PROT_TAG << 48;
	return CAPOS_OK;
}

/* Naps until *counter moved past `from` (the thread owning it ran). */
static void prot_wait_past(const uint64_t *counter, uint64_t from)
{
	while (__atomic_load_n(counter, __ATOMIC_RELAXED) == from)
		(void)capos_sys_cap_enter(1, PROT_NAP_NS);
}

/* Every RW phase sees at least one store, so the threads interleave at -smp 1 too. */
static int prot_flip(uint32_t vm, uint64_t addr)
{
	int err = CAPOS_OK;

	__atomic_store_n(&prot_allow, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; err == CAPOS_OK && i < PROT_FLIPS; i++) {
		prot_wait_past(&prot_stores, __atomic_load_n(&prot_stores, __ATOMIC_RELAXED));
		prot_close_writes();
		err = capos_vm_protect(vm, addr, PROT_PAGES * PROT_PAGE, CAPOS_VM_READ);
		if (err == CAPOS_OK)
			err = capos_vm_protect(vm, addr, PROT_PAGES * PROT_PAGE,
					       CAPOS_VM_READ | CAPOS_VM_WRITE);
		__atomic_store_n(&prot_allow, 1, __ATOMIC_SEQ_CST);
	}
	return err;
}

int main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;
	struct capos_thread *reader, *writer;
	uint32_t vm;
	uint64_t addr = 0, loads, stores;
	int err = capos_capset_lookup(cs, "vm", capos_VirtualMemory_TYPE_ID, &vm);

	if (err == CAPOS_OK)
		err = prot_setup(vm, &addr);
	if (err == CAPOS_OK)
		err = capos_thread_create(prot_reader, NULL, 0, &reader);
	if (err == CAPOS_OK)
		err = capos_thread_create(prot_writer, NULL, 0, &writer);
	if (err == CAPOS_OK)
		err = prot_flip(vm, addr);
	prot_close_writes();
	loads = __atomic_load_n(&prot_loads, __ATOMIC_RELAXED);
	stores = __atomic_load_n(&prot_stores, __ATOMIC_RELAXED);
	if (err != CAPOS_OK) {
		printf("protflip: FAIL: %s\n", capos_error_name(err));
		return 2;
	}
	printf("protflip: %u flips of %u pages at %#llx; reader %llu loads, writer %llu stores\n",
	       PROT_FLIPS * 2, PROT_PAGES, (unsigned long long)addr, (unsigned long long)loads,
	       (unsigned long long)stores);
	if (loads == 0 || stores == 0) {
		printf("protflip: FAIL: a thread made no progress\n");
		return 3;
	}
	err = capos_vm_protect(vm, addr, PROT_PAGES * PROT_PAGE, CAPOS_VM_READ);
	if (err != CAPOS_OK) {
		printf("protflip: FAIL: last protect: %s\n", capos_error_name(err));
		return 2;
	}
	printf("protflip: writing read-only page %#llx\n", (unsigned long long)addr);
	prot_words[0] = 1; /* faults: the process is killed here */
	printf("protflip: FAIL: a write to a read-only page returned\n");
	return 5;
}
