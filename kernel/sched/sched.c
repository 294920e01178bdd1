/*
 * Preemptive scheduler with one run queue per CPU (kernel/sched.h, docs/scheduler.md).
 *
 * Switch protocol: the switching CPU takes its own [RQ] lock, changes the running
 * thread's state (READY, BLOCKED, DEAD), picks the next thread and calls
 * sched_switch_locked, which drops the kernel lock [K] if the thread held it, loads the
 * next address space and swaps stacks with arch_switch. The [RQ] lock stays held
 * across arch_switch; whatever runs next on this CPU releases it first thing
 * (sched_switch_finish, also at a new thread's first run). So a thread whose state says
 * it is not running may still have its registers being saved only while its CPU's
 * [RQ] lock is held, and everyone who moves or wakes a thread takes that lock first.
 * A resumed thread takes [K] back if it held it, then frees what died on this CPU.
 *
 * Wake-ups: sched_wake takes the sleeper off its CPU under that CPU's lock (state
 * WAKING: owned by the waker), then queues it on a CPU chosen by sched_select (its
 * last CPU if idle, else any idle CPU, else its last CPU) and sends that CPU a
 * reschedule IPI if it is halted. Idle CPUs, and busy ones every SCHED_BALANCE_TICKS,
 * steal READY threads by wfq_balance_decide.
 *
 * Each queue is weighted fair (kernel/wfq.h, docs/scheduler.md): switches and the tick
 * charge the payer (the owner of runq.curr) its arch_clock_ns() time, the smallest
 * virtual runtime runs next, the tick preempts by the slice rule, and a thread that
 * changes queues keeps its lag (its vruntime renormalised against the new queue's
 * floor). The IPC handoff donates: the thread handed to runs on the payer's entity and
 * the queue is left alone; a donor (BLOCKED, its entity still curr) leaves BLOCKED only
 * after sched_end_donation_of (docs/scheduler.md "Donation").
 *
 * Tickless idle (docs/scheduler.md): an idle CPU arms a one-shot interrupt for its
 * earliest sleeper (and, on SCHED_TIMEOUT_CPU, the kernel timeouts) or stops its timer,
 * and gets the periodic tick back before it runs a thread. What else must reach a
 * halted CPU does so by IPI (sched_kick, sched_poke).
 *
 * Lock legend: see kernel/sched.h; [A] atomic.
 */
#include <kernel/sched.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/klock.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>

_Static_assert(ARCH_MAX_CPUS <= SCHED_MAX_CPUS, "every CPU the arch starts needs a mask bit");

static struct sched_cpu sched_boot_cpu;		     /* the boot CPU's queues */
static struct sched_cpu *sched_cpus[SCHED_MAX_CPUS]; /* [I] by index, once online */
static cpumask_t sched_online;			     /* [A] CPUs with a scheduler */
static cpumask_t sched_halted;			     /* [A] CPUs halted in their idle loop */
static bool sched_tickless; /* [A] idle CPUs stop their tick (while sched_run_until_idle runs) */

struct sched_cpu *sched_this_cpu(void)
{
	return percpu_sched();
}

struct sched_cpu *sched_cpu(uint32_t cpu)
{
	return cpu < SCHED_MAX_CPUS ? __atomic_load_n(&sched_cpus[cpu], __ATOMIC_ACQUIRE) : NULL;
}

uint64_t sched_total_handoffs(void)
{
	uint64_t n = 0;
	uint32_t cpu;

	CPUMASK_FOR_EACH(cpu, cpumask_load(&sched_online))
	n += __atomic_load_n(&sched_cpus[cpu]->handoffs, __ATOMIC_RELAXED);
	return n;
}

cpumask_t sched_online_mask(void)
{
	return cpumask_load(&sched_online);
}

static void sched_resched_irq(struct arch_trap_frame *tf);
static uint32_t sched_balance(struct sched_cpu *sc);
static void sched_kick_halted(void);

