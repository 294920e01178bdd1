/*
 * newlib's retargetable locking (newlib is configured with
 * --enable-newlib-retargetable-locking, lib/newlib/build-newlib.sh) over capos_mutex
 * (libcapos/sync.h; docs/sync.md): malloc, stdio's FILE locks, atexit, the environment
 * and the time zone take these locks, so they are safe across the threads of one
 * process. This file defines every symbol of newlib's default lock.o (the nine static
 * locks and the ten functions), so the linker never pulls that no-op version.
 *
 * A lock is a capos_mutex word plus, for the recursive kind, its owner (the thread's
 * ring address, capos_thread_ring: unique per live thread) and depth. An uncontended
 * acquire or release never enters the kernel. A contended one PARKs in the process's
 * ParkSpace named "park" (looked up once in the CapSet); a process without one (which
 * cannot have a second thread to contend with unless it was also given ThreadSpawner)
 * spins with `pause` instead — grant "park" to multi-threaded programs.
 * Locks created at run time (FILE locks) are calloc'ed; if that fails they share one
 * static fallback lock (coarser, still correct: every FILE lock is recursive).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/lock.h>

#include <capos/error.h>
#include <libcapos/kcaps.h>
#include <libcapos/runtime.h>
#include <libcapos/sync.h>
#include <schema/capos.capnp.h>

struct __lock {
	volatile uint32_t word; /* capos_mutex word: 0 free, 1 held, 2 held with waiters */
	uint32_t depth;		/* recursive: acquisitions by the owner */
	uintptr_t owner;	/* recursive: the owner's capos_thread_ring, 0 when free */
};

struct __lock __lock___sinit_recursive_mutex;
struct __lock __lock___sfp_recursive_mutex;
struct __lock __lock___atexit_recursive_mutex;
struct __lock __lock___at_quick_exit_mutex;
struct __lock __lock___malloc_recursive_mutex;
struct __lock __lock___env_recursive_mutex;
struct __lock __lock___tz_mutex;
struct __lock __lock___dd_hash_mutex;
struct __lock __lock___arc4random_mutex;

static struct __lock nlock_fallback; /* run-time locks when calloc fails */
static uint32_t nlock_park;	     /* the "park" ParkSpace, 0 until found */
static int nlock_no_park;	     /* the lookup failed: spin */

/* The mutex view of lock l (its word, keyed by its address in the ParkSpace). */
static int nlock_mutex(struct __lock *l, struct capos_mutex *m)
{
	if (!nlock_no_park && nlock_park == 0 &&
	    capos_kcap_find("park", capos_ParkSpace_TYPE_ID, &nlock_park) != CAPOS_OK)
		nlock_no_park = 1;
	if (nlock_no_park)
		return CAPOS_ERR_NOT_FOUND;
	capos_mutex_init_at(m, nlock_park, &l->word, (uint64_t)(uintptr_t)&l->word);
	return CAPOS_OK;
}

static void nlock_take(struct __lock *l)
{
	struct capos_mutex m;
	uint32_t free_word = 0;

	if (__atomic_compare_exchange_n(&l->word, &free_word, 1, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return; /* uncontended */
	if (nlock_mutex(l, &m) == CAPOS_OK && capos_mutex_lock(&m) == CAPOS_OK)
		return;
	for (;;) { /* no ParkSpace (or it refused): spin */
		free_word = 0;
		if (__atomic_compare_exchange_n(&l->word, &free_word, 2, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		__builtin_ia32_pause();
	}
}

static void nlock_give(struct __lock *l)
{
	struct capos_mutex m;

	if (nlock_mutex(l, &m) == CAPOS_OK)
		(void)capos_mutex_unlock(&m); /* enters the kernel only if someone parked */
	else
		__atomic_store_n(&l->word, 0, __ATOMIC_RELEASE); /* spinners see it */
}

static int nlock_mine(const struct __lock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == capos_thread_ring;
}

void __retarget_lock_init(_LOCK_T *lock)
{
	*lock = calloc(1, sizeof(**lock));
	if (*lock == NULL)
		*lock = &nlock_fallback;
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
	__retarget_lock_init(lock);
}

void __retarget_lock_close(_LOCK_T lock)
{
	if (lock != &nlock_fallback)
		free(lock);
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
	__retarget_lock_close(lock);
}

void __retarget_lock_acquire(_LOCK_T lock)
{
	nlock_take(lock);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
	if (nlock_mine(lock)) {
		lock->depth++;
		return;
	}
	nlock_take(lock);
	__atomic_store_n(&lock->owner, capos_thread_ring, __ATOMIC_RELAXED);
	lock->depth = 1;
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
	uint32_t free_word = 0;

	return __atomic_compare_exchange_n(&lock->word, &free_word, 1, 0, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED)
		       ? 0
		       : 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
	if (nlock_mine(lock)) {
		lock->depth++;
		return 0;
	}
	if (__retarget_lock_try_acquire(lock) != 0)
		return 1;
	__atomic_store_n(&lock->owner, capos_thread_ring, __ATOMIC_RELAXED);
	lock->depth = 1;
	return 0;
}

void __retarget_lock_release(_LOCK_T lock)
{
	nlock_give(lock);
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
	if (--lock->depth != 0)
		return;
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
	nlock_give(lock);
}
