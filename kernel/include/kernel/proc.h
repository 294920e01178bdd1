/*
 * Processes and threads (kernel/proc/proc.c). A process is an address space, a
 * capability table, a resource ledger and a list of threads. A thread is a saved CPU
 * context, a kernel stack with a guard page, an extended-state (XSAVE) area, an FS
 * base, scheduling state and its own capability ring (docs/kernel-proc.md "Threads").
 *
 * Lifetime: a process lives until its last thread is reaped. A thread may end alone
 * (ThreadControl.exit: proc_thread_exit_current); the last live thread ending that way
 * ends the process with its code. exit(), a user fault or a kill ends the whole
 * process: every thread becomes DEAD (proc_kill_threads, the one place that does it),
 * the running one switches away for good, and the scheduler reaps dead threads (and
 * then the process: address space, ledger check, cap table) from another stack.
 *
 * Lock legend: [K] the kernel lock (kernel/klock.h); [RQ] the run-queue lock of the
 * thread's CPU (kernel/sched.h); [C] the owning CPU with interrupts off; [I] set at
 * creation, immutable afterwards. `exiting` is also read without [K] (an atomic load)
 * by a CPU deciding whether its running thread must end (sched_preempt_point).
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/thread.h>
#include <kernel/kstack.h>
#include <kernel/ledger.h>
#include <kernel/list.h>
#include <kernel/ring.h>
#include <kernel/vm.h>
#include <kernel/wfq.h>

#define PROC_NAME_MAX 16
#define PROC_MAGIC 0x50524f43u	 /* "PROC" */
#define THREAD_MAGIC 0x54485244u /* "THRD" */

enum thread_state {
	THREAD_READY,	/* on a run queue */
	THREAD_RUNNING, /* current on its CPU */
	THREAD_BLOCKED, /* waiting for sched_wake() or its deadline */
	THREAD_WAKING,	/* woken, between its old CPU's lock and its new run queue */
	THREAD_DEAD,	/* killed; waiting to be reaped */
};

struct process;
struct captab; /* the capability table (kernel/captab.h, abi) */
struct proc_kcall;
struct capos_capset_page;
struct proc_limits;
struct thread_watch;

struct thread {
	uint32_t magic;		     /* [I] THREAD_MAGIC; cleared when freed */
	uint32_t tid;		     /* [I] */
	struct process *proc;	     /* [I] owner; NULL for an idle thread */
	enum thread_state state;     /* [RQ] of `cpu` */
	uint32_t cpu;		     /* [RQ] CPU whose queues hold it, or that runs it */
	struct arch_thread arch;     /* [RQ] saved context, kernel stack top, FS base */
	struct kstack kstack;	     /* [I] */
	uint64_t xstate_phys;	     /* [I] frame holding the extended-state area, or 0 */
	struct list_node sched_link; /* [RQ] run queue or sleep list; [C] zombie list */
	struct list_node proc_link;  /* [K] process's thread list */
	uint64_t deadline_ns;	     /* [RQ] BLOCKED: wake-up time; UINT64_MAX = none */
	bool woken;		     /* [RQ] last block ended by sched_wake(), not timeout */
	bool ran;		     /* [RQ] has been switched to at least once */
	struct wfq_entity se;	     /* [RQ] weight and virtual runtime (kernel/wfq.h) */
	uint64_t charged_ns;	     /* [RQ] clock when its entity was last charged (also
					while it donates it: sched_payer) */
	uint64_t slice_start_ns;     /* [RQ] clock when its entity last became curr */
	uint32_t preemptions;	     /* [RQ] involuntary switches, for reports and tests */
	bool klock_resume;	     /* [C] held the kernel lock when it switched out */
	uint32_t index;		     /* [I] thread index in its process (ring slot) */
	uint64_t ring_va;	     /* [I] user address of its ring page */
	struct ring ring;	     /* [K] its capability ring (kernel view, authoritative) */
	struct list kring_pending;   /* [K] its deferred ring ops (kernel/kring.h) */
	int64_t exit_code;	     /* [K] ThreadControl.exit code, or the process's */
	bool exit_pending;	     /* [K] ThreadControl.exit ran: end after the drain */
	struct thread_watch *watch;  /* [K] told when the thread is reaped (ThreadHandle) */
};

