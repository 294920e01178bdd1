/*
 * User address spaces (kernel/vm.h) over the arch_mm_* contract: a private lower half
 * whose every frame (tables and pages) is charged to the owner's ledger, and the
 * kernel's upper half shared by copying its top-level entries. Pages are zeroed (and
 * filled) through the direct map, so a space need not be loaded to be built.
 */
#include <kernel/vm.h>

#include <stdbool.h>

#include <capos/error.h>
#include <kernel/kcharge.h>
#include <kernel/mm.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/tlb.h>
#include <kernel/uaccess.h>
#include <kernel/vmres.h>

/* A frame this space owned goes back; failing here is a kernel bug, not user input. */
static void vm_frame_free(uint64_t pa)
{
	int err = frame_free(pa);

	if (err)
		panic("vm: freeing frame %#llx: %s", (unsigned long long)pa, capos_error_name(err));
}

/* Frame source for user tables: charged to the ledger of the space being built. */
static int vm_pt_alloc(void *ctx, uint64_t *phys)
{
	struct vm_space *vm = ctx;
	int err = ledger_charge_frames(vm->ledger, 1);

	if (err)
		return err;
	err = frame_alloc_user(phys); /* refused at the kernel reserve (kcharge.h) */
	if (err) {
		ledger_release_frames(vm->ledger, 1);
		return err;
	}
	vm->table_frames++;
	return CAPOS_OK;
}

static void *vm_pt_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return phys_to_virt(phys);
}

static void vm_zero_frame(uint64_t phys)
{
	uint64_t *p = phys_to_virt(phys);

	for (unsigned i = 0; i < FRAME_SIZE / 8; i++)
		p[i] = 0;
}

static bool vm_is_live(const struct vm_space *vm)
{
	return arch_this_cpu()->loaded_root == vm->as.root_phys;
}

/* PTEs of vm's pages [va, va + pages * FRAME_SIZE) changed (unmapped or
 * reprotected): no CPU may keep an old translation once this returns. The fence
 * orders the PTE stores before reading the resident set (see vm_load). */
static void vm_flush_pages(struct vm_space *vm, uint64_t va, uint64_t pages)
{
	if (vm_is_live(vm)) {
		for (uint64_t i = 0; i < pages; i++)
			arch_mm_flush_page(va + i * FRAME_SIZE);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tlb_shootdown(cpumask_load(&vm->resident), va, pages);
}

static void vm_flush_page(struct vm_space *vm, uint64_t va)
{
	vm_flush_pages(vm, va, 1);
}

int vm_create(struct vm_space *vm, struct ledger *l)
{
	const struct arch_pt_source src = { vm_pt_alloc, vm_pt_virt, vm };
	struct arch_aspace *k = mm_kernel_aspace();
	int err;

	vm->ledger = l;
	vm->user_pages = vm->table_frames = 0;
	vm->regions = NULL;
	vm->resident = 0;
	if (k == NULL)
		return CAPOS_ERR_UNSUPPORTED;
	err = arch_mm_create(&vm->as, &src, arch_mm_nx_enabled());
	if (err)
		return err;
	arch_mm_share_kernel(&vm->as, k);
	return CAPOS_OK;
}

static int vm_check(uint64_t va, uint64_t size)
{
	if ((va | size) & (FRAME_SIZE - 1))
		return CAPOS_ERR_ALIGNMENT;
	if (size == 0)
		return CAPOS_ERR_INVALID;
	if (!uaccess_range_ok(va, size))
		return CAPOS_ERR_BAD_ADDRESS;
	return CAPOS_OK;
}

static unsigned vm_arch_flags(unsigned prot)
{
	return ARCH_MM_USER | ((prot & VM_PROT_WRITE) ? ARCH_MM_WRITE : 0) |
	       ((prot & VM_PROT_EXEC) ? ARCH_MM_EXEC : 0);
}

/* Copies the part of data that falls in page `off` of the mapping into frame phys. */
static void vm_fill(uint64_t phys, uint64_t off, const void *data, size_t len)
{
	uint8_t *d = phys_to_virt(phys);
	const uint8_t *s = data;

	for (uint64_t i = 0; i < FRAME_SIZE && off + i < len; i++)
		d[i] = s[off + i];
}

/* Unmaps and frees the first `size` bytes at va (all mapped by us). */
static void vm_release(struct vm_space *vm, uint64_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += FRAME_SIZE) {
		uint64_t pa;
		unsigned fl;

		if (arch_mm_query(&vm->as, va + off, &pa, &fl) != CAPOS_OK)
			continue;
		arch_mm_unmap(&vm->as, va + off, FRAME_SIZE);
		vm_flush_page(vm, va + off); /* before the frame can be reused */
		vm_frame_free(pa);
		ledger_release_frames(vm->ledger, 1);
		vm->user_pages--;
	}
}

