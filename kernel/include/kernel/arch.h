/*
 * The architecture contract: the only way portable kernel code (kernel/ and its
 * subdirectories outside arch/) reaches CPU-specific code (kernel/arch/x86_64/). Every
 * function here is `arch_`-prefixed and implemented under kernel/arch/<arch>/. kboot owns this header; other areas add
 * declarations in their own marked block below.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- kboot: boot, console, CPU set-up, traps -------------------------------------- */

/* Boot loader magics passed to kmain() in `boot_magic`. */
#define ARCH_BOOT_MAGIC_MB2 0x36D76289u
#define ARCH_BOOT_MAGIC_MB1 0x2BADB002u

/*
 * Guest status values for arch_debug_exit(). Under QEMU's isa-debug-exit device the
 * host sees (v << 1) | 1: success 0x10 -> 33, failure 0x11 -> 35.
 */
#define ARCH_EXIT_SUCCESS 0x10u
#define ARCH_EXIT_FAILURE 0x11u

/* Kernel entry, called by boot.S on the boot stack with interrupts disabled. */
_Noreturn void kmain(uint32_t boot_magic, uint64_t boot_info_phys);

/*
 * Initialise the kernel log console (COM1) and the user terminal port (COM2). Safe to
 * call before anything else; must be called before the first klog().
 */
void arch_console_init(void);

/* Write `n` bytes to the kernel log console (COM1). Never fails; drops bytes if the
 * UART does not drain within a bounded wait. Callers serialise (klog does). */
void arch_console_write(const char *s, size_t n);

/* Stop this CPU for good: interrupts off, hlt loop. */
/* Whether COM2 (the user terminal) answered the loopback probe. */
bool arch_terminal_present(void);

/* [kring] Write `n` bytes to the user terminal (COM2), bounded wait per byte like
 * arch_console_write. Used by the Console capability. */
void arch_terminal_write(const char *s, size_t n);

/*
 * [term] COM2 receive. The callback gets the bytes received since the last call (n >=
 * 1, the buffer valid only during the call); it runs in interrupt context with
 * interrupts off (the same context as the timer tick hook) and must neither block nor
 * switch threads.
 */
typedef void arch_terminal_rx_fn(const uint8_t *bytes, size_t n);

/*
 * Start delivering COM2 input to `fn` (once per boot): routes the UART's interrupt and
 * enables it; bytes already waiting in the UART are delivered on the first interrupt.
 * `*gsi` receives the interrupt line used (for the log). Precondition:
 * arch_platform_init succeeded. Errors: CAPOS_ERR_INVALID (fn NULL),
 * CAPOS_ERR_TERM_NO_INPUT (COM2 failed its probe), CAPOS_ERR_EXISTS (already started),
 * the routing's (CAPOS_ERR_OUT_OF_RANGE, CAPOS_ERR_NOT_FOUND: no IOAPIC serves it).
 */
int arch_terminal_rx_start(arch_terminal_rx_fn *fn, uint32_t *gsi);

_Noreturn void arch_halt_forever(void);

/*
 * End the run with `status` through the isa-debug-exit port (QEMU). If the device is
 * absent, halts instead, so callers can rely on it not returning.
 */
_Noreturn void arch_debug_exit(uint32_t status);

/* Mask / unmask maskable interrupts on this CPU. */
void arch_irq_disable(void);
void arch_irq_enable(void);

/*
 * Print "[subsys] backtrace:" then one line per frame: `rip` first, then the return
 * addresses found by following saved frame pointers from `rbp` (the frame of the
 * function containing `rip`). Symbolized from the kernel's embedded symbol table when
 * available. Stops at a null, misaligned, non-kernel or non-increasing frame pointer,
 * or after a fixed depth, so a corrupt stack cannot make it loop.
 */
void arch_backtrace(const char *subsys, uint64_t rip, uint64_t rbp);

/*
 * CPU set-up for the boot CPU: GDT + TSS (IST stacks for NMI, #DF, #MC), IDT for all
 * 256 vectors, CPU feature enables (NX, SMEP, SMAP, UMIP, WP). Call once, early in
 * kmain, after arch_console_init(). Interrupts stay disabled.
 */
