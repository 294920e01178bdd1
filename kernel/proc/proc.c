/*
 * Processes and threads (kernel/proc.h): creation, death and reaping. A process dies
 * as a whole (exit or a user fault): its threads are marked DEAD and moved to the
 * zombie list; the one running switches away for good. proc_reap(), called after
 * every switch from the new thread's stack, frees dead threads (kernel stack,
 * extended-state frame) and, with its last thread, the process (address space, cap
 * table, ledger), checking that every frame charged to it came back.
 *
 * Lock legend: [K] the kernel lock (any CPU: system calls, faults, the reap), [I]
 * set once at boot, [A] atomic (see kernel/sched.h).
 */
#include <kernel/proc.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/arch.h>
#include <kernel/captab.h>
#include <kernel/capset.h>
#include <kernel/kcharge.h>
#include <kernel/klock.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/memobj.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/profile.h>
#include <kernel/sched.h>
#include <kernel/tlb.h>

static struct percpu proc_boot_percpu; /* [I] the boot CPU's per-CPU data */
static struct thread proc_idle_thread; /* [I] boot CPU idle = kmain's context */
static struct list proc_all;	       /* [K] processes not yet reaped */
static uint32_t proc_count;	       /* [K] entries of proc_all; [A] read by idle loops */
static uint32_t proc_next_pid = 1;     /* [K] */
static uint32_t proc_next_tid = 1;     /* [K] */

/* Frames a thread takes beside its struct: kernel stack and extended-state area. */
#define PROC_THREAD_FRAMES (KSTACK_PAGES + 1)

int proc_init(void)
{
	int err;

	arch_proc_init(&proc_boot_percpu);
	if (arch_xstate_size() > FRAME_SIZE)
		return CAPOS_ERR_UNSUPPORTED;
	err = kstack_init();
	if (err)
		return err;
	err = vm_smoke();
	if (err)
		return err;
	list_init(&proc_all);
	proc_idle_thread.magic = THREAD_MAGIC;
	proc_idle_thread.kstack.slot = -1;
	arch_thread_init_current(&proc_idle_thread.arch);
	err = sched_init(&proc_idle_thread);
	if (err)
		return err;
	return tlb_init();
}

struct thread *proc_find_thread(uint64_t tid)
{
	struct list_node *pn, *ptmp, *tn, *ttmp;

	LIST_FOR_EACH_SAFE(pn, ptmp, &proc_all)
	{
		struct process *p = LIST_ENTRY(pn, struct process, link);

		LIST_FOR_EACH_SAFE(tn, ttmp, &p->threads)
		{
			struct thread *t = LIST_ENTRY(tn, struct thread, proc_link);

			if (t->tid == tid && t->state != THREAD_DEAD)
				return t;
		}
	}
	return NULL;
}

uint32_t proc_live_count(void)
{
	/* Read unlocked by the boot CPU's idle loop; seq-cst so its re-check after setting
	 * its halted bit pairs with proc_free's decrement (sched_idle_halt). */
	return __atomic_load_n(&proc_count, __ATOMIC_SEQ_CST);
}

struct thread *proc_current_thread(void)
{
	return arch_this_cpu()->current;
}