void sched_cpu_online(struct sched_cpu *sc, struct thread *idle)
{
	struct percpu *pc = arch_this_cpu();

	spin_init(&sc->lock);
	wfq_init(&sc->runq);
	list_init(&sc->sleepers);
	list_init(&sc->zombies);
	sc->cpu = pc->cpu_index;
	sc->idle = idle;
	sc->current = idle;
	idle->state = THREAD_RUNNING;
	idle->ran = true;
	idle->cpu = sc->cpu;
	pc->sched = sc;
	pc->current = idle;
	__atomic_store_n(&sched_cpus[sc->cpu], sc, __ATOMIC_RELEASE);
	cpumask_set_atomic(&sched_online, sc->cpu);
}

int sched_init(struct thread *idle)
{
	sched_cpu_online(&sched_boot_cpu, idle);
	return arch_irq_register(ARCH_VEC_RESCHED, sched_resched_irq);
}

/* Locks the [RQ] of the CPU that holds t (t->cpu changes only under that lock). */
static struct sched_cpu *sched_lock_thread(struct thread *t)
{
	for (;;) {
		uint32_t cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
		struct sched_cpu *sc = sched_cpus[cpu];

		spin_lock(&sc->lock);
		if (__atomic_load_n(&t->cpu, __ATOMIC_RELAXED) == cpu)
			return sc;
		spin_unlock(&sc->lock);
	}
}

