/*
 * tstress's kills (user/tstress/main.c lists the rest): tstress spawns itself as the
 * child "kill" with a page it shares (a MemoryObject, "mem"), whose `role` says what
 * the child does until it is killed:
 *   parked  TS_KILL_PARKED threads PARKed (six on one word, four on their own, the
 *           last two with a one-minute deadline), one thread spinning, main parked
 *           too; the child reports when every PARK is queued (probes, tstress.h)
 *   busy    the chain (main.c) passing its token on and on, TS_KILL_CHURN threads
 *           allocating and freeing without end, one thread spinning, main parked
 * The parent kills it once it is there: wait answers (-1, killed), and afterwards
 * neither the spinning thread's count nor the chain's progress moves (every thread,
 * running on any CPU, is gone). COM1: no parked op or timer sleep left, frames and
 * objects at their baselines (init's leak checks).
 */
#include "tstress.h"

#include <stddef.h>
#include <stdio.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/park.h>
#include <libcapos/runtime.h>
#include <libcapos/spawn.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#define TS_KILL_PARKED 10u
#define TS_KILL_CHURN 1u
#define TS_KILL_BUSY_TURNS 50u /* chain turns the busy child has taken when killed */

enum { TS_ROLE_PARKED = 1, TS_ROLE_BUSY = 2 };

/* The page the parent shares with the child. */
struct ts_kill_page {
	uint32_t role;	   /* written by the parent before the spawn */
	uint32_t parked;   /* parked: threads whose PARKs are queued */
	uint32_t spins;	   /* the spinning thread's count */
	uint32_t progress; /* busy: chain turns taken */
};

static struct {
	uint32_t shared_word, own[TS_KILL_PARKED];
	struct ts_probe probe[TS_KILL_PARKED];
	volatile struct ts_kill_page *page;
} ts_kc;

/* Parker i: the first six share one word, the rest have their own; the last two have
 * a deadline (a minute: armed timeouts must go with the kill too). */
static int64_t ts_kc_parker(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	uint32_t *w = i < 6 ? &ts_kc.shared_word : &ts_kc.own[i];

	(void)ts_park_probed(&ts_kc.probe[i], (uint64_t)(uintptr_t)w, 0,
			     i >= TS_KILL_PARKED - 2 ? 60 * TS_S : CAPOS_TIMEOUT_INFINITE);
	return 1;
}

static int64_t ts_kc_spinner(void *arg)
{
	(void)arg;
	for (;;) {
		__atomic_fetch_add(&ts_kc.page->spins, 1, __ATOMIC_RELAXED);
		__builtin_ia32_pause();
	}
	return 1;
}

/* The parked role: 1 when every PARK was seen queued. */
static int ts_kc_parked(void)
{
	struct capos_thread *t;
	uint32_t n = 0;
	int err = CAPOS_OK;

	for (; err == CAPOS_OK && n < TS_KILL_PARKED; n++)
		err = capos_thread_create(ts_kc_parker, (void *)(uintptr_t)n, 16384, &t);
	int parked = err == CAPOS_OK && ts_probe_wait(ts_kc.probe, n, 5000);
	printf("tstress: child: %u threads parked: %s (%s)\n", n, parked ? "yes" : "no",
	       capos_error_name(err));
	__atomic_store_n(&ts_kc.page->parked, parked ? n : 0, __ATOMIC_RELEASE);
	return parked;
}

int ts_child_main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;
	struct capos_thread *t, *chain[TS_CH];
	uint32_t mo;
	uint64_t addr = 0;
	int err = capos_capset_lookup(cs, "mem", capos_MemoryObject_TYPE_ID, &mo);

	if (err == CAPOS_OK)
		err = capos_memobj_map(mo, 1, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	if (err)
		return 2;
	ts_kc.page = (volatile struct ts_kill_page *)(uintptr_t)addr;
	if (ts_kc.page->role == TS_ROLE_PARKED)
		(void)ts_kc_parked();
	else if (ts_chain_start(UINT32_MAX, &ts_kc.page->progress, chain) != CAPOS_OK ||
		 ts_heap_churn(TS_KILL_CHURN) != CAPOS_OK)
		return 3;
	if (capos_thread_create(ts_kc_spinner, NULL, 16384, &t) != CAPOS_OK)
		return 4;
	fflush(stdout);
	(void)capos_park(ts.park, (uint64_t)(uintptr_t)&ts_kc.shared_word, 0,
			 CAPOS_TIMEOUT_INFINITE);
	return 1;
}

