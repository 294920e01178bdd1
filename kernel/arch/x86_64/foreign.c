/*
 * The foreign-code bracket (kernel/arch.h arch_foreign_call; docs/entropy.md): runs
 * members of Debian's libbearssl.a, built for userspace, inside the kernel. Those
 * objects were compiled with -fstack-protector-strong (they read a canary at %fs:0x28
 * and call __stack_chk_fail / __memcpy_chk), with SSE allowed and with a red zone.
 * The bracket makes each of those sound for the duration of one call:
 *   - canary: the FS base points at foreign_tcb, a kernel block whose word at 0x28 is
 *     the canary (set once from the TSC and RDRAND when present; offset 0 holds the
 *     block's own address, the x86_64 TCB convention); the caller's FS base (a user
 *     thread's TLS base) is restored afterwards;
 *   - SSE/x87: the running user thread's registers are saved into its own xstate area
 *     first and reloaded from it afterwards (arch/xstate.h: that keeps XSAVEOPT's
 *     precondition), so the foreign code can neither clobber nor leak through them;
 *   - red zone: interrupts are off in the kernel and NMI/#DF/#MC switch to IST stacks
 *     (idt.c), so nothing is pushed below the foreign code's stack pointer.
 * The two libc fortify symbols the linked members need are defined here:
 * __stack_chk_fail panics, __memcpy_chk checks the destination size, then copies.
 * Lock legend: [I] set once at the first call; [S] boot CPU, interrupts disabled
 * (SMP: foreign_tcb can stay shared, it is read-only after set-up).
 */
#include <arch/cpu.h>
#include <arch/fsbase.h>
#include <arch/platform.h>
#include <arch/thread.h>
#include <arch/xstate.h>
#include <kernel/arch.h>
#include <kernel/panic.h>

#define FOREIGN_CANARY_OFF 0x28 /* where -fstack-protector code reads %fs:0x28 */

/* The fake TCB: self pointer at 0, canary at 0x28 (the rest stays zero). */
static uint64_t foreign_tcb[16] __attribute__((aligned(64))); /* [I] */
static uint64_t foreign_count;				      /* [S] brackets run */

_Static_assert(FOREIGN_CANARY_OFF / 8 < sizeof(foreign_tcb) / sizeof(foreign_tcb[0]),
	       "the canary lies inside the block");

void *memcpy(void *dst, const void *src, size_t n); /* kernel/arch/x86_64/string.c */

/* Called by a foreign function whose canary changed: its stack frame was overrun. */
_Noreturn void __stack_chk_fail(void);
_Noreturn void __stack_chk_fail(void)
{
	panic("foreign code: stack protector canary smashed");
}

/* glibc's fortified memcpy: `dstlen` is what the compiler knows of dst's size. */
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen);
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		panic("foreign code: memcpy of %zu bytes into a %zu-byte object", n, dstlen);
	return memcpy(dst, src, n);
}

/* A canary nobody can predict from the image: the TSC, mixed with RDRAND when the CPU
 * has it; never zero (zero would be the value of an all-zero block). */
static void foreign_tcb_init(void)
{
	uint64_t hw = 0, c = cpu_rdtsc() * 0x9E3779B97F4A7C15ull;

	if (arch_hwrng_read(&hw) == 0)
		c ^= hw;
	foreign_tcb[0] = (uint64_t)(uintptr_t)foreign_tcb;
	foreign_tcb[FOREIGN_CANARY_OFF / 8] = c ? c : 0x5A5A5A5A5A5A5A5Aull;
}

void arch_foreign_call(struct arch_thread *cur, void (*fn)(void *arg), void *arg)
{
	void *area = cur ? cur->xstate : NULL;

	if (read_rflags() & RFLAGS_IF)
		panic("foreign code called with interrupts enabled");
	if (foreign_tcb[0] == 0)
		foreign_tcb_init();
	uint64_t fs = fsbase_read();

	if (area)
		xstate_save(area);
	fsbase_write((uint64_t)(uintptr_t)foreign_tcb);
	fn(arg);
	fsbase_write(fs);
	if (area)
		xstate_restore(area);
	foreign_count++;
}

uint64_t arch_foreign_calls(void)
{
	return foreign_count;
}