void arch_cpu_init(void);

/*
 * Open / close a window in which the kernel may touch user memory (STAC / CLAC when
 * SMAP is enabled, nothing otherwise). Only the user-copy helpers use these; keep the
 * window as short as the copy. Interrupt handlers must not assume either state.
 */
void arch_user_access_begin(void);
void arch_user_access_end(void);

/* Deliberate faults for the boot self-tests (selftest=pf|gp|df|stack). */
enum arch_fault_test {
	ARCH_FAULT_TEST_PF,    /* page fault: write to an unmapped address */
	ARCH_FAULT_TEST_GP,    /* general protection: non-canonical load */
	ARCH_FAULT_TEST_DF,    /* double fault: fault with an unusable stack */
	ARCH_FAULT_TEST_STACK, /* boot stack overflow into its guard page (-> #DF) */
};

/*
 * Raise the fault `t`. The trap handler reports it and ends the run, so this returns
 * only if no fault happened (a test failure the caller must report).
 */
void arch_fault_test(enum arch_fault_test t);

/* The address the test touches (CR2 of the resulting #PF, or the faulting operand). */
uint64_t arch_fault_test_address(enum arch_fault_test t);

/* Saved register state of an interrupted context (layout: arch/trap.h). */
struct arch_trap_frame;

/* Handler for an interrupt vector; runs with interrupts disabled on the interrupted
 * kernel stack. It must acknowledge the interrupt controller itself (e.g. LAPIC EOI). */
typedef void arch_irq_handler_fn(struct arch_trap_frame *tf);

/*
 * Route interrupt `vector` (32-255) to `fn`. Errors: CAPOS_ERR_OUT_OF_RANGE (vector is
 * an exception vector or > 255), CAPOS_ERR_INVALID (fn NULL), CAPOS_ERR_EXISTS
 * (already registered). Unregistered vectors are logged and ignored.
 */
int arch_irq_register(unsigned vector, arch_irq_handler_fn *fn);

/*
 * NMIs taken on this CPU since boot. An NMI is not fatal: the handler (on its own IST
 * stack) logs "[trap] nmi on ist stack: ..." and returns to the interrupted code, then
 * this count goes up. Used by the NMI self-test (selftest=nmi).
 */
uint64_t arch_nmi_count(void);

/* Stack pointer loaded on a CPL 3 -> 0 transition (TSS.RSP0) of this CPU. Needs this
 * CPU's percpu (GS base) in place: the thread switch is its caller. */
void arch_set_kernel_stack(uint64_t top);

/*
 * Guard pages below the kernel's fixed stacks (boot stack, IST stacks): writes up to
 * `max` page-aligned kernel virtual addresses to `out` and returns how many exist
 * (which may exceed max). kmem's final page tables must leave each page unmapped, so a
 * stack overflow faults instead of silently corrupting memory.
 */
size_t arch_stack_guard_pages(uint64_t *out, size_t max);

/* ---- kmem: page tables (kernel/arch/x86_64/paging.c, mmu.c) ----------------------- */

/* Mapping attributes for arch_mm_map(). Readable is implied; no flag = read-only, NX. */
#define ARCH_MM_WRITE 0x1u    /* writable */
#define ARCH_MM_EXEC 0x2u     /* executable (no NX bit) */
#define ARCH_MM_USER 0x4u     /* user-accessible (lower half only) */
#define ARCH_MM_UNCACHED 0x8u /* device memory: cache disabled (PCD|PWT) */
#define ARCH_MM_LARGE 0x10u   /* may use 2 MiB pages where aligned (map only) */
/* Software bit (ignored by the MMU, kept in the entry): the frame belongs to a
 * MemoryObject, not to the address space, so unmapping must not free it. */
#define ARCH_MM_OBJECT 0x20u

/* Where page-table frames come from, and how to write them. */
struct arch_pt_source {
	int (*alloc)(void *ctx, uint64_t *phys);    /* one frame; 0 or a capos error */
	void *(*to_virt)(void *ctx, uint64_t phys); /* frame -> writable pointer */
	void *ctx;
};

