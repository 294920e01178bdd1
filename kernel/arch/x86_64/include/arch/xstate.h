/*
 * Extended-state (x87/SSE/AVX) save and restore, arch-private (xstate.c). Portable
 * code sees only arch_xstate_size/arch_xstate_init and arch_switch (kernel/arch.h).
 * Save and restore are inline so the context switch pays no call for them.
 */
#ifndef ARCH_XSTATE_H
#define ARCH_XSTATE_H

#include <stdint.h>

/* How the area is written: set once at boot by xstate_init. */
enum xstate_mode {
	XSTATE_FXSAVE,	 /* no XSAVE: FXSAVE/FXRSTOR, fixed 512-byte area */
	XSTATE_XSAVE,	 /* XSAVE/XRSTOR */
	XSTATE_XSAVEOPT, /* XSAVEOPT/XRSTOR (init and modified optimisations) */
};

extern uint8_t xstate_mode;  /* [I] enum xstate_mode */
extern uint64_t xstate_mask; /* [I] XCR0 value / XSAVE component mask */

/* Enable the state in CR0/CR4/XCR0 and size the area; boot CPU, once. */
void xstate_init(void);

/*
 * Save the running user thread's registers into its own area (64-byte aligned,
 * arch_xstate_size() bytes). Precondition for XSAVEOPT (why skipping is safe): the
 * registers were loaded by xstate_restore from this same area on this CPU, and no
 * other area was restored and nothing wrote this area since. arch_switch keeps it:
 * it saves only `prev`, the user thread that was switched in by restoring its own
 * area, the kernel never touches these registers (-mgeneral-regs-only), and an area
 * is written by the kernel only by arch_xstate_init, before its thread's first
 * restore. XSAVEOPT then skips a component only when the area already holds exactly
 * the register values (unmodified since that XRSTOR) or marks it "init" in
 * XSTATE_BV, which XRSTOR turns back into the init values: it never leaves another
 * thread's values in an area, and XRSTOR always loads every enabled component
 * (from the area or as init), so no state crosses between threads.
 */
static inline void xstate_save(void *area)
{
	uint32_t lo = (uint32_t)xstate_mask, hi = (uint32_t)(xstate_mask >> 32);

	/* XSAVEOPT is the expected mode (current CPUs, QEMU -cpu max): tested first. */
	if (__builtin_expect(xstate_mode == XSTATE_XSAVEOPT, 1))
		__asm__ volatile("xsaveopt64 (%0)" : : "r"(area), "a"(lo), "d"(hi) : "memory");
	else if (xstate_mode == XSTATE_XSAVE)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"(lo), "d"(hi) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

/* Load every enabled component from a thread's area (or its init value). */
static inline void xstate_restore(const void *area)
{
	uint32_t lo = (uint32_t)xstate_mask, hi = (uint32_t)(xstate_mask >> 32);

	if (__builtin_expect(xstate_mode != XSTATE_FXSAVE, 1))
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"(lo), "d"(hi) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

#endif
