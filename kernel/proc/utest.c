/*
 * The utest= boot scenarios (kernel/utest.h): load embedded user programs into fresh
 * processes, run them to completion, check the free-frame baseline, and serve the
 * test-only syscalls that exercise the checked user copies and blocking.
 * Lock legend: [S] boot CPU, interrupts disabled.
 */
#include <kernel/utest.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/bootinfo.h>
#include <kernel/cmdline.h>
#include <kernel/load.h>
#include <kernel/captab.h>
#include <kernel/capset.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/profile.h>
#include <kernel/sched.h>
#include <kernel/syscall_nr.h>
#include <kernel/uaccess.h>

_Static_assert(UTEST_ASM_SYS_EXIT == CAPOS_SYS_EXIT, "utest_progs.S exit number");
_Static_assert(UTEST_ASM_SYS_CAP_ENTER == CAPOS_SYS_CAP_ENTER, "utest_progs.S cap_enter number");
_Static_assert(UTEST_ASM_USER_STACK_TOP == CAPOS_USER_STACK_TOP, "utest_progs.S stack top");
_Static_assert(UTEST_ASM_ERR_BAD_ADDRESS == CAPOS_ERR_BAD_ADDRESS, "utest_progs.S error");
_Static_assert(UTEST_ASM_ERR_INVALID == CAPOS_ERR_INVALID, "utest_progs.S error");
_Static_assert(UTEST_ASM_ERR_BAD_SYSCALL == CAPOS_ERR_RING_BAD_SYSCALL, "utest_progs.S error");
_Static_assert(UTEST_ASM_ERR_NOT_FOUND == CAPOS_ERR_NOT_FOUND, "utest_progs.S error");

#define UTEST_COPY_MAX 64
#define UTEST_NAME_MAX 16
#define UTEST_MAX_PROGS 8

/* One embedded program: utest_progs.S brackets each with _start/_end labels. */
struct utest_prog {
	const char *name;
	const uint8_t *start, *end;
};

#define UTEST_PROG(n)                                                                              \
	extern const uint8_t utest_prog_##n##_start[], utest_prog_##n##_end[];                     \
	static const struct utest_prog utest_##n = { #n, utest_prog_##n##_start,                   \
						     utest_prog_##n##_end }
UTEST_PROG(exit);
UTEST_PROG(pf);
UTEST_PROG(gp);
UTEST_PROG(ud);
UTEST_PROG(de);
UTEST_PROG(kread);
UTEST_PROG(priv);
UTEST_PROG(stackov);
UTEST_PROG(kstack);
UTEST_PROG(spin);
UTEST_PROG(badptr);
UTEST_PROG(sleeper);
UTEST_PROG(waiter);
UTEST_PROG(waker);
UTEST_PROG(sysbench);
UTEST_PROG(regs);

struct utest_scenario {
	const char *name;
	const struct utest_prog *progs[UTEST_MAX_PROGS]; /* NULL-terminated */
	bool boot_module;      /* also run the boot module as an ELF executable */
	uint64_t module_quota; /* its frame quota; 0: PROFILE_DEFAULT_FRAMES */
	bool fill;	       /* spawn progs[0] until creation fails (resource exhaustion) */
	unsigned grant;	       /* KGRANT_* kernel caps (and CapSet) given to the module */
	bool grant_check;      /* run utest_grant_check (kring_grant with hostile input) */
};

static const struct utest_scenario utest_scenarios[] = {
	{ "exit", { &utest_exit }, false, 0, false, 0, false },
	{ "fault",
	  { &utest_pf, &utest_gp, &utest_ud, &utest_de, &utest_kread, &utest_priv, &utest_stackov,
	    &utest_exit },
	  false,
	  0,
	  false,
	  0,
	  false },
	{ "kstack", { &utest_kstack }, false, 0, false, 0, false },
	{ "many", { &utest_exit }, false, 0, true, 0, false },
	{ "spin2", { &utest_spin, &utest_spin }, false, 0, false, 0, false },
	{ "badptr", { &utest_badptr }, false, 0, false, 0, false },
	{ "sleep", { &utest_sleeper, &utest_spin }, false, 0, false, 0, false },
	{ "wake", { &utest_waiter, &utest_waker }, false, 0, false, 0, false },
	{ "sysbench", { &utest_sysbench }, false, 0, false, 0, false },
	{ "regs", { &utest_regs }, false, 0, false, 0, false },
	/* the module's heap comes from its "vm" cap; elf-novm: no cap, malloc gets ENOMEM */
	{ "elf", { NULL }, true, 0, false, KGRANT_VM, false },
	{ "elf-novm", { NULL }, true, 0, false, 0, false },
	{ "elf-spin", { &utest_spin }, true, 0, false, KGRANT_VM, false },
	{ "elf-quota",
	  { NULL },
	  true,
	  64,
	  false,
	  0,
	  false }, /* too small: the load must fail, typed */
	/* the module with console/timer/boot/vm caps: the live ring (tests/qemu/ring_tests.py) */
	{ "ring", { NULL }, true, 0, false, KGRANT_ALL, false },
	/* kring_grant with hostile names and kinds on a throwaway process */
	{ "grant", { NULL }, false, 0, false, 0, true },
};