/* An address space: the root table plus where its tables come from. */
struct arch_aspace {
	uint64_t root_phys;	   /* PML4 physical address (CR3) */
	struct arch_pt_source src; /* table frames */
	bool nx;		   /* NX bit usable (EFER.NXE set) */
};

/*
 * Creates an empty address space (allocates and zeroes the root). `nx` says whether
 * non-executable mappings may set the NX bit (see arch_mm_nx_enabled()).
 * Errors: CAPOS_ERR_NO_MEMORY (or the source's error).
 */
int arch_mm_create(struct arch_aspace *as, const struct arch_pt_source *src, bool nx);

/*
 * Maps [va, va + size) to [pa, pa + size) with `flags`. All of va, pa, size must be
 * 4 KiB-aligned, size > 0, va canonical and not wrapping, pa below 2^52. No page of
 * the range may be mapped already. Pure table manipulation: no TLB flush (callers
 * mapping into the live space flush with arch_mm_flush_page()).
 * Errors: CAPOS_ERR_ALIGNMENT, CAPOS_ERR_INVALID, CAPOS_ERR_MM_ALREADY_MAPPED (checked
 * before anything changes), CAPOS_ERR_NO_MEMORY (tables; the prefix mapped so far
 * stays mapped).
 */
int arch_mm_map(struct arch_aspace *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags);

/*
 * Unmaps [va, va + size). Every page must be mapped, and a 2 MiB page must be unmapped
 * whole. Tables are kept. Errors: CAPOS_ERR_ALIGNMENT, CAPOS_ERR_INVALID,
 * CAPOS_ERR_MM_NOT_MAPPED (checked before anything changes).
 */
int arch_mm_unmap(struct arch_aspace *as, uint64_t va, uint64_t size);

/*
 * Changes the permission of the mapped pages [va, va + size) to `flags` (ARCH_MM_*,
 * LARGE ignored) in place: each leaf entry is rewritten with one 64-bit store, same
 * frame, so another CPU's table walk never sees the page absent. A 2 MiB page must be
 * covered whole; the user bit cannot change. Pure table manipulation: the caller
 * flushes the TLBs (stale entries keep the old permission until then).
 * Errors (checked before anything changes): CAPOS_ERR_ALIGNMENT, CAPOS_ERR_INVALID
 * (bad range, user bit change), CAPOS_ERR_MM_NOT_MAPPED (a page of the range).
 */
int arch_mm_protect(struct arch_aspace *as, uint64_t va, uint64_t size, unsigned flags);

/*
 * Translates va: physical address and ARCH_MM_* flags of the mapping (LARGE set for a
 * 2 MiB page). Errors: CAPOS_ERR_MM_NOT_MAPPED, CAPOS_ERR_INVALID (non-canonical).
 */
int arch_mm_query(const struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *flags);

/* Hardware side (kernel only): load CR3 (full non-global TLB flush), drop one TLB
 * entry, and whether EFER.NXE is on (boot.S sets it when the CPU has NX). */
void arch_mm_activate(const struct arch_aspace *as);
void arch_mm_flush_page(uint64_t va);
bool arch_mm_nx_enabled(void);

/*
 * Kernel-image pages that must stay unmapped in the final tables (guard pages below
 * the boot stack and any other stacks in the image), as virtual addresses; returns
 * how many were written (at most cap).
 */
size_t arch_mm_image_guards(uint64_t *va, size_t cap);

/* ---- kproc: user address spaces (paging.c), processes, threads, syscalls ---------- */

/*
 * Creates the intermediate tables for every page of [va, va + size) without mapping
 * anything, so later arch_mm_map() calls there allocate no table. Used for kernel
 * windows (kernel stacks) whose top-level entry must exist before user address spaces
 * copy the kernel half. Errors: as arch_mm_map() (no ALREADY_MAPPED check).
 */
int arch_mm_populate(struct arch_aspace *as, uint64_t va, uint64_t size);

/*
 * Copies the kernel half (top-level entries 256..511) of `src` into `dst`, so both
 * share the kernel's tables. Kernel mappings added later below an existing top-level
 * entry are seen by every space; a NEW top-level kernel entry is not (pre-populate).
 */
void arch_mm_share_kernel(struct arch_aspace *dst, const struct arch_aspace *src);

