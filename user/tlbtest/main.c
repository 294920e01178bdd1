/*
 * tlbtest: proof of TLB shootdown (tests/qemu/tlb_tests.py; docs/scheduler.md "TLB
 * shootdown"). A reader thread loads a word of an anonymous page in a loop, with no
 * system call, while the main thread (on another CPU when there is one: a new thread
 * goes to a halted CPU) unmaps the page and then raises `unmapped`. The reader reads
 * the flag before each load: a load that succeeds after it saw the flag went through
 * a stale translation, so it prints "STALE" and the process exits 3. With the
 * shootdown the unmap returns only once every CPU dropped the page, so the reader's
 * next load faults and the kernel kills the process with a #PF at that page, which is
 * what the test expects (exit status of init: killed).
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

#define TLB_MAGIC 0x5a5a1234u
#define TLB_PAGE 4096u
#define TLB_WARM_LOADS 100000u /* loads before the reader says it is running */

static volatile uint32_t *tlb_word;
static uint32_t tlb_ready;    /* set by the reader once its loads are running */
static uint32_t tlb_unmapped; /* set by main after the unmap returned */

static int64_t tlb_reader(void *arg)
{
	(void)arg;
	for (uint64_t n = 0;; n++) {
		uint32_t after = __atomic_load_n(&tlb_unmapped, __ATOMIC_ACQUIRE);
		uint32_t v = *tlb_word;

		if (after) {
			printf("tlbtest: STALE: load %#x after the unmap returned\n", (unsigned)v);
			capos_sys_exit(3);
		}
		if (v != TLB_MAGIC) {
			printf("tlbtest: wrong value %#x before the unmap\n", (unsigned)v);
			capos_sys_exit(4);
		}
		if (n == TLB_WARM_LOADS)
			__atomic_store_n(&tlb_ready, 1, __ATOMIC_RELEASE);
	}
}

int main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;
	struct capos_thread *reader;
	uint32_t vm;
	uint64_t addr = 0;
	int err = capos_capset_lookup(cs, "vm", capos_VirtualMemory_TYPE_ID, &vm);

	if (err == CAPOS_OK)
		err = capos_vm_map(vm, 0, TLB_PAGE, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	if (err != CAPOS_OK) {
		printf("tlbtest: map: %s\n", capos_error_name(err));
		return 2;
	}
	tlb_word = (volatile uint32_t *)(uintptr_t)addr;
	*tlb_word = TLB_MAGIC;
	err = capos_thread_create(tlb_reader, NULL, 0, &reader);
	if (err != CAPOS_OK) {
		printf("tlbtest: thread: %s\n", capos_error_name(err));
		return 2;
	}
	while (!__atomic_load_n(&tlb_ready, __ATOMIC_ACQUIRE))
		;
	printf("tlbtest: reader running; unmapping page %#llx\n", (unsigned long long)addr);
	err = capos_vm_unmap(vm, addr, TLB_PAGE);
	__atomic_store_n(&tlb_unmapped, 1, __ATOMIC_RELEASE);
	if (err != CAPOS_OK) {
		printf("tlbtest: unmap: %s\n", capos_error_name(err));
		return 2;
	}
	for (;;) /* the reader's fault ends the process; it must not end any other way */
		;
}
