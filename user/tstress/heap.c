/*
 * tstress's heap part (user/tstress/main.c lists the checks): TS_HP threads, released
 * together by a gate, each do TS_HP_OPS malloc / realloc / free operations on its own
 * TS_HP_SLOTS blocks of varied sizes (1 byte to 32 KiB) from newlib's one heap, whose
 * lock is libcapos's (lib/libcapos/nlock.c). Every block holds a pattern of its
 * thread, slot and generation, checked before each realloc and free (a realloc keeps
 * the old prefix): another thread's block handed out twice, or a split gone wrong,
 * shows as corruption. Afterwards mallinfo's bytes in use are back where they started.
 */
#include "tstress.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include <capos/error.h>
#include <libcapos/thread.h>

#define TS_HP 8u
#define TS_HP_OPS 1000u
#define TS_HP_SLOTS 16u

struct ts_hp_rep {
	uint32_t index;
	uint32_t ops;			   /* operations to do (UINT32_MAX: on and on) */
	uint32_t mallocs, reallocs, frees; /* operations done */
	uint32_t corrupt;		   /* blocks whose pattern was wrong */
	uint32_t failed;		   /* allocations that returned NULL */
	uint32_t others;		   /* other threads' operations during its own */
};

static volatile uint32_t ts_hp_gate;
static volatile uint32_t ts_hp_ops; /* operations of every thread so far */

/* The pattern byte at offset k of a block tagged `tag`. */
static uint8_t ts_hp_byte(uint32_t tag, size_t k)
{
	return (uint8_t)(tag + k * 13u + (k >> 8));
}

static void ts_hp_fill(uint8_t *p, size_t from, size_t n, uint32_t tag)
{
	for (size_t k = from; k < n; k++)
		p[k] = ts_hp_byte(tag, k);
}

/* 1 when p[0..n) holds tag's pattern. */
static int ts_hp_intact(const uint8_t *p, size_t n, uint32_t tag)
{
	for (size_t k = 0; k < n; k++)
		if (p[k] != ts_hp_byte(tag, k))
			return 0;
	return 1;
}

/* The next pseudo-random number of a thread's generator (xorshift32). */
static uint32_t ts_hp_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Mostly small blocks, every eighth one up to 32 KiB (the heap grows, splits, merges). */
static size_t ts_hp_size(uint32_t r)
{
	return (r & 7u) == 0 ? 4096u + (r >> 8) % 28672u : 1u + (r >> 8) % 600u;
}

struct ts_hp_slot {
	uint8_t *p;
	size_t n;
	uint32_t tag;
};

/* One operation on slot s: allocate an empty one, else check it and free or resize. */
static void ts_hp_op(struct ts_hp_rep *rep, struct ts_hp_slot *s, uint32_t r, uint32_t tag)
{
	if (s->p == NULL) {
		s->n = ts_hp_size(r);
		s->p = malloc(s->n);
		rep->mallocs++;
		rep->failed += s->p == NULL;
	} else if (!ts_hp_intact(s->p, s->n, s->tag)) {
		rep->corrupt++;
		free(s->p);
		s->p = NULL;
	} else if (r & 0x100u) {
		free(s->p);
		rep->frees++;
		s->p = NULL;
	} else {
		size_t n = ts_hp_size(r >> 3);
		uint8_t *q = realloc(s->p, n);

		rep->reallocs++;
		if (q == NULL) {
			rep->failed++;
			return; /* the old block stays, intact */
		}
		rep->corrupt += !ts_hp_intact(q, n < s->n ? n : s->n, s->tag);
		s->p = q;
		s->n = n;
	}
	if (s->p) {
		s->tag = tag;
		ts_hp_fill(s->p, 0, s->n, tag);
	}
}

static int64_t ts_hp_worker(void *arg)
{
	struct ts_hp_rep *rep = arg;
	struct ts_hp_slot slot[TS_HP_SLOTS] = { 0 };
	uint32_t seed = 0x9e3779b9u * (rep->index + 1), before;

	while (!__atomic_load_n(&ts_hp_gate, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	before = __atomic_load_n(&ts_hp_ops, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < rep->ops; i++) {
		uint32_t r = ts_hp_rand(&seed);

		ts_hp_op(rep, &slot[r % TS_HP_SLOTS], r, rep->index * 1000003u + i);
		__atomic_fetch_add(&ts_hp_ops, 1, __ATOMIC_RELAXED);
	}
	rep->others = __atomic_load_n(&ts_hp_ops, __ATOMIC_RELAXED) - before - rep->ops;
	for (uint32_t s = 0; s < TS_HP_SLOTS; s++) {
		if (slot[s].p && !ts_hp_intact(slot[s].p, slot[s].n, slot[s].tag))
			rep->corrupt++;
		free(slot[s].p);
	}
	return 0;
}

int ts_heap_churn(uint32_t n)
{
	static struct ts_hp_rep rep[TS_HP];
	struct capos_thread *t;
	int err = CAPOS_OK;

	for (uint32_t i = 0; err == CAPOS_OK && i < n && i < TS_HP; i++) {
		rep[i] = (struct ts_hp_rep){ .index = i, .ops = UINT32_MAX };
		err = capos_thread_create(ts_hp_worker, &rep[i], 16384, &t);
	}
	__atomic_store_n(&ts_hp_gate, 1, __ATOMIC_RELEASE);
	return err;
}

void ts_test_heap(void)
{
	static struct ts_hp_rep rep[TS_HP];
	struct capos_thread *t[TS_HP] = { 0 };
	struct mallinfo before = mallinfo();
	uint32_t ops = 0, corrupt = 0, failed = 0, overlapped = 0;
	int err = CAPOS_OK;

	for (uint32_t i = 0; err == CAPOS_OK && i < TS_HP; i++) {
		rep[i] = (struct ts_hp_rep){ .index = i, .ops = TS_HP_OPS };
		err = capos_thread_create(ts_hp_worker, &rep[i], 16384, &t[i]);
	}
	__atomic_store_n(&ts_hp_gate, 1, __ATOMIC_RELEASE);
	int joined = ts_join_all(t, TS_HP, NULL);
	struct mallinfo after = mallinfo();
	for (uint32_t i = 0; i < TS_HP; i++) {
		ops += rep[i].mallocs + rep[i].reallocs + rep[i].frees;
		corrupt += rep[i].corrupt;
		failed += rep[i].failed;
		overlapped += rep[i].others != 0;
	}
	printf("tstress: heap: %u threads x %u operations (%s): corrupt blocks %u, failed "
	       "allocations %u, joined: %s; bytes in use after %s before\n",
	       TS_HP, TS_HP_OPS, capos_error_name(err), corrupt, failed, joined ? "yes" : "no",
	       after.uordblks == before.uordblks ? "==" : "!=");
	printf("tstress: heap: %u malloc/realloc/free calls, %u of %u threads overlapped "
	       "others; in use %d before, %d after, heap %d bytes\n",
	       ops, overlapped, TS_HP, before.uordblks, after.uordblks, after.arena);
	ts_check("heap", err == CAPOS_OK && joined && corrupt == 0 && failed == 0 &&
				 after.uordblks == before.uordblks);
}
