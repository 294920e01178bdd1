/*
 * SchedulingPolicy capability object (kernel/cap/schedpol.c): setWeight(threadId,
 * weight) sets the scheduling weight of a thread of the CALLING process (threadId 0:
 * the calling thread), bounded by the caller's resource profile (ledger max_weight,
 * already clamped to PROFILE_MAX_WEIGHT). The object holds no state of its own: the
 * authority is holding it, the scope is always the caller's own threads.
 *
 * Lock legend: [I] immutable after creation; the invocation runs under [K].
 */
#ifndef KERNEL_SCHEDPOL_H
#define KERNEL_SCHEDPOL_H

#include <kernel/kcall.h>
#include <kernel/kobj.h>

struct process;

struct kschedpol {
	struct kobj k; /* [I] KOBJ_SCHEDPOL; charged to its grantee, freed on release */
};

/*
 * Creates a SchedulingPolicy object charged to p's ledger, with one reference (the
 * caller's), and its interface id. Errors: the charged allocation's, kobj_init's.
 */
int kschedpol_create(struct process *p, struct kobj **obj, uint64_t *iface);

extern const struct kcall_iface kschedpol_iface;

#endif
