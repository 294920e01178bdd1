/*
 * cap_enter: the per-thread capability ring made live (docs/abi.md §2, §4, §11).
 * ring_drain (kernel/cap/ring.c) consumes the thread's SQEs and posts CQEs; CALL and
 * RELEASE go to kcall_exec (kernel/cap/kcall.c) with the process's kcall_env, whose
 * copies are the checked copy_from_user/copy_to_user (the calling process's address
 * space is the loaded one during its own syscall). Then the thread blocks until
 * enough CQEs are ready or the timeout passes.
 *
 * Bounds: one call consumes at most CAPOS_RING_SQ_ENTRIES SQEs (the snapshot of the
 * tail cannot hold more) and each CALL copies at most KRING_PARAMS_SCRATCH bytes in.
 *
 * Deferred completions (kring.h): an exec may park its op on a struct kring_pending
 * (the op keeps its CQ credit) and complete it later from another context; the wait
 * loop re-reads the ring after every wake-up. Completions posted while the current
 * thread drains its own ring record at most one blocked owner as the handoff target:
 * if this cap_enter then waits, it switches straight to that thread
 * (sched_block_handoff), otherwise the target is woken normally. The RECV/RETURN
 * opcodes and CALLs through endpoint client facets go to kernel/proc/kipc.c, PARK and
 * UNPARK to kernel/proc/kpark.c.
 */
#include <kernel/kring.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/capmgr.h>
#include <kernel/kcall.h>
#include <kernel/kcharge.h>
#include <kernel/kcaps.h>
#include <kernel/kterm.h>
#include <kernel/kthread.h>
#include <kernel/kipc.h>
#include <kernel/kpark.h>
#include <kernel/ksys.h>
#include <kernel/memobj.h>
#include <kernel/panic.h>
#include <kernel/mm.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/sched.h>
#include <kernel/spawn.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

struct proc_kcall {
	struct kcall_env env;
	uint64_t params[KRING_PARAMS_SCRATCH / 8];
	uint64_t results[KRING_RESULTS_SCRATCH / 8];
};

static const struct kcall_iface *const kring_ifaces[] = {
	&kconsole_iface,       &ktimer_iface,	       &kbootpkg_iface,	    &kvm_iface,
	&kspawner_iface,       &kproc_handle_iface,    &kcapmgr_iface,	    &kendpoint_iface,
	&kmemobj_iface,	       &kframealloc_iface,     &kentropy_iface,	    &ksysctl_iface,
	&ksysstatus_iface,     &kterm_iface,	       &kpark_shared_iface, &kthread_spawner_iface,
	&kthread_handle_iface, &kthread_control_iface,
};

/* Copies for kcall: any fault (range or unmapped page) is one non-zero status. */
static int kring_copy_in(void *ctx, void *dst, uint64_t uaddr, uint32_t len)
{
	(void)ctx;
	return copy_from_user(dst, UADDR(uaddr), len);
}

static int kring_copy_out(void *ctx, uint64_t uaddr, const void *src, uint32_t len)
{
	(void)ctx;
	return copy_to_user(UADDR(uaddr), src, len);
}

/* Bytes of CALL scratch a process is charged (LEDGER_RING_SCRATCH). */
#define KRING_SCRATCH_CHARGE (KRING_PARAMS_SCRATCH + KRING_RESULTS_SCRATCH)

int kring_proc_init(struct process *p)
{
	struct proc_kcall *k;
	int err = ledger_reserve(p->ledger, LEDGER_RING_SCRATCH, KRING_SCRATCH_CHARGE);

	if (err)
		return err;
	err = kzalloc_charged(p->ledger, sizeof(*k), (void **)&k);
	if (err) {
		ledger_release(p->ledger, LEDGER_RING_SCRATCH, KRING_SCRATCH_CHARGE);
		return err;
	}
	k->env = (struct kcall_env){
		.table = p->caps,
		.caller = p,
		.ifaces = kring_ifaces,
		.nifaces = sizeof(kring_ifaces) / sizeof(kring_ifaces[0]),
		.copy_in = kring_copy_in,
		.copy_out = kring_copy_out,
		.copy_ctx = p,
		.params_scratch = k->params,
		.params_scratch_bytes = sizeof(k->params),
		.results_scratch = k->results,
		.results_scratch_bytes = sizeof(k->results),
	};
	p->kcall = k;
	return CAPOS_OK;
}

void kring_proc_free(struct process *p)
{
	if (p->kcall == NULL)
		return;
	kfree_charged(p->kcall);
	p->kcall = NULL;
	ledger_release(p->ledger, LEDGER_RING_SCRATCH, KRING_SCRATCH_CHARGE);
}

/* ---- deferred completions ---- */

/* Per-drain state: one drain runs at a time (it holds [K] and never blocks), so one
 * set serves every thread of every process; a thread's deferred ops live on its own
 * kring_pending list and complete on its own ring (docs/kernel-proc.md "Threads").
 * The op the current thread's cap_enter is executing ([S]; op is NULL outside exec).
 * cqe is set only while kcall runs (its handlers defer through kring_defer; the
 * endpoint paths pass their own CQE to kring_defer_op). */