/* Takes two [RQ] locks in CPU-index order (one if a == b). */
static void sched_lock_pair(struct sched_cpu *a, struct sched_cpu *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a->cpu < b->cpu) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void sched_unlock_pair(struct sched_cpu *a, struct sched_cpu *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

/* Queues READY t on sc's run queue by its virtual runtime (placed: a new thread at the
 * floor, a woken one at most WFQ_WAKE_CREDIT behind it). [RQ] of sc held. */
static void sched_queue_locked(struct sched_cpu *sc, struct thread *t)
{
	t->state = THREAD_READY;
	__atomic_store_n(&t->cpu, sc->cpu, __ATOMIC_RELEASE);
	wfq_enqueue(&sc->runq, &t->se);
}

/* Takes a READY thread off sc's run queue. [RQ] of sc held. */
static void sched_unqueue_locked(struct sched_cpu *sc, struct thread *t)
{
	wfq_dequeue(&sc->runq, &t->se);
}

static bool sched_queue_empty(const struct sched_cpu *sc)
{
	return wfq_first(&sc->runq) == NULL;
}

/* The READY thread with the smallest virtual runtime, else the idle thread. [RQ]. */
static struct thread *sched_pick(struct sched_cpu *sc)
{
	struct wfq_entity *e = wfq_pop_first(&sc->runq);

	return e ? LIST_ENTRY(e, struct thread, se) : sc->idle;
}

/* Charges t (not the idle thread) the time since its last charge. [RQ] of sc held. */
static void sched_charge(struct sched_cpu *sc, struct thread *t, uint64_t now)
{
	if (t == sc->idle)
		return;
	wfq_charge(&sc->runq, &t->se, now - t->charged_ns);
	t->charged_ns = now;
}

/* Where a thread that last ran on `prev` should run: prev if it is halted idle, else
 * any halted CPU, else prev (it reschedules at its tick). */
static struct sched_cpu *sched_select(uint32_t prev)
{
	cpumask_t halted = cpumask_load(&sched_halted);

	if (cpumask_has(halted, prev) || halted == 0)
		return sched_cpus[prev];
	return sched_cpus[cpumask_first(halted)];
}

/* Sends the reschedule IPI. A refusal (the APIC never accepted it) is logged: the CPU
 * still finds the work at its next tick. */
static void sched_ipi(uint32_t cpu)
{
	int err = arch_ipi_send(cpu, ARCH_VEC_RESCHED);

	if (err)
		klog("sched", "error: reschedule IPI to cpu %u: %s", cpu, capos_error_name(err));
}

/*
 * Work was queued on sc (or what its idle loop waits for changed): wake it if it is
 * halted (its idle loop then looks again). The halted set is read sequentially
 * consistent: every caller first stores what the idle CPU must see (a queued thread
 * under its [RQ] lock, the timeout head, the process count, all seq-cst or locked
 * writes), and the idle CPU sets its bit (a locked RMW) before it reads those; a
 * seq-cst load here makes the store-buffering pair formally ordered, not only on x86
 * (where it is the same plain load as an acquire one).
 */
static void sched_kick(struct sched_cpu *sc)
{
	if (sc->cpu != percpu_cpu_index() &&
	    cpumask_has(cpumask_load_seq_cst(&sched_halted), sc->cpu))
		sched_ipi(sc->cpu);
}

void sched_poke(uint32_t cpu)
{
	struct sched_cpu *sc = sched_cpu(cpu);

	if (sc != NULL)
		sched_kick(sc);
}

void sched_timeouts_changed(void)
{
	sched_poke(SCHED_TIMEOUT_CPU);
}

/* Queues t (owned by the caller: new or WAKING) near `prev` and makes sure it runs. A
 * thread that ran on prev keeps its lag against the new queue's floor (prev's floor is
 * read unlocked: a hint, bounded by the wake placement anyway). */
static void sched_place(struct thread *t, uint32_t prev)
{
	struct sched_cpu *dst = sched_select(prev);

	spin_lock(&dst->lock);
	if (dst->cpu != prev && t->se.placed)
		wfq_renormalise(&t->se, &sched_cpus[prev]->runq, &dst->runq);
	sched_queue_locked(dst, t);
	spin_unlock(&dst->lock);
	sched_kick(dst);
}

void sched_enqueue(struct thread *t)
{
	sched_place(t, percpu_cpu_index());
}

void sched_set_weight(struct thread *t, uint32_t weight)
{
	struct sched_cpu *sc = sched_lock_thread(t);

	wfq_set_weight(&sc->runq, &t->se, weight);
	spin_unlock(&sc->lock);
}

/*
 * The run queue's side of a switch to next at `now`, one clock read and one queue
 * update: the running entity pays for what it ran since its last charge and next
 * becomes curr (wfq_switch). The running entity is the outgoing thread's, unless that
 * thread is the idle one (none) or went back to the tree in sched_yield (which charged
 * it and cleared curr). The outgoing thread's charged_ns is not updated: it is set
 * again when it is switched back in. [RQ] of sc held.
 */
static inline void sched_switch_queue(struct sched_cpu *sc, struct thread *next, uint64_t now)
{
	struct wfq_entity *c = sc->runq.curr;
	uint64_t ran = c ? now - LIST_ENTRY(c, struct thread, se)->charged_ns : 0;

	wfq_switch(&sc->runq, ran, next == sc->idle ? NULL : &next->se);
	next->charged_ns = next->slice_start_ns = now;
}

/* The thread whose entity is sc's curr (it pays for what sc runs: the running thread,
 * or the donor it runs for), or NULL. [RQ] of sc held. */
static inline struct thread *sched_payer(const struct sched_cpu *sc)
{
	struct wfq_entity *c = sc->runq.curr;

	return c ? LIST_ENTRY(c, struct thread, se) : NULL;
}

/*
 * Ends a donation on sc (docs/scheduler.md "Donation"): if sc's running thread runs on
 * another thread's entity (a BLOCKED caller's, after an IPC handoff), that donor is
 * charged what ran since its last charge and the running thread gets its own entity
 * back, placed by the wake rule as the eager handoff placed it, with a new slice.
 * Called before a donor leaves BLOCKED (wake, timeout, kill, a handoff to it from
 * another CPU) and before the running thread yields. [RQ] of sc held.
 */
static void sched_undonate(struct sched_cpu *sc, uint64_t now)
{
	struct thread *run = sc->current;
	struct thread *payer = sched_payer(sc);

	if (run == sc->idle || payer == run)
		return;
	wfq_place(&sc->runq, &run->se);
	wfq_switch(&sc->runq, payer ? now - payer->charged_ns : 0, &run->se);
	run->charged_ns = run->slice_start_ns = now;
	sc->undonations++;
}

/* t leaves BLOCKED (or dies): if its entity pays for what sc runs (a donor), the
 * donation ends first. [RQ] of sc (t's CPU) held. */
static inline void sched_end_donation_of(struct sched_cpu *sc, struct thread *t)
{
	if (sc->runq.curr == &t->se)
		sched_undonate(sc, arch_clock_ns());
}

/* Releases the [RQ] lock the switch that resumed us held (see the protocol above). */
static inline void sched_switch_finish(void)
{
	spin_unlock(&percpu_sched()->lock);
}

/*
 * Switches from prev (the caller, state already changed) to next with the run queue
 * already updated (sched_switch_locked, or a donating handoff, which leaves it alone).
 * [RQ] of sc held on entry and released when this returns (possibly on another CPU,
 * much later). The kernel lock: a CPU holding it for prev keeps it for next if next
 * left holding it too (the IPC handoff between two blocked threads passes it on), else
 * releases it; a thread that left holding it and finds its CPU without it takes it
 * back after the [RQ] lock is gone (lock order: [K] before [RQ]).
 */
static inline __attribute__((always_inline)) void
sched_switch_to(struct sched_cpu *sc, struct thread *prev, struct thread *next)
{
	bool held = klock_held();

	prev->klock_resume = held;
	if (held && !next->klock_resume)
		klock_release();
	if (next->proc)
		vm_activate(&next->proc->vm);
	else
		vm_activate_kernel();
	next->state = THREAD_RUNNING;
	next->cpu = sc->cpu;
	sc->current = next;
	sc->switches++;
	percpu_set_current(next);
	arch_switch(&prev->arch, &next->arch);
	sched_switch_finish();
	if (prev->klock_resume && !klock_held()) {
		klock_acquire();
		/* Killed while it waited for [K] (a kill takes blocked threads off their
		 * queues, so only a thread already switched back to gets here): end it. */
		if (proc_thread_killed(prev))
			sched_exit_current();
	}
	/* Back on prev's stack: whatever died on this CPU meanwhile can go. Checked here
	 * so a switch between live threads (the IPC handoff) does not pay proc_reap's
	 * frame. */
	if (!list_empty(&percpu_sched()->zombies))
		proc_reap();
}

/* Switches from prev (the caller, state already changed) to next: one clock read and
 * one queue update (sched_switch_queue), then sched_switch_to. [RQ] of sc held on
 * entry, released when this returns. */
static void sched_switch_locked(struct sched_cpu *sc, struct thread *prev, struct thread *next)
{
	if (next == prev) { /* a yield that picked itself: still running, slice goes on */
		wfq_set_curr(&sc->runq, next == sc->idle ? NULL : &next->se);
		prev->state = THREAD_RUNNING;
		spin_unlock(&sc->lock);
		return;
	}
	sched_switch_queue(sc, next, arch_clock_ns());
	sched_switch_to(sc, prev, next);
}

void sched_yield(void)
{
	struct sched_cpu *sc = percpu_sched();
	struct thread *cur = percpu_current();

	spin_lock(&sc->lock);
	sc->need_resched = false;
	if (sched_queue_empty(sc)) {
		spin_unlock(&sc->lock);
		return;
	}
	if (cur != sc->idle) {
		uint64_t now = arch_clock_ns();

		sched_undonate(sc, now);    /* it queues with its own entity */
		sched_charge(sc, cur, now); /* its key is final before it queues */
		sched_queue_locked(sc, cur);
	}
	sched_switch_locked(sc, cur, sched_pick(sc));
}

/* Marks the running thread BLOCKED until `deadline_ns` (on the sleepers list if it has
 * one); the caller switches away next. [RQ] of sc held. */
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
	struct sched_cpu *sc = percpu_sched();
	struct thread *cur = percpu_current();

	spin_lock(&sc->lock);
	sched_mark_blocked(sc, cur, deadline_ns);
	sched_switch_locked(sc, cur, sched_pick(sc));
	return cur->woken;
}

