/*
 * The first kernel capability objects with their real backends (kcaps.h objects,
 * kernel/cap/), granted to a process with a CapSet page naming them:
 *   console -> Console writing to COM2, the user terminal (nothing is copied to the
 *              kernel log: COM1 stays the kernel's own; the QEMU harness captures
 *              COM2 separately);
 *   timer   -> Timer.now = arch_clock_ns(), monotonic ns from the calibrated TSC;
 *   boot    -> BootPackage over the boot module bytes (direct-mapped, never freed);
 *   endpoint -> a fresh raw Endpoint owned by the grantee (kernel/proc/kipc.c);
 *   spawner -> ProcessSpawner over the boot module (kernel/cap/spawner.c);
 *   vm      -> VirtualMemory over the holder's own address space (kernel/vmres.h:
 *              map/unmap/protect/reserve/commit/decommit/guard over its region
 *              table), charged to its ledger; frame quota exhaustion is
 *              CAPOS_ERR_QUOTA_FRAMES (an `overloaded` CapException), the machine
 *              out of frames CAPOS_ERR_RING_QUOTA, address-space quota
 *              CAPOS_ERR_QUOTA_VIRTUAL. A hint-less map or reserve takes the lowest
 *              free range (first fit, touching its neighbours; freed ranges reused).
 *   capmgr  -> CapabilityManager over the CALLER's table and process (kernel/capmgr.h):
 *              usage: every class of its ledger, used and limit; list names from a
 *              charged snapshot of its CapSet page (copied from user memory: the
 *              caller is the running process); revocation nodes charged to the
 *              deriving process, counted in kgrant_revoke_alloc
 *              (kring_revoke_nodes_live).
 *   frames  -> FrameAllocator (kernel/cap/framealloc.c): MemoryObjects charged to
 *              whichever process calls it.
 *   terminal -> TerminalSession over COM2 (kernel/cap/terminal.c): one object for the
 *              one terminal, so every grant is another cap to it (nothing charged).
 *   entropySource, systemControl, systemStatus -> kernel/proc/ksys.c (ksys_create):
 *              the kernel CSPRNG, shutdown, the system summary.
 *   threadSpawner, threadControl -> kernel/cap/threadspawner.c, threadctl.c: threads
 *              of the grantee's own process (kernel/kthread.h).
 *   parkSpace, sharedParkSpace -> kernel/proc/kpark.c: PARK/UNPARK wait spaces.
 * Each object is a charged block (kernel/kcharge.h) paid by its grantee and freed by its
 * release op (last reference); the snapshot and nodes are paid by the caller.
 */
#include <kernel/kring.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/arch.h>
#include <kernel/capset.h>
#include <kernel/capmgr.h>
#include <kernel/endpoint.h>
#include <kernel/captab.h>
#include <kernel/kcaps.h>
#include <kernel/kcharge.h>
#include <kernel/kpark.h>
#include <kernel/kterm.h>
#include <kernel/kthread.h>
#include <kernel/log.h>
#include <kernel/memobj.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/revoke.h>
#include <kernel/spawn.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>
#include <kernel/vmres.h>
#include <schema/capos.capnp.h>

static int kgrant_com2_write(void *ctx, const char *bytes, size_t len)
{
	(void)ctx;
	arch_terminal_write(bytes, len);
	return CAPOS_OK;
}

/* Release ops (last reference gone): logged, so tests can see RELEASE free objects. */
static void kgrant_free_console(struct kconsole *c)
{
	klog("cap", "console object freed");
	kfree_charged(c);
}

static void kgrant_free_timer(struct ktimer *t)
{
	klog("cap", "timer object freed");
	kfree_charged(t);
}

static void kgrant_free_bootpkg(struct kbootpkg *b)
{
	klog("cap", "boot object freed");
	kfree_charged(b);
}

static uint64_t kgrant_now(void *ctx)
{
	(void)ctx;
	return arch_clock_ns();
}

/* VirtualMemory backend state: the holder (its region table lives in its vm_space). */
struct kgrant_vm {
	struct kvm v;
	struct process *p;
};

static void kgrant_free_vm(struct kvm *v)
{
	klog("cap", "vm object freed");
	kfree_charged(v);
}

/* The object may only act on the calling process's space (caps do not move yet). */
static struct vm_space *kgrant_vm_self(void *as)
{
	struct kgrant_vm *g = as;
	struct thread *t = proc_current_thread();

