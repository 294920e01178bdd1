/*
 * Mutexes and condition variables over PARK/UNPARK (lib/libcapos/sync.c; docs/sync.md).
 * capos_mutex is the three-state futex mutex (0 free, 1 locked, 2 locked with possible
 * waiters): an uncontended lock or unlock is one atomic instruction and never enters
 * the kernel; only a contended lock PARKs and only an unlock that saw state 2 UNPARKs.
 * capos_cond is a sequence word: a waiter samples it, unlocks, PARKs while it is
 * unchanged; signal/broadcast bump it and UNPARK one/all.
 *
 * Each object names its park space and the key of its word: a ParkSpace and the word's
 * address (threads of one process), or a bound SharedParkSpace and the word's byte
 * offset in the MemoryObject (processes sharing the object; the word must then live in
 * a mapping of that object at that offset).
 */
#ifndef LIBCAPOS_SYNC_H
#define LIBCAPOS_SYNC_H

#include <stdint.h>

struct capos_mutex {
	volatile uint32_t *word; /* the lock word (0, 1, 2) */
	uint32_t space;		 /* park space cap */
	uint64_t key;		 /* the word's address (ParkSpace) or offset (shared) */
	uint32_t own;		 /* the word of a private mutex (word == &own) */
};

struct capos_cond {
	volatile uint32_t *seq; /* bumped by every signal/broadcast */
	uint32_t space;
	uint64_t key;
	uint32_t own;
};

/* A private mutex (its word inside *m) for the threads of this process, parking in
 * ParkSpace `space`. */
void capos_mutex_init(struct capos_mutex *m, uint32_t space);

/* A mutex whose word is `word`, keyed `key` in `space` (a SharedParkSpace and the word's
 * offset in its object). The word must start at 0 (free) before first use. */
void capos_mutex_init_at(struct capos_mutex *m, uint32_t space, volatile uint32_t *word,
			 uint64_t key);

/* Acquires m (blocking). Never fails for the kernel's bound on parked ops
 * (CAPOS_ERR_PARK_WAITERS_LIMIT): the PARK is retried after a 100 us nap until the
 * mutex is taken. Errors: any other PARK error except value-changed (a bad space or
 * word: the mutex is then not held). */
int capos_mutex_lock(struct capos_mutex *m);

/* Acquires m if free: 0, else CAPOS_ERR_BUSY. */
int capos_mutex_trylock(struct capos_mutex *m);

/* Releases m (held by the caller). Errors: the UNPARK's (the mutex is released anyway). */
int capos_mutex_unlock(struct capos_mutex *m);

void capos_cond_init(struct capos_cond *c, uint32_t space);
void capos_cond_init_at(struct capos_cond *c, uint32_t space, volatile uint32_t *seq, uint64_t key);

/*
 * Releases m, waits for a signal/broadcast after the call began (or timeout_ns;
 * CAPOS_TIMEOUT_INFINITE: none), re-acquires m. ALWAYS returns with m held, whatever
 * the status (the re-lock retries every PARK error after a nap). May return 0
 * spuriously (callers re-check their predicate), also when the kernel refused the wait
 * for its bound of parked ops (CAPOS_ERR_PARK_WAITERS_LIMIT, after a nap). Errors:
 * CAPOS_ERR_RING_TIMED_OUT, the unlock's and other PARK errors (m held all the same).
 */
int capos_cond_timedwait(struct capos_cond *c, struct capos_mutex *m, uint64_t timeout_ns);
int capos_cond_wait(struct capos_cond *c, struct capos_mutex *m);

/* Wakes one waiter / every waiter. Errors: the UNPARK's. */
int capos_cond_signal(struct capos_cond *c);
int capos_cond_broadcast(struct capos_cond *c);

#endif