/* Callbacks for arch_mm_destroy_user(). */
struct arch_mm_teardown_ops {
	/* A mapped leaf: `size` bytes (4 KiB or 2 MiB) at `va` -> `pa`. */
	void (*leaf)(void *ctx, uint64_t va, uint64_t pa, uint64_t size);
	/* A table frame of the user half (or the root) that is no longer referenced. */
	void (*table)(void *ctx, uint64_t phys);
	void *ctx;
};

/*
 * Destroys a user address space: reports every user-half leaf, then every user-half
 * table and finally the root through `ops`; the shared kernel half is left alone.
 * `as` must not be loaded in CR3 on any CPU. Never fails; as->root_phys becomes 0.
 */
void arch_mm_destroy_user(struct arch_aspace *as, const struct arch_mm_teardown_ops *ops);

struct arch_thread; /* arch/thread.h */
struct percpu;	    /* kernel/percpu.h */

/*
 * Process-management CPU set-up on the boot CPU: GS base -> `pc` (per-CPU data),
 * SYSCALL/SYSRET (EFER.SCE, STAR, LSTAR, SFMASK), CR4.FSGSBASE when the CPU has it
 * (user TLS set-up uses wrfsbase), and the extended state user code may use: XSAVE with XCR0 = x87|SSE|AVX as the CPU offers (CR4.OSXSAVE), else FXSAVE.
 * Logs "[cpu] syscall: ..." and "[cpu] xstate: ...". Call once, after arch_cpu_init.
 */
void arch_proc_init(struct percpu *pc);

/* This CPU's per-CPU data (GS base). Valid after arch_proc_init. */
struct percpu *arch_this_cpu(void);

/* Bytes of an extended-state area (<= 4096), and its initial (clean) contents. */
uint64_t arch_xstate_size(void);
void arch_xstate_init(void *area);

/* Entry state of a new user thread: where iretq lands, three argument registers and
 * the FS base (thread pointer). */
struct arch_user_entry {
	uint64_t rip, rsp, rdi, rsi, rdx, fs_base;
};

/*
 * Prepares `t` (kernel stack [.., kstack_top), extended-state area `xstate`) so that
 * the first arch_switch() to it calls sched_thread_first_run() and then enters user
 * mode at `e` (FS base e->fs_base, GS base 0) with interrupts enabled and all other
 * registers zero.
 */
void arch_thread_init_user(struct arch_thread *t, uint64_t kstack_top, void *xstate,
			   const struct arch_user_entry *e);

/*
 * Sets the calling user thread's FS base (its TLS pointer, ThreadControl.setFsBase):
 * the register user mode sees on return; arch_switch saves it with the thread. Call
 * from a system call of that thread, outside arch_foreign_call.
 */
void arch_user_fs_base_set(uint64_t base);

/* Records the calling context as a kernel-only thread (the idle thread). */
void arch_thread_init_current(struct arch_thread *t);

/*
 * Switches from `prev` (the calling context) to `next`: saves prev's extended state
 * and user FS/GS bases, loads next's, points TSS.RSP0 and the SYSCALL stack at next's
 * kernel stack, and swaps kernel stacks. Returns when something switches back to prev.
 * Address-space switches are the caller's (vm_activate). Interrupts disabled.
 */
void arch_switch(struct arch_thread *prev, struct arch_thread *next);

/*
 * Copies n bytes between a kernel buffer and user memory with SMAP opened. A #PF or
 * #GP on the user side is caught by the exception table: returns
 * CAPOS_ERR_BAD_ADDRESS (destination possibly partly written). The caller has checked
 * the range lies in the user half (kernel/uaccess.h does).
 */
int arch_copy_from_user(void *dst, uint64_t usrc, uint64_t n);
int arch_copy_to_user(uint64_t udst, const void *src, uint64_t n);

/* Monotonic time in nanoseconds since boot, from the calibrated TSC. */
uint64_t arch_clock_ns(void);

/* Called by the timer interrupt after EOI; `from_user`: it interrupted user mode. */
typedef void arch_tick_hook_fn(bool from_user);
void arch_timer_set_tick_hook(arch_tick_hook_fn *fn);

