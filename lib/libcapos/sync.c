/*
 * capos_mutex and capos_cond (libcapos/sync.h; docs/sync.md) over PARK/UNPARK
 * (libcapos/park.h). The mutex follows the classic three-state futex protocol: lock
 * tries 0 -> 1; on failure it marks the word 2 (contended) and PARKs while it stays 2,
 * retrying with an exchange to 2; unlock decrements and, if the word was 2, stores 0
 * and UNPARKs one waiter. A PARK that finds the word changed returns at once (value
 * changed), so no wake-up is lost between the check and the wait.
 */
#include <libcapos/sync.h>

#include <stdbool.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/park.h>
#include <libcapos/sys.h>

void capos_mutex_init_at(struct capos_mutex *m, uint32_t space, volatile uint32_t *word,
			 uint64_t key)
{
	m->word = word;
	m->space = space;
	m->key = key;
	m->own = 0;
}

void capos_mutex_init(struct capos_mutex *m, uint32_t space)
{
	capos_mutex_init_at(m, space, &m->own, (uint64_t)(uintptr_t)&m->own);
}

int capos_mutex_trylock(struct capos_mutex *m)
{
	uint32_t expected = 0;

	return __atomic_compare_exchange_n(m->word, &expected, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED)
		       ? CAPOS_OK
		       : CAPOS_ERR_BUSY;
}

/* Nap between retries of a PARK the kernel refused (a timed block on an empty ring:
 * other threads run meanwhile, one of them holds the mutex). */
#define SYNC_RETRY_NS 100000ull

/*
 * The contended path: mark the word 2 and park until an exchange finds it free. A
 * PARK refused with CAPOS_ERR_PARK_WAITERS_LIMIT (the process has its bound of parked
 * ops, e.g. many async PARKs queued) is retried after a nap; so is any other PARK
 * error when `must` (the caller cannot give up: cond re-lock), else that error is
 * returned with the mutex not held.
 */
static int sync_lock_slow(struct capos_mutex *m, bool must)
{
	while (__atomic_exchange_n(m->word, 2, __ATOMIC_ACQUIRE) != 0) {
		int st = capos_park(m->space, m->key, 2, CAPOS_TIMEOUT_INFINITE);

		if (st == CAPOS_ERR_PARK_WAITERS_LIMIT || (st < 0 && must))
			(void)capos_sys_cap_enter(1, SYNC_RETRY_NS);
		else if (st < 0)
			return st;
	}
	return CAPOS_OK;
}

int capos_mutex_lock(struct capos_mutex *m)
{
	if (capos_mutex_trylock(m) == CAPOS_OK)
		return CAPOS_OK; /* uncontended: no kernel entry */
	return sync_lock_slow(m, false);
}

int capos_mutex_unlock(struct capos_mutex *m)
{
	if (__atomic_fetch_sub(m->word, 1, __ATOMIC_RELEASE) == 1)
		return CAPOS_OK; /* was 1: nobody parked */
	__atomic_store_n(m->word, 0, __ATOMIC_RELEASE);
	int st = capos_unpark(m->space, m->key, 1);
	return st < 0 ? st : CAPOS_OK;
}

void capos_cond_init_at(struct capos_cond *c, uint32_t space, volatile uint32_t *seq, uint64_t key)
{
	c->seq = seq;
	c->space = space;
	c->key = key;
	c->own = 0;
}

void capos_cond_init(struct capos_cond *c, uint32_t space)
{
	capos_cond_init_at(c, space, &c->own, (uint64_t)(uintptr_t)&c->own);
}

int capos_cond_timedwait(struct capos_cond *c, struct capos_mutex *m, uint64_t timeout_ns)
{
	uint32_t seq = __atomic_load_n(c->seq, __ATOMIC_ACQUIRE);
	int err = capos_mutex_unlock(m);
	int st = err ? err : capos_park(c->space, c->key, seq, timeout_ns);

	if (st == CAPOS_ERR_PARK_WAITERS_LIMIT) { /* refused, not an error: a spurious wake */
		(void)capos_sys_cap_enter(1, SYNC_RETRY_NS);
		st = CAPOS_OK;
	}
	/* Re-acquire as contended: other waiters woken by a broadcast may be parked on the
	 * mutex, and the unlock after this must wake them. */
	(void)sync_lock_slow(m, true); /* never fails: the mutex is held on return */
	return st < 0 ? st : CAPOS_OK;
}

int capos_cond_wait(struct capos_cond *c, struct capos_mutex *m)
{
	return capos_cond_timedwait(c, m, CAPOS_TIMEOUT_INFINITE);
}

/* Bumps the sequence and wakes up to n waiters. */
static int sync_cond_wake(struct capos_cond *c, uint32_t n)
{
	__atomic_fetch_add(c->seq, 1, __ATOMIC_RELEASE);
	int st = capos_unpark(c->space, c->key, n);
	return st < 0 ? st : CAPOS_OK;
}

int capos_cond_signal(struct capos_cond *c)
{
	return sync_cond_wake(c, 1);
}

int capos_cond_broadcast(struct capos_cond *c)
{
	return sync_cond_wake(c, CAPOS_UNPARK_ALL);
}
