/*
 * threadtest's hostile twins (user/threadtest/main.c lists them): each asserts the
 * exact status and CapException type, and that nothing started.
 *   entry        a kernel address, a non-canonical one      -> THREAD_ENTRY (invalidArgument)
 *   stack        non-canonical top, top not 16-byte aligned -> THREAD_STACK (invalidArgument)
 *   fsbase       spawn with a kernel FS base, setFsBase(kernel address) -> THREAD_FS_BASE
 *   join twice   the second join of an ended thread         -> THREAD_JOINED
 *   join busy    a join while another thread's join of it is pending -> THREAD_JOIN_BUSY
 *   join self    a thread joining its own handle            -> THREAD_JOIN_SELF
 *   released     join through a released handle             -> CAP_STALE (the slot's
 *                generation moved on)
 *   forged       join through a cap id never issued         -> CAP_BAD_ID
 */
#include "threadtest.h"

#include <stdio.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <libcapos/ring.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

void capos_thread_entry(void); /* a real entry: only the argument checks matter here */

static uint64_t th_stack[512] __attribute__((aligned(16)));

/* A raw spawn with one field replaced; its status and type. */
static int th_spawn_raw(uint64_t entry, uint64_t stack_top, uint64_t fs, int *type)
{
	const struct capos_thread_spawn_args a = {
		.entry = entry, .stack_top = stack_top, .arg = 0, .fs_base = fs
	};
	struct capos_thread_spawned sp;

	return capos_thread_spawn_call(th.threads, &a, &sp, type);
}

static void th_hostile_spawn(const char *what, uint64_t entry, uint64_t stack, uint64_t fs,
			     int want)
{
	int type;
	int err = th_spawn_raw(entry, stack, fs, &type);
	int want_type = capos_ExceptionType_invalidArgument;

	printf("threadtest: hostile %s -> %s\n", what, th_err(err, type));
	th_check(what, err == want && type == want_type);
}

/* What the join twins' threads share with the main thread. */
static struct {
	volatile uint32_t handle;  /* the handle the helper thread must join */
	int err, type;		   /* what its join answered */
	int64_t code;		   /* the exit code its join returned */
	volatile uint32_t release; /* join busy: one join was refused, the gated thread may end */
} th_jx;

static int64_t th_quick(void *arg)
{
	return (int64_t)(uintptr_t)arg;
}

/* Spins on NOPs until *flag is set (another thread of this process sets it). */
static void th_spin_until(volatile uint32_t *flag)
{
	struct capos_ring_client *c;

	if (capos_ring_self(&c) == CAPOS_OK)
		while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0)
			(void)capos_ring_nop(c);
}

/* The thread both join in "join busy": it ends only once one of the two joins was
 * refused, so the other one is pending whatever order they reach the kernel in (the
 * test used to order them by timer sleeps, 20 ms against 100 ms, which a busy host
 * overran: thread-suite@smp2 saw the second join after the first had completed). */
static int64_t th_gated(void *arg)
{
	th_spin_until(&th_jx.release);
	return (int64_t)(uintptr_t)arg;
}

/* A join refused as busy lets the gated thread end. */
static void th_busy_seen(int err)
{
	if (err == CAPOS_ERR_THREAD_JOIN_BUSY)
		__atomic_store_n(&th_jx.release, 1, __ATOMIC_RELEASE);
}

/* Joins th_jx.handle once it is published, racing the main thread's join of it. */
static int64_t th_busy_joiner(void *arg)
{
	(void)arg;
	th_spin_until(&th_jx.handle);
	th_jx.err = capos_thread_join_call(th_jx.handle, &th_jx.code, &th_jx.type);
	th_busy_seen(th_jx.err);
	return 4;
}

/* Joins its own handle once the main thread has published it. */
static int64_t th_self_joiner(void *arg)
{
	int64_t code = 0;

	(void)arg;
	th_spin_until(&th_jx.handle);
	th_jx.err = capos_thread_join_call(th_jx.handle, &code, &th_jx.type);
	return 6;
}

static void th_join_report(const char *what, int err, int type, int want, int want_type)
{
	printf("threadtest: hostile %s -> %s\n", what, th_err(err, type));
	th_check(what, err == want && type == want_type);
}

/* join twice, join of a released handle, a forged handle (their blocks go with the
 * process: capos_thread_join, which frees them, needs a joinable handle). */