static bool vm_any_mapped(const struct vm_space *vm, uint64_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += FRAME_SIZE) {
		uint64_t pa;
		unsigned fl;

		if (arch_mm_query(&vm->as, va + off, &pa, &fl) == CAPOS_OK)
			return true;
	}
	return false;
}

int vm_map(struct vm_space *vm, uint64_t va, uint64_t size, unsigned prot, const void *data,
	   size_t len)
{
	int err = vm_check(va, size);
	uint64_t off;

	if (err)
		return err;
	if ((prot & ~(VM_PROT_WRITE | VM_PROT_EXEC)) || len > size ||
	    ((prot & VM_PROT_WRITE) && (prot & VM_PROT_EXEC)))
		return CAPOS_ERR_INVALID;
	if (vm_any_mapped(vm, va, size))
		return CAPOS_ERR_MM_ALREADY_MAPPED;
	if (size / FRAME_SIZE > ledger_room(vm->ledger, LEDGER_FRAMES))
		return CAPOS_ERR_QUOTA_FRAMES; /* the pages alone exceed the quota */
	/* Invariant: [va, va + off) is mapped, filled and charged. */
	for (off = 0; off < size; off += FRAME_SIZE) {
		uint64_t pa;

		err = ledger_charge_frames(vm->ledger, 1);
		if (err)
			goto out_release;
		err = frame_alloc_user(&pa);
		if (err) {
			ledger_release_frames(vm->ledger, 1);
			goto out_release;
		}
		vm_zero_frame(pa);
		vm_fill(pa, off, data, len);
		err = arch_mm_map(&vm->as, va + off, pa, FRAME_SIZE, vm_arch_flags(prot));
		if (err) {
			vm_frame_free(pa);
			ledger_release_frames(vm->ledger, 1);
			goto out_release;
		}
		vm->user_pages++;
	}
	return CAPOS_OK;
out_release:
	vm_release(vm, va, off);
	return err;
}

/* Gives the mapped pages [va, va + size) the arch flags `flags`, frames unchanged,
 * each entry rewritten in place (a thread of this space on another CPU never finds
 * the page absent, which would be a fatal #PF), then flushed everywhere. The caller
 * checked that every page is mapped, so the change cannot fail. */
static void vm_remap(struct vm_space *vm, uint64_t va, uint64_t size, unsigned flags)
{
	int err;

	if (size == 0)
		return;
	err = arch_mm_protect(&vm->as, va, size, flags);
	if (err)
		panic("vm: re-protecting %#llx: %s", (unsigned long long)va, capos_error_name(err));
	vm_flush_pages(vm, va, size / FRAME_SIZE);
}

/* Every page of [va, va + size) is mapped anonymous memory of this space (not a
 * MemoryObject's: those are changed only through their object). */
static int vm_check_anonymous(const struct vm_space *vm, uint64_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += FRAME_SIZE) {
		uint64_t pa;
		unsigned fl;

		if (arch_mm_query(&vm->as, va + off, &pa, &fl) != CAPOS_OK)
			return CAPOS_ERR_MM_NOT_MAPPED;
		if (fl & ARCH_MM_OBJECT)
			return CAPOS_ERR_MEMOBJ_OBJECT_MAPPING;
	}
	return CAPOS_OK;
}

int vm_unmap(struct vm_space *vm, uint64_t va, uint64_t size)
{
	int err = vm_check(va, size);

	vm->wcache_va = 0;
	if (err == CAPOS_OK)
		err = vm_check_anonymous(vm, va, size);
	if (err)
		return err;
	vm_release(vm, va, size);
	return CAPOS_OK;
}

int vm_protect(struct vm_space *vm, uint64_t va, uint64_t size, unsigned prot)
{
	int err = vm_check(va, size);

	vm->wcache_va = 0;
	if (err)
		return err;
	if ((prot & ~(VM_PROT_WRITE | VM_PROT_EXEC)) ||
	    ((prot & VM_PROT_WRITE) && (prot & VM_PROT_EXEC)))
		return CAPOS_ERR_INVALID;
	err = vm_check_anonymous(vm, va, size);
	if (err)
		return err;
	vm_remap(vm, va, size, vm_arch_flags(prot));
	return CAPOS_OK;
}