	return t && t->proc == g->p ? &g->p->vm : NULL;
}

static unsigned kgrant_prot(unsigned kprot)
{
	return ((kprot & KVM_PROT_W) ? VM_PROT_WRITE : 0) |
	       ((kprot & KVM_PROT_X) ? VM_PROT_EXEC : 0);
}

/* The machine out of frames reaches the caller as the transport's RING_QUOTA (the
 * frame quota is CAPOS_ERR_QUOTA_FRAMES, passed through). */
static int kgrant_vm_status(int err)
{
	return err == CAPOS_ERR_NO_MEMORY ? CAPOS_ERR_RING_QUOTA : err;
}

static int kgrant_vm_map(void *as, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr)
{
	struct vm_space *vm = kgrant_vm_self(as);

	return vm ? kgrant_vm_status(vmres_map(vm, hint, size, kgrant_prot(prot), addr))
		  : CAPOS_ERR_INVALID;
}

static int kgrant_vm_unmap(void *as, uint64_t addr, uint64_t size)
{
	struct vm_space *vm = kgrant_vm_self(as);

	return vm ? vmres_unmap(vm, addr, size) : CAPOS_ERR_INVALID;
}

static int kgrant_vm_protect(void *as, uint64_t addr, uint64_t size, unsigned prot)
{
	struct vm_space *vm = kgrant_vm_self(as);

	return vm ? kgrant_vm_status(vmres_protect(vm, addr, size, kgrant_prot(prot)))
		  : CAPOS_ERR_INVALID;
}

static int kgrant_vm_reserve(void *as, uint64_t hint, uint64_t size, uint64_t *addr)
{
	struct vm_space *vm = kgrant_vm_self(as);

	return vm ? kgrant_vm_status(vmres_reserve(vm, hint, size, addr)) : CAPOS_ERR_INVALID;
}

static int kgrant_vm_commit(void *as, uint64_t addr, uint64_t size, unsigned prot)
{
	struct vm_space *vm = kgrant_vm_self(as);

	return vm ? kgrant_vm_status(vmres_commit(vm, addr, size, kgrant_prot(prot)))
		  : CAPOS_ERR_INVALID;
}

static int kgrant_vm_decommit(void *as, uint64_t addr, uint64_t size)
{
	struct vm_space *vm = kgrant_vm_self(as);

	return vm ? vmres_decommit(vm, addr, size) : CAPOS_ERR_INVALID;
}

static int kgrant_vm_guard(void *as, uint64_t addr, uint64_t size)
{
	struct vm_space *vm = kgrant_vm_self(as);

	return vm ? vmres_guard(vm, addr, size) : CAPOS_ERR_INVALID;
}

static const struct kvm_backend kgrant_vm_backend = {
	.map = kgrant_vm_map,
	.unmap = kgrant_vm_unmap,
	.protect = kgrant_vm_protect,
	.reserve = kgrant_vm_reserve,
	.commit = kgrant_vm_commit,
	.decommit = kgrant_vm_decommit,
	.guard = kgrant_vm_guard,
};

/* A revocation node charged to the process that derives (payer: kcall_ctx.caller). */
static int kgrant_node_zalloc(void *payer, size_t size, void **out)
{
	struct process *p = payer;

	return kzalloc_charged(p ? p->ledger : NULL, size, out);
}

/* Revocation nodes of every process (they are shared across tables). */
static struct revoke_alloc kgrant_revoke_alloc = { .zalloc = kgrant_node_zalloc,
						   .free = kfree_charged };

uint32_t kring_revoke_nodes_live(void)
{
	return kgrant_revoke_alloc.live;
}

static int kgrant_capmgr_usage(void *caller, struct kcapmgr_usage *out)
{
	struct process *p = caller;

	for (unsigned i = 0; i < LEDGER_CLASS_COUNT; i++) {
		out->used[i] = p->ledger->used[i];
		out->max[i] = p->ledger->limit[i];
	}
	return CAPOS_OK;
}

/* The caller is the running process (kcall runs in its cap_enter), so its CapSet page
 * is at CAPOS_USER_CAPSET in the loaded address space. */
static int kgrant_capset_get(void *caller, const struct capos_capset_page **out)
{
	struct process *p = caller;
	struct capos_capset_page *page;
	int err = kmalloc_charged(p->ledger, sizeof(*page), (void **)&page);

	if (err)
		return err;
	if (copy_from_user(page, UADDR(CAPOS_USER_CAPSET), sizeof(*page))) {
		kfree_charged(page);
		return CAPOS_ERR_BAD_ADDRESS;
	}
	*out = page;
	return CAPOS_OK;
}

