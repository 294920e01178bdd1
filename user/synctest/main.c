/*
 * synctest: init of the sync test manifest (system/tests/sync.capnp), driven by
 * tests/qemu/sync_tests.py. It checks libcapos's capos_mutex and capos_cond
 * (lib/libcapos/sync.c, docs/sync.md) over PARK/UNPARK; processes stand in for threads
 * (a SharedParkSpace per process, all bound to one MemoryObject; user/syncpeer):
 *   private   a private mutex: lock, trylock refused (CAPOS_ERR_BUSY), unlock, trylock
 *             taken; 1000 uncontended lock/unlock pairs queue no ring op; a condvar timed wait with no signal: CAPOS_ERR_RING_TIMED_OUT
 *             after >= 20 ms with the mutex held again
 *   newlib    newlib's lock hooks are libcapos's: a held lock refuses a second
 *             try-acquire, the malloc lock is recursive for its owner
 *   hostile   a contended mutex in an unbound SharedParkSpace: the lock answers
 *             CAPOS_ERR_PARK_UNBOUND instead of spinning or hanging
 *   counter   this process holds the shared mutex while 3 syncpeers start and block on
 *             it (every one takes the contended path: `slow` >= 3), then all 4
 *             processes do SYNC_ROUNDS read-pause-write increments under it: the
 *             counter is exactly 4 x SYNC_ROUNDS (a lost update or a lost wake-up
 *             fails or hangs)
 *   queue     producer (this process) / consumer (a syncpeer) over a 4-slot queue
 *             with a mutex and two condvars: SYNC_ITEMS items arrive in order; a
 *             consumer wait of 2 s with the queue empty reports a lost wake-up (exit 3)
 * One COM2 line per check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/lock.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sync.h>
#include <schema/capos.capnp.h>

#include <libcapos/spawn.h>
#include "shared.h"

#define ST_MS 1000000ull
#define ST_COUNTERS 3u

static struct capos_ring_client *st_ring;
static uint32_t st_timer, st_park, st_spark, st_spark2, st_frames, st_spawner;
static volatile struct sync_page *st_page;
static uint32_t st_mo;
static int st_failed;

static void st_check(const char *step, int ok)
{
	printf("synctest: %s: %s\n", step, ok ? "ok" : "FAILED");
	if (!ok)
		st_failed = 1;
}

static uint64_t st_now(void)
{
	uint64_t ns = 0;

	if (capos_timer_now(st_timer, &ns) != CAPOS_OK)
		st_failed = 1;
	return ns;
}

static void st_test_private(void)
{
	struct capos_mutex m;
	struct capos_cond c;

	capos_mutex_init(&m, st_park);
	capos_cond_init(&c, st_park);
	uint32_t sq0 = st_ring->sq_tail;
	for (int i = 0; i < 1000; i++)
		if (capos_mutex_lock(&m) || capos_mutex_unlock(&m))
			st_failed = 1;
	uint32_t entered = st_ring->sq_tail - sq0;
	printf("synctest: private: 1000 uncontended lock/unlock pairs queued %u ring op(s)\n",
	       entered);
	int a = capos_mutex_lock(&m), b = capos_mutex_trylock(&m), u = capos_mutex_unlock(&m);
	int t = capos_mutex_trylock(&m);
	printf("synctest: private: lock %s, trylock while held %s, unlock %s, trylock %s\n",
	       capos_error_name(a), capos_error_name(b), capos_error_name(u), capos_error_name(t));
	uint64_t t0 = st_now();
	int w = capos_cond_timedwait(&c, &m, 20 * ST_MS);
	uint64_t dt = st_now() - t0;
	int held = capos_mutex_trylock(&m) == CAPOS_ERR_BUSY;
	printf("synctest: private: timed wait with no signal -> %s, mutex held again: %s\n",
	       capos_error_name(w), held ? "yes" : "no");
	st_check("private", a == 0 && b == CAPOS_ERR_BUSY && u == 0 && t == 0 && entered == 0 &&
				    w == CAPOS_ERR_RING_TIMED_OUT && dt >= 20 * ST_MS && held &&
				    capos_mutex_unlock(&m) == CAPOS_OK);
}

/* newlib's lock hooks are libcapos's (lib/libcapos/nlock.c), not the no-op default
 * (whose try-acquire always succeeds): a held lock refuses a second try; the malloc lock
 * is recursive for its owner (malloc works while this thread holds it twice). */
