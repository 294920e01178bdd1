/*
 * syncpeer: a child of the sync boot test (user/synctest, tests/qemu/sync_tests.py). It
 * binds the SharedParkSpace it was given to the MemoryObject "mem", maps it (layout
 * user/synctest/shared.h), raises `ready` and plays the role its space's name says:
 *   "count"    SYNC_ROUNDS increments of the shared counter under the shared
 *              capos_mutex (a read, a pause, a write: a lost update shows), counting in
 *              `slow` the acquisitions that found the mutex taken; exit 0 (1: a
 *              lock or unlock failed)
 *   "consume"  takes SYNC_ITEMS items from the shared queue (capos_mutex + two
 *              capos_conds), checking they arrive 1, 2, 3, ... in order; a wait that
 *              times out after 2 s with the queue still empty is a lost wake-up.
 *              Exit 0 when all arrived in order, 3 on a lost wake-up, 1 otherwise.
 *   "pong"     the round-trip bench's partner (user/parkbench): for each round i, waits
 *              (PARK) until `ping` is i, stores i in `pong` and UNPARKs it (with
 *              `batched`, UNPARK and the next PARK in one cap_enter); exit 0
 * Exit 2: setup failed.
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/runtime.h>
#include <libcapos/sync.h>
#include <schema/capos.capnp.h>

#include "../synctest/shared.h"

#define SP_LOST_NS 2000000000ull /* a condvar wait this long means a lost wake-up */

static volatile struct sync_page *sp;

/* 0, or 1 when a lock failed. */
static int sp_count(uint32_t space)
{
	struct capos_mutex m;

	capos_mutex_init_at(&m, space, &sp->lock, SYNC_OFF(lock));
	for (uint32_t i = 0; i < SYNC_ROUNDS; i++) {
		if (capos_mutex_trylock(&m) != CAPOS_OK) {
			__atomic_fetch_add(&sp->slow, 1, __ATOMIC_RELAXED);
			if (capos_mutex_lock(&m) != CAPOS_OK)
				return 1;
		}
		uint32_t v = sp->counter;
		for (volatile int k = 0; k < SYNC_PAUSE; k++)
			;
		sp->counter = v + 1;
		if (capos_mutex_unlock(&m) != CAPOS_OK)
			return 1;
	}
	return 0;
}

/* 0: every item in order; 3: a lost wake-up; 1: out of order or an error. */
static int sp_consume(uint32_t space)
{
	struct capos_mutex q;
	struct capos_cond ne, nf;
	uint32_t want = 1;

	capos_mutex_init_at(&q, space, &sp->qlock, SYNC_OFF(qlock));
	capos_cond_init_at(&ne, space, &sp->not_empty, SYNC_OFF(not_empty));
	capos_cond_init_at(&nf, space, &sp->not_full, SYNC_OFF(not_full));
	while (want <= SYNC_ITEMS) {
		if (capos_mutex_lock(&q))
			return 1;
		while (sp->head == sp->tail) {
			int st = capos_cond_timedwait(&ne, &q, SP_LOST_NS);

			if (st == CAPOS_ERR_RING_TIMED_OUT && sp->head == sp->tail)
				return 3;
			if (st != CAPOS_OK && st != CAPOS_ERR_RING_TIMED_OUT)
				return 1;
		}
		uint32_t v = sp->items[sp->head % SYNC_QUEUE_SLOTS];
		sp->head++;
		capos_cond_signal(&nf);
		capos_mutex_unlock(&q);
		if (v != want++)
			return 1;
	}
	return 0;
}

/* Answers round i (ping is i): stores pong = i and wakes the parent; batched, the same
 * cap_enter then parks for round i + 1 (ping still i). */
static int sp_answer(uint32_t space, uint32_t i, int park_after)
{
	__atomic_store_n(&sp->pong, i, __ATOMIC_RELEASE);
	if (park_after)
		return capos_unpark_then_park(space, SYNC_OFF(pong), 1, SYNC_OFF(ping), i) < 0;
	return capos_unpark(space, SYNC_OFF(pong), 1) < 0;
}

static int sp_pong(uint32_t space)
{
	uint32_t rounds = __atomic_load_n(&sp->rounds, __ATOMIC_ACQUIRE);
	int batched = __atomic_load_n(&sp->batched, __ATOMIC_ACQUIRE) != 0;

	for (uint32_t i = 1; i <= rounds; i++) {
		if (capos_park_until(space, &sp->ping, SYNC_OFF(ping), i) ||
		    sp_answer(space, i, batched && i < rounds))
			return 1;
	}
	return 0;
}

int main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;
	uint32_t space = 0, mo = 0;
	uint64_t addr = 0;
	static const char *const roles[] = { "count", "consume", "pong" };
	int role = -1, err = CAPOS_OK;

	for (int i = 0; i < 3 && role < 0; i++)
		if (capos_capset_lookup(cs, roles[i], capos_SharedParkSpace_TYPE_ID, &space) ==
		    CAPOS_OK)
			role = i;
	if (role < 0)
		err = CAPOS_ERR_NOT_FOUND;

	if (err == CAPOS_OK)
		err = capos_capset_lookup(cs, "mem", capos_MemoryObject_TYPE_ID, &mo);
	if (err == CAPOS_OK)
		err = capos_park_bind(space, mo);
	if (err == CAPOS_OK)
		err = capos_memobj_map(mo, 1, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	if (err) {
		printf("syncpeer: setup -> %s\n", capos_error_name(err));
		return 2;
	}
	sp = (volatile struct sync_page *)(uintptr_t)addr;
	__atomic_fetch_add(&sp->ready, 1, __ATOMIC_RELEASE);
	if (role == 2)
		return sp_pong(space);
	return role == 0 ? sp_count(space) : sp_consume(space);
}