int vm_write(struct vm_space *vm, uint64_t va, const void *src, size_t len)
{
	const uint8_t *s = src;

	if (len == 0)
		return CAPOS_OK;
	if (!uaccess_range_ok(va, len))
		return CAPOS_ERR_BAD_ADDRESS;
	/* Invariant: bytes [0, done) are written. */
	for (size_t done = 0; done < len;) {
		uint64_t pa, chunk = FRAME_SIZE - ((va + done) & (FRAME_SIZE - 1));
		unsigned fl;

		if (arch_mm_query(&vm->as, va + done, &pa, &fl) != CAPOS_OK)
			return CAPOS_ERR_MM_NOT_MAPPED;
		if (chunk > len - done)
			chunk = len - done;
		uint8_t *d = phys_to_virt(pa);
		for (uint64_t i = 0; i < chunk; i++)
			d[i] = s[done + i];
		done += chunk;
	}
	return CAPOS_OK;
}

/* Direct-map pointer to the user-writable page byte at va, or NULL. The last page
 * translated is cached (IPC delivers into the same receive buffer again and again). */
static uint8_t *vm_user_writable(struct vm_space *vm, uint64_t va)
{
	uint64_t page = va & ~(uint64_t)(FRAME_SIZE - 1), pa;
	unsigned fl;

	if (page == vm->wcache_va && page != 0)
		return vm->wcache_ptr + (va - page);
	if (arch_mm_query(&vm->as, page, &pa, &fl) != CAPOS_OK ||
	    (fl & (ARCH_MM_USER | ARCH_MM_WRITE)) != (ARCH_MM_USER | ARCH_MM_WRITE))
		return NULL;
	vm->wcache_va = page;
	vm->wcache_ptr = phys_to_virt(pa);
	return vm->wcache_ptr + (va - page);
}

/* Shared page walk of vm_copy_out / vm_copy_out_user: src_user selects the source. */
static int vm_copy_out_any(struct vm_space *vm, uint64_t va, const void *src, uint64_t usrc,
			   size_t len, bool src_user)
{
	if (len == 0)
		return CAPOS_OK;
	if (!uaccess_range_ok(va, len))
		return CAPOS_ERR_BAD_ADDRESS;
	/* Invariant: bytes [0, done) are written. */
	for (size_t done = 0; done < len;) {
		uint64_t chunk = FRAME_SIZE - ((va + done) & (FRAME_SIZE - 1));
		uint8_t *d = vm_user_writable(vm, va + done);

		if (d == NULL)
			return CAPOS_ERR_BAD_ADDRESS;
		if (chunk > len - done)
			chunk = len - done;
		if (src_user) {
			if (copy_from_user(d, UADDR(usrc + done), chunk))
				return CAPOS_ERR_OUT_OF_RANGE;
		} else {
			__builtin_memcpy(d, (const uint8_t *)src + done, chunk);
		}
		done += chunk;
	}
	return CAPOS_OK;
}

int vm_copy_out(struct vm_space *vm, uint64_t va, const void *src, size_t len)
{
	return vm_copy_out_any(vm, va, src, 0, len, false);
}

int vm_copy_out_user(struct vm_space *vm, uint64_t va, uint64_t usrc, size_t len)
{
	return vm_copy_out_any(vm, va, NULL, usrc, len, true);
}

static void vm_free_leaf(void *ctx, uint64_t va, uint64_t pa, uint64_t size)
{
	struct vm_space *vm = ctx;

	(void)va;
	for (uint64_t off = 0; off < size; off += FRAME_SIZE) {
		vm_frame_free(pa + off);
		ledger_release_frames(vm->ledger, 1);
		vm->user_pages--;
	}
}

static void vm_free_table(void *ctx, uint64_t phys)
{
	struct vm_space *vm = ctx;

	vm_frame_free(phys);
	ledger_release_frames(vm->ledger, 1);
	vm->table_frames--;
}

void vm_destroy(struct vm_space *vm)
{
	const struct arch_mm_teardown_ops ops = { vm_free_leaf, vm_free_table, vm };

	vm->wcache_va = 0;
	if (cpumask_load(&vm->resident) != 0)
		panic("vm: destroying a space still loaded on cpus %#llx",
		      (unsigned long long)cpumask_load(&vm->resident));
	vmres_destroy(vm);
	if (vm->as.root_phys == 0)
		return;
	arch_mm_destroy_user(&vm->as, &ops);
}

/* ---- MemoryObject mappings: frames the space maps but does not own ---- */