extern struct __lock __lock___tz_mutex, __lock___malloc_recursive_mutex;

static void st_test_newlib(void)
{
	int first = __retarget_lock_try_acquire(&__lock___tz_mutex);
	int second = __retarget_lock_try_acquire(&__lock___tz_mutex);

	__retarget_lock_release(&__lock___tz_mutex);
	int again = __retarget_lock_try_acquire(&__lock___tz_mutex);
	__retarget_lock_release(&__lock___tz_mutex);
	__retarget_lock_acquire_recursive(&__lock___malloc_recursive_mutex);
	__retarget_lock_acquire_recursive(&__lock___malloc_recursive_mutex);
	void *p = malloc(100);
	free(p);
	__retarget_lock_release_recursive(&__lock___malloc_recursive_mutex);
	__retarget_lock_release_recursive(&__lock___malloc_recursive_mutex);
	int freed = __retarget_lock_try_acquire(&__lock___malloc_recursive_mutex);
	__retarget_lock_release(&__lock___malloc_recursive_mutex);
	printf("synctest: newlib: try-acquire %d, while held %d, after release %d; malloc under "
	       "the malloc lock held twice: %s; free after two releases: %s\n",
	       first, second, again, p ? "ok" : "NULL", freed == 0 ? "yes" : "no");
	st_check("newlib", first == 0 && second != 0 && again == 0 && p != NULL && freed == 0);
}

static void st_test_hostile(void)
{
	struct capos_mutex m;

	capos_mutex_init(&m, st_spark2);
	m.own = 1; /* held by someone: the lock must park, in a space bound to nothing */
	int err = capos_mutex_lock(&m);
	printf("synctest: hostile: contended lock in an unbound SharedParkSpace -> %s\n",
	       capos_error_name(err));
	st_check("hostile", err == CAPOS_ERR_PARK_UNBOUND);
}

/* Spawns syncpeer `name` whose SharedParkSpace is granted as `role`. */
static int st_spawn(const char *name, const char *role, uint32_t *h)
{
	const struct capos_spawn_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = role, .kernel = capos_KernelCapSource_sharedParkSpace },
		{ .name = "mem", .kernel = capos_KernelCapSource_none, .held = st_mo },
	};
	const struct capos_spawn_req req = { "syncpeer", name, NULL, g, 3, NULL };

	return capos_spawn(st_ring, st_spawner, &req, h);
}

/* Waits (sleeping 2 ms at a time, 2 s at most) until `n` children are ready. */
static int st_wait_ready(uint32_t n)
{
	int err = CAPOS_OK;

	for (int i = 0; err == CAPOS_OK && i < 1000; i++) {
		if (__atomic_load_n(&st_page->ready, __ATOMIC_ACQUIRE) >= n)
			return CAPOS_OK;
		err = capos_timer_sleep(st_timer, 2 * ST_MS);
	}
	return err ? err : CAPOS_ERR_RING_TIMED_OUT;
}

/* Waits for h: 0 when it exited with `want`. */
static int st_reap(uint32_t h, int64_t want)
{
	int64_t code = -9;
	int killed = 1;
	int err = capos_process_wait(st_ring, h, &code, &killed);

	return err == CAPOS_OK && code == want && !killed ? 0 : 1;
}

static void st_test_counter(void)
{
	struct capos_mutex m;
	uint32_t h[ST_COUNTERS];
	int err = CAPOS_OK, bad = 0;

	capos_mutex_init_at(&m, st_spark, &st_page->lock, SYNC_OFF(lock));
	err = capos_mutex_lock(&m);
	for (uint32_t i = 0; err == CAPOS_OK && i < ST_COUNTERS; i++)
		err = st_spawn("counter", "count", &h[i]);
	if (err == CAPOS_OK)
		err = st_wait_ready(ST_COUNTERS);
	if (err == CAPOS_OK) /* the counters find the mutex held and park on it */
		err = capos_timer_sleep(st_timer, 50 * ST_MS);
	uint32_t slow = __atomic_load_n(&st_page->slow, __ATOMIC_ACQUIRE);
	if (err == CAPOS_OK)
		err = capos_mutex_unlock(&m);
	for (uint32_t i = 0; err == CAPOS_OK && i < SYNC_ROUNDS; i++) {
		err = capos_mutex_lock(&m);
		uint32_t v = st_page->counter;
		for (volatile int k = 0; k < SYNC_PAUSE; k++)
			;
		st_page->counter = v + 1;
		if (err == CAPOS_OK)
			err = capos_mutex_unlock(&m);
	}
	for (uint32_t i = 0; i < ST_COUNTERS; i++)
		bad += st_reap(h[i], 0);
	uint32_t total = st_page->counter;
	printf("synctest: counter: %u processes x %u rounds -> %u (%s), contended while held: "
	       "%s, children exited 0: %s\n",
	       ST_COUNTERS + 1, SYNC_ROUNDS, total, capos_error_name(err),
	       slow >= ST_COUNTERS ? "all 3" : "not all", bad ? "no" : "yes");
	st_check("counter", err == CAPOS_OK && total == (ST_COUNTERS + 1) * SYNC_ROUNDS &&
				    slow >= ST_COUNTERS && !bad);
}

