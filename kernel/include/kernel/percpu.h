/*
 * Per-CPU data, reached through the GS base while in the kernel (arch_this_cpu()).
 * One `struct percpu` per CPU, allocated by whoever brings the CPU up (the boot CPU's
 * is static in kernel/proc/proc.c, each AP's comes from kmain_ap_alloc in
 * kernel/smp.c); nothing here assumes a CPU count. The first fields are read by the
 * SYSCALL entry stub and arch_cpu_index(), so their offsets are fixed (PERCPU_OFF_*,
 * static_assert-ed below). Lock legend: [C] touched only by the owning CPU with
 * interrupts disabled.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#define PERCPU_OFF_SELF 0
#define PERCPU_OFF_KSTACK_TOP 8
#define PERCPU_OFF_USER_RSP 16
#define PERCPU_OFF_CURRENT 24
#define PERCPU_OFF_SCHED 32
#define PERCPU_OFF_CPU_INDEX 40
#define PERCPU_OFF_KLOCK_HELD 44

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread;
struct sched_cpu;
struct vm_space;

struct percpu {
	struct percpu *self;	    /* [C] this structure (read as %gs:0) */
	uint64_t kstack_top;	    /* [C] running thread's kernel stack top (SYSCALL entry) */
	uint64_t user_rsp;	    /* [C] scratch: user RSP during SYSCALL entry */
	struct thread *current;	    /* [C] running thread */
	struct sched_cpu *sched;    /* [C] this CPU's run queue */
	uint32_t cpu_index;	    /* [I] 0 = boot CPU */
	uint32_t klock_held;	    /* [C] 1: this CPU holds the kernel lock (kernel/klock.h) */
	uint64_t loaded_root;	    /* [C] address-space root in CR3 (0: not known yet) */
	struct vm_space *loaded_vm; /* [C] the user space loaded, NULL for the kernel's */
	void *tss_rsp0;		    /* [I] arch: this CPU's TSS.RSP0 slot (proc_cpu_setup) */
	uint8_t reap_pending; /* [C] a kill left threads on this CPU's zombie list (sched_kill):
				 the system call's exit reaps them (proc_reap clears it) */
};

_Static_assert(offsetof(struct percpu, self) == PERCPU_OFF_SELF, "percpu self");
_Static_assert(offsetof(struct percpu, kstack_top) == PERCPU_OFF_KSTACK_TOP, "percpu kstack");
_Static_assert(offsetof(struct percpu, user_rsp) == PERCPU_OFF_USER_RSP, "percpu user rsp");
_Static_assert(offsetof(struct percpu, current) == PERCPU_OFF_CURRENT, "percpu current");
_Static_assert(offsetof(struct percpu, sched) == PERCPU_OFF_SCHED, "percpu sched");
_Static_assert(offsetof(struct percpu, cpu_index) == PERCPU_OFF_CPU_INDEX, "percpu cpu index");
_Static_assert(offsetof(struct percpu, klock_held) == PERCPU_OFF_KLOCK_HELD, "percpu klock");

/* This CPU's running thread in one load (the same value as arch_this_cpu()->current,
 * for hot paths such as cap_enter). Valid after arch_proc_init. */
static inline struct thread *percpu_current(void)
{
	struct thread *t;

	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(PERCPU_OFF_CURRENT));
	return t;
}

/* Sets this CPU's running thread (the scheduler's switch), one store. */
static inline void percpu_set_current(struct thread *t)
{
	__asm__ volatile("movq %0, %%gs:%c1" : : "r"(t), "i"(PERCPU_OFF_CURRENT) : "memory");
}

/* This CPU's index in one load (arch_this_cpu()->cpu_index). */
static inline uint32_t percpu_cpu_index(void)
{
	uint32_t i;

	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(i) : "i"(PERCPU_OFF_CPU_INDEX));
	return i;
}

/* Whether this CPU holds the kernel lock (arch_this_cpu()->klock_held), one load. */
static inline uint32_t percpu_klock_held(void)
{
	uint32_t h;

	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(h) : "i"(PERCPU_OFF_KLOCK_HELD) : "memory");
	return h;
}

static inline void percpu_set_klock_held(uint32_t h)
{
	__asm__ volatile("movl %0, %%gs:%c1" : : "r"(h), "i"(PERCPU_OFF_KLOCK_HELD) : "memory");
}

/* Whether a kill left zombies to reap on this CPU (percpu.reap_pending): one compare
 * of the %gs byte and the branch (the system-call exit tests it every call). */
static inline bool percpu_reap_pending(void)
{
	__asm__ goto("cmpb $0, %%gs:%c0\n\tjne %l[pending]"
		     :
		     : "i"(offsetof(struct percpu, reap_pending))
		     : "cc", "memory"
		     : pending);
	return false;
pending:
	return true;
}

static inline void percpu_set_reap_pending(uint8_t r)
{
	__asm__ volatile("movb %0, %%gs:%c1"
			 :
			 : "q"(r), "i"(offsetof(struct percpu, reap_pending))
			 : "memory");
}

/* This CPU's run queues in one load (arch_this_cpu()->sched). Valid after sched_init. */
static inline struct sched_cpu *percpu_sched(void)
{
	struct sched_cpu *sc;

	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(sc) : "i"(PERCPU_OFF_SCHED));
	return sc;
}
#endif

#endif
