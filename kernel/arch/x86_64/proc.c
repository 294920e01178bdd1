/*
 * x86_64 side of processes and threads: per-CPU data through the GS base, the
 * SYSCALL/SYSRET MSRs, new-thread stack frames, the context switch (extended state,
 * TSS.RSP0, FS base, kernel stack), the monotonic clock and the idle wait. The stack
 * swap and the entry/exit stubs are in switch.S.
 *
 * GS convention: in the kernel GS base = this CPU's struct percpu; in user mode the
 * user's, with the percpu pointer parked in KERNEL_GS_BASE. SWAPGS on every entry
 * from and exit to CPL 3 (syscall_entry, trap_entry.S); the entry decision looks only
 * at the saved CS, never at the GS value, because with CR4.FSGSBASE (enabled when
 * the CPU has it, docs/abi.md §3 says why; no runtime needs it) user code may load
 * any GS base.
 * Both user bases are saved and restored per thread in arch_switch. APs run the same
 * per-CPU set-up (proc_cpu_setup, xstate_cpu_enable) from smp_ap_main, quietly.
 */
#include <arch/cpu.h>
#include <arch/fsbase.h>
#include <arch/io.h>
#include <arch/platform.h>
#include <arch/smp.h>
#include <arch/tscns.h>
#include <arch/thread.h>
#include <arch/trap.h>
#include <arch/xstate.h>
#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/percpu.h>

#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_SFMASK 0xC0000084u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define CR4_FSGSBASE (1ull << 16)
#define CPUID7_EBX_FSGSBASE (1u << 0)

bool fsbase_insn; /* [I] arch/fsbase.h */

/* Flags cleared on SYSCALL: TF, IF, DF, IOPL, NT, AC (the kernel runs with IF=0). */
#define SYSCALL_RFLAGS_MASK 0x47700ull
#define RFLAGS_RESERVED1 0x2ull

/* switch.S */
void syscall_entry(void);
void arch_thread_trampoline(void);
void arch_switch_stacks(uint64_t *save_rsp, uint64_t new_rsp);

void proc_cpu_setup(struct percpu *pc)
{
	pc->self = pc;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	wrmsr(MSR_STAR,
	      ((uint64_t)(GDT_USER_CODE32 | 3) << 48) | ((uint64_t)GDT_KERNEL_CODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(MSR_SFMASK, SYSCALL_RFLAGS_MASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	if (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_FSGSBASE))
		write_cr4(read_cr4() | CR4_FSGSBASE);
	smp_cpu(pc->cpu_index)->pc = pc;
	pc->tss_rsp0 = (char *)smp_cpu(pc->cpu_index) + offsetof(struct arch_cpu, tss) +
		       offsetof(struct tss64, rsp); /* arch_set_kernel_stack */
}

void arch_proc_init(struct percpu *pc)
{
	proc_cpu_setup(pc);
	fsbase_insn = (read_cr4() & CR4_FSGSBASE) != 0;
	klog("cpu", "syscall: sysret cs %#x ss %#x, entry %p, rflags mask %#llx, fsgsbase %s",
	     GDT_USER_CODE | 3, GDT_USER_DATA | 3, (void *)syscall_entry,
	     (unsigned long long)SYSCALL_RFLAGS_MASK,
	     (read_cr4() & CR4_FSGSBASE) ? "on" : "off (cpu lacks it)");
	xstate_init();
}

struct percpu *arch_this_cpu(void)
{
	struct percpu *pc;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(pc));
	return pc;
}

/* Callee-saved registers as arch_switch_stacks pushes them, then its return address. */
struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t ret;
};

void arch_thread_init_user(struct arch_thread *t, uint64_t kstack_top, void *xstate,
			   const struct arch_user_entry *e)
{
	struct arch_trap_frame *tf = (struct arch_trap_frame *)(uintptr_t)kstack_top - 1;
	struct switch_frame *sf = (struct switch_frame *)tf - 1;
	uint64_t *w = (uint64_t *)sf;

	for (uint64_t i = 0; i < (kstack_top - (uint64_t)(uintptr_t)sf) / 8; i++)
		w[i] = 0;
	tf->rip = e->rip;
	tf->cs = GDT_USER_CODE | 3;
	tf->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
	tf->rsp = e->rsp;
	tf->ss = GDT_USER_DATA | 3;
	tf->rdi = e->rdi;
	tf->rsi = e->rsi;
	tf->rdx = e->rdx;
	sf->ret = (uint64_t)(uintptr_t)arch_thread_trampoline;
	t->rsp = (uint64_t)(uintptr_t)sf;
	t->kstack_top = kstack_top;
	t->fs_base = e->fs_base;
	t->gs_base = 0;
	t->xstate = xstate;
}

void arch_user_fs_base_set(uint64_t base)
{
	fsbase_write(base);
}

void arch_thread_init_current(struct arch_thread *t)
{
	t->rsp = 0;	   /* filled by the first switch away */
	t->kstack_top = 0; /* never enters user mode */
	t->fs_base = 0;
	t->gs_base = 0;
	t->xstate = NULL;
}

/*
 * The user GS base lives in KERNEL_GS_BASE while in the kernel (SWAPGS), so it stays
 * an MSR access. A base is written only when it differs from the one just saved
 * from the registers (prev is a user thread), which skips both writes between
 * threads that never set them; after a kernel thread both are always written.
 */
void arch_switch(struct arch_thread *prev, struct arch_thread *next)
{
	/* Only user threads have an xstate area, user bases and user-visible state. */
	if (prev->xstate) {
		xstate_save(prev->xstate);
		prev->fs_base = fsbase_read();
		prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	}
	if (next->xstate) {
		bool loaded = prev->xstate != NULL;

		xstate_restore(next->xstate);
		if (!loaded || next->fs_base != prev->fs_base)
			fsbase_write(next->fs_base);
		if (!loaded || next->gs_base != prev->gs_base)
			wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
	}
	uint64_t top = next->kstack_top; /* read once: the TSS store could alias it */

	if (top) {
		arch_set_kernel_stack(top);
		__asm__ volatile("movq %0, %%gs:%c1"
				 :
				 : "r"(top), "i"(PERCPU_OFF_KSTACK_TOP)
				 : "memory");
	}
	arch_switch_stacks(&prev->rsp, next->rsp);
}

/* The TSC-to-ns multiplier (arch/tscns.h), 0 until the TSC is calibrated. [A]: the
 * first reader after calibration computes it; every CPU computes the same value from
 * the calibration ([I] once set), so racing stores are harmless. */
static uint64_t clock_mult;

static __attribute__((noinline, cold)) uint64_t clock_mult_init(void)
{
	uint64_t m = tscns_mult(arch_tsc_hz());

	__atomic_store_n(&clock_mult, m, __ATOMIC_RELAXED);
	return m;
}

uint64_t arch_clock_ns(void)
{
	uint64_t m = __atomic_load_n(&clock_mult, __ATOMIC_RELAXED);

	if (__builtin_expect(m == 0, 0) && (m = clock_mult_init()) == 0)
		return 0; /* not calibrated yet */
	return tscns_to_ns(cpu_rdtsc(), m);
}

void arch_idle_wait(void)
{
	/* sti takes effect after the next instruction, so no interrupt slips in between. */
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}