bool sched_block_handoff(uint64_t deadline_ns, struct thread *to)
{
	struct thread *cur = percpu_current();
	struct sched_cpu *sc = percpu_sched();

	if (to == cur)
		return sched_block_until(deadline_ns);
	struct sched_cpu *tsc = sched_cpus[__atomic_load_n(&to->cpu, __ATOMIC_ACQUIRE)];

	sched_lock_pair(sc, tsc);
	if (to->state != THREAD_BLOCKED || to->cpu != tsc->cpu) {
		sched_unlock_pair(sc, tsc);
		sched_wake(to); /* moved meanwhile: an ordinary wake, then block */
		return sched_block_until(deadline_ns);
	}
	if (list_node_linked(&to->sched_link))
		list_remove(&to->sched_link); /* off tsc's sleepers, if it had a deadline */
	to->woken = true;
	if (tsc != sc) {
		sched_end_donation_of(tsc, to); /* it donated there: its entity leaves tsc */
		wfq_renormalise(&to->se, &tsc->runq, &sc->runq);
		__atomic_store_n(&to->cpu, sc->cpu, __ATOMIC_RELEASE); /* it runs here now */
		spin_unlock(&tsc->lock);
	}
	sched_mark_blocked(sc, cur, deadline_ns);
	sc->handoffs++;
	if (sc->runq.curr != NULL) {
		/* Donation: to runs on the entity that pays for this CPU now (cur's, the
		 * donor cur runs for, or to's own when it is that donor): no clock read, no
		 * queue update; the payer is charged at the next tick or switch. */
		sched_switch_to(sc, cur, to); /* to != cur: checked above */
	} else {
		wfq_place(&sc->runq, &to->se); /* the wake rule, without a trip through the tree */
		sched_switch_locked(sc, cur, to);
	}
	return cur->woken;
}