struct process {
	uint32_t magic;		  /* [I] PROC_MAGIC; cleared when freed */
	uint32_t pid;		  /* [I] */
	char name[PROC_NAME_MAX]; /* [I] NUL-terminated */
	struct vm_space vm;	  /* [K] user address space */
	struct captab *caps;	  /* [K] capability table (slots allocated with it) */
	struct ledger *ledger;	  /* [K] its charges (a ref; see ledger.h) */
	struct list threads;	  /* [K] its threads (live and dead, until reaped) */
	uint32_t live_threads;	  /* [K] threads not DEAD */
	bool exiting;		  /* [K] killed or exited; no new threads */
	int64_t exit_code;	  /* [K] exit(code), or -1 when killed by a fault */
	struct list_node link;	  /* [K] global process list */
	bool capset_mapped;	  /* [K] the CapSet page is mapped (before thread 0) */
	struct proc_kcall *kcall; /* [K] CALL scratch buffers (kernel/proc/kring.c) */
	int64_t *exit_sink;	  /* [K] if set, receives exit_code when reaped */
	bool killed;		  /* [K] ended by proc_kill or a user fault, not exit() */
	struct proc_watch *watch; /* [K] told when the process is reaped (spawner) */
	struct list memmaps;	  /* [K] its MemoryObject mappings (kernel/memobj.h) */
	uint32_t park_waiters;	  /* [K] its parked PARK ops (kernel/kpark.h bound) */
};

/*
 * An observer of one process's end (ProcessHandle): `reaped` runs once, from
 * proc_free, after the address space and cap table are gone and before the struct
 * process is freed. It must not block or touch the process afterwards.
 */
struct proc_watch {
	void (*reaped)(struct proc_watch *w, int64_t exit_code, bool killed);
};

/*
 * An observer of one thread's end (ThreadHandle): `ended` runs once, from
 * proc_thread_free, with the thread's exit code (its ThreadControl.exit code, or the
 * process's when the process ended it), before the thread is freed. It must not block
 * or touch the thread.
 */
struct thread_watch {
	void (*ended)(struct thread_watch *w, int64_t exit_code);
};

/* proc_thread_killed for a thread known to have a process (one that entered the kernel
 * from user mode: the system-call entry), without the NULL check. */
static inline bool proc_user_thread_killed(const struct thread *t)
{
	return __atomic_load_n(&t->proc->exiting, __ATOMIC_ACQUIRE);
}

/* Whether t's process is exiting (killed or exited): t must end at its next kernel
 * entry or exit. Read without [K] (set once, never cleared); false for idle threads. */
static inline bool proc_thread_killed(const struct thread *t)
{
	return t->proc && proc_user_thread_killed(t);
}

/* Entry state of a new user thread (the process entry registers of the ABI). */
struct proc_entry {
	uint64_t rip, rsp;	/* user entry point and stack pointer */
	uint64_t rdi, rsi, rdx; /* RDI ring, RSI process id, RDX CapSet page */
	uint64_t fs_base;	/* thread pointer of the TLS block, or 0 */
};

/*
 * Sets up process management on the boot CPU: per-CPU data and SYSCALL (arch), the
 * scheduler with the calling context as the idle thread, the kernel-stack window.
 * Call once after arch_platform_init. Errors: kstack_init()'s.
 */
int proc_init(void);

/*
 * Creates a process named `name` with an empty address space, no thread, and a ledger
 * limited by `lim` (kernel/profile.h; already clamped): a cap table of
 * lim->limit[LEDGER_CAP_SLOTS] slots and the CALL scratch, charged to
 * LEDGER_RING_SCRATCH (docs/resources.md). `lim` NULL: the kernel defaults. The struct,
 * the cap table and the CALL scratch are charged to the new process's own
 * LEDGER_KERNEL_BYTES (kernel/kcharge.h).
 * Errors: CAPOS_ERR_NO_MEMORY, CAPOS_ERR_QUOTA_RING_SCRATCH (the profile's scratch is
 * smaller than the kernel's CALL scratch), CAPOS_ERR_QUOTA_KERNEL_MEMORY,
 * CAPOS_ERR_KERNEL_LOW_MEMORY, captab_init()'s (CAPOS_ERR_INVALID for 0 or too many
 * slots).
 */
int proc_create(const char *name, const struct proc_limits *lim, struct process **out);

