/*
 * The scheduler (kernel/sched/sched.c): preemptive, one run queue per CPU, driven by
 * each CPU's LAPIC tick, with block-with-timeout, wake, direct handoff, reschedule
 * IPIs to idle CPUs and work stealing. The kernel is not preemptible: kernel code runs
 * with interrupts disabled except in the idle loop's hlt, so switches happen at the
 * tick or a reschedule IPI (from user mode), when a thread blocks or exits, and from
 * idle. Locking (docs/scheduler.md): each CPU's queues are under its own [RQ] lock;
 * the kernel lock [K] is taken before any [RQ] and is released by a thread switching
 * away while holding it (and taken again when it resumes); the [RQ] lock of the CPU
 * is held across the switch itself, from the state change until the next thread runs,
 * so no other CPU can touch a thread whose context is still being saved.
 *
 * Lock legend: [RQ] the sched_cpu's lock; [C] the owning CPU, interrupts off;
 * [I] immutable once the CPU is online; [A] atomic.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/cpumask.h>
#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/wfq.h>

struct thread;

#define SCHED_SLICE_NS (20 * WFQ_MS) /* time slice before the WFQ preemption check */
#define SCHED_WEIGHT_DEFAULT 1u	     /* weight of a new thread (SchedulingPolicy raises it) */
#define SCHED_BALANCE_TICKS 4u	     /* a busy CPU looks for imbalance every 4 ticks */
#define SCHED_NO_DEADLINE UINT64_MAX
#define SCHED_MAX_CPUS CPUMASK_BITS /* compile-time bound on CPU indices */

struct sched_cpu {
	struct spinlock lock;	/* [RQ] itself */
	struct wfq_queue runq;	/* [RQ] READY threads, weighted fair (kernel/wfq.h); nr_queued
				and load_weight are also read unlocked, as hints. curr is
				NULL (idle runs), current's entity or a BLOCKED donor's
				(docs/scheduler.md "Donation") */
	struct list sleepers;	/* [RQ] BLOCKED threads with a deadline */
	struct list zombies;	/* [C] DEAD threads waiting to be reaped by this CPU */
	struct thread *idle;	/* [I] this CPU's idle thread */
	struct thread *current; /* [RQ] the thread this CPU runs */
	uint32_t cpu;		/* [I] CPU index */
	uint64_t ticks;		/* [RQ] ticks seen */
	uint64_t switches;	/* [RQ] context switches */
	uint64_t handoffs;	/* [RQ] direct handoffs (sched_block_handoff) */
	uint64_t undonations;	/* [RQ] donations ended before the chain did (sched_undonate) */
	uint64_t steals;	/* [RQ] threads this CPU took from another's queue */
	uint64_t kicks;		/* [RQ] reschedule IPIs received */
	uint64_t idle_stops;	/* [C] idle halts with the periodic tick stopped */
	uint64_t
		timer_deadline; /* [C] what the one-shot timer is armed for (SCHED_TIMER_ONESHOT) */
	uint8_t timer_mode;	/* [C] SCHED_TIMER_*: how this CPU's timer is programmed */
	bool idle_ticked;	/* [C] a tick found this CPU idle since it last ran a thread */
	bool need_resched;	/* [RQ] set by the tick, honoured at the next chance */
};

/* sched_cpu.timer_mode (tickless idle, docs/scheduler.md): the periodic tick while
 * threads run (and before the scheduler starts), a one-shot deadline or nothing while
 * idle. Zero is the periodic tick every CPU starts with. */
enum {
	SCHED_TIMER_TICK = 0,
	SCHED_TIMER_ONESHOT = 1,
	SCHED_TIMER_OFF = 2, /* stopped, or a one-shot that fired */
};

/* The CPU whose tick expires kernel timeouts (Timer.sleep, PARK deadlines: ksleep). */
#define SCHED_TIMEOUT_CPU 0u

/*
 * Makes the calling context (kmain on the boot stack) the boot CPU's idle thread. Call
 * once, from proc_init(). The timer tick is hooked while sched_run_until_idle runs.
 * Errors: arch_irq_register's (the reschedule vector).
 */