/* Wait for an interrupt with interrupts enabled, then disable them again (idle). */
void arch_idle_wait(void);

/*
 * Portable entry points called by the arch code (implemented in kernel/proc):
 *   syscall_dispatch: number `nr` and arguments a0..a5 of a SYSCALL from user mode;
 *   the result goes back in RAX. The parameter order is the one the x86_64 SYSCALL
 *   entry passes without moving registers (a0-a2 in RDI, RSI, RDX; nr in RCX, which
 *   the CPU took for the return RIP; a4, a5 in R8, R9; a3 from R10 on the stack).
 */
int64_t syscall_dispatch(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t nr, uint64_t a4,
			 uint64_t a5, uint64_t a3);

/*
 * [smp] Application-processor entry (kernel/smp.c), called by arch_smp_start:
 *   kmain_ap_alloc: on the boot CPU, before AP `cpu_index` is started: allocate and
 *   zero its per-CPU data (struct percpu with cpu_index set, plus whatever the portable
 *   side keeps per CPU: idle thread, run queues). NULL: out of memory (the CPU is then
 *   skipped). Called at most once per index, however many start attempts it takes.
 *   kmain_ap: on the AP itself once its arch set-up is done (GDT/TSS/IST, IDT, CPU
 *   features, SYSCALL MSRs, extended state, GS -> pc, LAPIC and its periodic timer;
 *   interrupts disabled): makes the calling context the CPU's idle thread, calls
 *   arch_ap_online() and idles for good.
 */
struct percpu *kmain_ap_alloc(uint32_t cpu_index);
_Noreturn void kmain_ap(struct percpu *pc);

/* ---- kplat: platform (ACPI, interrupt controllers, timers) ------------------------ */

/* Periodic timer tick rate. */
#define ARCH_TIMER_HZ 100u

/*
 * Bring up the platform on the boot CPU; call after memory init, with interrupts
 * disabled. Validates ACPI from `rsdp_copy` (`rsdp_len` bytes, the boot loader's RSDP
 * copy; with rsdp_len 0 the legacy BIOS areas are searched), decodes the MADT, masks
 * the 8259 PICs and every IOAPIC pin, enables the local APIC (xAPIC), calibrates the
 * LAPIC timer and TSC against the HPET (or the PIT if there is no HPET), and starts a
 * periodic LAPIC timer interrupt at ARCH_TIMER_HZ. Ticks arrive once interrupts are
 * enabled. Logs these stable lines (the boot tests match them):
 *   [acpi] RSDP rev N at 0x... (bios scan), XSDT|RSDT at 0x..., N tables
 *   [acpi] RSDP rev N at boot loader copy, XSDT|RSDT at 0x..., N tables
 *   [acpi] MADT: N CPUs (apic ids A B ...), IOAPIC id N at 0x... gsi N, N overrides
 *   [timer] lapic N Hz, tsc N MHz, calibrated against hpet|pit
 * Errors: any CAPOS_ERR_ACPI_* (no RSDP, broken tables, no MADT),
 * CAPOS_ERR_PLATFORM_*, CAPOS_ERR_TIMER_CALIBRATION, or those of arch_irq_register.
 */
int arch_platform_init(const uint8_t *rsdp_copy, size_t rsdp_len);

/* Usable CPUs the MADT lists (enabled or online-capable); 0 before arch_platform_init. */
uint32_t arch_platform_cpu_count(void);

/* Timer interrupts taken on the boot CPU since arch_platform_init. */
uint64_t arch_timer_ticks(void);

/* ARCH_TIMER_HZ, as a function for portable code. */
uint32_t arch_timer_hz(void);

/*
 * Stop the periodic timer (masked, count 0) for good: a tick already latched in the
 * interrupt controller is discarded when delivered, not counted. Used by the
 * dead-timer self-test.
 */
void arch_timer_stop(void);

/* Calibrated TSC frequency in Hz (0 before arch_platform_init). */
uint64_t arch_tsc_hz(void);

