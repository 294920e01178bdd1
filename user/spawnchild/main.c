/*
 * spawnchild: the child of the spawn tests (user/spawntest), started through
 * ProcessSpawner with a different CapSet each time; what it finds there decides what
 * it does, so one binary serves every test:
 *   "spin"    (any cap)  loop forever (the parent kills it)
 *   "console" (Console)  print "spawnchild: hello from pid N" first
 *   "held"    (Timer)    a cap the parent copied or moved: call Timer.now on it and
 *                        exit SPAWNCHILD_HELD_OK if it answers, SPAWNCHILD_HELD_BAD if not
 * otherwise exit SPAWNCHILD_PLAIN. A CapSet that is not exactly what the parent granted
 * shows up as a wrong exit code in the parent's wait.
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define SPAWNCHILD_PLAIN 42
#define SPAWNCHILD_HELD_OK 10
#define SPAWNCHILD_HELD_BAD 11
#define SPAWNCHILD_NO_RING 12

static const struct capos_capset_page *spawnchild_capset(void)
{
	return (const struct capos_capset_page *)capos_boot.capset;
}

/* True if the CapSet names `name` (any interface). */
static int spawnchild_has(const char *name)
{
	const struct capos_capset_page *page = spawnchild_capset();

	for (uint32_t i = 0; i < page->hdr.count && i < CAPOS_CAPSET_MAX_ENTRIES; i++) {
		const char *n = page->entries[i].name;
		uint32_t j = 0;

		while (name[j] && n[j] == name[j])
			j++;
		if (name[j] == '\0' && n[j] == '\0')
			return 1;
	}
	return 0;
}

/* Timer.now on the held cap: 0 if it answers with a non-zero time. */
static int spawnchild_held(uint32_t timer)
{
	struct capos_ring_client *ring;
	struct capos_cqe cqe;
	uint64_t res[8];

	if (capos_ring_self(&ring))
		return SPAWNCHILD_NO_RING;
	int err = capos_ring_call(ring, timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, NULL, 0,
				  res, sizeof(res), &cqe);
	return err == 0 && cqe.result_len > 8 ? SPAWNCHILD_HELD_OK : SPAWNCHILD_HELD_BAD;
}

int main(void)
{
	uint32_t cap;

	if (spawnchild_has("spin"))
		for (;;)
			__asm__ volatile("pause");
	if (capos_capset_lookup(spawnchild_capset(), "console", capos_Console_TYPE_ID, &cap) == 0)
		printf("spawnchild: hello from pid %u\n", (unsigned)capos_boot.pid);
	if (capos_capset_lookup(spawnchild_capset(), "held", capos_Timer_TYPE_ID, &cap) == 0)
		return spawnchild_held(cap);
	return SPAWNCHILD_PLAIN;
}
