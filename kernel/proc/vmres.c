/*
 * VirtualMemory over a process's address space (kernel/vmres.h): the region table
 * (kernel/vmregion.h) says what each page of the anonymous window is, the page tables
 * (kernel/vm.h) hold exactly the committed pages, and the ledger is charged for both.
 * Each operation decodes the range's states against what it accepts, checks the
 * table's room and the quota, and only then maps, unmaps and records; the table
 * change it checked first cannot fail afterwards.
 */
#include <kernel/vmres.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/kcharge.h>
#include <kernel/memobj.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/vmregion.h>

static const struct vmr_table vmres_empty; /* how a space without a table reads */

static const struct vmr_table *vmres_view(const struct vm_space *vm)
{
	return vm->regions ? vm->regions : &vmres_empty;
}

/* The space's table, made on first use as a charged block (LEDGER_KERNEL_BYTES). */
static int vmres_table(struct vm_space *vm, struct vmr_table **out)
{
	void *t;
	int err;

	if (vm->regions == NULL) {
		err = kzalloc_charged(vm->ledger, sizeof(*vm->regions), &t);
		if (err)
			return err;
		vm->regions = t;
		vmr_init(vm->regions);
	}
	*out = vm->regions;
	return CAPOS_OK;
}

static int vmres_in_window(uint64_t a, uint64_t size)
{
	if (a < CAPOS_USER_ANON_BASE || a >= CAPOS_USER_ANON_END || size == 0 ||
	    size > CAPOS_USER_ANON_END - a || ((a | size) & (FRAME_SIZE - 1)))
		return CAPOS_ERR_OUT_OF_RANGE;
	return CAPOS_OK;
}

/* The highest end of the MemoryObject mappings overlapping [va, va + size), or 0: they
 * live in the same window but not in the region table (kernel/memobj.h). */
static uint64_t vmres_object_end(const struct vm_space *vm, uint64_t va, uint64_t size)
{
	return vm->object_maps ? memmap_overlap_end(vm->object_maps, va, size) : 0;
}

bool vmres_range_free(const struct vm_space *vm, uint64_t va, uint64_t size)
{
	return vmr_bytes(vmres_view(vm), va, va + size, VMR_ANY_RESERVED) == 0 &&
	       vmres_object_end(vm, va, size) == 0;
}

/* Where a new range goes: exactly at the hint if it is free, else the kernel's pick
 * (below the C heap's window first, then above it). */
/* The lowest range of [lo, hi) free in the table that no object mapping overlaps. Each
 * retry starts past an overlapping mapping, so there are at most MEMOBJ_MAPS_MAX.
 * Errors: CAPOS_ERR_VMR_NO_SPACE. */
static int vmres_find(const struct vm_space *vm, uint64_t lo, uint64_t hi, uint64_t size,
		      uint64_t *va)
{
	for (unsigned i = 0; i <= MEMOBJ_MAPS_MAX && lo < hi; i++) {
		int err = vmr_find_free(vmres_view(vm), lo, hi, size, VMRES_PLACEMENT_GAP, va);
		uint64_t end;

		if (err)
			return err;
		end = vmres_object_end(vm, *va, size);
		if (end == 0)
			return CAPOS_OK;
		lo = end;
	}
	return CAPOS_ERR_VMR_NO_SPACE;
}

static int vmres_place(const struct vm_space *vm, uint64_t hint, uint64_t size, uint64_t *va)
{
	int err;

	if (hint) {
		err = vmres_in_window(hint, size);
		if (err)
			return err;
		if (!vmres_range_free(vm, hint, size))
			return CAPOS_ERR_VMR_OVERLAP;
		*va = hint;
		return CAPOS_OK;
	}
	if (vmres_find(vm, CAPOS_USER_ANON_BASE, CAPOS_USER_HEAP_BASE, size, va) == CAPOS_OK)
		return CAPOS_OK;
	return vmres_find(vm, CAPOS_USER_HEAP_END, CAPOS_USER_ANON_END, size, va);
}

/* Decode: CAPOS_OK when every page of [a, a + size) is in an `allowed` state, else the
 * error for the first kind of page that is not (free pages answer `free_err`). */
static int vmres_expect(const struct vmr_table *t, uint64_t a, uint64_t size, unsigned allowed,
			int free_err)
{
	static const struct {
		enum vmr_state s;
		int err;
	} order[] = {
		{ VMR_GUARD, CAPOS_ERR_VMR_GUARD },
		{ VMR_COMMITTED, CAPOS_ERR_VMR_COMMITTED },
		{ VMR_RESERVED, CAPOS_ERR_MM_NOT_MAPPED },
	};
	int err = vmres_in_window(a, size);

	if (err)
		return err;
	if (!(allowed & VMR_BIT(VMR_FREE)) && vmr_bytes(t, a, a + size, VMR_BIT(VMR_FREE)))
		return free_err;
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!(allowed & VMR_BIT(order[i].s)) &&
		    vmr_bytes(t, a, a + size, VMR_BIT(order[i].s)))
			return order[i].err;
	return CAPOS_OK;
}

/* Applies a change vmr_set_check accepted: a failure now is a kernel bug. */
static void vmres_set(struct vmr_table *t, uint64_t a, uint64_t b, enum vmr_state s)
{
	int err = vmr_set(t, a, b, s);

	if (err)
		panic("vmres: region change [%#llx, %#llx) failed after its check: %s",
		      (unsigned long long)a, (unsigned long long)b, capos_error_name(err));
}