/*
 * Wait until `ticks` more timer interrupts have arrived; interrupts must be enabled.
 * Spins until the first tick (so a dead timer is reported instead of hanging in hlt),
 * then halts between ticks.
 * Errors: CAPOS_ERR_TIMER_NO_TICKS (no tick for `timeout_ms` by the TSC: before the
 * first, or between two; a live timer on a vCPU the host starves keeps going).
 */
int arch_timer_wait_ticks(uint64_t ticks, uint32_t timeout_ms);

/* ---- scheduler and TLB shootdown needs (kernel/sched, kernel/mm/tlb.c) ------------ */

/* Acknowledges the interrupt being handled (LAPIC EOI), for portable handlers. */
void arch_irq_eoi(void);

/* Whether the interrupted context of a handler's frame was user mode. */
bool arch_trap_from_user(const struct arch_trap_frame *tf);

/* Drops every non-global TLB entry of this CPU (reloads the current root). */
void arch_mm_flush_all(void);

/* ---- entropy and system caps (kernel/rng, docs/entropy.md) ------------------------ */

/*
 * Runs fn(arg) — code from Debian's userspace-built libbearssl.a members, which read a
 * stack-protector canary at %fs:0x28 and may use SSE — inside a bracket that makes
 * that sound in the kernel: saves the running user thread's extended state (`cur`:
 * the current thread's arch state, or NULL when no user thread's registers are live,
 * e.g. at boot), points the FS base at a kernel canary block, calls fn, then restores
 * the FS base and the extended state (so no SSE register leaves the bracket holding
 * DRBG state). Interrupts must be disabled (the foreign code uses the red zone; NMI,
 * #DF and #MC run on IST stacks). A smashed canary panics (__stack_chk_fail).
 */
void arch_foreign_call(struct arch_thread *cur, void (*fn)(void *arg), void *arg);

/* Foreign-code brackets run since boot (figures: docs/entropy.md). */
uint64_t arch_foreign_calls(void);

/* True if the CPU has RDSEED or RDRAND (CPUID). */
bool arch_hwrng_present(void);

/*
 * One 64-bit hardware random value: RDSEED, else RDRAND, each retried a few times.
 * Errors: CAPOS_ERR_UNSUPPORTED (neither instruction), CAPOS_ERR_BUSY (no value after
 * the retries: the source is exhausted or broken).
 */
int arch_hwrng_read(uint64_t *out);

/* The free-running cycle counter (TSC), for jitter samples. */
uint64_t arch_cycles(void);

/* CPUs brought up and running the kernel (each ran arch_proc_init). */
uint32_t arch_cpus_online(void);

/* ---- smp: CPUs, IPIs, one-shot timer (kernel/arch/x86_64/smp.c, ipi.c, timer.c; docs/smp.md) */

/* Most CPUs the kernel runs; further MADT CPUs are reported and skipped. */
#define ARCH_MAX_CPUS 64u

/* IPI vectors (fixed delivery). The users register their handlers with
 * arch_irq_register (which must EOI through their own arch hook); STOP is arch's. */
#define ARCH_VEC_RESCHED 0xf0u /* the scheduler: look at your run queue */
#define ARCH_VEC_TLB 0xf1u     /* TLB shootdown */
#define ARCH_VEC_STOP 0xf2u    /* stop this CPU for good (interrupts off, halt) */

struct boot_info;

/*
 * Bring up every other CPU the MADT lists (enabled or online-capable), one at a time,
 * on the boot CPU after proc_init: INIT-SIPI-SIPI through a real-mode trampoline in a
 * free page below 1 MiB (not overlapping `bi`'s module or loader structures), per-CPU
 * GDT/TSS, IST and idle stacks with guard pages, the BSP's CPU feature enables, the
 * LAPIC and its periodic timer; each AP ends in kmain_ap(). Waits for each AP up to a
 * bounded time (TSC); one that does not come online is logged
 * "[smp] cpu N (apic id A) did not start", put back to sleep (INIT) and skipped; CPUs
 * beyond ARCH_MAX_CPUS or the `cpus=N` command-line limit, or with an APIC id this
 * APIC mode cannot address, are logged as skipped. Logs
 * "[smp] N of M CPUs online". `ghost_apic_id` != UINT32_MAX adds a CPU with that APIC
 * id that does not exist (test of the did-not-start path). Call once, interrupts off.
 * Errors: CAPOS_ERR_SMP_TRAMPOLINE (no usable page below 1 MiB; no AP started),
 * CAPOS_ERR_NO_MEMORY (trampoline page tables), CAPOS_ERR_EXISTS (called twice).
 */
