/*
 * Weighted fair preemptive scheduler on the boot CPU (kernel/sched.h). The run queue
 * is a WFQ queue (kernel/wfq.h, docs/scheduler.md): the tick and every switch charge
 * the running thread the arch_clock_ns() time it ran, the smallest virtual runtime
 * runs next, and the tick preempts by the slice rule (wfq_should_preempt). The queue,
 * sleepers and zombies hang off struct sched_cpu, reached through this CPU's percpu,
 * so per-CPU queues on SMP are a matter of allocating one per CPU (and adding the
 * run-queue lock the [S] tags stand for).
 *
 * Switch protocol: sched_switch_to() loads the next thread's address space (or the
 * kernel's for the idle thread) and calls arch_switch(); when a thread resumes, it
 * calls proc_reap() from its own stack, so a thread that died on the CPU is freed only
 * once nothing runs on its kernel stack. A thread's very first switch goes through the
 * arch trampoline into sched_thread_first_run(), which does the same.
 *
 * Lock legend: [S] boot CPU, interrupts disabled.
 */
#include <kernel/sched.h>

#include <kernel/arch.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>

static struct sched_cpu sched_boot_cpu; /* [S] the boot CPU's queues */

struct sched_cpu *sched_this_cpu(void)
{
	return percpu_sched();
}

static struct thread *sched_current(void)
{
	return percpu_current();
}

void sched_init(struct thread *idle)
{
	struct sched_cpu *sc = &sched_boot_cpu;
	struct percpu *pc = arch_this_cpu();

	wfq_init(&sc->runq);
	list_init(&sc->sleepers);
	list_init(&sc->zombies);
	sc->idle = idle;
	pc->sched = sc;
	pc->current = idle;
	idle->state = THREAD_RUNNING;
	idle->ran = true;
}

void sched_enqueue(struct thread *t)
{
	t->state = THREAD_READY;
	wfq_enqueue(&sched_this_cpu()->runq, &t->se);
}

void sched_remove(struct thread *t)
{
	if (t->se.queued)
		wfq_dequeue(&sched_this_cpu()->runq, &t->se);
	else if (list_node_linked(&t->sched_link))
		list_remove(&t->sched_link);
}

void sched_set_weight(struct thread *t, uint32_t weight)
{
	wfq_set_weight(&sched_this_cpu()->runq, &t->se, weight);
}

/* Charges t (not the idle thread, not queued) the time since its last charge. */
static void sched_charge(struct sched_cpu *sc, struct thread *t, uint64_t now)
{
	if (t == sc->idle)
		return;
	wfq_charge(&sc->runq, &t->se, now - t->charged_ns);
	t->charged_ns = now;
}

/* next becomes the running thread of sc's queue from `now` (its slice starts). */
static void sched_make_current(struct sched_cpu *sc, struct thread *next, uint64_t now)
{
	wfq_set_curr(&sc->runq, next == sc->idle ? NULL : &next->se);
	next->state = THREAD_RUNNING;
	next->charged_ns = next->slice_start_ns = now;
}

/* Switches from prev, the running thread, to next != prev (the caller checked). */
static void sched_switch_from(struct sched_cpu *sc, struct thread *prev, struct thread *next)
{
	uint64_t now = arch_clock_ns();

	if (!prev->se.queued) /* a requeued prev was charged by sched_yield */
		sched_charge(sc, prev, now);
	sched_make_current(sc, next, now);
	if (next->proc)
		vm_activate(&next->proc->vm);
	else
		vm_activate_kernel();
	percpu_set_current(next);
	sc->switches++;
	arch_switch(&prev->arch, &next->arch);
	/* Back on prev's stack: whatever died meanwhile can go. Checked here so a switch
	 * between live threads (the IPC handoff) does not pay proc_reap's frame. */
	if (!list_empty(&sc->zombies))
		proc_reap();
}

static void sched_switch_to(struct thread *next)
{
	struct thread *prev = percpu_current();

	struct sched_cpu *sc = percpu_sched();

	if (next == prev) { /* a yield that picked itself: still running, slice goes on */
		wfq_set_curr(&sc->runq, next == sc->idle ? NULL : &next->se);
		next->state = THREAD_RUNNING;
		return;
	}
	sched_switch_from(sc, prev, next);
}

/* Next READY thread, else the idle thread. */
static struct thread *sched_pick(struct sched_cpu *sc)
{
	struct wfq_entity *e = wfq_pop_first(&sc->runq);

	return e ? LIST_ENTRY(e, struct thread, se) : sc->idle;
}