void sched_wake(struct thread *t)
{
	struct sched_cpu *sc = sched_lock_thread(t);

	if (t->state != THREAD_BLOCKED) {
		spin_unlock(&sc->lock);
		return;
	}
	if (list_node_linked(&t->sched_link))
		list_remove(&t->sched_link);
	sched_end_donation_of(sc, t);
	t->woken = true;
	t->state = THREAD_WAKING; /* ours until queued: no other CPU touches it */
	spin_unlock(&sc->lock);
	sched_place(t, sc->cpu);
}

_Noreturn void sched_exit_current(void)
{
	struct sched_cpu *sc = percpu_sched();
	struct thread *cur = percpu_current();

	spin_lock(&sc->lock);
	cur->state = THREAD_DEAD;
	list_push_back(&sc->zombies, &cur->sched_link);
	sched_switch_locked(sc, cur, sched_pick(sc));
	panic("sched: a dead thread was switched back to");
}

bool sched_kill(struct thread *t)
{
	struct sched_cpu *sc = sched_lock_thread(t);
	uint32_t me = arch_this_cpu()->cpu_index;

	switch (t->state) {
	case THREAD_RUNNING:
		spin_unlock(&sc->lock);
		if (sc->cpu != me)
			sched_ipi(sc->cpu);
		return false;
	case THREAD_READY:
		sched_unqueue_locked(sc, t);
		break;
	case THREAD_BLOCKED:
		if (list_node_linked(&t->sched_link))
			list_remove(&t->sched_link);
		sched_end_donation_of(sc, t); /* its entity may not outlive it as curr */
		break;
	case THREAD_DEAD:
		spin_unlock(&sc->lock);
		return false;
	case THREAD_WAKING:
	default:
		panic("sched: kill of tid %u in state %d", t->tid, (int)t->state);
	}
	t->state = THREAD_DEAD;
	spin_unlock(&sc->lock);
	/* Off every queue with its context saved: this CPU's zombie list [C] may take it,
	 * reaped at the killer's system-call exit at the latest (reap_pending). */
	list_push_back(&percpu_sched()->zombies, &t->sched_link);
	percpu_set_reap_pending(1);
	return true;
}

/* Moves sleepers whose deadline has passed to the run queue (timed out). [RQ] held. */
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
			sched_end_donation_of(sc, t);
			sched_queue_locked(sc, t);
		}
	}
}

/* Ends cur (about to return to user mode) if its process was killed. No lock held. */
static void sched_end_if_killed(struct thread *cur)
{
	if (proc_thread_killed(cur)) {
		klock_acquire();
		sched_exit_current();
	}
}

/*
 * Interrupted user mode (tick or IPI): end the thread if its process was killed, and
 * switch if a reschedule is due. Interrupts off, no lock held.
 *
 * Checked again after the yield: a kill on another CPU that found the thread RUNNING
 * between the first check and the yield sent a RESCHED IPI, which stayed pending
 * (interrupts off) and landed in whichever thread ran next here, so nobody else ends
 * this one once it is switched back to. Every other way back to user mode is covered
 * without a second look: a system call holds [K] from its entry check to its exit (a
 * kill needs [K]); a thread that blocked in it is killed off its queue or takes [K]
 * back and checks (sched_switch_locked); a user fault checks once it holds [K]
 * (trap_user_fault); other interrupts do not switch, so the kill's IPI reaches the
 * thread in user mode.
 */