static void kgrant_capset_put(void *caller, const struct capos_capset_page *page)
{
	(void)caller;
	kfree_charged((void *)page);
}

static const struct kcapmgr_backend kgrant_capmgr_backend = {
	.usage = kgrant_capmgr_usage,
	.capset_get = kgrant_capset_get,
	.capset_put = kgrant_capset_put,
};

static void kgrant_free_capmgr(struct kcapmgr *cm)
{
	klog("cap", "capmgr object freed");
	kfree_charged(cm);
}

/* A zeroed object of `size` bytes charged to the grantee p (NULL and *err on failure). */
static void *kgrant_alloc(struct process *p, size_t size, int *err)
{
	void *o = NULL;

	*err = kzalloc_charged(p->ledger, size, &o);
	return o;
}

/* One new object of each kind, initialised, with one reference (ours), charged to the
 * grantee p. Errors: the allocation's (CAPOS_ERR_QUOTA_KERNEL_MEMORY,
 * CAPOS_ERR_KERNEL_LOW_MEMORY, CAPOS_ERR_NO_MEMORY), the object's init errors. */
static int kgrant_new(unsigned kind, struct process *p, const uint8_t *boot, uint64_t size,
		      struct kobj **obj, uint64_t *iface)
{
	int err = CAPOS_ERR_INVALID;

	switch (kind) {
	case KGRANT_CONSOLE: {
		struct kconsole *c = kgrant_alloc(p, sizeof(*c), &err);

		if (c &&
		    (err = kconsole_init(c, kgrant_com2_write, NULL, kgrant_free_console)) == 0) {
			*iface = capos_Console_TYPE_ID;
			*obj = &c->k;
			return CAPOS_OK;
		}
		kfree_charged(c);
		return err;
	}
	case KGRANT_TIMER: {
		struct ktimer *t = kgrant_alloc(p, sizeof(*t), &err);

		if (t && (err = ktimer_init(t, kgrant_now, NULL, kgrant_free_timer)) == 0) {
			ktimer_set_sleep(t, ksleep_until);
			*iface = capos_Timer_TYPE_ID;
			*obj = &t->k;
			return CAPOS_OK;
		}
		kfree_charged(t);
		return err;
	}
	case KGRANT_BOOTPKG: {
		struct kbootpkg *b = kgrant_alloc(p, sizeof(*b), &err);

		if (b && (err = kbootpkg_init(b, boot, size, kgrant_free_bootpkg)) == 0) {
			*iface = capos_BootPackage_TYPE_ID;
			*obj = &b->k;
			return CAPOS_OK;
		}
		kfree_charged(b);
		return err;
	}
	case KGRANT_VM: {
		struct kgrant_vm *g = kgrant_alloc(p, sizeof(*g), &err);

		if (g) {
			g->p = p;
			err = kvm_init(&g->v, &kgrant_vm_backend, g, kgrant_free_vm);
		}
		if (err == CAPOS_OK) {
			*iface = capos_VirtualMemory_TYPE_ID;
			*obj = &g->v.k;
			return CAPOS_OK;
		}
		kfree_charged(g);
		return err;
	}
	case KGRANT_FRAMES:
		*iface = capos_FrameAllocator_TYPE_ID;
		return framealloc_create(p->ledger, obj);
	case KGRANT_ENDPOINT:
		*iface = capos_Endpoint_TYPE_ID;
		return endpoint_create(p, obj);
	case KGRANT_SPAWNER:
		*iface = capos_ProcessSpawner_TYPE_ID;
		return kspawner_create(boot, size, p->ledger, obj);
	case KGRANT_TERMINAL:
		*iface = capos_TerminalSession_TYPE_ID;
		return kterm_get(obj);
	case KGRANT_ENTROPY:
	case KGRANT_SYSCONTROL:
	case KGRANT_SYSSTATUS:
		return ksys_create(kind, p, obj, iface);
	case KGRANT_THREADSPAWNER:
		*iface = capos_ThreadSpawner_TYPE_ID;
		return kthread_spawner_create(p, obj);
	case KGRANT_THREADCONTROL:
		*iface = capos_ThreadControl_TYPE_ID;
		return kthread_control_create(p, obj);
	case KGRANT_PARKSPACE:
	case KGRANT_SHAREDPARK:
		return kpark_space_create(p, kind == KGRANT_SHAREDPARK, obj, iface);
	case KGRANT_CAPMGR: {
		struct kcapmgr *cm = kgrant_alloc(p, sizeof(*cm), &err);

		if (cm && (err = kcapmgr_init(cm, &kgrant_capmgr_backend, &kgrant_revoke_alloc,
					      kgrant_free_capmgr)) == 0) {
			*iface = capos_CapabilityManager_TYPE_ID;
			*obj = &cm->k;
			return CAPOS_OK;
		}
		kfree_charged(cm);
		return err;
	}
	}
	return err;
}