/* Removes the first n pages of an object mapping at va (frames untouched). */
static void vm_drop_frames(struct vm_space *vm, uint64_t va, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int err = arch_mm_unmap(&vm->as, va + i * FRAME_SIZE, FRAME_SIZE);

		if (err)
			panic("vm: unmapping object page %#llx: %s",
			      (unsigned long long)(va + i * FRAME_SIZE), capos_error_name(err));
		vm_flush_page(vm, va + i * FRAME_SIZE);
	}
}

int vm_map_frames(struct vm_space *vm, uint64_t va, const uint64_t *frames, uint64_t n,
		  unsigned prot)
{
	int err = n > UINT64_MAX / FRAME_SIZE ? CAPOS_ERR_INVALID : vm_check(va, n * FRAME_SIZE);
	uint64_t i;

	if (err)
		return err;
	if ((prot & ~(VM_PROT_WRITE | VM_PROT_EXEC)) ||
	    ((prot & VM_PROT_WRITE) && (prot & VM_PROT_EXEC)))
		return CAPOS_ERR_INVALID;
	if (vm_any_mapped(vm, va, n * FRAME_SIZE))
		return CAPOS_ERR_MEMOBJ_OVERLAP;
	vm->wcache_va = 0;
	/* Invariant: pages [0, i) are mapped. */
	for (i = 0; i < n; i++) {
		err = arch_mm_map(&vm->as, va + i * FRAME_SIZE, frames[i], FRAME_SIZE,
				  vm_arch_flags(prot) | ARCH_MM_OBJECT);
		if (err) {
			vm_drop_frames(vm, va, i);
			return err;
		}
	}
	return CAPOS_OK;
}

void vm_unmap_frames(struct vm_space *vm, uint64_t va, uint64_t n)
{
	vm->wcache_va = 0;
	vm_drop_frames(vm, va, n);
}

void vm_protect_frames(struct vm_space *vm, uint64_t va, uint64_t n, unsigned prot)
{
	vm->wcache_va = 0;
	vm_remap(vm, va, n * FRAME_SIZE, vm_arch_flags(prot) | ARCH_MM_OBJECT);
}

/* Makes `vm` (NULL: the kernel's space) this CPU's loaded space. The CPU joins the
 * new space's resident set before CR3 changes (a locked RMW, a full barrier), so an
 * unmap that reads the set after changing a PTE either sees this CPU or is seen by
 * its table walk; it leaves the old set once the old space is no longer in CR3. */
static void vm_load(struct percpu *pc, struct vm_space *vm, const struct arch_aspace *as)
{
	struct vm_space *old = pc->loaded_vm;

	if (vm)
		cpumask_set_atomic(&vm->resident, pc->cpu_index);
	arch_mm_activate(as);
	pc->loaded_root = as->root_phys;
	pc->loaded_vm = vm;
	if (old)
		cpumask_clear_atomic(&old->resident, pc->cpu_index);
}

void vm_activate(struct vm_space *vm)
{
	struct percpu *pc = arch_this_cpu();

	if (pc->loaded_root != vm->as.root_phys)
		vm_load(pc, vm, &vm->as);
}

void vm_activate_kernel(void)
{
	struct percpu *pc = arch_this_cpu();
	struct arch_aspace *k = mm_kernel_aspace();

	if (pc->loaded_root != k->root_phys)
		vm_load(pc, NULL, k);
}

/* ---- boot smoke test ---- */

#define VM_SMOKE_TEXT 0x400000ull
#define VM_SMOKE_DATA 0x7ff000000000ull

/* The expected status of one step, or a description of what went wrong. */
static const char *vm_smoke_expect(int got, int want, const char *what)
{
	return got == want ? NULL : what;
}