/* Frees the frames of the committed runs in [a, b); committed pages are exactly the
 * mapped ones, so vm_unmap cannot refuse them. */
static void vmres_free_committed(struct vm_space *vm, uint64_t a, uint64_t b)
{
	const struct vmr_table *t = vmres_view(vm);

	for (uint32_t i = vmr_first_after(t, a); i < t->count && t->e[i].start < b; i++) {
		uint64_t s = t->e[i].start > a ? t->e[i].start : a;
		uint64_t e = t->e[i].end < b ? t->e[i].end : b;
		int err;

		if (t->e[i].state != VMR_COMMITTED)
			continue;
		err = vm_unmap(vm, s, e - s);
		if (err)
			panic("vmres: committed pages [%#llx, %#llx) not mapped: %s",
			      (unsigned long long)s, (unsigned long long)e, capos_error_name(err));
	}
}

/* A new range in state s (VMR_RESERVED, or VMR_COMMITTED mapped with prot). */
static int vmres_new(struct vm_space *vm, uint64_t hint, uint64_t size, enum vmr_state s,
		     unsigned prot, uint64_t *addr)
{
	struct vmr_table *t = NULL;
	struct ledger_hold h;
	uint64_t va = 0;
	int err = vmres_table(vm, &t);

	if (err == CAPOS_OK)
		err = vmres_place(vm, hint, size, &va);
	if (err == CAPOS_OK)
		err = vmr_set_check(t, va, va + size, s);
	if (err == CAPOS_OK)
		err = ledger_hold(vm->ledger, LEDGER_VIRTUAL, size, &h);
	if (err)
		return err;
	if (s == VMR_COMMITTED) {
		err = vm_map(vm, va, size, prot, NULL, 0);
		if (err)
			goto out_virtual;
	}
	ledger_commit(&h);
	vmres_set(t, va, va + size, s);
	*addr = va;
	return CAPOS_OK;
out_virtual:
	ledger_drop(&h);
	return err;
}

int vmres_reserve(struct vm_space *vm, uint64_t hint, uint64_t size, uint64_t *addr)
{
	return vmres_new(vm, hint, size, VMR_RESERVED, 0, addr);
}

int vmres_map(struct vm_space *vm, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr)
{
	return vmres_new(vm, hint, size, VMR_COMMITTED, prot, addr);
}

int vmres_commit(struct vm_space *vm, uint64_t addr, uint64_t size, unsigned prot)
{
	const struct vmr_table *t = vmres_view(vm);
	int err = vmres_expect(t, addr, size, VMR_BIT(VMR_RESERVED), CAPOS_ERR_VMR_NOT_RESERVED);

	if (err == CAPOS_OK)
		err = vmr_set_check(t, addr, addr + size, VMR_COMMITTED);
	if (err == CAPOS_OK)
		err = vm_map(vm, addr, size, prot, NULL, 0);
	if (err)
		return err;
	vmres_set(vm->regions, addr, addr + size, VMR_COMMITTED);
	return CAPOS_OK;
}

/* The common shape of decommit / guard / unmap: decode the states, check the table's
 * room, free the committed frames, record the new state. */
static int vmres_change(struct vm_space *vm, uint64_t addr, uint64_t size, unsigned allowed,
			int free_err, enum vmr_state to)
{
	const struct vmr_table *t = vmres_view(vm);
	int err = vmres_expect(t, addr, size, allowed, free_err);

	if (err == CAPOS_OK)
		err = vmr_set_check(t, addr, addr + size, to);
	if (err)
		return err;
	vmres_free_committed(vm, addr, addr + size);
	vmres_set(vm->regions, addr, addr + size, to);
	return CAPOS_OK;
}

int vmres_decommit(struct vm_space *vm, uint64_t addr, uint64_t size)
{
	return vmres_change(vm, addr, size, VMR_BIT(VMR_RESERVED) | VMR_BIT(VMR_COMMITTED),
			    CAPOS_ERR_VMR_NOT_RESERVED, VMR_RESERVED);
}

int vmres_guard(struct vm_space *vm, uint64_t addr, uint64_t size)
{
	return vmres_change(vm, addr, size, VMR_BIT(VMR_RESERVED) | VMR_BIT(VMR_GUARD),
			    CAPOS_ERR_VMR_NOT_RESERVED, VMR_GUARD);
}

int vmres_unmap(struct vm_space *vm, uint64_t addr, uint64_t size)
{
	int err = vmres_change(vm, addr, size, VMR_ANY_RESERVED, CAPOS_ERR_MM_NOT_MAPPED, VMR_FREE);

	if (err == CAPOS_OK)
		ledger_release(vm->ledger, LEDGER_VIRTUAL, size);
	return err;
}

int vmres_protect(struct vm_space *vm, uint64_t addr, uint64_t size, unsigned prot)
{
	int err = vmres_expect(vmres_view(vm), addr, size, VMR_BIT(VMR_COMMITTED),
			       CAPOS_ERR_MM_NOT_MAPPED);

	return err ? err : vm_protect(vm, addr, size, prot);
}

void vmres_destroy(struct vm_space *vm)
{
	if (vm->regions == NULL)
		return;
	ledger_release(vm->ledger, LEDGER_VIRTUAL, vmr_total(vm->regions));
	kfree_charged(vm->regions); /* returns its LEDGER_KERNEL_BYTES */
	vm->regions = NULL;
}
