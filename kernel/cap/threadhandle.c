/*
 * ThreadHandle kernel object (contract in kernel/include/kernel/kthread.h; docs/
 * kernel-proc.md "Threads"): ThreadSpawner.spawn's view of one thread of the caller's
 * own process. The thread holds a reference on its handle (struct thread_watch, as a
 * child holds its ProcessHandle) until it is reaped, when its exit code is recorded;
 * so releasing the handle (detaching) neither stops the thread nor frees anything it
 * still needs.
 *
 * join: answered at once when the thread has ended; otherwise deferred (kring_defer,
 * one LEDGER_CALLS unit like any call in flight) and completed from the reap hook. One
 * join may be pending at a time (CAPOS_ERR_THREAD_JOIN_BUSY), the exit code is given
 * once (a later join: CAPOS_ERR_THREAD_JOINED), and a thread cannot join itself
 * (CAPOS_ERR_THREAD_JOIN_SELF). A joiner that dies first cancels its join; the thread
 * runs on, detached in effect.
 *
 * Lock legend: [K] the kernel lock; [I] immutable.
 */
#include <kernel/kthread.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <kernel/kcharge.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/proc.h>
#include <schema/capos.capnp.h>

struct kthread_handle {
	struct kobj k;
	struct thread_watch watch; /* [K] registered in the thread until it is reaped */
	struct thread *t;	   /* [K] the thread while it lives, NULL before and after */
	int64_t exit_code;	   /* [K] valid once `ended` */
	bool ended;		   /* [K] the thread was reaped */
	bool joined;		   /* [K] a join has taken the exit code */
	bool joining;		   /* [K] `join` below is pending in the joiner's ring */
	struct kring_pending join; /* [K] the one deferred join */
};

/* Framed join results: segment table, root pointer, one data word (exitCode). */
#define KTHREAD_JOIN_WORDS 3u

#define KTHREAD_HANDLE_OF(ptr, member)                                                             \
	((struct kthread_handle *)(void *)((char *)(ptr) -                                         \
					   __builtin_offsetof(struct kthread_handle, member)))

static void kthread_handle_release(struct kobj *obj)
{
	kfree_charged((struct kthread_handle *)obj);
}

static const struct kobj_ops kthread_handle_ops = { .name = "thread-handle",
						    .release = kthread_handle_release };

struct kobj *kthread_handle_kobj(struct kthread_handle *h)
{
	return &h->k;
}

/* join's results (exitCode) into b. 0 or a builder error. */
static int kthread_join_results(const struct kthread_handle *h, struct capnp_builder *b)
{
	struct capos_ThreadHandle_join_Results_b r;
	int err = capos_ThreadHandle_join_init_results(b, &r);

	if (err == CAPOS_OK)
		capos_ThreadHandle_join_Results_set_exitCode(&r, h->exit_code);
	return err ? err : capnp_builder_error(b);
}

/* The pending join is answered: the thread has ended. */
static void kthread_join_post(struct kthread_handle *h)
{
	uint64_t words[KTHREAD_JOIN_WORDS], out[KTHREAD_JOIN_WORDS + 1];
	struct capnp_bseg seg;
	struct capnp_builder b;
	size_t n = 0;

	h->joining = false;
	h->joined = true;
	if (capnp_builder_init(&b, &seg, 1, words, sizeof(words)) || kthread_join_results(h, &b) ||
	    capnp_builder_write_framed(&b, out, sizeof(out), &n)) {
		/* the arena is sized for these results: a kernel bug, reported as quota */
		kring_complete(&h->join, CAPOS_ERR_RING_QUOTA, NULL, 0);
		return;
	}
	kring_complete(&h->join, CAPOS_OK, out, (uint32_t)n);
}

/* The thread was reaped (proc_thread_free): record its code, answer a pending join,
 * drop the thread's reference (which may free the handle). */
static void kthread_handle_ended(struct thread_watch *w, int64_t code)
{
	struct kthread_handle *h = KTHREAD_HANDLE_OF(w, watch);

	h->t = NULL;
	h->exit_code = code;
	h->ended = true;
	if (h->joining)
		kthread_join_post(h);
	(void)kobj_put(&h->k);
}

int kthread_handle_create(struct ledger *payer, struct kthread_handle **out)
{
	struct kthread_handle *h;
	int err = kzalloc_charged(payer, sizeof(*h), (void **)&h);

	if (err)
		return err;
	err = kobj_init(&h->k, KOBJ_THREAD, &kthread_handle_ops);
	if (err) {
		kfree_charged(h);
		return err;
	}
	h->watch.ended = kthread_handle_ended;
	*out = h;
	return CAPOS_OK;
}

int kthread_handle_watch(struct kthread_handle *h, struct thread_watch **w)
{
	int err = kobj_get(&h->k);

	if (err)
		return err;
	*w = &h->watch;
	return CAPOS_OK;
}

void kthread_handle_unwatch(struct kthread_handle *h)
{
	(void)kobj_put(&h->k);
}

void kthread_handle_started(struct kthread_handle *h, struct thread *t)
{
	h->t = t;
}

/* The joiner died with its join pending: nothing is posted; the join is forgotten. */
static void kthread_join_cancel(struct kring_pending *p)
{
	struct kthread_handle *h = KTHREAD_HANDLE_OF(p, join);

	h->joining = false;
	if (h->t)
		klog("thread", "join of tid %u cancelled: its joiner died", h->t->tid);
}

static const struct kring_pending_ops kthread_join_ops = { .cancel = kthread_join_cancel };

/* Decode: which join this is. 0 (wait), 1 (answer now) or the refusal. */
static int kthread_join_decode(const struct kthread_handle *h)
{
	if (h->t != NULL && h->t == proc_current_thread())
		return CAPOS_ERR_THREAD_JOIN_SELF; /* never valid, whatever else holds */
	if (h->joined)
		return CAPOS_ERR_THREAD_JOINED;
	if (h->joining)
		return CAPOS_ERR_THREAD_JOIN_BUSY;
	return h->ended ? 1 : 0;
}

/* join: the exit code now if the thread has ended, else deferred until it is reaped.
 * The results are built first so a short or unwritable buffer is refused before the
 * join parks (kcall_result_room). */
static int kthread_handle_join(struct kcall_ctx *c)
{
	struct kthread_handle *h = (struct kthread_handle *)c->obj;
	int err = kthread_join_decode(h);

	if (err < 0)
		return err;
	if (err == 1) {
		h->joined = true;
		return kthread_join_results(h, c->results);
	}
	err = kthread_join_results(h, c->results);
	if (err == CAPOS_OK)
		err = kcall_result_room(c, 0);
	if (err == CAPOS_OK)
		err = kring_call_reserve(c->caller); /* a join is a call in flight */
	if (err)
		return err;
	err = kring_defer_call(&h->join, &kthread_join_ops);
	if (err) {
		kring_call_unreserve(c->caller);
		return err;
	}
	h->joining = true;
	return KCALL_DEFERRED;
}

static int kthread_handle_call(struct kcall_ctx *c)
{
	if (c->method == capos_ThreadHandle_METHOD_join)
		return kthread_handle_join(c);
	return CAPOS_ERR_CAPNP_UNIMPLEMENTED;
}

const struct kcall_iface kthread_handle_iface = {
	.interface_id = capos_ThreadHandle_TYPE_ID,
	.method_count = capos_ThreadHandle_METHOD_COUNT,
	.kobj_type = KOBJ_THREAD,
	.max_caps_out = 0,
	.call = kthread_handle_call,
};
