/*
 * Trap dispatch (called from trap_entry.S). Vectors 32-255 go to the handler registered
 * with arch_irq_register(). An NMI (vector 2) is not fatal: it is reported with proof
 * that it ran on its IST stack, counted (arch_nmi_count) and returned from. Another CPU
 * exception (0-31) taken in user mode (other than #MC) kills the current process
 * (proc_fault_current) and the kernel goes on. In kernel mode, a #PF/#GP at a
 * user-copy instruction listed in the exception table resumes at its fixup (the copy
 * fails with CAPOS_ERR_BAD_ADDRESS); every other kernel exception is fatal: it is
 * reported on the kernel log with "[trap]" lines (vector and name, error code, all
 * registers, CR2 for #PF, control registers, symbolized backtrace) and the run ends
 * through panic with the failure status. A fault while a fault is being reported exits
 * at once, so reporting can never loop. An NMI first checks whether another CPU's
 * panic is stopping this one (ipi_nmi_stop).
 */
#include <arch/cpu.h>
#include <arch/irq_table.h>
#include <arch/memlayout.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/klock.h>
#include <kernel/ksyms.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/sched.h>

#define VEC_NMI 2
#define VEC_GP 13
#define VEC_PF 14
#define VEC_MC 18

static struct irq_table irq_handlers;
static unsigned trap_fatal_depth;
static volatile uint64_t trap_nmi_count;

static const char *const exception_names[32][2] = {
	{ "#DE", "divide error" },
	{ "#DB", "debug" },
	{ "NMI", "non-maskable interrupt" },
	{ "#BP", "breakpoint" },
	{ "#OF", "overflow" },
	{ "#BR", "bound range exceeded" },
	{ "#UD", "invalid opcode" },
	{ "#NM", "device not available" },
	{ "#DF", "double fault" },
	{ "#CSO", "coprocessor segment overrun" },
	{ "#TS", "invalid TSS" },
	{ "#NP", "segment not present" },
	{ "#SS", "stack-segment fault" },
	{ "#GP", "general protection fault" },
	{ "#PF", "page fault" },
	{ "#15", "reserved" },
	{ "#MF", "x87 floating-point error" },
	{ "#AC", "alignment check" },
	{ "#MC", "machine check" },
	{ "#XM", "SIMD floating-point error" },
	{ "#VE", "virtualization exception" },
	{ "#CP", "control protection" },
	{ "#22", "reserved" },
	{ "#23", "reserved" },
	{ "#24", "reserved" },
	{ "#25", "reserved" },
	{ "#26", "reserved" },
	{ "#27", "reserved" },
	{ "#HV", "hypervisor injection" },
	{ "#VC", "VMM communication" },
	{ "#SX", "security exception" },
	{ "#31", "reserved" },
};

int arch_irq_register(unsigned vector, arch_irq_handler_fn *fn)
{
	return irq_table_register(&irq_handlers, vector, fn);
}