static struct {
	const struct ring_op *op;
	struct capos_cqe *cqe;
	struct kring_pending *deferred; /* set by kring_defer during this exec */
} kring_cur;
static bool kring_draining;	     /* [S] the current thread is inside ring_drain */
static struct thread *kring_handoff; /* [S] blocked owner completed during the drain */

void kring_thread_init(struct thread *t)
{
	list_init(&t->kring_pending);
}

int kring_defer_op(struct kring_pending *p, const struct kring_pending_ops *ops,
		   const struct ring_op *op, struct capos_cqe *cqe)
{
	if (op == NULL || op != kring_cur.op || kring_cur.deferred != NULL || ops == NULL ||
	    ops->cancel == NULL)
		return CAPOS_ERR_INVALID;
	p->owner = percpu_current();
	p->ops = ops;
	p->user_data = cqe->user_data;
	p->result_addr = op->result_addr;
	p->result_len = op->result_len;
	p->calls = NULL;
	list_push_back(&p->owner->kring_pending, &p->owner_link);
	kring_cur.deferred = p;
	cqe->status = RING_STATUS_DEFERRED;
	return CAPOS_OK;
}

int kring_defer(struct kring_pending *p, const struct kring_pending_ops *ops)
{
	if (kring_cur.cqe == NULL)
		return CAPOS_ERR_INVALID; /* not inside a kcall exec */
	return kring_defer_op(p, ops, kring_cur.op, kring_cur.cqe);
}

int kring_defer_call_op(struct kring_pending *p, const struct kring_pending_ops *ops,
			const struct ring_op *op, struct capos_cqe *cqe)
{
	int err = kring_defer_op(p, ops, op, cqe);

	if (err == CAPOS_OK)
		p->calls = p->owner->proc->ledger;
	return err;
}

int kring_defer_call(struct kring_pending *p, const struct kring_pending_ops *ops)
{
	if (kring_cur.cqe == NULL)
		return CAPOS_ERR_INVALID; /* not inside a kcall exec */
	return kring_defer_call_op(p, ops, kring_cur.op, kring_cur.cqe);
}

int kring_call_reserve(struct process *p)
{
	return ledger_reserve(p->ledger, LEDGER_CALLS, 1);
}

void kring_call_unreserve(struct process *p)
{
	ledger_release(p->ledger, LEDGER_CALLS, 1);
}

/* The call p stands for is no longer in flight: its LEDGER_CALLS unit goes back. */
static void kring_pending_uncharge(struct kring_pending *p)
{
	if (p->calls) {
		ledger_release(p->calls, LEDGER_CALLS, 1);
		p->calls = NULL;
	}
}

/* kring_pending_write's page-walk path, out of line so the cached path (the same
 * receive buffer again and again) carries no spilled registers. */
static __attribute__((noinline)) int kring_pending_write_slow(struct vm_space *vm, uint64_t va,
							      const void *src, uint32_t len)
{
	if (vm_copy_out(vm, va, src, len))
		return CAPOS_ERR_RING_RESULT_FAULT;
	return CAPOS_OK;
}

int kring_pending_write(struct kring_pending *p, uint32_t off, const void *src, uint32_t len)
{
	if (len == 0)
		return CAPOS_OK;
	if (off > p->result_len || len > p->result_len - off)
		return CAPOS_ERR_RING_RESULT_TOO_SMALL;
	struct vm_space *vm = &p->owner->proc->vm;
	if (vm_copy_out_cached(vm, p->result_addr + off, src, len))
		return CAPOS_OK;
	return kring_pending_write_slow(vm, p->result_addr + off, src, len);
}

int kring_pending_write_user(struct kring_pending *p, uint32_t off, uint64_t usrc, uint32_t len)
{
	int err;

	if (len == 0)
		return CAPOS_OK;
	if (off > p->result_len || len > p->result_len - off)
		return CAPOS_ERR_RING_RESULT_TOO_SMALL;
	err = vm_copy_out_user(&p->owner->proc->vm, p->result_addr + off, usrc, len);
	if (err == CAPOS_ERR_OUT_OF_RANGE)
		return CAPOS_ERR_RING_PARAMS_FAULT;
	return err ? CAPOS_ERR_RING_RESULT_FAULT : CAPOS_OK;
}

/* The owner of a completion just posted may run: nothing to do if it is us. */
static void kring_wake(struct thread *t)
{
	if (t->state != THREAD_BLOCKED || t == percpu_current())
		return;
	if (kring_draining && kring_handoff == NULL) {
		kring_handoff = t; /* decided when this cap_enter knows whether it waits */
		return;
	}
	sched_wake(t);
}

/* Always inlined (across files, at link time): both IPC directions post one completion
 * per round trip, and inline the CQE stays in registers instead of a stack copy. */
__attribute__((always_inline)) inline void kring_post(struct kring_pending *p,
						      struct capos_cqe *cqe)
{
	struct thread *t = p->owner;