static bool utest_active; /* [S] a utest= scenario is running */

/* Process with the program's text at CAPOS_USER_IMAGE_BASE (R-X), a stack (RW-, NX). */
static int utest_spawn(const struct utest_prog *prog)
{
	uint64_t len = (uint64_t)(prog->end - prog->start);
	uint64_t text = (len + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
	struct process *p;
	int err = proc_create(prog->name, NULL, &p);

	if (err)
		return err;
	err = vm_map(&p->vm, CAPOS_USER_IMAGE_BASE, text, VM_PROT_EXEC, prog->start, len);
	if (err)
		goto out_proc;
	err = vm_map(&p->vm, CAPOS_USER_STACK_TOP - CAPOS_USER_STACK_SIZE, CAPOS_USER_STACK_SIZE,
		     VM_PROT_WRITE, NULL, 0);
	if (err)
		goto out_proc;
	const struct proc_entry e = { .rip = CAPOS_USER_IMAGE_BASE,
				      .rsp = CAPOS_USER_STACK_TOP,
				      .rdi = 0,
				      .rsi = p->pid,
				      .rdx = 0 };
	err = proc_thread_start(p, &e, NULL);
	if (err)
		goto out_proc;
	return CAPOS_OK;
out_proc:
	proc_destroy_unstarted(p);
	return err;
}

/*
 * The boot module as a static ELF executable in a process named "elf". A module the
 * loader refuses is logged with its typed error ("[utest] elf: load refused: ...")
 * and the process destroyed: a bad executable is not a kernel failure.
 */
static int utest_spawn_module(const struct boot_info *bi, uint64_t quota, unsigned grant)
{
	uint64_t len = bi->module.end - bi->module.start;
	struct proc_entry e;
	struct process *p;
	const void *bytes;
	int err = mm_direct_range(bi->module.start, len, &bytes);

	if (err)
		return err;
	struct proc_limits lim;

	profile_defaults(&lim);
	if (quota)
		lim.limit[LEDGER_FRAMES] = quota;
	err = proc_create("elf", &lim, &p);
	if (err)
		return err;
	err = proc_load_elf(p, bytes, len, &e);
	if (err) {
		klog("utest", "elf: load refused: %s (%d)", capos_error_name(err), err);
		proc_destroy_unstarted(p);
		return CAPOS_OK;
	}
	if (grant) {
		err = kring_grant_std(p, grant, bytes, len);
		if (err) {
			proc_destroy_unstarted(p);
			return err;
		}
	}
	klog("utest", "elf: %llu-byte module loaded, entry %#llx, %llu frames",
	     (unsigned long long)len, (unsigned long long)e.rip,
	     (unsigned long long)p->ledger->used[LEDGER_FRAMES]);
	err = proc_thread_start(p, &e, NULL);
	if (err)
		proc_destroy_unstarted(p);
	return err;
}

/*
 * kring_grant's refusals, each exact, on a process that never runs: a bad name, an
 * empty name, a duplicate, a kind that is not one object; a refused grant leaves no
 * cap behind (table holds only the one accepted grant, CapSet count 1). Logs
 * "[utest] grant: ..." with the statuses; CAPOS_ERR_INVALID if any differs.
 */
static int utest_grant_check(void)
{
	struct capos_capset_page *page = kzalloc(sizeof(*page));
	struct process *p;
	int bad, empty, ok, dup, kind, err;

	if (page == NULL)
		return CAPOS_ERR_NO_MEMORY;
	err = proc_create("grant", NULL, &p);
	if (err) {
		kfree(page);
		return err;
	}
	(void)capset_init(page);
	bad = kring_grant(p, page, KGRANT_TIMER, "Bad Name", 8, NULL, 0);
	empty = kring_grant(p, page, KGRANT_TIMER, "", 0, NULL, 0);
	ok = kring_grant(p, page, KGRANT_TIMER, "t", 1, NULL, 0);
	dup = kring_grant(p, page, KGRANT_CONSOLE, "t", 1, NULL, 0);
	kind = kring_grant(p, page, KGRANT_TIMER | KGRANT_VM, "x", 1, NULL, 0);
	klog("utest",
	     "grant: bad name %s, empty %s, first %s, duplicate %s, two kinds %s, "
	     "%u cap(s) in the table, CapSet count %u",
	     capos_error_name(bad), capos_error_name(empty), capos_error_name(ok),
	     capos_error_name(dup), capos_error_name(kind), captab_live(p->caps), page->hdr.count);
	err = bad == CAPOS_ERR_CAPSET_BAD_NAME && empty == CAPOS_ERR_CAPSET_BAD_NAME &&
			      ok == CAPOS_OK && dup == CAPOS_ERR_CAPSET_DUPLICATE &&
			      kind == CAPOS_ERR_INVALID && captab_live(p->caps) == 1 &&
			      page->hdr.count == 1
		      ? CAPOS_OK
		      : CAPOS_ERR_INVALID;
	proc_destroy_unstarted(p);
	kfree(page);
	return err;
}

/*
 * Spawns copies of `prog` until one fails, after at least one success, with
 * CAPOS_ERR_NO_MEMORY (kernel-stack slots run out) or CAPOS_ERR_KERNEL_LOW_MEMORY (free
 * frames reach the kernel reserve, kernel/kcharge.h): every error path of process
 * creation undoes its work, and the spawned processes still run to the end.
 */
#define UTEST_FILL_MAX 200
static int utest_fill(const struct utest_prog *prog)
{
	unsigned n = 0;
	int err = CAPOS_OK;

	while (n < UTEST_FILL_MAX && (err = utest_spawn(prog)) == CAPOS_OK)
		n++;
	klog("utest", "many: %u processes started, then %s", n, capos_error_name(err));
	return n > 0 && (err == CAPOS_ERR_NO_MEMORY || err == CAPOS_ERR_KERNEL_LOW_MEMORY)
		       ? CAPOS_OK
		       : CAPOS_ERR_INVALID;
}

static const struct utest_scenario *utest_find(const char *name)
{
	for (unsigned i = 0; i < sizeof(utest_scenarios) / sizeof(utest_scenarios[0]); i++) {
		const char *a = utest_scenarios[i].name, *b = name;

		while (*a && *a == *b)
			a++, b++;
		if (*a == '\0' && *b == '\0')
			return &utest_scenarios[i];
	}
	return NULL;
}

void utest_run(const struct boot_info *bi)
{
	const char *cmdline = bi->cmdline;
	char name[UTEST_NAME_MAX];
	const struct utest_scenario *s;
	uint64_t base, after;
	int err = cmdline_get_str(cmdline, "utest", name, sizeof(name));

	if (err == CAPOS_ERR_NOT_FOUND && !cmdline_has(cmdline, "utest"))
		return;
	s = err == CAPOS_OK ? utest_find(name) : NULL;
	if (s == NULL) {
		klog("utest",
		     "error: unknown or empty utest= value "
		     "(exit fault kstack many spin2 badptr sleep wake sysbench elf elf-novm "
		     "elf-spin elf-quota ring grant)");
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	base = frame_free_count();
	klog("utest", "%s: start, free frames %llu", s->name, (unsigned long long)base);
	utest_active = true;
	for (unsigned i = 0; i < UTEST_MAX_PROGS && s->progs[i]; i++) {
		err = s->fill ? utest_fill(s->progs[i]) : utest_spawn(s->progs[i]);
		if (err) {
			klog("utest", "error: starting %s: %s", s->progs[i]->name,
			     capos_error_name(err));
			arch_debug_exit(ARCH_EXIT_FAILURE);
		}
	}
	if (s->grant_check && (err = utest_grant_check()) != CAPOS_OK) {
		klog("utest", "error: grant check: %s", capos_error_name(err));
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	if (s->boot_module) {
		err = utest_spawn_module(bi, s->module_quota, s->grant);
		if (err) {
			klog("utest", "error: starting the boot module: %s", capos_error_name(err));
			arch_debug_exit(ARCH_EXIT_FAILURE);
		}
	}
	sched_run_until_idle();
	utest_active = false;
	after = frame_free_count();
	klog("utest",
	     "%s: all processes gone, free frames %llu (baseline %llu), "
	     "%llu context switches",
	     s->name, (unsigned long long)after, (unsigned long long)base,
	     (unsigned long long)sched_this_cpu()->switches);
	if (after != base) {
		klog("utest", "error: %lld frame(s) not returned", (long long)(base - after));
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
}

static int64_t utest_copyin(struct uaddr src, uint64_t len)
{
	uint8_t buf[UTEST_COPY_MAX];
	int64_t sum = 0;
	int err;

	if (len > UTEST_COPY_MAX)
		return CAPOS_ERR_INVALID;
	err = copy_from_user(buf, src, len);
	if (err)
		return err;
	for (uint64_t i = 0; i < len; i++)
		sum += buf[i];
	return sum;
}

static int64_t utest_copyout(struct uaddr dst, uint64_t len)
{
	uint8_t buf[UTEST_COPY_MAX];

	if (len > UTEST_COPY_MAX)
		return CAPOS_ERR_INVALID;
	for (uint64_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i + 1);
	return copy_to_user(dst, buf, len);
}

/* Blocks with no deadline until utest_wake; 1 when woken (the only way out). */
static int64_t utest_wait(void)
{
	struct thread *t = proc_current_thread();
	bool woken;

	klog("utest", "wait: %s tid %u blocks with no deadline", t->proc->name, t->tid);
	woken = sched_block_until(SCHED_NO_DEADLINE);
	klog("utest", "wait: %s tid %u %s", t->proc->name, t->tid, woken ? "woken" : "timed out");
	return woken ? 1 : 0;
}

static int64_t utest_wake(uint64_t tid)
{
	struct thread *t = proc_find_thread(tid);

	if (t == NULL || t->state != THREAD_BLOCKED) {
		klog("utest", "wake: tid %llu is not blocked: CAPOS_ERR_NOT_FOUND",
		     (unsigned long long)tid);
		return CAPOS_ERR_NOT_FOUND;
	}
	klog("utest", "wake: tid %llu", (unsigned long long)tid);
	sched_wake(t);
	return CAPOS_OK;
}

/* Recurses with 1 KiB frames; the depth bound (far beyond any kernel stack) only
 * exists so the recursion is not infinite in the compiler's eyes. */
static __attribute__((noinline)) uint64_t utest_recurse(volatile uint8_t *prev, uint64_t depth)
{
	volatile uint8_t frame[1024];

	frame[0] = prev ? prev[0] + 1 : 1;
	if (depth == 0)
		return frame[0];
	return utest_recurse(frame, depth - 1) + frame[1023];
}

/* Overflow the calling thread's kernel stack: the guard page must turn it into a
 * fault (then #DF on its IST stack) and a fatal report, never silent corruption. */
static int64_t utest_kstack_overflow(void)
{
	struct thread *t = proc_current_thread();

	klog("utest", "kstack: overflowing tid %u's kernel stack, guard page %#llx..%#llx", t->tid,
	     (unsigned long long)(t->kstack.top - KSTACK_SIZE - FRAME_SIZE),
	     (unsigned long long)(t->kstack.top - KSTACK_SIZE));
	return (int64_t)utest_recurse(NULL, 1u << 20);
}

int64_t utest_syscall(uint64_t nr, const uint64_t args[6])
{
	int64_t r;

	if (!utest_active)
		return CAPOS_ERR_RING_BAD_SYSCALL; /* indistinguishable from an unknown number */
	switch (nr) {
	case SYSCALL_TEST_COPYIN:
		r = utest_copyin(UADDR(args[0]), args[1]);
		break;
	case SYSCALL_TEST_COPYOUT:
		r = utest_copyout(UADDR(args[0]), args[1]);
		break;
	case SYSCALL_TEST_WAIT:
		return utest_wait();
	case SYSCALL_TEST_WAKE:
		return utest_wake(args[0]);
	case SYSCALL_TEST_KSTACK:
		return utest_kstack_overflow();
	default:
		return CAPOS_ERR_RING_BAD_SYSCALL;
	}
	klog("utest", "%s %#llx len %llu: %lld %s",
	     nr == SYSCALL_TEST_COPYIN ? "copyin" : "copyout", (unsigned long long)args[0],
	     (unsigned long long)args[1], (long long)r, r >= 0 ? "" : capos_error_name((int)r));
	return r;
}