static void sched_preempt_point(bool from_user)
{
	struct thread *cur = percpu_current();

	if (!from_user)
		return; /* the idle loop looks at its queue itself */
	sched_end_if_killed(cur);
	if (percpu_sched()->need_resched) {
		cur->preemptions++;
		sched_yield();
		sched_end_if_killed(cur);
	}
}

/* Timer tick (interrupts disabled, after EOI). Preempts only user mode. */
static void sched_tick(bool from_user)
{
	struct sched_cpu *sc = percpu_sched();
	struct thread *cur = percpu_current();

	if (sc->timer_mode == SCHED_TIMER_ONESHOT)
		sc->timer_mode = SCHED_TIMER_OFF; /* fired: silent until programmed again */
	if (cur == sc->idle)
		sc->idle_ticked = true; /* idle for a while: its next halt stops the tick */
	if (sc->cpu == SCHED_TIMEOUT_CPU && ksleep_live_count() != 0) {
		bool taken = klock_irq_enter(); /* Timer.sleep completions wake their owners */

		ksleep_expire(arch_clock_ns());
		klock_irq_exit(taken);
	}
	spin_lock(&sc->lock);
	sc->ticks++;
	if (!list_empty(&sc->sleepers))
		sched_wake_expired(sc);
	if (!sched_queue_empty(sc)) {
		uint64_t now = arch_clock_ns();
		struct thread *payer = sched_payer(sc); /* cur, or the donor it runs for */
		uint64_t ran = 0;

		if (payer) {
			sched_charge(sc, payer, now);
			ran = now - payer->slice_start_ns;
		}
		if (wfq_should_preempt(&sc->runq, ran, SCHED_SLICE_NS))
			sc->need_resched = true;
	}
	bool balance = cur != sc->idle && sc->ticks % SCHED_BALANCE_TICKS == 0;
	bool surplus = balance && !sched_queue_empty(sc);

	spin_unlock(&sc->lock);
	if (balance)
		sched_balance(sc);
	if (surplus)
		sched_kick_halted(); /* a tickless idle CPU only balances when woken */
	sched_preempt_point(from_user);
}

static void sched_resched_irq(struct arch_trap_frame *tf)
{
	struct sched_cpu *sc = percpu_sched();

	arch_irq_eoi();
	spin_lock(&sc->lock);
	sc->kicks++;
	if (!sched_queue_empty(sc))
		sc->need_resched = true;
	spin_unlock(&sc->lock);
	sched_preempt_point(arch_trap_from_user(tf));
}

void sched_thread_first_run(void)
{
	struct thread *t = percpu_current();

	sched_switch_finish();
	t->ran = true;
	klog("sched", "%s pid %u tid %u: first run", t->proc->name, t->proc->pid, t->tid);
	proc_reap();
}

/*
 * Load balancing for sc (wfq_balance_decide: an idle CPU takes half of a busier queue's
 * surplus, a busy one only from a clearly heavier one, at most WFQ_BALANCE_MAX_MOVE
 * per pass, never so much that the move reverses). Loads are read unlocked (hints);
 * the move itself re-checks under both queue locks, taking the largest virtual
 * runtimes first. Returns how many threads moved to sc.
 */
static uint32_t sched_balance(struct sched_cpu *sc)
{
	struct wfq_cpu_load loads[SCHED_MAX_CPUS] = { 0 };
	uint32_t n = 0, cpu, moved = 0;

	CPUMASK_FOR_EACH(cpu, cpumask_load(&sched_online))
	{
		const struct wfq_queue *q = &sched_cpus[cpu]->runq;

		n = cpu + 1;
		loads[cpu].weight = __atomic_load_n(&q->load_weight, __ATOMIC_RELAXED);
		loads[cpu].nr = __atomic_load_n(&q->nr_queued, __ATOMIC_RELAXED) +
				(__atomic_load_n(&q->curr, __ATOMIC_RELAXED) != NULL);
	}
	struct wfq_balance b = wfq_balance_decide(loads, n, sc->cpu);

	if (b.src == WFQ_BALANCE_NONE)
		return 0;
	struct sched_cpu *src = sched_cpus[b.src];

	sched_lock_pair(sc, src);
	for (; moved < b.count; moved++) {
		struct wfq_entity *e = wfq_last(&src->runq);

		if (e == NULL)
			break;
		struct thread *t = LIST_ENTRY(e, struct thread, se);

		wfq_migrate(&src->runq, &sc->runq, e);
		__atomic_store_n(&t->cpu, sc->cpu, __ATOMIC_RELEASE);
	}
	sc->steals += moved;
	sched_unlock_pair(sc, src);
	return moved;
}

