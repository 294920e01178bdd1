/*
 * Extended-state (x87/SSE/AVX) save and restore, arch-private (xstate.c). Portable
 * code sees only arch_xstate_size/arch_xstate_init and arch_switch (kernel/arch.h).
 */
#ifndef ARCH_XSTATE_H
#define ARCH_XSTATE_H

/* Enable the state in CR0/CR4/XCR0 and size the area; boot CPU, once. */
void xstate_init(void);
/* Save into / load from a 64-byte aligned area of arch_xstate_size() bytes. */
void xstate_save(void *area);
void xstate_restore(const void *area);

#endif