static void proc_copy_name(char *dst, const char *src)
{
	unsigned i = 0;

	for (; src[i] && i < PROC_NAME_MAX - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/* The cap table and its slot array, in one heap block. */
struct proc_captab {
	struct captab table;
	struct captab_entry slots[];
};

static int proc_captab_new(uint32_t nslots, struct ledger *l, struct captab **out)
{
	struct proc_captab *c;
	int err;

	if (nslots == 0 || nslots > CAPOS_CAP_SLOTS_MAX)
		return CAPOS_ERR_INVALID;
	err = kzalloc_charged(l, sizeof(*c) + (size_t)nslots * sizeof(c->slots[0]), (void **)&c);
	if (err)
		return err;
	err = captab_init(&c->table, c->slots, nslots);
	if (err) {
		kfree_charged(c);
		return err;
	}
	c->table.ledger = l; /* one LEDGER_CAP_SLOTS unit per slot in use */
	*out = &c->table;
	return CAPOS_OK;
}

static void proc_captab_free(struct process *p)
{
	int err = captab_clear(p->caps);

	if (err)
		panic("proc: %s pid %u cap table clear: %s", p->name, p->pid,
		      capos_error_name(err));
	kfree_charged((struct proc_captab *)(void *)p->caps);
	p->caps = NULL;
}

int proc_create(const char *name, const struct proc_limits *lim, struct process **out)
{
	struct proc_limits dflt;
	struct ledger *l;
	struct process *p;
	int err = ledger_create(&l); /* uncharged: the accounting itself */

	if (err)
		return err;
	if (lim == NULL) {
		profile_defaults(&dflt);
		lim = &dflt;
	}
	profile_apply(lim, l);
	/* The process's own kernel structures are charged to it (docs/resources.md). */
	err = kzalloc_charged(l, sizeof(*p), (void **)&p);
	if (err)
		goto out_ledger;
	p->ledger = l;
	p->magic = PROC_MAGIC;
	p->pid = proc_next_pid++;
	proc_copy_name(p->name, name);
	list_init(&p->threads);
	list_init(&p->memmaps);
	err = proc_captab_new((uint32_t)profile_min(lim->limit[LEDGER_CAP_SLOTS], UINT32_MAX), l,
			      &p->caps);
	if (err)
		goto out_proc;
	err = kring_proc_init(p);
	if (err)
		goto out_caps;
	err = vm_create(&p->vm, p->ledger);
	if (err)
		goto out_kring;
	p->vm.object_maps = &p->memmaps;
	list_push_back(&proc_all, &p->link);
	__atomic_add_fetch(&proc_count, 1, __ATOMIC_RELAXED);
	*out = p;
	return CAPOS_OK;
out_kring:
	kring_proc_free(p);
out_caps:
	proc_captab_free(p);
out_proc:
	kfree_charged(p);
out_ledger:
	ledger_put(l);
	return err;
}

/* Classes whose every charge ends with the process (children may outlive it; memory
 * objects and kernel allocations charged to it may too: their owners check them).
 * LEDGER_VIRTUAL: vm_destroy -> vmres_destroy returns every reserved byte. */
static const enum ledger_class proc_own_classes[] = {
	LEDGER_CAP_SLOTS, LEDGER_VIRTUAL, LEDGER_RING_SCRATCH, LEDGER_CALLS, LEDGER_THREADS,
};

/* After teardown: a charge of these classes still held is a kernel leak. */
static void proc_check_charges(const struct process *p)
{
	for (unsigned i = 0; i < sizeof(proc_own_classes) / sizeof(proc_own_classes[0]); i++) {
		enum ledger_class c = proc_own_classes[i];

		if (p->ledger->used[c] != 0)
			panic("proc: %s pid %u leaked %llu unit(s) of quota class %u", p->name,
			      p->pid, (unsigned long long)p->ledger->used[c], (unsigned)c);
	}
}

/*
 * The leak check after teardown: the address space holds nothing (no user page, no
 * table frame) and every frame still charged to the ledger belongs to a MemoryObject
 * that another process keeps alive (a cap or a mapping); that charge is released into
 * the ledger, which the object references, when the object goes (kernel/memobj.h).
 */
static void proc_check_frames(const struct process *p)
{
	const struct ledger *l = p->ledger;

	if (l->underflows != 0)
		panic("proc: %s pid %u released %u charge(s) it never made", p->name, p->pid,
		      l->underflows);
	if (l->used[LEDGER_FRAMES] != l->object_frames || p->vm.user_pages != 0 ||
	    p->vm.table_frames != 0)
		panic("proc: %s pid %u leaked %llu frame(s) after teardown", p->name, p->pid,
		      (unsigned long long)(l->used[LEDGER_FRAMES] - l->object_frames));
}

static void proc_free(struct process *p)
{
	uint64_t pages = p->vm.user_pages, tables = p->vm.table_frames;

	proc_captab_free(p);
	kring_proc_free(p);
	memobj_unmap_all(p);
	vm_destroy(&p->vm);
	proc_check_charges(p);
	proc_check_frames(p);
	klog("proc",
	     "%s pid %u reaped: %llu user page(s), %llu table frame(s) freed, "
	     "peak %llu of quota %llu, %llu in live memory objects, kernel bytes peak %llu",
	     p->name, p->pid, (unsigned long long)pages, (unsigned long long)tables,
	     (unsigned long long)p->ledger->peak[LEDGER_FRAMES],
	     (unsigned long long)p->ledger->limit[LEDGER_FRAMES],
	     (unsigned long long)p->ledger->object_frames,
	     (unsigned long long)p->ledger->peak[LEDGER_KERNEL_BYTES]);
	if (p->exit_sink)
		*p->exit_sink = p->exit_code;
	if (p->watch)
		p->watch->reaped(p->watch, p->exit_code, p->killed);
	list_remove(&p->link);
	/* The boot CPU's sched_run_until_idle waits for 0: decrement, then read its halted
	 * bit (sched_poke), both seq-cst, against its "set halted, then re-check the count"
	 * (sched_idle_halt): one of the two sees the other, so it never halts for good. */
	if (__atomic_sub_fetch(&proc_count, 1, __ATOMIC_SEQ_CST) == 0)
		sched_poke(0);
	p->magic = 0;
	ledger_put(p->ledger); /* p's own charge holds it until the free below */
	kfree_charged(p);
}

void proc_destroy_unstarted(struct process *p)
{
	if (!list_empty(&p->threads))
		panic("proc: destroy_unstarted on %s pid %u with threads", p->name, p->pid);
	proc_free(p);
}

int proc_map_capset(struct process *p, const struct capos_capset_page *page)
{
	int err;

	if (p->capset_mapped)
		return CAPOS_ERR_INVALID;
	err = vm_map(&p->vm, CAPOS_USER_CAPSET, FRAME_SIZE, 0, page, sizeof(*page));
	if (err)
		return err;
	p->capset_mapped = true;
	return CAPOS_OK;
}

/* A process starting its first thread without a CapSet gets an empty one. */
static int proc_map_empty_capset(struct process *p)
{
	struct capos_capset_page *page;
	int err;

	if (p->capset_mapped)
		return CAPOS_OK;
	err = kzalloc_charged(p->ledger, sizeof(*page), (void **)&page);
	if (err)
		return err;
	err = capset_init(page);
	if (err == CAPOS_OK)
		err = proc_map_capset(p, page);
	kfree_charged(page);
	return err;
}

/* Ring slots of the process's ring window (CAPOS_USER_RING_BASE .. _END). */
#define PROC_RING_SLOTS ((CAPOS_USER_RING_END - CAPOS_USER_RING_BASE) / CAPOS_USER_RING_STRIDE)

/* True when a thread of p (live or not yet reaped: its ring is still mapped) has slot i. */
static bool proc_ring_slot_used(struct process *p, uint32_t i)
{
	struct list_node *n, *tmp;

	LIST_FOR_EACH_SAFE(n, tmp, &p->threads)
	{
		if (LIST_ENTRY(n, struct thread, proc_link)->index == i)
			return true;
	}
	return false;
}

/* The lowest free ring slot of p. Threads are bounded by the threads quota
 * (PROFILE_MAX_THREADS), so the scan is short. Errors: CAPOS_ERR_THREAD_RINGS. */
static int proc_ring_slot(struct process *p, uint32_t *out)
{
	for (uint32_t i = 0; i < PROC_RING_SLOTS; i++) {
		if (!proc_ring_slot_used(p, i)) {
			*out = i;
			return CAPOS_OK;
		}
	}
	return CAPOS_ERR_THREAD_RINGS;
}

/* Maps thread t's ring page (RW, NX, charged to the ledger) in the lowest free slot
 * and initialises it. */
static int proc_ring_map(struct process *p, struct thread *t)
{
	uint64_t va, pa;
	unsigned flags;
	uint32_t slot;
	int err = proc_ring_slot(p, &slot);

	if (err)
		return err;
	va = CAPOS_USER_RING_BASE + (uint64_t)slot * CAPOS_USER_RING_STRIDE;
	err = vm_map(&p->vm, va, FRAME_SIZE, VM_PROT_WRITE, NULL, 0);
	if (err)
		return err;
	err = arch_mm_query(&p->vm.as, va, &pa, &flags);
	if (err == CAPOS_OK)
		err = ring_init(&t->ring, phys_to_virt(pa), slot);
	if (err) {
		(void)vm_unmap(&p->vm, va, FRAME_SIZE);
		return err;
	}
	t->index = slot;
	t->ring_va = va;
	return CAPOS_OK;
}

/*
 * A new thread of p, not yet runnable: the struct, its ring, kernel stack and
 * extended-state frame, all charged to p; `hold` is the LEDGER_THREADS unit it takes
 * over on success (proc_thread_launch commits it).
 */
static int proc_thread_new(struct process *p, struct ledger_hold *hold, struct thread **out)
{
	struct thread *t;
	int err;

	if (p->exiting)
		return CAPOS_ERR_INVALID;
	err = ledger_hold(p->ledger, LEDGER_THREADS, 1, hold);
	if (err)
		return err;
	err = kzalloc_charged(p->ledger, sizeof(*t), (void **)&t);
	if (err)
		goto out_hold;
	t->magic = THREAD_MAGIC;
	t->tid = proc_next_tid++;
	t->proc = p;
	t->index = UINT32_MAX; /* no ring slot yet */
	kring_thread_init(t);
	err = proc_ring_map(p, t);
	if (err)
		goto out_thread;
	/* Kernel stack and extended-state frame: kernel bytes of the process, frames the
	 * reserve must be able to spare. */
	err = kmem_charge(p->ledger, PROC_THREAD_FRAMES * FRAME_SIZE, PROC_THREAD_FRAMES);
	if (err)
		goto out_ring;
	err = kstack_alloc(&t->kstack);
	if (err)
		goto out_charge;
	err = frame_alloc(&t->xstate_phys);
	if (err)
		goto out_kstack;
	arch_xstate_init(phys_to_virt(t->xstate_phys));
	*out = t;
	return CAPOS_OK;
out_kstack:
	kstack_free(&t->kstack);
out_charge:
	kmem_uncharge(p->ledger, PROC_THREAD_FRAMES * FRAME_SIZE);
out_ring:
	(void)vm_unmap(&p->vm, t->ring_va, FRAME_SIZE);
out_thread:
	kfree_charged(t);
out_hold:
	ledger_drop(hold);
	return err;
}

/* Gives t its entry registers, links it into p and makes it runnable. */
static void proc_thread_launch(struct process *p, struct thread *t,
			       const struct arch_user_entry *ae, struct ledger_hold *hold)
{
	arch_thread_init_user(&t->arch, t->kstack.top, phys_to_virt(t->xstate_phys), ae);
	t->deadline_ns = SCHED_NO_DEADLINE;
	wfq_entity_init(&t->se, SCHED_WEIGHT_DEFAULT);
	list_push_back(&p->threads, &t->proc_link);
	p->live_threads++;
	ledger_commit(hold); /* released by proc_thread_free */
	sched_enqueue(t);
}

int proc_thread_start(struct process *p, const struct proc_entry *e, struct thread **out)
{
	struct ledger_hold hold;
	struct thread *t;
	int err;

	if (p->exiting)
		return CAPOS_ERR_INVALID;
	err = proc_map_empty_capset(p);
	if (err)
		return err;
	err = proc_thread_new(p, &hold, &t);
	if (err)
		return err;
	const struct arch_user_entry ae = {
		e->rip, e->rsp, t->ring_va, e->rsi, CAPOS_USER_CAPSET, e->fs_base
	};
	proc_thread_launch(p, t, &ae, &hold);
	if (out)
		*out = t;
	return CAPOS_OK;
}

int proc_thread_spawn(struct process *p, const struct proc_thread_args *a, struct thread_watch *w,
		      struct thread **out)
{
	struct ledger_hold hold;
	struct thread *t;
	int err = proc_thread_new(p, &hold, &t);

	if (err)
		return err;
	const struct arch_user_entry ae = { a->entry,	a->stack_top, a->arg,
					    t->ring_va, t->tid,	      a->fs_base };
	t->watch = w;
	proc_thread_launch(p, t, &ae, &hold);
	klog("proc", "%s pid %u tid %u started (ring slot %u)", p->name, p->pid, t->tid, t->index);
	*out = t;
	return CAPOS_OK;
}

/* t is reaped: its watch learns how it ended (once). */
static void proc_thread_tell(struct thread *t)
{
	struct thread_watch *w = t->watch;

	if (w == NULL)
		return;
	t->watch = NULL;
	w->ended(w, t->exit_code);
}

void proc_thread_free(struct thread *t)
{
	struct process *p = t->proc;
	int err;

	proc_thread_tell(t);
	kstack_free(&t->kstack);
	err = frame_free(t->xstate_phys);
	if (err)
		panic("proc: freeing xstate frame: %s", capos_error_name(err));
	kmem_uncharge(p->ledger, PROC_THREAD_FRAMES * FRAME_SIZE);
	err = vm_unmap(&p->vm, t->ring_va, FRAME_SIZE);
	if (err)
		panic("proc: unmapping the ring of tid %u: %s", t->tid, capos_error_name(err));
	list_remove(&t->proc_link);
	t->magic = 0;
	kfree_charged(t);
	ledger_release(p->ledger, LEDGER_THREADS, 1);
	if (p->exiting && list_empty(&p->threads))
		proc_free(p);
}

/* Live thread t of p ends with `code`: nothing it had pending completes any more.
 * Once per thread: from proc_kill_threads (once per process, on threads not yet DEAD)
 * or from its own ThreadControl.exit while the process lives; a second call would
 * count it out twice (live_threads) and is a kernel bug. */
static void proc_thread_ends(struct process *p, struct thread *t, int64_t code)
{
	if (p->live_threads == 0)
		panic("proc: %s pid %u tid %u ends with no live thread left", p->name, p->pid,
		      t->tid);
	kring_thread_cancel(t);
	t->exit_code = code;
	p->live_threads--;
}

/* Marks every thread of p DEAD; those not running go to the zombie list now. The one
 * place where a process's threads die together (exit, fault, kill). */
static void proc_kill_threads(struct process *p, struct thread *running)
{
	struct list_node *n, *tmp;

	if (p->exiting) /* callers check: a thread of a dying process only ends itself */
		panic("proc: %s pid %u: its threads killed twice", p->name, p->pid);
	__atomic_store_n(&p->exiting, true, __ATOMIC_RELEASE);
	LIST_FOR_EACH_SAFE(n, tmp, &p->threads)
	{
		struct thread *t = LIST_ENTRY(n, struct thread, proc_link);

		if (t->state == THREAD_DEAD)
			continue;
		proc_thread_ends(p, t, p->exit_code); /* nothing completes into a dying process */
		if (t != running)
			(void)sched_kill(t); /* one running elsewhere ends itself (exiting) */
	}
}

int proc_kill(struct process *p)
{
	struct thread *cur = proc_current_thread();

	if (cur && cur->proc == p)
		return CAPOS_ERR_BUSY;
	if (p->exiting)
		return CAPOS_OK;
	p->exit_code = -1;
	p->killed = true;
	proc_kill_threads(p, NULL);
	klog("proc", "%s pid %u killed by its handle", p->name, p->pid);
	return CAPOS_OK;
}

static _Noreturn void proc_end_current(int64_t code)
{
	struct thread *cur = proc_current_thread();
	struct process *p = cur->proc;

	if (p == NULL)
		panic("proc: the idle thread tried to exit");
	p->exit_code = code;
	proc_kill_threads(p, cur);
	sched_exit_current();
}

_Noreturn void proc_exit_current(int64_t code)
{
	struct thread *cur = proc_current_thread();

	klog("proc", "%s pid %u exited: code %lld (preempted %u times)", cur->proc->name,
	     cur->proc->pid, (long long)code, cur->preemptions);
	proc_end_current(code);
}

void proc_thread_request_exit(int64_t code)
{
	struct thread *cur = proc_current_thread();

	cur->exit_pending = true;
	cur->exit_code = code;
}

_Noreturn void proc_thread_exit_current(int64_t code)
{
	struct thread *cur = proc_current_thread();
	struct process *p = cur->proc;

	if (p->exiting) /* the drain runs under the [K] taken at a checked entry */
		panic("proc: %s pid %u tid %u: thread exit in a dying process", p->name, p->pid,
		      cur->tid);
	if (p->live_threads <= 1)
		proc_exit_current(code); /* the last one: the process ends with its code */
	klog("proc", "%s pid %u tid %u exited: code %lld (%u thread(s) left)", p->name, p->pid,
	     cur->tid, (long long)code, p->live_threads - 1);
	proc_thread_ends(p, cur, code);
	sched_exit_current();
}

_Noreturn void proc_fault_current(const struct proc_fault *f)
{
	struct thread *cur = proc_current_thread();

	if (cur == NULL || cur->proc == NULL)
		panic("proc: user-mode fault %s with no current process", f->mnemonic);
	klog("proc", "%s pid %u killed: %s at rip %#llx addr %#llx (error %#llx)", cur->proc->name,
	     cur->proc->pid, f->mnemonic, (unsigned long long)f->rip, (unsigned long long)f->addr,
	     (unsigned long long)f->error_code);
	cur->proc->killed = true;
	proc_end_current(-1);
}

void proc_reap(void)
{
	struct sched_cpu *sc = percpu_sched();

	if (list_empty(&sc->zombies))
		return; /* the common case: every switch between live threads */
	struct thread *cur = proc_current_thread();
	struct list_node *n, *tmp;
	bool taken = klock_irq_enter(); /* freeing touches processes, tables, ledgers */

	LIST_FOR_EACH_SAFE(n, tmp, &sc->zombies)
	{
		struct thread *t = LIST_ENTRY(n, struct thread, sched_link);

		if (t == cur)
			continue;
		list_remove(n);
		proc_thread_free(t);
	}
	percpu_set_reap_pending(0); /* only cur, which is not a kill's, may be left */
	klock_irq_exit(taken);
}
