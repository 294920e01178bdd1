/*
 * ThreadControl kernel object (contract in kernel/include/kernel/kthread.h; docs/
 * kernel-proc.md "Threads"): control of the calling thread itself, for the process it
 * was granted to (a call from another process: CAPOS_ERR_THREAD_FOREIGN).
 *
 *   exit(code)      ends the calling thread once the current cap_enter's drain is over
 *                   (proc_thread_request_exit); the SQEs after it in the same submission
 *                   still run, the CQE of the exit itself is never seen. The last live
 *                   thread ending this way ends the process with `code`.
 *   setFsBase(base) loads the calling thread's FS base (0, or a user address with room
 *                   for a TCB; else CAPOS_ERR_THREAD_FS_BASE and nothing changes).
 *
 * Lock legend: [K] the kernel lock; [I] immutable.
 */
#include <kernel/kthread.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/proc.h>
#include <schema/capos.capnp.h>

static const struct kobj_ops kthread_control_ops = { .name = "thread-control",
						     .release = kthread_cap_release };

int kthread_control_create(struct process *p, struct kobj **out)
{
	return kthread_cap_create(p, KOBJ_THREAD_CONTROL, &kthread_control_ops, out);
}

static int kthread_exit(void *self, const struct capos_ThreadControl_exit_Params_r *in,
			struct capos_ThreadControl_exit_Results_b *r)
{
	(void)r;
	if (kthread_cap_owner(self) == NULL)
		return CAPOS_ERR_THREAD_FOREIGN;
	proc_thread_request_exit(capos_ThreadControl_exit_Params_get_code(in));
	return CAPOS_OK;
}

static int kthread_set_fs_base(void *self, const struct capos_ThreadControl_setFsBase_Params_r *in,
			       struct capos_ThreadControl_setFsBase_Results_b *r)
{
	uint64_t base = capos_ThreadControl_setFsBase_Params_get_base(in);

	(void)r;
	if (kthread_cap_owner(self) == NULL)
		return CAPOS_ERR_THREAD_FOREIGN;
	if (!kthread_fs_base_ok(base))
		return CAPOS_ERR_THREAD_FS_BASE;
	arch_user_fs_base_set(base);
	return CAPOS_OK;
}

static const struct capos_ThreadControl_server kthread_control_server = {
	.exit = kthread_exit,
	.setFsBase = kthread_set_fs_base,
};

static int kthread_control_call(struct kcall_ctx *c)
{
	return capos_ThreadControl_dispatch(&kthread_control_server, c, c->method, c->params,
					    c->results);
}

const struct kcall_iface kthread_control_iface = {
	.interface_id = capos_ThreadControl_TYPE_ID,
	.method_count = capos_ThreadControl_METHOD_COUNT,
	.kobj_type = KOBJ_THREAD_CONTROL,
	.max_caps_out = 0,
	.call = kthread_control_call,
};
