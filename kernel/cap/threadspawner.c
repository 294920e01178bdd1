/*
 * ThreadSpawner kernel object (contract in kernel/include/kernel/kthread.h; docs/
 * kernel-proc.md "Threads", entry registers in docs/abi.md "Thread entry").
 *
 * spawn(entry, stackTop, arg, fsBase) -> (handle, threadId, ring): decode checks every
 * argument (entry: a user address; stackTop: a 16-byte aligned user address, the
 * stack growing down from it; fsBase: 0 or a user address with room for a TCB) and
 * that the caller is the process the spawner was granted to; nothing changes on a
 * decode error. The invoke builds the whole results and checks the caller's buffer
 * takes them (kcall_result_room), creates the handle and queues it as result cap 0,
 * then starts the thread last (proc_thread_spawn: the threads quota, kernel bytes, a
 * ring slot), so any failure leaves nothing behind.
 *
 * Lock legend: [K] the kernel lock; [I] immutable.
 */
#include <kernel/kthread.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <capos/tls.h>
#include <kernel/kcharge.h>
#include <kernel/log.h>
#include <kernel/proc.h>
#include <schema/capos.capnp.h>

/* The stack pointer at entry keeps the SysV alignment a `call` expects. */
#define KTHREAD_STACK_ALIGN 16u

bool kthread_entry_ok(uint64_t entry)
{
	return capos_user_range_ok(entry, 1);
}

bool kthread_stack_ok(uint64_t stack_top)
{
	return (stack_top & (KTHREAD_STACK_ALIGN - 1)) == 0 && stack_top > CAPOS_USER_BASE &&
	       stack_top <= CAPOS_USER_END;
}

bool kthread_fs_base_ok(uint64_t fs_base)
{
	return fs_base == 0 || capos_user_range_ok(fs_base, CAPOS_TCB_SIZE);
}

void kthread_cap_release(struct kobj *obj)
{
	kfree_charged((struct kthread_cap *)obj);
}

static const struct kobj_ops kthread_spawner_ops = { .name = "thread-spawner",
						     .release = kthread_cap_release };

int kthread_cap_create(struct process *p, enum kobj_type type, const struct kobj_ops *ops,
		       struct kobj **out)
{
	struct kthread_cap *tc;
	int err = kzalloc_charged(p->ledger, sizeof(*tc), (void **)&tc);

	if (err)
		return err;
	err = kobj_init(&tc->k, type, ops);
	if (err) {
		kfree_charged(tc);
		return err;
	}
	tc->pid = p->pid;
	*out = &tc->k;
	return CAPOS_OK;
}

int kthread_spawner_create(struct process *p, struct kobj **out)
{
	return kthread_cap_create(p, KOBJ_THREAD_SPAWNER, &kthread_spawner_ops, out);
}

struct process *kthread_cap_owner(const struct kcall_ctx *c)
{
	const struct kthread_cap *tc = (const struct kthread_cap *)c->obj;
	struct process *p = c->caller;

	return p->pid == tc->pid ? p : NULL;
}

/* Decode: the caller and every argument; fills *a. */
static int kthread_spawn_decode(const struct kcall_ctx *c,
				const struct capos_ThreadSpawner_spawn_Params_r *in,
				struct proc_thread_args *a)
{
	a->entry = capos_ThreadSpawner_spawn_Params_get_entry(in);
	a->stack_top = capos_ThreadSpawner_spawn_Params_get_stackTop(in);
	a->arg = capos_ThreadSpawner_spawn_Params_get_arg(in);
	a->fs_base = capos_ThreadSpawner_spawn_Params_get_fsBase(in);
	if (kthread_cap_owner(c) == NULL)
		return CAPOS_ERR_THREAD_FOREIGN;
	if (!kthread_entry_ok(a->entry))
		return CAPOS_ERR_THREAD_ENTRY;
	if (!kthread_stack_ok(a->stack_top))
		return CAPOS_ERR_THREAD_STACK;
	if (!kthread_fs_base_ok(a->fs_base))
		return CAPOS_ERR_THREAD_FS_BASE;
	return CAPOS_OK;
}

/* Invoke: handle queued as result cap 0, then the thread (the last step). */
static int kthread_spawn_invoke(struct kcall_ctx *c, struct process *p,
				const struct proc_thread_args *a,
				struct capos_ThreadSpawner_spawn_Results_b *r)
{
	const struct captab_item item = { .interface_id = capos_ThreadHandle_TYPE_ID,
					  .xfer = CAPTAB_XFER_NONE };
	struct kthread_handle *h;
	struct thread_watch *w;
	struct thread *t;
	uint32_t index;
	int err = kthread_handle_create(p->ledger, &h);

	if (err)
		return err;
	struct captab_item hi = item;
	hi.obj = kthread_handle_kobj(h);
	err = kcall_result_cap(c, &hi, &index);
	if (err == CAPOS_OK && index != 0)
		err = CAPOS_ERR_INVALID; /* result caps queued out of order: a kernel bug */
	if (err == CAPOS_OK)
		err = kthread_handle_watch(h, &w);
	if (err == CAPOS_OK) {
		err = proc_thread_spawn(p, a, w, &t);
		if (err)
			kthread_handle_unwatch(h);
	}
	if (err == CAPOS_OK) {
		kthread_handle_started(h, t);
		capos_ThreadSpawner_spawn_Results_set_threadId(r, t->tid);
		capos_ThreadSpawner_spawn_Results_set_ring(r, t->ring_va);
	}
	(void)kobj_put(hi.obj); /* ours; the queued result cap and the thread hold theirs */
	return err;
}

static int kthread_spawn(void *self, const struct capos_ThreadSpawner_spawn_Params_r *in,
			 struct capos_ThreadSpawner_spawn_Results_b *r)
{
	struct kcall_ctx *c = self;
	struct proc_thread_args a;
	int err = kthread_spawn_decode(c, in, &a);

	if (err)
		return err;
	/* The whole answer first: only data fields change after the thread exists. */
	err = capos_ThreadSpawner_spawn_Results_set_handle(r, 0);
	if (err == CAPOS_OK)
		err = kcall_result_room(c, 1);
	return err ? err : kthread_spawn_invoke(c, c->caller, &a, r);
}

static const struct capos_ThreadSpawner_server kthread_spawner_server = { .spawn = kthread_spawn };

static int kthread_spawner_call(struct kcall_ctx *c)
{
	return capos_ThreadSpawner_dispatch(&kthread_spawner_server, c, c->method, c->params,
					    c->results);
}

const struct kcall_iface kthread_spawner_iface = {
	.interface_id = capos_ThreadSpawner_TYPE_ID,
	.method_count = capos_ThreadSpawner_METHOD_COUNT,
	.kobj_type = KOBJ_THREAD_SPAWNER,
	.max_caps_out = 1,
	.call = kthread_spawner_call,
};