_Static_assert(KGRANT_KINDS == (KGRANT_SHAREDPARK << 1) - 1u,
	       "KGRANT_KINDS names every kind bit; a new kind extends both");

int kring_grant(struct process *p, struct capos_capset_page *page, unsigned kind, const char *name,
		size_t len, const uint8_t *boot, uint64_t size)
{
	struct captab_item item = { .xfer = CAPTAB_XFER_COPY };
	uint32_t id;
	int err;

	if (kind == 0 || (kind & (kind - 1)) != 0 || (kind & ~KGRANT_KINDS) != 0)
		return CAPOS_ERR_INVALID; /* not exactly one known kind */
	err = kgrant_new(kind, p, boot, size, &item.obj, &item.interface_id);
	if (err)
		return err;
	err = captab_insert(p->caps, &item, &id);
	(void)kobj_put(item.obj); /* the table holds its own reference (or none) */
	if (err)
		return err;
	err = capset_add(page, name, len, item.interface_id, id);
	if (err)
		(void)captab_release(p->caps, id); /* not named: take the cap back (frees it) */
	return err;
}

static const struct {
	unsigned kind;
	const char *name;
} kgrant_names[] = {
	{ KGRANT_CONSOLE, "console" },
	{ KGRANT_TIMER, "timer" },
	{ KGRANT_BOOTPKG, "boot" },
	{ KGRANT_VM, "vm" },
};

static size_t kgrant_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int kring_grant_std(struct process *p, unsigned which, const uint8_t *boot, uint64_t size)
{
	struct capos_capset_page *page;
	int err = kzalloc_charged(p->ledger, sizeof(*page), (void **)&page);

	if (err)
		return err;
	err = capset_init(page);
	for (size_t i = 0; err == CAPOS_OK && i < sizeof(kgrant_names) / sizeof(kgrant_names[0]);
	     i++)
		if (which & kgrant_names[i].kind)
			err = kring_grant(p, page, kgrant_names[i].kind, kgrant_names[i].name,
					  kgrant_strlen(kgrant_names[i].name), boot, size);
	if (err == CAPOS_OK)
		err = proc_map_capset(p, page);
	kfree_charged(page);
	return err;
}

unsigned kring_source_kind(uint16_t source)
{
	switch (source) {
	case capos_KernelCapSource_console:
		return KGRANT_CONSOLE;
	case capos_KernelCapSource_timer:
		return KGRANT_TIMER;
	case capos_KernelCapSource_virtualMemory:
		return KGRANT_VM;
	case capos_KernelCapSource_bootPackage:
		return KGRANT_BOOTPKG;
	case capos_KernelCapSource_processSpawner:
		return KGRANT_SPAWNER;
	case capos_KernelCapSource_endpoint:
		return KGRANT_ENDPOINT;
	case capos_KernelCapSource_capabilityManager:
		return KGRANT_CAPMGR;
	case capos_KernelCapSource_frameAllocator:
		return KGRANT_FRAMES;
	case capos_KernelCapSource_terminal:
		return KGRANT_TERMINAL;
	case capos_KernelCapSource_entropySource:
		return KGRANT_ENTROPY;
	case capos_KernelCapSource_systemControl:
		return KGRANT_SYSCONTROL;
	case capos_KernelCapSource_systemStatus:
		return KGRANT_SYSSTATUS;
	case capos_KernelCapSource_threadSpawner:
		return KGRANT_THREADSPAWNER;
	case capos_KernelCapSource_threadControl:
		return KGRANT_THREADCONTROL;
	case capos_KernelCapSource_parkSpace:
		return KGRANT_PARKSPACE;
	case capos_KernelCapSource_sharedParkSpace:
		return KGRANT_SHAREDPARK;
	default:
		return 0;
	}
}
