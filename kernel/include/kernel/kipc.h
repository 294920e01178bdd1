/*
 * The ring side of endpoints (kernel/proc/kipc.c): RECV and RETURN on a raw endpoint
 * and CALL through an endpoint client facet, executed inside cap_enter for the calling
 * process; the endpoint state machine itself is kernel/cap/endpoint.c. docs/ipc.md.
 *
 * Lock legend: [S] scheduler state (single CPU, interrupts off).
 */
#ifndef KERNEL_KIPC_H
#define KERNEL_KIPC_H

#include <stdbool.h>

#include <capos/ring.h>
#include <kernel/ring.h>

struct process;

/*
 * Executes op for process p if it is an endpoint operation (RECV, RETURN, or a CALL
 * whose cap is an endpoint client facet) and fills cqe (or defers it, kring.h).
 * Returns false, touching nothing, for every other op (kernel-object CALLs and
 * RELEASE go to kcall_exec).
 */
bool kipc_exec(struct process *p, const struct ring_op *op, struct capos_cqe *cqe);

/* Logs "[ipc] handoffs N, endpoints live N, call records live N" (kinit, at the end of
 * a boot: the handoff count is what tests of direct handoff read). */
void kipc_report(void);

#endif