/*
 * Maps `page` (a CapSet built with capset_init/capset_add) read-only at
 * CAPOS_USER_CAPSET. Call at most once, before the first thread starts; a process
 * that starts without one gets an empty CapSet. The frame is charged to the ledger.
 * Errors: CAPOS_ERR_INVALID (already mapped), vm_map()'s (CAPOS_ERR_NO_MEMORY).
 */
int proc_map_capset(struct process *p, const struct capos_capset_page *page);

/*
 * Adds a user thread entering at `e` and makes it runnable. Its ring page is mapped
 * RW+NX at CAPOS_USER_RING_BASE + index * CAPOS_USER_RING_STRIDE and initialised with
 * ring_init; RDI at entry is that address and RDX the CapSet page (the first thread
 * maps an empty CapSet if none was mapped); e->rdi and e->rdx are ignored.
 * The struct, kernel stack and extended-state frame are charged to p's kernel bytes.
 * Errors: CAPOS_ERR_NO_MEMORY (struct, kernel stack, extended-state frame),
 * CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY,
 * CAPOS_ERR_INVALID (process exiting).
 */
int proc_thread_start(struct process *p, const struct proc_entry *e, struct thread **out);

/* What ThreadSpawner.spawn asks for (already validated: user addresses, aligned). */
struct proc_thread_args {
	uint64_t entry, stack_top, arg, fs_base;
};

/*
 * Adds a thread to p (which already runs) and makes it runnable: like
 * proc_thread_start, in the lowest free ring slot, entering at a->entry with RSP =
 * a->stack_top, RDI = a->arg, RSI = its ring address, RDX = its thread id and the FS
 * base a->fs_base (docs/abi.md "Thread entry"). `w` (may be NULL) is registered as its
 * watch before it can run. Errors: proc_thread_start's, CAPOS_ERR_QUOTA_THREADS (the
 * profile's live threads), CAPOS_ERR_THREAD_RINGS (every ring slot in use).
 */
int proc_thread_spawn(struct process *p, const struct proc_thread_args *a, struct thread_watch *w,
		      struct thread **out);

/*
 * ThreadControl.exit(code) of the current thread: recorded now, carried out by
 * cap_enter once the current drain is over (the SQEs after it in the same submission
 * still run; nothing is waited for). See proc_thread_exit_current.
 */
void proc_thread_request_exit(int64_t code);

/*
 * Ends the calling thread alone: its pending ring operations are cancelled, its watch
 * learns `code` when it is reaped. When it is the process's last live thread, the
 * process ends with `code` (proc_exit_current). Never returns.
 */
_Noreturn void proc_thread_exit_current(int64_t code);

/*
 * Destroys a process that never got a thread (creation error paths).
 */
void proc_destroy_unstarted(struct process *p);

/*
 * Kills process p from outside (ProcessHandle.kill): every thread becomes DEAD and
 * goes to the zombie list; the reap at the next context switch releases its address
 * space and caps. exit_code becomes -1 and `killed` is set. Idempotent: a process
 * already exiting is left alone (returns 0). Errors: CAPOS_ERR_BUSY (p is the calling
 * thread's own process: it cannot be torn down under its own system call).
 */
int proc_kill(struct process *p);

/* Ends the calling thread's process with `code` (the exit syscall). */
_Noreturn void proc_exit_current(int64_t code);

/* Description of a CPU exception taken in user mode (filled by the arch trap code). */
struct proc_fault {
	unsigned vector;
	const char *mnemonic; /* "#PF" */
	uint64_t rip;
	uint64_t addr; /* CR2 for #PF, 0 otherwise */
	uint64_t error_code;
};

/*
 * The current thread faulted in user mode: log
 * "[proc] <name> pid N killed: <#XX> at rip 0x... addr 0x..." and kill its process.
 * Called by the arch trap handler; never returns (the CPU runs another thread).
 */
_Noreturn void proc_fault_current(const struct proc_fault *f);

/* The live (not DEAD) thread with id `tid`, or NULL. */
struct thread *proc_find_thread(uint64_t tid);

/* Processes not yet reaped. */
uint32_t proc_live_count(void);

/* The running thread (NULL before proc_init). */
struct thread *proc_current_thread(void);

/*
 * Called by the scheduler after a switch, from the new thread's stack: frees threads
 * and processes that died (their stacks are no longer in use).
 */
void proc_reap(void);

/* The thread is dead: called by the scheduler when reaping it. */
void proc_thread_free(struct thread *t);

#endif
