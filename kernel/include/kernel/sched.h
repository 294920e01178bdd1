/*
 * The scheduler (kernel/sched/sched.c): preemptive round robin on the boot CPU, driven
 * by the LAPIC tick, with block-with-timeout and wake. The run queue hangs off the
 * per-CPU structure (struct percpu.sched) so SMP can give every CPU its own; today only
 * the boot CPU has one. The kernel is not preemptible: kernel code runs with interrupts
 * disabled except in the idle loop's hlt, so switches happen at the tick (from user
 * mode), when a thread blocks or exits, and from idle.
 *
 * Lock legend: [S] boot CPU with interrupts disabled (SMP: per-CPU run-queue lock).
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/list.h>
#include <kernel/wfq.h>

struct thread;

#define SCHED_SLICE_NS (20 * WFQ_MS) /* time slice before the WFQ preemption check */
#define SCHED_WEIGHT_DEFAULT 1u	     /* weight of a new thread (SchedulingPolicy raises it) */
#define SCHED_NO_DEADLINE UINT64_MAX

struct sched_cpu {
	struct wfq_queue runq; /* [S] READY threads, weighted fair (kernel/wfq.h) */
	struct list sleepers;  /* [S] BLOCKED threads with a deadline */
	struct list zombies;   /* [S] DEAD threads waiting to be reaped */
	struct thread *idle;   /* [S] this CPU's idle thread */
	uint64_t ticks;	       /* [S] ticks seen */
	uint64_t switches;     /* [S] context switches */
	uint64_t handoffs;     /* [S] direct handoffs (sched_block_handoff), for IPC tests */
	bool need_resched;     /* [S] set by the tick, honoured at the next chance */
};

/*
 * Makes the calling context (kmain on the boot stack) this CPU's idle thread. Call
 * once, from proc_init(). The timer tick is hooked while sched_run_until_idle runs.
 */
void sched_init(struct thread *idle);

/* Makes t READY and queues it by virtual runtime (new: at the queue's floor; woken:
 * at most WFQ_WAKE_CREDIT behind it; preempted: where it was). */
void sched_enqueue(struct thread *t);

/* Gives up the CPU if another thread is READY; the current thread is charged for its
 * run and stays READY (queued by its virtual runtime). */
void sched_yield(void);

/*
 * Blocks the current thread until sched_wake() or until the monotonic clock passes
 * `deadline_ns` (SCHED_NO_DEADLINE: no timeout). Deadlines are checked at each tick
 * (10 ms granularity). Returns true if woken by sched_wake(), false on timeout.
 */
bool sched_block_until(uint64_t deadline_ns);

/*
 * Direct handoff (IPC): blocks the current thread exactly like sched_block_until and
 * switches straight to `to`, a BLOCKED thread that was just given work (its block
 * returns true, as if woken), without a trip through the run queue; counted in
 * sched_cpu.handoffs. If `to` is no longer BLOCKED it is ignored and the next READY
 * thread runs (sched_block_until). Returns what sched_block_until returns.
 */
bool sched_block_handoff(uint64_t deadline_ns, struct thread *to);

/* Makes a BLOCKED thread READY (its sched_block_until returns true); no-op otherwise. */
void sched_wake(struct thread *t);

/* The current thread is DEAD: switch away for good; the next thread reaps it. */
_Noreturn void sched_exit_current(void);

/* Removes a not-running thread from whatever scheduler list holds it. */
void sched_remove(struct thread *t);

/*
 * Sets t's scheduling weight (1..WFQ_WEIGHT_MAX; the caller checked the range and its
 * authority). Its virtual runtime is kept; the new weight applies from its next charge.
 */
void sched_set_weight(struct thread *t, uint32_t weight);

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