/* Wakes one CPU halted in its idle loop, if any (it then balances: a busy CPU with
 * queued threads cannot push them, and a tickless idle CPU does not look by itself). */
static void sched_kick_halted(void)
{
	cpumask_t halted = cpumask_load(&sched_halted);

	if (halted != 0)
		sched_poke(cpumask_first(halted));
}

/* The earliest deadline an idle sc must wake for: its sleepers' and, on the timeout
 * CPU, the kernel timeouts'; SCHED_NO_DEADLINE if none. [RQ] of sc held. */
static uint64_t sched_idle_deadline(const struct sched_cpu *sc)
{
	uint64_t deadline = SCHED_NO_DEADLINE;

	for (const struct list_node *n = sc->sleepers.head.next; n != &sc->sleepers.head;
	     n = n->next) {
		const struct thread *t = LIST_ENTRY(n, const struct thread, sched_link);

		if (t->deadline_ns < deadline)
			deadline = t->deadline_ns;
	}
	if (sc->cpu == SCHED_TIMEOUT_CPU) {
		uint64_t timeouts = ksleep_next_deadline();

		if (timeouts < deadline)
			deadline = timeouts;
	}
	return deadline;
}

/* Programs this CPU's timer for an idle halt until `deadline`: a one-shot interrupt, or
 * none at all (SCHED_NO_DEADLINE); unchanged if already so. A CPU whose one-shot
 * cannot be armed keeps its tick (logged: correct, only not tickless). [C]. */
static void sched_timer_idle(struct sched_cpu *sc, uint64_t deadline)
{
	if (deadline == SCHED_NO_DEADLINE) {
		if (sc->timer_mode != SCHED_TIMER_OFF)
			arch_timer_set_off();
		sc->timer_mode = SCHED_TIMER_OFF;
		return;
	}
	if (sc->timer_mode == SCHED_TIMER_ONESHOT && sc->timer_deadline == deadline)
		return;
	int err = arch_timer_set_oneshot(deadline);

	if (err != CAPOS_OK) {
		klog("sched", "error: cpu %u one-shot timer: %s; keeps its tick", sc->cpu,
		     capos_error_name(err));
		if (sc->timer_mode != SCHED_TIMER_TICK)
			arch_timer_set_periodic();
		sc->timer_mode = SCHED_TIMER_TICK;
		return;
	}
	sc->timer_mode = SCHED_TIMER_ONESHOT;
	sc->timer_deadline = deadline;
}

/* The periodic tick again (a thread is about to run: slices, balancing). [C]. */
static void sched_timer_tick(struct sched_cpu *sc)
{
	sc->idle_ticked = false;
	if (sc->timer_mode == SCHED_TIMER_TICK)
		return;
	arch_timer_set_periodic();
	sc->timer_mode = SCHED_TIMER_TICK;
}

/*
 * Whether an idle CPU should leave its periodic tick for this halt. Not at the start of
 * an idle period: a CPU woken again within a tick (an IPC or park ping-pong between
 * CPUs) would pay two timer reprogrammings per round for nothing. Only once a tick
 * found it idle, or at once for a deadline due before its next tick (so a sleep ends
 * on time, not at the tick after). [C].
 */
static bool sched_idle_stops_tick(const struct sched_cpu *sc, uint64_t deadline)
{
	if (sc->timer_mode != SCHED_TIMER_TICK || sc->idle_ticked)
		return true;
	return deadline != SCHED_NO_DEADLINE &&
	       deadline < arch_clock_ns() + WFQ_MS * 1000 / arch_timer_hz();
}