static void th_test_join_twice(void)
{
	struct capos_ring_client *c;
	struct capos_thread *t, *u;
	int64_t code = 0;
	int type = -1;
	int err = capos_thread_create(th_quick, (void *)5, 0, &t);

	if (err == CAPOS_OK)
		err = capos_thread_join_call(capos_thread_handle(t), &code, &type);
	printf("threadtest: join -> %s, code %lld\n", capos_error_name(err), (long long)code);
	if (err == CAPOS_OK)
		err = capos_thread_join_call(capos_thread_handle(t), &code, &type);
	th_join_report("join twice", err, type, CAPOS_ERR_THREAD_JOINED,
		       capos_ExceptionType_invalidArgument);
	err = capos_thread_create(th_quick, (void *)6, 0, &u);
	if (err == CAPOS_OK)
		err = capos_ring_self(&c);
	if (err == CAPOS_OK)
		err = capos_ring_release(c, capos_thread_handle(u)); /* detach */
	if (err == CAPOS_OK)
		err = capos_thread_join_call(capos_thread_handle(u), &code, &type);
	th_join_report("join released handle", err, type, CAPOS_ERR_CAP_STALE, -1);
	err = capos_thread_join_call(0x00ff1234u, &code, &type);
	th_join_report("join forged handle", err, type, CAPOS_ERR_CAP_BAD_ID, -1);
}

/* Two joins of one thread at once: exactly one is refused with JOIN_BUSY (the main
 * thread's or the helper's, whichever reached the kernel second), the other returns the
 * code. x's record (stack, TLS) stays allocated until the process ends (capos_thread_join
 * cannot free it after a raw join); its handle is released. */
static int th_join_busy(int64_t *cx, int64_t *cy)
{
	struct capos_ring_client *c;
	struct capos_thread *x, *y;
	int64_t mine = 0;
	int type = -1, err, joined;

	th_jx = (__typeof__(th_jx)){ 0 };
	err = capos_thread_create(th_gated, (void *)3, 0, &x);
	if (err == CAPOS_OK)
		err = capos_thread_create(th_busy_joiner, NULL, 0, &y);
	if (err != CAPOS_OK)
		return err;
	__atomic_store_n(&th_jx.handle, capos_thread_handle(x), __ATOMIC_RELEASE);
	joined = capos_thread_join_call(capos_thread_handle(x), &mine, &type);
	th_busy_seen(joined);
	err = capos_thread_join(y, cy);
	if (joined == CAPOS_ERR_THREAD_JOIN_BUSY) { /* the helper's join was the pending one */
		th_jx.err = joined;
		th_jx.type = type;
		mine = th_jx.code;
		joined = CAPOS_OK;
	}
	*cx = mine;
	if (err == CAPOS_OK && capos_ring_self(&c) == CAPOS_OK)
		err = capos_ring_release(c, capos_thread_handle(x));
	return err ? err : joined;
}

/* A join while another is pending; a thread joining itself. */
static void th_test_join_busy_self(void)
{
	struct capos_thread *z;
	int64_t cx = 0, cy = 0, cz = 0;
	int err = th_join_busy(&cx, &cy);

	printf("threadtest: join busy: joined %lld and %lld (%s)\n", (long long)cx, (long long)cy,
	       capos_error_name(err));
	th_join_report("join busy", th_jx.err, th_jx.type, CAPOS_ERR_THREAD_JOIN_BUSY,
		       capos_ExceptionType_overloaded);
	th_jx.handle = 0;
	th_jx.err = 0;
	err = capos_thread_create(th_self_joiner, NULL, 0, &z);
	if (err == CAPOS_OK) {
		th_jx.handle = capos_thread_handle(z);
		err = capos_thread_join(z, &cz);
	}
	th_join_report("join self", th_jx.err, th_jx.type, CAPOS_ERR_THREAD_JOIN_SELF,
		       capos_ExceptionType_invalidArgument);
	th_check("join twins: threads still joined with their codes",
		 err == CAPOS_OK && cx == 3 && cy == 4 && cz == 6);
}

void th_test_hostile(void)
{
	uint64_t entry = (uint64_t)(uintptr_t)capos_thread_entry;
	uint64_t top = (uint64_t)(uintptr_t)(th_stack + 512);
	int type;

	th_hostile_spawn("entry kernel", 0xFFFFFFFF80100000ull, top, 0, CAPOS_ERR_THREAD_ENTRY);
	th_hostile_spawn("entry non-canonical", 0x0000800000000000ull, top, 0,
			 CAPOS_ERR_THREAD_ENTRY);
	th_hostile_spawn("stack non-canonical", entry, 0x0008000000000000ull, 0,
			 CAPOS_ERR_THREAD_STACK);
	th_hostile_spawn("stack misaligned", entry, top - 8, 0, CAPOS_ERR_THREAD_STACK);
	th_hostile_spawn("fsbase kernel", entry, top, 0xFFFF800000000000ull,
			 CAPOS_ERR_THREAD_FS_BASE);
	int err = capos_thread_set_fs_base_call(th.threadctl, 0xFFFF800000001000ull, &type);
	printf("threadtest: hostile setFsBase(kernel) -> %s\n", th_err(err, type));
	th_check("setFsBase kernel",
		 err == CAPOS_ERR_THREAD_FS_BASE && type == capos_ExceptionType_invalidArgument);
	th_test_join_twice();
	th_test_join_busy_self();
}