int sched_init(struct thread *idle);

/*
 * Brings the calling CPU's scheduler online: `sc` (zeroed, owned by the caller for
 * good) becomes its queues and `idle` (the calling context) its idle thread. Then call
 * sched_idle_loop. Call once per application processor, on it.
 */
void sched_cpu_online(struct sched_cpu *sc, struct thread *idle);

/* The idle loop of an application processor: runs threads, halts when there are none. */
_Noreturn void sched_idle_loop(void);

/* Direct handoffs on every online CPU since boot (IPC reports, tests). */
uint64_t sched_total_handoffs(void);

/* CPUs whose scheduler is online. */
cpumask_t sched_online_mask(void);

/* The scheduler of online CPU `cpu`, or NULL. */
struct sched_cpu *sched_cpu(uint32_t cpu);

/* Makes a new thread READY on some CPU's queue (an idle one if any), at that queue's
 * virtual-time floor. [K] held. */
void sched_enqueue(struct thread *t);

/* Gives up the CPU if another thread is READY; the current thread is charged for its
 * run and stays READY (queued by its virtual runtime). */
void sched_yield(void);

/*
 * Sets t's scheduling weight (1..WFQ_WEIGHT_MAX; the caller checked the range and its
 * authority). Its virtual runtime is kept; the new weight applies from its next charge.
 * Takes t's CPU's [RQ] lock.
 */
void sched_set_weight(struct thread *t, uint32_t weight);

/*
 * Blocks the current thread until sched_wake() or until the monotonic clock passes
 * `deadline_ns` (SCHED_NO_DEADLINE: no timeout). Deadlines are checked at each tick
 * (10 ms granularity) and, on an idle CPU, by a one-shot interrupt at the deadline. Returns true if woken by sched_wake(), false on timeout.
 */
bool sched_block_until(uint64_t deadline_ns);

/*
 * Direct handoff (IPC): blocks the current thread exactly like sched_block_until and
 * switches straight to `to`, a BLOCKED thread that was just given work (its block
 * returns true, as if woken), without a trip through the run queue; counted in
 * sched_cpu.handoffs. `to` runs on the entity that pays for this CPU (donation,
 * docs/scheduler.md "Donation"): the queue is not updated and the clock not read. If
 * `to` is no longer BLOCKED it is ignored and the next READY thread runs
 * (sched_block_until). Returns what sched_block_until returns.
 */
bool sched_block_handoff(uint64_t deadline_ns, struct thread *to);

/*
 * The kernel timeout queue (ksleep) has a new earliest deadline: SCHED_TIMEOUT_CPU, if
 * halted in tickless idle with its timer armed for later (or off), is woken to re-arm.
 * [K] held (the queue's lock); any CPU.
 */
void sched_timeouts_changed(void);

/*
 * Wakes CPU `cpu` if it is halted in its idle loop, so it looks at its queue and timers
 * again: for state an idle loop polls (the boot CPU waits for the last process to go,
 * sched_run_until_idle). No-op for the calling CPU or an offline index.
 */
void sched_poke(uint32_t cpu);

/* Makes a BLOCKED thread READY (its sched_block_until returns true); no-op otherwise. */
void sched_wake(struct thread *t);

/* The current thread is DEAD: switch away for good; the next thread reaps it. */
_Noreturn void sched_exit_current(void);

/*
 * [K] held; t belongs to a dying process and is not the caller. If t is READY or
 * BLOCKED it becomes DEAD, leaves its queue and goes on the caller's zombie list
 * (returns true). If t runs on another CPU right now, that CPU gets a reschedule IPI
 * and t ends itself at its next kernel entry or exit (sched_preempt_point; returns
 * false). DEAD: nothing (false).
 */
bool sched_kill(struct thread *t);

/*
 * Runs the idle loop on the calling (idle) context until no process is left, then
 * returns (kmain shuts down). Halts while everything is blocked.
 */
void sched_run_until_idle(void);

/* This CPU's scheduler state (tests, reports). */
struct sched_cpu *sched_this_cpu(void);

/* Called from the trampoline of a thread's very first switch (arch code). */
void sched_thread_first_run(void);

#endif