int arch_smp_start(const struct boot_info *bi, uint32_t max_cpus, uint32_t ghost_apic_id);

/* Called once by kmain_ap when the AP is ready: the BSP's wait for it ends. */
void arch_ap_online(void);

/* This CPU's index: 0 = boot CPU, APs 1.. in bring-up order (dense). */
uint32_t arch_cpu_index(void);

/* CPUs online now (same as arch_cpus_online). */
uint32_t arch_cpu_online_count(void);

/* Per-CPU data of online CPU `cpu_index`, or NULL. */
struct percpu *arch_percpu(uint32_t cpu_index);

/* Local APIC id of online CPU `cpu_index` (UINT32_MAX if none). */
uint32_t arch_cpu_apic_id(uint32_t cpu_index);

/*
 * Send interrupt `vector` (fixed delivery, physical destination) to online CPU
 * `cpu_index` (itself allowed), or to every other online CPU. In xAPIC mode waits
 * (bounded by the TSC) for the delivery-status bit to clear before and after.
 * Errors: CAPOS_ERR_OUT_OF_RANGE (vector < 32 or > 255), CAPOS_ERR_SMP_NO_CPU
 * (cpu_index not online), CAPOS_ERR_SMP_IPI_TIMEOUT (the APIC did not accept it).
 */
int arch_ipi_send(uint32_t cpu_index, unsigned vector);
int arch_ipi_send_others(unsigned vector);

/*
 * panic(): stop every other online CPU with an NMI (it halts with interrupts off
 * inside the NMI handler) and wait, bounded, until each said it stopped. Returns how
 * many did. Safe from any context; a second call does nothing and returns 0.
 */
uint32_t arch_cpu_stop_others(void);

/* Save-and-disable / restore this CPU's interrupt flag (spinlock.h). */
unsigned long arch_irq_save(void);
void arch_irq_restore(unsigned long flags);

/* Spin-wait hint (PAUSE). */
static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/*
 * One-shot timer on the calling CPU: the periodic tick stops and one timer interrupt
 * (the same vector and tick hook) arrives once arch_clock_ns() >= deadline_ns: with
 * the TSC-deadline mode when CPUID offers it, else the LAPIC count-down (rounded up to
 * whole LAPIC ticks; a deadline already past fires at once; one beyond the 32-bit
 * count, about 68 s on QEMU, fires early, at the longest count, so the caller checks
 * the clock and re-arms). Re-arming replaces a pending deadline.
 * Errors: CAPOS_ERR_SMP_NOT_READY (timer not calibrated or not started on this CPU).
 */
int arch_timer_set_oneshot(uint64_t deadline_ns);

/* Back to the periodic tick at ARCH_TIMER_HZ on the calling CPU. */
void arch_timer_set_periodic(void);

/* Stops the calling CPU's timer: no interrupt until the next arch_timer_set_oneshot or
 * arch_timer_set_periodic (a tickless idle CPU with nothing to wake for). */
void arch_timer_set_off(void);

/* Whether the one-shot timer uses the TSC-deadline mode (else the LAPIC count). */
bool arch_timer_tsc_deadline(void);

/* Timer interrupts taken by online CPU `cpu_index` (0 if none). */
uint64_t arch_timer_ticks_cpu(uint32_t cpu_index);

/*
 * SMP self-tests (selftest=ipi|appanic|oneshot): run on the boot CPU after
 * arch_smp_start, log "[smp] selftest ..." lines. ipi: a round trip to each AP and a
 * broadcast, plus the refusals (bad index, bad vector); oneshot: the one-shot timer
 * fires once, not before its deadline, and the periodic tick resumes; appanic: AP 1
 * panics while every CPU logs; the panic stops the others (never returns).
 * Errors: CAPOS_ERR_INVALID (unknown name), any failed check's error.
 */
int arch_smp_selftest(const char *name);

#endif
