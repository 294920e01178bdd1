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
 * Every kernel object completes synchronously, so no completion arrives while a
 * thread sleeps here: a wait for more CQEs than are ready is a pure timed sleep (the
 * Timer "sleep is a timeout on cap_enter" of issue 4). The wait loop still re-reads
 * the ring after every wake-up, so asynchronous completers (endpoints, later) only
 * need sched_wake on the owner.
 */
#include <kernel/kring.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/kcall.h>
#include <kernel/kcaps.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/sched.h>
#include <kernel/spawn.h>
#include <kernel/uaccess.h>

struct proc_kcall {
	struct kcall_env env;
	uint64_t params[KRING_PARAMS_SCRATCH / 8];
	uint64_t results[KRING_RESULTS_SCRATCH / 8];
};

static const struct kcall_iface *const kring_ifaces[] = {
	&kconsole_iface, &ktimer_iface,	  &kbootpkg_iface,
	&kvm_iface,	 &kspawner_iface, &kproc_handle_iface,
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

int kring_proc_init(struct process *p)
{
	struct proc_kcall *k = kzalloc(sizeof(*k));

	if (k == NULL)
		return CAPOS_ERR_NO_MEMORY;
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
	kfree(p->kcall);
	p->kcall = NULL;
}

/* Absolute deadline for a relative timeout (saturating; INFINITE stays none). */
static uint64_t kring_deadline(uint64_t timeout_ns)
{
	uint64_t now = arch_clock_ns();

	if (timeout_ns == CAPOS_TIMEOUT_INFINITE || timeout_ns > UINT64_MAX - 1 - now)
		return SCHED_NO_DEADLINE;
	return now + timeout_ns;
}

int64_t kring_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	struct thread *t = proc_current_thread();
	uint32_t consumed;
	uint64_t deadline;
	int ready = ring_check_min_complete(min_complete);

	if (ready)
		return ready;
	ready = ring_drain(&t->ring, kcall_exec, &t->proc->kcall->env, &consumed);
	if (ready < 0 || (uint64_t)ready >= min_complete || timeout_ns == 0)
		return ready;
	deadline = kring_deadline(timeout_ns);
	while (ready >= 0 && (uint64_t)ready < min_complete) {
		bool woken = sched_block_until(deadline);

		ready = ring_ready(&t->ring);
		if (!woken)
			break; /* deadline passed: the count so far, not an error */
	}
	return ready;
}
