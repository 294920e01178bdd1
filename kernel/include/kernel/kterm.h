/*
 * The user terminal as a capability (kernel/cap/terminal.c; docs/terminal.md
 * "TerminalSession"): KernelCapSource `terminal`, interface TerminalSession
 * (schema/capos.capnp). One terminal device (COM2) and one kernel object naming it:
 * every grant is a cap to the same object. Input arrives through
 * arch_terminal_rx_start (the COM2 receive interrupt); bytes typed while no read is
 * pending wait in a bounded type-ahead buffer (KTERM_INPUT_MAX; overflow is counted
 * and dropped, the interrupt never blocks) and go through the line discipline
 * (lib/termio/ldisc.c) when the next read starts, in that read's mode.
 *
 * Lock legend: [S] scheduler state (boot CPU, interrupts off: kernel code and the
 * receive interrupt never run at the same time).
 */
#ifndef KERNEL_KTERM_H
#define KERNEL_KTERM_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/kcall.h>
#include <kernel/kobj.h>

/* Bytes of type-ahead kept while no read is pending. */
#define KTERM_INPUT_MAX 4096u
/* Bytes per write call (as Console.write); larger: invalidArgument (CAPOS_ERR_INVALID). */
#define KTERM_WRITE_MAX 4096u

/*
 * The terminal object with one new reference for the caller (a grant inserts it into
 * a cap table). The first call starts COM2 input (arch_terminal_rx_start) and logs
 * "[term] COM2 input on gsi G (isa irq 3), type-ahead bound N bytes"; the object is
 * created again after its last cap was released (the device state, type-ahead
 * included, lives on). Errors: arch_terminal_rx_start()'s (CAPOS_ERR_TERM_NO_INPUT,
 * CAPOS_ERR_OUT_OF_RANGE, CAPOS_ERR_NOT_FOUND), kobj_get()'s.
 */
int kterm_get(struct kobj **obj);

/* Counters for the kernel log and the tests. */
struct kterm_stats {
	uint64_t received; /* bytes the receive interrupt delivered */
	uint64_t overflow; /* of those, dropped because the type-ahead buffer was full */
	uint32_t buffered; /* type-ahead bytes waiting now */
	bool pending;	   /* a read is parked */
};

/* The counters now (all zero before the first kterm_get). */
void kterm_stats(struct kterm_stats *out);

extern const struct kcall_iface kterm_iface;

#endif