	list_remove(&p->owner_link);
	p->owner = NULL;
	kring_pending_uncharge(p);
	cqe->user_data = p->user_data;
	if (ring_complete(&t->ring, cqe))
		panic("kring: completion for tid %u with no credit held", t->tid);
	kring_wake(t);
}

void kring_complete(struct kring_pending *p, int status, const void *res, uint32_t len)
{
	struct capos_cqe cqe = { .status = status, .result_len = len };
	int err = kring_pending_write(p, 0, res, len);

	if (err) {
		cqe.status = err;
		cqe.result_len = err == CAPOS_ERR_RING_RESULT_TOO_SMALL ? len : 0;
	}
	kring_post(p, &cqe);
}

void kring_thread_cancel(struct thread *t)
{
	struct list_node *n;

	if (kring_handoff == t)
		kring_handoff = NULL;
	while ((n = list_pop_front(&t->kring_pending)) != NULL) {
		struct kring_pending *p = LIST_ENTRY(n, struct kring_pending, owner_link);

		p->owner = NULL;
		kring_pending_uncharge(p);
		p->ops->cancel(p);
	}
}

/* Kernel-object CALLs and RELEASE, out of line: kcall's decode and result builders need
 * a large stack frame, which the endpoint paths (inlined into the drain loop) would
 * otherwise carry. Its handlers defer through kring_defer, which needs the CQE. */
static __attribute__((noinline)) void kring_kcall(struct process *p, const struct ring_op *op,
						  struct capos_cqe *cqe)
{
	kring_cur.cqe = cqe;
	kcall_exec(&p->kcall->env, op, cqe);
	kring_cur.cqe = NULL;
}

/* The ring_exec_fn of cap_enter: endpoint paths first, kernel objects otherwise. */
static void kring_exec(void *ctx, const struct ring_op *op, struct capos_cqe *cqe)
{
	struct process *p = ctx;

	kring_cur.op = op;
	kring_cur.deferred = NULL;
	if (!kipc_exec(p, op, cqe) && !kpark_exec(p, op, cqe))
		kring_kcall(p, op, cqe);
	if (kring_cur.deferred ? cqe->status != RING_STATUS_DEFERRED
			       : cqe->status == RING_STATUS_DEFERRED)
		panic("kring: op %u deferred without a record, or recorded and completed",
		      op->opcode);
	kring_cur.op = NULL;
}

/* Absolute deadline for a relative timeout (saturating; INFINITE stays none). */
static uint64_t kring_deadline(uint64_t timeout_ns)
{
	if (timeout_ns == CAPOS_TIMEOUT_INFINITE)
		return SCHED_NO_DEADLINE; /* no clock read on the IPC wait path */
	uint64_t now = arch_clock_ns();

	if (timeout_ns > UINT64_MAX - 1 - now)
		return SCHED_NO_DEADLINE;
	return now + timeout_ns;
}

/* ThreadControl.exit ran during the drain: the thread ends now (a handoff target the
 * drain recorded is woken first). Out of line: the drain's common path never gets here. */
static __attribute__((noinline)) _Noreturn void kring_exit_current(struct thread *t,
								   struct thread *to)
{
	if (to)
		sched_wake(to);
	proc_thread_exit_current(t->exit_code);
}

/* Drains t's ring with the endpoint-aware executor; *to receives the blocked owner a
 * completion posted meanwhile wants to hand the CPU to (kring_wake), or NULL. */
static int kring_drain_current(struct thread *t, struct thread **to)
{
	kring_draining = true;
	int ready = ring_drain(&t->ring, kring_exec, t->proc, NULL);
	kring_draining = false;
	*to = kring_handoff;
	kring_handoff = NULL;
	if (__builtin_expect(t->exit_pending, 0))
		kring_exit_current(t, *to);
	return ready;
}

/* cap_enter with a timeout: drain, then block while fewer than min_complete CQEs are
 * ready (out of line, so the non-blocking call needs no saved registers). The first
 * block hands the CPU straight to the drain's handoff target, if any. */
static __attribute__((noinline)) int64_t kring_enter_wait(struct thread *t, uint64_t min_complete,
							  uint64_t timeout_ns)
{
	struct thread *to;
	int ready = kring_drain_current(t, &to);
	uint64_t deadline;

	if (ready < 0 || (uint64_t)ready >= min_complete) {
		if (to)
			sched_wake(to);
		return ready;
	}
	deadline = kring_deadline(timeout_ns);
	while (ready >= 0 && (uint64_t)ready < min_complete) {
		bool woken = to ? sched_block_handoff(deadline, to) : sched_block_until(deadline);

		to = NULL;
		ready = ring_ready(&t->ring);
		if (!woken)
			break; /* deadline passed: the count so far, not an error */
	}
	return ready;
}

int64_t kring_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	struct thread *t, *to;
	int err = ring_check_min_complete(min_complete);

	if (err)
		return err;
	t = percpu_current();
	if (timeout_ns != 0)
		return kring_enter_wait(t, min_complete, timeout_ns);
	/* never blocks: the drain's answer is the result; a handoff target is woken */
	int ready = kring_drain_current(t, &to);
	if (to)
		sched_wake(to);
	return ready;
}