static const char *vm_smoke_steps(struct vm_space *vm)
{
	static const char text[] = "capOS vm smoke";
	uint64_t pa, kpa;
	unsigned fl, kfl;
	const char *bad;

	if ((bad = vm_smoke_expect(
		     vm_map(vm, VM_SMOKE_TEXT, 3 * FRAME_SIZE, VM_PROT_EXEC, text, sizeof(text)),
		     CAPOS_OK, "map text")))
		return bad;
	if ((bad = vm_smoke_expect(
		     vm_map(vm, VM_SMOKE_DATA, 4 * FRAME_SIZE, VM_PROT_WRITE, NULL, 0), CAPOS_OK,
		     "map data")))
		return bad;
	if ((bad = vm_smoke_expect(
		     vm_map(vm, 0x800000, FRAME_SIZE, VM_PROT_WRITE | VM_PROT_EXEC, NULL, 0),
		     CAPOS_ERR_INVALID, "W+X accepted")))
		return bad;
	if ((bad = vm_smoke_expect(vm_map(vm, 0xffff800000000000ull, FRAME_SIZE, 0, NULL, 0),
				   CAPOS_ERR_BAD_ADDRESS, "kernel-half map accepted")))
		return bad;
	if ((bad = vm_smoke_expect(
		     vm_map(vm, VM_SMOKE_TEXT + 2 * FRAME_SIZE, 2 * FRAME_SIZE, 0, NULL, 0),
		     CAPOS_ERR_MM_ALREADY_MAPPED, "overlap")))
		return bad;
	uint64_t used = vm->ledger->used[LEDGER_FRAMES];
	if ((bad = vm_smoke_expect(
		     vm_map(vm, 0x10000000, 1024 * FRAME_SIZE, VM_PROT_WRITE, NULL, 0),
		     CAPOS_ERR_QUOTA_FRAMES, "quota not enforced")))
		return bad;
	if (vm->ledger->used[LEDGER_FRAMES] != used)
		return "failed map left frames charged";
	if (arch_mm_query(&vm->as, VM_SMOKE_TEXT, &pa, &fl) != CAPOS_OK ||
	    fl != (ARCH_MM_USER | ARCH_MM_EXEC) || ((const char *)phys_to_virt(pa))[0] != 'c')
		return "text page: wrong flags or contents";
	if (arch_mm_query(&vm->as, VM_SMOKE_DATA, &pa, &fl) != CAPOS_OK ||
	    fl != (ARCH_MM_USER | ARCH_MM_WRITE))
		return "data page: wrong flags";
	if (arch_mm_query(&vm->as, (uint64_t)(uintptr_t)vm_smoke_steps, &pa, &fl) != CAPOS_OK ||
	    arch_mm_query(mm_kernel_aspace(), (uint64_t)(uintptr_t)vm_smoke_steps, &kpa, &kfl) !=
		    CAPOS_OK ||
	    pa != kpa || fl != kfl)
		return "kernel half not shared";
	if ((bad = vm_smoke_expect(vm_protect(vm, VM_SMOKE_TEXT, FRAME_SIZE, VM_PROT_WRITE),
				   CAPOS_OK, "protect")))
		return bad;
	if (arch_mm_query(&vm->as, VM_SMOKE_TEXT, &pa, &fl) != CAPOS_OK ||
	    fl != (ARCH_MM_USER | ARCH_MM_WRITE) || ((const char *)phys_to_virt(pa))[0] != 'c')
		return "protect: wrong flags or contents after";
	if ((bad = vm_smoke_expect(
		     vm_protect(vm, VM_SMOKE_TEXT, FRAME_SIZE, VM_PROT_WRITE | VM_PROT_EXEC),
		     CAPOS_ERR_INVALID, "protect to W+X accepted")))
		return bad;
	if ((bad = vm_smoke_expect(vm_protect(vm, VM_SMOKE_TEXT, 4 * FRAME_SIZE, 0),
				   CAPOS_ERR_MM_NOT_MAPPED, "protect over a hole accepted")))
		return bad;
	if (arch_mm_query(&vm->as, VM_SMOKE_TEXT + FRAME_SIZE, &pa, &fl) != CAPOS_OK ||
	    fl != (ARCH_MM_USER | ARCH_MM_EXEC))
		return "failed protect changed a page";
	if ((bad = vm_smoke_expect(vm_unmap(vm, VM_SMOKE_DATA, FRAME_SIZE), CAPOS_OK, "unmap")))
		return bad;
	return vm_smoke_expect(vm_unmap(vm, VM_SMOKE_DATA, 2 * FRAME_SIZE), CAPOS_ERR_MM_NOT_MAPPED,
			       "unmap of an unmapped page");
}

int vm_smoke(void)
{
	struct ledger l = { .limit[LEDGER_FRAMES] = 64 };
	struct vm_space vm;
	uint64_t before = frame_free_count();
	const char *bad;
	int err = vm_create(&vm, &l);

	if (err)
		return err;
	bad = vm_smoke_steps(&vm);
	uint64_t peak = l.peak[LEDGER_FRAMES];
	vm_destroy(&vm);
	if (bad == NULL && (l.used[LEDGER_FRAMES] != 0 || frame_free_count() != before))
		bad = "frames not all returned by vm_destroy";
	if (bad) {
		klog("proc", "vm smoke: error: %s", bad);
		return CAPOS_ERR_INVALID;
	}
	klog("proc",
	     "vm smoke ok: map/unmap/protect/W^X/quota/shared kernel half, "
	     "peak %llu frames, free frames back to %llu",
	     (unsigned long long)peak, (unsigned long long)before);
	return CAPOS_OK;
}