/*
 * Halts an idle CPU until an interrupt. Tickless (while sched_run_until_idle runs, from
 * the first tick of an idle period on: sched_idle_stops_tick): its timer is armed only
 * for what it must wake for (sched_idle_deadline), else not at all; everything else
 * that gives it work sends the reschedule IPI. The halted bit is set before the queue
 * lock is dropped (a CPU queueing work afterwards sees it), before the timeout deadline
 * is read (a timeout armed afterwards sees it and pokes: sched_timeouts_changed) and,
 * in sched_run_until_idle's loop (`until_idle`), before the process count is read
 * again (the last process freed afterwards sees it and pokes: proc_free); "set halted,
 * fence, re-check, halt". [RQ] of sc held on entry, released.
 */
static void sched_idle_halt(struct sched_cpu *sc, bool until_idle)
{
	cpumask_set_atomic(&sched_halted, sc->cpu);
	if (until_idle && proc_live_count() == 0) {
		/* The last process went after the loop looked (docs/scheduler.md "Tickless
		 * idle"): the bit is set (a locked RMW, a full barrier) before the count is
		 * read, and proc_free decrements (seq-cst) before it reads the bit, so either
		 * this sees 0 or proc_free sees the bit and pokes. */
		cpumask_clear_atomic(&sched_halted, sc->cpu);
		spin_unlock(&sc->lock);
		return;
	}
	bool tickless = __atomic_load_n(&sched_tickless, __ATOMIC_RELAXED);
	uint64_t deadline = tickless ? sched_idle_deadline(sc) : SCHED_NO_DEADLINE;

	spin_unlock(&sc->lock);
	if (tickless && sched_idle_stops_tick(sc, deadline)) {
		sched_timer_idle(sc, deadline);
		if (sc->timer_mode != SCHED_TIMER_TICK)
			sc->idle_stops++;
	}
	arch_idle_wait();
	cpumask_clear_atomic(&sched_halted, sc->cpu);
}

/* One pass of an idle loop: run what is queued (or can be stolen), else halt until an
 * interrupt (sched_idle_halt); `until_idle`: sched_run_until_idle's loop, which must not
 * halt once no process is left. */
static void sched_idle_once(struct sched_cpu *sc, bool until_idle)
{
	struct thread *idle = sc->idle;

	spin_lock(&sc->lock);
	if (sched_queue_empty(sc)) {
		spin_unlock(&sc->lock);
		if (sched_balance(sc))
			return;
		spin_lock(&sc->lock);
		if (sched_queue_empty(sc)) {
			sched_idle_halt(sc, until_idle);
			return;
		}
	}
	sc->need_resched = false;
	sched_timer_tick(sc);
	sched_switch_locked(sc, idle, sched_pick(sc));
}

_Noreturn void sched_idle_loop(void)
{
	struct sched_cpu *sc = percpu_sched();

	for (;;)
		sched_idle_once(sc, false);
}

/* One line per online CPU, and the kernel lock's contention (tests read these). */
static void sched_report(void)
{
	uint32_t cpu;

	CPUMASK_FOR_EACH(cpu, cpumask_load(&sched_online))
	{
		const struct sched_cpu *sc = sched_cpus[cpu];

		klog("sched",
		     "cpu %u: %llu switches, %llu handoffs, %llu steals, %llu kicks, %llu ticks, "
		     "%llu tickless idles, %llu donations ended",
		     cpu, (unsigned long long)sc->switches, (unsigned long long)sc->handoffs,
		     (unsigned long long)sc->steals, (unsigned long long)sc->kicks,
		     (unsigned long long)sc->ticks, (unsigned long long)sc->idle_stops,
		     (unsigned long long)sc->undonations);
	}
	klog("sched", "kernel lock: %llu contended acquisitions, %llu spins",
	     (unsigned long long)klock_contended(), (unsigned long long)klock_spins());
}

void sched_run_until_idle(void)
{
	struct sched_cpu *sc = percpu_sched();
	bool held = klock_held();

	if (held)
		klock_release(); /* the idle loop runs without [K] */
	arch_timer_set_tick_hook(sched_tick);
	__atomic_store_n(&sched_tickless, true, __ATOMIC_RELAXED);
	while (proc_live_count() > 0)
		sched_idle_once(sc, true);
	__atomic_store_n(&sched_tickless, false, __ATOMIC_RELAXED);
	sched_timer_tick(sc); /* the boot CPU leaves as it came: ticking */
	arch_timer_set_tick_hook(NULL);
	if (held)
		klock_acquire();
	proc_reap();
	sched_report();
}