static void trap_dump_registers(const struct arch_trap_frame *tf)
{
	klog("trap", "rip 0x%016llx  cs 0x%04llx  rflags 0x%08llx", (unsigned long long)tf->rip,
	     (unsigned long long)tf->cs, (unsigned long long)tf->rflags);
	klog("trap", "rsp 0x%016llx  ss 0x%04llx", (unsigned long long)tf->rsp,
	     (unsigned long long)tf->ss);
	klog("trap", "rax 0x%016llx  rbx 0x%016llx  rcx 0x%016llx", (unsigned long long)tf->rax,
	     (unsigned long long)tf->rbx, (unsigned long long)tf->rcx);
	klog("trap", "rdx 0x%016llx  rsi 0x%016llx  rdi 0x%016llx", (unsigned long long)tf->rdx,
	     (unsigned long long)tf->rsi, (unsigned long long)tf->rdi);
	klog("trap", "rbp 0x%016llx  r8  0x%016llx  r9  0x%016llx", (unsigned long long)tf->rbp,
	     (unsigned long long)tf->r8, (unsigned long long)tf->r9);
	klog("trap", "r10 0x%016llx  r11 0x%016llx  r12 0x%016llx", (unsigned long long)tf->r10,
	     (unsigned long long)tf->r11, (unsigned long long)tf->r12);
	klog("trap", "r13 0x%016llx  r14 0x%016llx  r15 0x%016llx", (unsigned long long)tf->r13,
	     (unsigned long long)tf->r14, (unsigned long long)tf->r15);
	klog("trap", "cr0 0x%016llx  cr3 0x%016llx  cr4 0x%016llx", (unsigned long long)read_cr0(),
	     (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

/* Decode the #PF error code bits (SDM vol. 3, 4.7). */
static void trap_dump_page_fault(const struct arch_trap_frame *tf, uint64_t cr2)
{
	uint64_t e = tf->error_code;
	klog("trap", "cr2 0x%016llx (%s, %s, %s mode%s%s)", (unsigned long long)cr2,
	     e & 1 ? "protection violation" : "not present",
	     e & 16  ? "instruction fetch"
	     : e & 2 ? "write"
		     : "read",
	     e & 4 ? "user" : "kernel", e & 8 ? ", reserved bit set" : "",
	     e & 32 ? ", protection key" : "");
}

static _Noreturn void trap_fatal(const struct arch_trap_frame *tf)
{
	uint64_t cr2 = read_cr2();
	unsigned v = (unsigned)tf->vector;
	if (trap_fatal_depth++ > 0 || panic_in_progress()) {
		klog("trap", "nested fault: vector %u %s at rip %#llx; exiting", v,
		     exception_names[v][0], (unsigned long long)tf->rip);
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
	klog("trap", "fault: vector %u %s (%s) error %#llx in %s mode", v, exception_names[v][0],
	     exception_names[v][1], (unsigned long long)tf->error_code,
	     (tf->cs & 3) ? "user" : "kernel");
	trap_dump_registers(tf);
	if (v == VEC_PF)
		trap_dump_page_fault(tf, cr2);
	else
		klog("trap", "cr2 0x%016llx", (unsigned long long)cr2);
	arch_backtrace("trap", tf->rip, tf->rbp);
	panic_no_backtrace("unhandled %s (%s) at %#llx", exception_names[v][0],
			   exception_names[v][1], (unsigned long long)tf->rip);
}

bool arch_trap_from_user(const struct arch_trap_frame *tf)
{
	return (tf->cs & 3) != 0;
}

/* The current user thread faulted: its process dies (under the kernel lock), the
 * kernel continues. A thread whose process was killed or exited while it waited for
 * [K] only ends: the process's end (code, killed) is already decided and its threads
 * already counted out (docs/scheduler.md "Killing a process"). */
static _Noreturn void trap_user_fault(const struct arch_trap_frame *tf)
{
	unsigned v = (unsigned)tf->vector;
	struct proc_fault f = {
		.vector = v,
		.mnemonic = exception_names[v][0],
		.rip = tf->rip,
		.addr = v == VEC_PF ? read_cr2() : 0,
		.error_code = tf->error_code,
	};

	klock_acquire();
	if (proc_thread_killed(percpu_current()))
		sched_exit_current();
	proc_fault_current(&f);
}

extern const uint64_t arch_extable_start[], arch_extable_end[];

bool arch_extable_fixup(struct arch_trap_frame *tf)
{
	/* Entries are (faulting instruction, fixup) pairs. */
	for (const uint64_t *e = arch_extable_start; e + 1 < arch_extable_end; e += 2) {
		if (e[0] == tf->rip) {
			tf->rip = e[1];
			return true;
		}
	}
	return false;
}

/*
 * NMI: log where it ran and what it interrupted, then return (iretq re-enables NMIs).
 * Proof of the IST switch: the handler's RSP lies in the NMI IST stack and the frame the
 * CPU pushed sits exactly at that stack's top (the CPU loaded RSP from TSS.IST1).
 * klog notices re-entry on this CPU (an NMI inside a klog) and writes without its lock,
 * so such a line only interleaves with the interrupted one.
 */
static void trap_nmi(const struct arch_trap_frame *tf)
{
	uint64_t top = arch_ist_stack_top(IST_NMI), base = top - IST_STACK_SIZE;
	uint64_t rsp = read_rsp(), frame = (uint64_t)(uintptr_t)tf;
	bool on_ist = rsp >= base && rsp < top && frame + sizeof(*tf) == top;
	const char *name = "?";
	uint64_t off = 0;
	if (ksyms_resolve(tf->rip, &name, &off) != CAPOS_OK)
		name = "?";
	klog("trap",
	     "nmi %s: rsp 0x%016llx frame 0x%016llx ist%u [0x%016llx, 0x%016llx); "
	     "interrupted rip 0x%016llx (%s+0x%llx) rsp 0x%016llx; continuing",
	     on_ist ? "on ist stack" : "off its ist stack", (unsigned long long)rsp,
	     (unsigned long long)frame, (unsigned)IST_NMI, (unsigned long long)base,
	     (unsigned long long)top, (unsigned long long)tf->rip, name, (unsigned long long)off,
	     (unsigned long long)tf->rsp);
	trap_nmi_count = trap_nmi_count + 1;
}

uint64_t arch_nmi_count(void)
{
	return trap_nmi_count;
}

void trap_dispatch(struct arch_trap_frame *tf)
{
	if (tf->vector == VEC_NMI) {
		ipi_nmi_stop(); /* panic on another CPU: halts here for good */
		trap_nmi(tf);
		return;
	}
	if (tf->vector < IRQ_VECTOR_FIRST) {
		bool from_user = (tf->cs & 3) != 0;

		if (from_user && tf->vector != VEC_MC)
			trap_user_fault(tf);
		if (!from_user && (tf->vector == VEC_PF || tf->vector == VEC_GP) &&
		    arch_extable_fixup(tf))
			return;
		trap_fatal(tf);
	}
	arch_irq_handler_fn *fn = irq_table_lookup(&irq_handlers, (unsigned)tf->vector);
	if (fn == NULL) {
		klog("trap", "unexpected interrupt vector %llu ignored",
		     (unsigned long long)tf->vector);
		return;
	}
	fn(tf);
}
