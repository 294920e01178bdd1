/*
 * Endpoint operations of cap_enter (contract in kernel/include/kernel/kipc.h).
 */
#include <kernel/kipc.h>

#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/proc.h>

bool kipc_exec(struct process *p, const struct ring_op *op, struct capos_cqe *cqe)
{
	const struct captab_entry *e;
	int err;

	if (op->opcode != CAPOS_OP_RECV && op->opcode != CAPOS_OP_RETURN)
		return false;
	err = captab_lookup(p->caps, op->cap, CAPTAB_ANY_INTERFACE, &e);
	cqe->status = err ? err : CAPOS_ERR_CAP_WRONG_INTERFACE; /* no endpoint objects yet */
	return true;
}