/* Produces 1..SYNC_ITEMS into the shared queue for the consumer peer. */
static int st_produce(void)
{
	struct capos_mutex q;
	struct capos_cond ne, nf;
	int err = CAPOS_OK;

	capos_mutex_init_at(&q, st_spark, &st_page->qlock, SYNC_OFF(qlock));
	capos_cond_init_at(&ne, st_spark, &st_page->not_empty, SYNC_OFF(not_empty));
	capos_cond_init_at(&nf, st_spark, &st_page->not_full, SYNC_OFF(not_full));
	for (uint32_t v = 1; err == CAPOS_OK && v <= SYNC_ITEMS; v++) {
		err = capos_mutex_lock(&q);
		while (err == CAPOS_OK && st_page->tail - st_page->head == SYNC_QUEUE_SLOTS)
			err = capos_cond_wait(&nf, &q);
		if (err)
			return err;
		st_page->items[st_page->tail % SYNC_QUEUE_SLOTS] = v;
		st_page->tail++;
		err = capos_cond_signal(&ne);
		if (err == CAPOS_OK)
			err = capos_mutex_unlock(&q);
	}
	return err;
}

static void st_test_queue(void)
{
	uint32_t h = 0;
	int64_t code = -9;
	int killed = 1;
	int err = st_spawn("consumer", "consume", &h);

	if (err == CAPOS_OK)
		err = st_produce();
	if (err == CAPOS_OK)
		err = capos_process_wait(st_ring, h, &code, &killed);
	printf("synctest: queue: %u items through 4 slots -> %s, consumer exit %lld killed %d\n",
	       SYNC_ITEMS, capos_error_name(err), (long long)code, killed);
	st_check("queue", err == CAPOS_OK && code == 0 && !killed);
}

static int st_lookup(const char *name, uint64_t iid, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				   cap);
}

/* The shared page: a 1-page object mapped here, "spark" bound to it. */
static int st_setup_page(void)
{
	uint64_t addr = 0;
	int err = capos_memobj_alloc(st_frames, 1, &st_mo);

	if (err == CAPOS_OK)
		err = capos_memobj_map(st_mo, 1, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	if (err == CAPOS_OK)
		err = capos_park_bind(st_spark, st_mo);
	st_page = (volatile struct sync_page *)(uintptr_t)addr;
	return err;
}

int main(void)
{
	if (capos_ring_self(&st_ring) || st_lookup("timer", capos_Timer_TYPE_ID, &st_timer) ||
	    st_lookup("park", capos_ParkSpace_TYPE_ID, &st_park) ||
	    st_lookup("spark", capos_SharedParkSpace_TYPE_ID, &st_spark) ||
	    st_lookup("spark2", capos_SharedParkSpace_TYPE_ID, &st_spark2) ||
	    st_lookup("frames", capos_FrameAllocator_TYPE_ID, &st_frames) ||
	    st_lookup("spawner", capos_ProcessSpawner_TYPE_ID, &st_spawner))
		return 2;
	printf("synctest: start (pid %u)\n", (unsigned)capos_boot.pid);
	st_test_private();
	st_test_newlib();
	st_test_hostile();
	int err = st_setup_page();
	printf("synctest: shared page: %s\n", capos_error_name(err));
	if (err == CAPOS_OK) {
		st_test_counter();
		st_test_queue();
	} else {
		st_failed = 1;
	}
	printf("synctest: done, exiting %d\n", st_failed);
	return st_failed;
}