/* Spawns the child in `role` with a shared page; *page its mapping here. */
static int ts_kill_spawn(uint32_t role, uint32_t *h, volatile struct ts_kill_page **page)
{
	struct capos_ring_client *ring;
	uint32_t mo = 0;
	uint64_t addr = 0;
	int err = capos_memobj_alloc(ts.frames, 1, &mo);

	if (err == CAPOS_OK)
		err = capos_memobj_map(mo, 1, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr);
	if (err == CAPOS_OK)
		err = capos_ring_self(&ring);
	if (err)
		return err;
	*page = (volatile struct ts_kill_page *)(uintptr_t)addr;
	(*page)->role = role;
	const struct capos_spawn_grant g[] = {
		{ .name = "console", .kernel = capos_KernelCapSource_console },
		{ .name = "timer", .kernel = capos_KernelCapSource_timer },
		{ .name = "threads", .kernel = capos_KernelCapSource_threadSpawner },
		{ .name = "threadctl", .kernel = capos_KernelCapSource_threadControl },
		{ .name = "vm", .kernel = capos_KernelCapSource_virtualMemory },
		{ .name = "park", .kernel = capos_KernelCapSource_parkSpace },
		{ .name = "mem", .kernel = capos_KernelCapSource_none, .held = mo },
	};
	const struct capos_spawn_req req = { "tstress", "kill", NULL, g, sizeof(g) / sizeof(g[0]),
					     NULL };

	err = capos_spawn(ring, ts.spawner, &req, h);
	(void)capos_ring_release(ring, mo); /* the mapping keeps the page */
	return err;
}

/* Spawns the child in `role`, waits until *ready reaches want and its spinner runs,
 * kills it: 1 when it died killed and nothing of it ran afterwards. */
static int ts_kill_child(uint32_t role, size_t ready_off, uint32_t want, const char *what)
{
	struct capos_ring_client *ring;
	volatile struct ts_kill_page *page = NULL;
	uint32_t h = 0;
	int64_t code = 0;
	int killed = 0, ready = 0, still = 0;
	int err = capos_ring_self(&ring);

	if (err == CAPOS_OK)
		err = ts_kill_spawn(role, &h, &page);
	if (err == CAPOS_OK) {
		volatile uint32_t *r = (volatile uint32_t *)((volatile char *)page + ready_off);

		ready = ts_wait_count(r, want, 8000) && ts_wait_count(&page->spins, 1, 8000);
		ts_sleep_ms(20); /* the child's main parks meanwhile */
		err = capos_process_kill(ring, h);
	}
	if (err == CAPOS_OK)
		err = capos_process_wait(ring, h, &code, &killed);
	if (err == CAPOS_OK) {
		uint32_t spins = page->spins, progress = page->progress;

		ts_sleep_ms(30);
		still = spins == page->spins && progress == page->progress;
	}
	printf("tstress: kill: child %s -> %s, code %lld killed %d; nothing ran after: %s\n",
	       ready ? what : "not ready", capos_error_name(err), (long long)code, killed,
	       still ? "yes" : "no");
	return ready && err == CAPOS_OK && code == -1 && killed == 1 && still;
}

void ts_test_kill(void)
{
	ts_check("kill parked",
		 ts_kill_child(TS_ROLE_PARKED, offsetof(struct ts_kill_page, parked),
			       TS_KILL_PARKED, "with 10 threads parked and one spinning"));
	ts_check("kill busy",
		 ts_kill_child(TS_ROLE_BUSY, offsetof(struct ts_kill_page, progress),
			       TS_KILL_BUSY_TURNS,
			       "with 8 threads passing a token, 1 allocating, one spinning"));
}
