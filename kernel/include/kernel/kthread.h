/*
 * Thread capability objects (docs/kernel-proc.md "Threads"; schema/capos.capnp section
 * "Threads and synchronisation"), one file per object type:
 *   kernel/cap/threadspawner.c  ThreadSpawner.spawn: a new thread in the holder's own
 *                               process, with its own ring (proc_thread_spawn)
 *   kernel/cap/threadhandle.c   ThreadHandle.join: the creator's view of one thread;
 *                               a deferred completion when the thread ends
 *   kernel/cap/threadctl.c      ThreadControl.exit / setFsBase on the calling thread
 * The spawner and the control are bound to the process they were granted to (by
 * pid, which is never reused): a call from any other process is
 * CAPOS_ERR_THREAD_FOREIGN. A handle is not transferable (CAPTAB_XFER_NONE).
 *
 * Lock legend: [K] the kernel lock (every kcall runs under it); [I] immutable.
 */
#ifndef KERNEL_KTHREAD_H
#define KERNEL_KTHREAD_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/kcall.h>

struct ledger;
struct process;
struct thread;
struct thread_watch;
struct kthread_handle;

extern const struct kcall_iface kthread_spawner_iface;
extern const struct kcall_iface kthread_handle_iface;
extern const struct kcall_iface kthread_control_iface;

/*
 * A ThreadSpawner (KGRANT_THREADSPAWNER) or ThreadControl (KGRANT_THREADCONTROL) for
 * process p, charged to p, with one reference (the caller's). Errors: the charged
 * allocation's (CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY,
 * CAPOS_ERR_NO_MEMORY), kobj_init's.
 */
int kthread_spawner_create(struct process *p, struct kobj **out);
int kthread_control_create(struct process *p, struct kobj **out);

/*
 * Shared by the spawner and the control (kernel/cap/threadspawner.c): a kernel object
 * of `type` naming process p (by pid), charged to p, one reference; its release op
 * (ops->release must be kthread_cap_release); and the process a CALL on it comes
 * from if that is the grantee, else NULL (CAPOS_ERR_THREAD_FOREIGN).
 */
struct kthread_cap {
	struct kobj k;
	uint32_t pid; /* [I] the grantee's pid (pids are never reused) */
};
int kthread_cap_create(struct process *p, enum kobj_type type, const struct kobj_ops *ops,
		       struct kobj **out);
void kthread_cap_release(struct kobj *obj);
struct process *kthread_cap_owner(const struct kcall_ctx *c);

/*
 * True when `addr` may be a thread's entry, stack top or TLS pointer: canonical and in
 * the user window (include/capos/layout.h). Pure.
 */
bool kthread_entry_ok(uint64_t entry);
bool kthread_stack_ok(uint64_t stack_top);
bool kthread_fs_base_ok(uint64_t fs_base);

/*
 * A ThreadHandle charged to `payer`, with one reference (the caller's), watching no
 * thread yet. Errors: as kthread_spawner_create.
 */
int kthread_handle_create(struct ledger *payer, struct kthread_handle **out);

/* The handle as a kernel object (to queue it as a result cap, or drop a reference). */
struct kobj *kthread_handle_kobj(struct kthread_handle *h);

/*
 * The watch to register in the thread about to start (proc_thread_spawn): takes the
 * thread's reference on h, dropped when the thread ends. Errors: kobj_get's.
 */
int kthread_handle_watch(struct kthread_handle *h, struct thread_watch **w);

/* The thread did not start after all: drops the reference kthread_handle_watch took. */
void kthread_handle_unwatch(struct kthread_handle *h);

/* The thread started: h now names it (join of the joiner itself is refused). */
void kthread_handle_started(struct kthread_handle *h, struct thread *t);

#endif