void sched_yield(void)
{
	struct sched_cpu *sc = sched_this_cpu();
	struct thread *cur = sched_current();

	sc->need_resched = false;
	if (!wfq_first(&sc->runq))
		return;
	if (cur != sc->idle) {
		sched_charge(sc, cur, arch_clock_ns()); /* its key is final before it queues */
		sched_enqueue(cur);
	}
	sched_switch_to(sched_pick(sc));
}

/* Marks the running thread BLOCKED until `deadline_ns` (on the sleepers list if it has
 * one); the caller switches away next. Shared by both blocking paths. */
static inline void sched_mark_blocked(struct sched_cpu *sc, struct thread *cur,
				      uint64_t deadline_ns)
{
	if (cur == sc->idle)
		panic("sched: the idle thread cannot block");
	cur->state = THREAD_BLOCKED;
	cur->woken = false;
	cur->deadline_ns = deadline_ns;
	if (deadline_ns != SCHED_NO_DEADLINE)
		list_push_back(&sc->sleepers, &cur->sched_link);
}

bool sched_block_until(uint64_t deadline_ns)
{
	struct sched_cpu *sc = sched_this_cpu();
	struct thread *cur = sched_current();

	sched_mark_blocked(sc, cur, deadline_ns);
	sched_switch_to(sched_pick(sc));
	return cur->woken;
}

bool sched_block_handoff(uint64_t deadline_ns, struct thread *to)
{
	struct thread *cur = percpu_current();

	if (to == cur || to->state != THREAD_BLOCKED)
		return sched_block_until(deadline_ns);
	struct sched_cpu *sc = percpu_sched();
	sched_mark_blocked(sc, cur, deadline_ns);
	sched_remove(to);	       /* off the sleepers list, if it had a deadline */
	wfq_place(&sc->runq, &to->se); /* the wake rule, without a trip through the tree */
	to->woken = true;
	sc->handoffs++;
	sched_switch_from(sc, cur, to); /* to != cur: checked above */
	return cur->woken;
}

void sched_wake(struct thread *t)
{
	if (t->state != THREAD_BLOCKED)
		return;
	sched_remove(t);
	t->woken = true;
	sched_enqueue(t);
}

_Noreturn void sched_exit_current(void)
{
	struct sched_cpu *sc = sched_this_cpu();
	struct thread *cur = sched_current();

	cur->state = THREAD_DEAD;
	sched_remove(cur);
	list_push_back(&sc->zombies, &cur->sched_link);
	sched_switch_to(sched_pick(sc));
	panic("sched: a dead thread was switched back to");
}

/* Moves sleepers whose deadline has passed to the run queue (timed out). */
static void sched_wake_expired(struct sched_cpu *sc)
{
	struct list_node *n, *tmp;
	uint64_t now = arch_clock_ns();

	LIST_FOR_EACH_SAFE(n, tmp, &sc->sleepers)
	{
		struct thread *t = LIST_ENTRY(n, struct thread, sched_link);

		if (t->deadline_ns <= now) {
			list_remove(n);
			t->woken = false;
			sched_enqueue(t);
		}
	}
}

/* Timer tick (interrupts disabled, after EOI). Preempts only user mode. */
static void sched_tick(bool from_user)
{
	struct sched_cpu *sc = sched_this_cpu();
	struct thread *cur = sched_current();

	sc->ticks++;
	if (ksleep_live_count() != 0)
		ksleep_expire(arch_clock_ns()); /* Timer.sleep completions wake their owners */
	if (!list_empty(&sc->sleepers))
		sched_wake_expired(sc);
	if (!wfq_first(&sc->runq))
		return;
	uint64_t now = arch_clock_ns();

	sched_charge(sc, cur, now);
	if (wfq_should_preempt(&sc->runq, now - cur->slice_start_ns, SCHED_SLICE_NS))
		sc->need_resched = true;
	if (from_user && sc->need_resched) {
		cur->preemptions++;
		sched_yield();
	}
}

void sched_thread_first_run(void)
{
	struct thread *t = sched_current();

	t->ran = true;
	klog("sched", "%s pid %u tid %u: first run", t->proc->name, t->proc->pid, t->tid);
	proc_reap();
}

void sched_run_until_idle(void)
{
	struct sched_cpu *sc = sched_this_cpu();

	arch_timer_set_tick_hook(sched_tick);
	while (proc_live_count() > 0) {
		if (wfq_first(&sc->runq)) {
			sc->need_resched = false;
			sched_switch_to(sched_pick(sc));
			continue;
		}
		arch_idle_wait();
	}
	arch_timer_set_tick_hook(NULL);
	proc_reap();
}
