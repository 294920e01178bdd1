/*
 * The heap's page source in a capOS process (libcapos/heap.h): the "vm" cap of the
 * CapSet (interface VirtualMemory), VirtualMemory.map with an explicit hint so the
 * pages land exactly at the heap's mapped end, and unmap for whole pages a shrink
 * leaves. The kernel charges the frames and the address space to the process's
 * quotas; when one is spent the call answers CAPOS_ERR_QUOTA_FRAMES or
 * CAPOS_ERR_QUOTA_VIRTUAL and sbrk reports ENOMEM. Alone in its object so the Linux
 * test shim can replace it.
 */
#include <libcapos/heap.h>
#include <libcapos/kcaps.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static uint32_t heap_vm_cap; /* 0 until looked up */

int capos_heap_pages_map(uint64_t addr, uint64_t size)
{
	uint64_t got = 0;
	int err = capos_kcap_find("vm", capos_VirtualMemory_TYPE_ID, &heap_vm_cap);

	if (err == CAPOS_OK)
		err = capos_vm_map(heap_vm_cap, addr, size, CAPOS_VM_READ | CAPOS_VM_WRITE, &got);
	if (err == CAPOS_OK && got != addr) {
		/* An explicit hint is never relocated by the kernel; refuse if it was. */
		(void)capos_vm_unmap(heap_vm_cap, got, size);
		err = CAPOS_ERR_INVALID;
	}
	return err;
}

int capos_heap_pages_unmap(uint64_t addr, uint64_t size)
{
	int err = capos_kcap_find("vm", capos_VirtualMemory_TYPE_ID, &heap_vm_cap);

	return err == CAPOS_OK ? capos_vm_unmap(heap_vm_cap, addr, size) : err;
}
