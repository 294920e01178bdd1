/*
 * Host tests of the capability table and kernel object reference counting
 * (kernel/cap/captab.c, kernel/cap/kobj.c, compiled unmodified): insertion, typed
 * lookup errors for forged, stale, empty and wrong-interface ids, release freeing the
 * object on its last reference, quota exhaustion, FIFO slot reuse, generation wrap
 * (never 0), the reserve/commit/rollback transaction including its failure paths,
 * transfer-mode checks, and a randomized run against a simple model. Every test
 * checks the table's counting invariant.
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/kobj.h>

#define IID_CONSOLE 0xd0a1f2e3c4b5a697ull
#define IID_TIMER 0x8e7f6a5b4c3d2e1full

struct tobj {
	struct kobj k;
	int released;
};

static void tobj_release(struct kobj *obj)
{
	((struct tobj *)obj)->released++;
}

static const struct kobj_ops tobj_ops = { .name = "test", .release = tobj_release };

static void tobj_init(struct tobj *o)
{
	memset(o, 0, sizeof(*o));
	(void)kobj_init(&o->k, KOBJ_TEST, &tobj_ops);
}

static struct captab_item item_of(struct tobj *o, uint64_t iid, uint8_t xfer)
{
	return (struct captab_item){ .obj = &o->k, .interface_id = iid, .badge = 7, .xfer = xfer };
}

/* nlive + nreserved + nfree == nslots, the free list has nfree FREE slots and every
 * generation is non-zero. */
static bool table_consistent(const struct captab *t)
{
	uint32_t live = 0, reserved = 0, freecount = 0, walked = 0;

	for (uint32_t i = 0; i < t->nslots; i++) {
		const struct captab_entry *e = &t->slots[i];
		if (e->gen == 0)
			return false;
		live += e->state == CAPTAB_LIVE;
		reserved += e->state == CAPTAB_RESERVED;
		freecount += e->state == CAPTAB_FREE;
		if (e->state == CAPTAB_LIVE && !kobj_is_live(e->obj))
			return false;
	}
	for (uint32_t s = t->free_head; s != CAPTAB_NO_SLOT; s = t->slots[s].next_free) {
		if (s >= t->nslots || t->slots[s].state != CAPTAB_FREE || ++walked > t->nslots)
			return false;
	}
	return live == t->nlive && reserved == t->nreserved && freecount == t->nfree &&
	       walked == t->nfree && live + reserved + freecount == t->nslots;
}

TEST(kobj_init_rejects_bad_arguments)
{
	struct tobj o;
	static const struct kobj_ops no_release = { .name = "x", .release = NULL };
	CHECK_EQ(kobj_init(&o.k, KOBJ_NONE, &tobj_ops), CAPOS_ERR_INVALID);
	CHECK_EQ(kobj_init(&o.k, KOBJ_TYPE_COUNT, &tobj_ops), CAPOS_ERR_INVALID);
	CHECK_EQ(kobj_init(&o.k, KOBJ_TEST, &no_release), CAPOS_ERR_INVALID);
	CHECK_EQ(kobj_init(NULL, KOBJ_TEST, &tobj_ops), CAPOS_ERR_INVALID);
	CHECK_EQ(kobj_init(&o.k, KOBJ_TEST, &tobj_ops), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&o.k), 1);
}

TEST(kobj_last_put_releases_and_poisons)
{
	struct tobj o;
	tobj_init(&o);
	CHECK_EQ(kobj_get(&o.k), CAPOS_OK);
	CHECK_EQ(kobj_put(&o.k), CAPOS_OK);
	CHECK_EQ(o.released, 0);
	CHECK_EQ(kobj_put(&o.k), CAPOS_OK);
	CHECK_EQ(o.released, 1);
	CHECK(!kobj_is_live(&o.k));
	CHECK_UEQ(o.k.magic, KOBJ_DEAD_MAGIC);
	/* Use after free is a typed error, and never releases twice. */
	CHECK_EQ(kobj_get(&o.k), CAPOS_ERR_KOBJ_BAD_MAGIC);
	CHECK_EQ(kobj_put(&o.k), CAPOS_ERR_KOBJ_BAD_MAGIC);
	CHECK_EQ(o.released, 1);
}

TEST(kobj_refcount_saturates_and_never_underflows)
{
	struct tobj o;
	tobj_init(&o);
	o.k.refs = KOBJ_REFS_MAX;
	CHECK_EQ(kobj_get(&o.k), CAPOS_ERR_KOBJ_REFCOUNT);
	CHECK_UEQ(kobj_refs(&o.k), KOBJ_REFS_MAX);
	o.k.refs = 0; /* a live magic with no refs: a corrupt object */
	CHECK_EQ(kobj_put(&o.k), CAPOS_ERR_KOBJ_REFCOUNT);
	CHECK_EQ(kobj_get(&o.k), CAPOS_ERR_KOBJ_REFCOUNT);
	CHECK_EQ(o.released, 0);
	struct kobj garbage;
	memset(&garbage, 0x5a, sizeof(garbage));
	CHECK_EQ(kobj_get(&garbage), CAPOS_ERR_KOBJ_BAD_MAGIC);
	CHECK_EQ(kobj_get(NULL), CAPOS_ERR_KOBJ_BAD_MAGIC);
}

TEST(captab_init_bounds)
{
	struct captab t;
	static struct captab_entry slots[4];
	CHECK_EQ(captab_init(&t, slots, 0), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_init(&t, NULL, 4), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_init(&t, slots, CAPOS_CAP_SLOTS_MAX + 1), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_init(&t, slots, 4), CAPOS_OK);
	CHECK_UEQ(captab_free(&t), 4);
	CHECK_UEQ(captab_live(&t), 0);
	CHECK(table_consistent(&t));
}

TEST(captab_insert_and_lookup)
{
	struct captab t;
	struct captab_entry slots[8];
	struct tobj o;
	tobj_init(&o);
	CHECK_EQ(captab_init(&t, slots, 8), CAPOS_OK);
	struct captab_item it = item_of(&o, IID_CONSOLE, CAPTAB_XFER_COPY);
	uint32_t id = 0;
	CHECK_EQ(captab_insert(&t, &it, &id), CAPOS_OK);
	CHECK(id != CAPOS_CAP_NULL);
	CHECK_UEQ(capos_cap_slot(id), 0);
	CHECK_UEQ(capos_cap_gen(id), 1);
	CHECK_UEQ(kobj_refs(&o.k), 2);
	const struct captab_entry *e = NULL;
	CHECK_EQ(captab_lookup(&t, id, IID_CONSOLE, &e), CAPOS_OK);
	CHECK(e->obj == &o.k);
	CHECK_UEQ(e->interface_id, IID_CONSOLE);
	CHECK_UEQ(e->badge, 7);
	CHECK_EQ(captab_lookup(&t, id, CAPTAB_ANY_INTERFACE, &e), CAPOS_OK);
	CHECK_UEQ(captab_live(&t), 1);
	CHECK(table_consistent(&t));
}

TEST(captab_insert_rejects_bad_items)
{
	struct captab t;
	struct captab_entry slots[2];
	struct tobj o;
	tobj_init(&o);
	CHECK_EQ(captab_init(&t, slots, 2), CAPOS_OK);
	uint32_t id;
	struct captab_item it = item_of(&o, 0, CAPTAB_XFER_COPY);
	CHECK_EQ(captab_insert(&t, &it, &id), CAPOS_ERR_INVALID);
	it = item_of(&o, IID_CONSOLE, 3);
	CHECK_EQ(captab_insert(&t, &it, &id), CAPOS_ERR_INVALID);
	it.obj = NULL;
	it.xfer = CAPTAB_XFER_COPY;
	CHECK_EQ(captab_insert(&t, &it, &id), CAPOS_ERR_INVALID);
	/* A dead object cannot enter a table. */
	struct tobj dead;
	tobj_init(&dead);
	CHECK_EQ(kobj_put(&dead.k), CAPOS_OK);
	it = item_of(&dead, IID_CONSOLE, CAPTAB_XFER_COPY);
	CHECK_EQ(captab_insert(&t, &it, &id), CAPOS_ERR_KOBJ_BAD_MAGIC);
	CHECK_UEQ(captab_free(&t), 2);
	CHECK_UEQ(kobj_refs(&o.k), 1);
	CHECK(table_consistent(&t));
}

TEST(captab_lookup_typed_errors)
{
	struct captab t;
	struct captab_entry slots[4];
	struct tobj o;
	tobj_init(&o);
	CHECK_EQ(captab_init(&t, slots, 4), CAPOS_OK);
	struct captab_item it = item_of(&o, IID_CONSOLE, CAPTAB_XFER_COPY);
	uint32_t id;
	CHECK_EQ(captab_insert(&t, &it, &id), CAPOS_OK);
	const struct captab_entry *e;
	/* Forged: null, generation 0, slot beyond the table (also beyond 16 bits' use). */
	CHECK_EQ(captab_lookup(&t, CAPOS_CAP_NULL, IID_CONSOLE, &e), CAPOS_ERR_CAP_BAD_ID);
	CHECK_EQ(captab_lookup(&t, capos_cap_make(0, 0), IID_CONSOLE, &e), CAPOS_ERR_CAP_BAD_ID);
	CHECK_EQ(captab_lookup(&t, capos_cap_make(4, 1), IID_CONSOLE, &e), CAPOS_ERR_CAP_BAD_ID);
	CHECK_EQ(captab_lookup(&t, capos_cap_make(0xFFFF, 1), IID_CONSOLE, &e),
		 CAPOS_ERR_CAP_BAD_ID);
	/* Right slot, wrong generation while live. */
	CHECK_EQ(captab_lookup(&t, capos_cap_make(0, 2), IID_CONSOLE, &e), CAPOS_ERR_CAP_STALE);
	/* A slot never allocated, named with its next generation. */
	CHECK_EQ(captab_lookup(&t, capos_cap_make(1, 1), IID_CONSOLE, &e), CAPOS_ERR_CAP_EMPTY);
	CHECK_EQ(captab_lookup(&t, id, IID_TIMER, &e), CAPOS_ERR_CAP_WRONG_INTERFACE);
	/* Stale after release; releasing again is stale too. */
	CHECK_EQ(captab_release(&t, id), CAPOS_OK);
	CHECK_EQ(captab_lookup(&t, id, IID_CONSOLE, &e), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_release(&t, id), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_release(&t, CAPOS_CAP_NULL), CAPOS_ERR_CAP_BAD_ID);
	CHECK(table_consistent(&t));
}

TEST(captab_release_frees_object_on_last_reference)
{
	struct captab t;
	struct captab_entry slots[4];
	struct tobj o;
	tobj_init(&o);
	CHECK_EQ(captab_init(&t, slots, 4), CAPOS_OK);
	struct captab_item it = item_of(&o, IID_CONSOLE, CAPTAB_XFER_COPY);
	uint32_t a, b;
	CHECK_EQ(captab_insert(&t, &it, &a), CAPOS_OK);
	CHECK_EQ(captab_insert(&t, &it, &b), CAPOS_OK);
	CHECK(a != b);
	CHECK_EQ(kobj_put(&o.k), CAPOS_OK); /* the creator lets go */
	CHECK_EQ(captab_release(&t, a), CAPOS_OK);
	CHECK_EQ(o.released, 0);
	CHECK_EQ(captab_release(&t, b), CAPOS_OK);
	CHECK_EQ(o.released, 1);
	CHECK(!kobj_is_live(&o.k));
	CHECK_UEQ(captab_free(&t), 4);
	CHECK(table_consistent(&t));
}

TEST(captab_exhaustion_and_fifo_reuse)
{
	struct captab t;
	struct captab_entry slots[4];
	struct tobj o;
	tobj_init(&o);
	CHECK_EQ(captab_init(&t, slots, 4), CAPOS_OK);
	struct captab_item it = item_of(&o, IID_CONSOLE, CAPTAB_XFER_COPY);
	uint32_t ids[4], extra;
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(captab_insert(&t, &it, &ids[i]), CAPOS_OK);
		CHECK_UEQ(capos_cap_slot(ids[i]), (unsigned)i);
	}
	CHECK_EQ(captab_insert(&t, &it, &extra), CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(kobj_refs(&o.k), 5); /* the failed insert took nothing */
	/* Oldest free slot first: release 2 then 0, get 2 then 0 back (new generation). */
	CHECK_EQ(captab_release(&t, ids[2]), CAPOS_OK);
	CHECK_EQ(captab_release(&t, ids[0]), CAPOS_OK);
	uint32_t n1, n2;
	CHECK_EQ(captab_insert(&t, &it, &n1), CAPOS_OK);
	CHECK_EQ(captab_insert(&t, &it, &n2), CAPOS_OK);
	CHECK_UEQ(n1, capos_cap_make(2, 2));
	CHECK_UEQ(n2, capos_cap_make(0, 2));
	const struct captab_entry *e;
	CHECK_EQ(captab_lookup(&t, ids[2], IID_CONSOLE, &e), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_insert(&t, &it, &extra), CAPOS_ERR_CAP_TABLE_FULL);
	CHECK(table_consistent(&t));
}

/* A table with a ledger: every slot off the free list is charged to LEDGER_CAP_SLOTS
 * (insert and reserve), every slot back released (release, rollback, clear); a ledger
 * tighter than the table answers CAP_TABLE_FULL, all or nothing, charging nothing. */
TEST(captab_charges_its_ledger)
{
	struct captab t;
	struct captab_entry slots[8];
	struct ledger l = { .limit = { [LEDGER_CAP_SLOTS] = 4 } };
	struct captab_txn txn;
	struct tobj o;
	uint32_t ids[4], extra;

	tobj_init(&o);
	CHECK_EQ(captab_init(&t, slots, 8), CAPOS_OK);
	t.ledger = &l;
	struct captab_item it = item_of(&o, IID_CONSOLE, CAPTAB_XFER_COPY);
	CHECK_EQ(captab_insert(&t, &it, &ids[0]), CAPOS_OK);
	CHECK_EQ(captab_insert(&t, &it, &ids[1]), CAPOS_OK);
	CHECK_UEQ(l.used[LEDGER_CAP_SLOTS], 2);
	CHECK_EQ(captab_reserve(&t, 3, &txn), CAPOS_ERR_CAP_TABLE_FULL); /* 2 + 3 > 4 */
	CHECK_UEQ(l.used[LEDGER_CAP_SLOTS], 2);
	CHECK_EQ(captab_reserve(&t, 2, &txn), CAPOS_OK);
	CHECK_UEQ(l.used[LEDGER_CAP_SLOTS], 4);
	CHECK_EQ(captab_insert(&t, &it, &extra), CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(t.nfree, 4); /* free slots remain: the ledger said no */
	CHECK_EQ(captab_rollback(&t, &txn), CAPOS_OK);
	CHECK_UEQ(l.used[LEDGER_CAP_SLOTS], 2);
	CHECK_EQ(captab_release(&t, ids[0]), CAPOS_OK);
	CHECK_UEQ(l.used[LEDGER_CAP_SLOTS], 1);
	CHECK_EQ(captab_clear(&t), CAPOS_OK);
	CHECK_UEQ(l.used[LEDGER_CAP_SLOTS], 0);
	CHECK_UEQ(l.peak[LEDGER_CAP_SLOTS], 4);
	CHECK_UEQ(l.underflows, 0);
	CHECK(table_consistent(&t));
}

/* A slot reused CAPOS_CAP_GEN_MAX times wraps to generation 1, never 0. */
TEST(captab_generation_wraps_skipping_zero)
{
	struct captab t;
	struct captab_entry slots[1];
	struct tobj o;
	tobj_init(&o);
	CHECK_EQ(captab_init(&t, slots, 1), CAPOS_OK);
	struct captab_item it = item_of(&o, IID_CONSOLE, CAPTAB_XFER_COPY);
	uint32_t id, prev = CAPOS_CAP_NULL;
	for (uint32_t round = 0; round < CAPOS_CAP_GEN_MAX + 2; round++) {
		CHECK_EQ(captab_insert(&t, &it, &id), CAPOS_OK);
		uint32_t want = round % CAPOS_CAP_GEN_MAX + 1;
		CHECK_UEQ(capos_cap_gen(id), want);
		CHECK(id != CAPOS_CAP_NULL);
		const struct captab_entry *e;
		if (prev != CAPOS_CAP_NULL)
			CHECK_EQ(captab_lookup(&t, prev, IID_CONSOLE, &e), CAPOS_ERR_CAP_STALE);
		CHECK_EQ(captab_release(&t, id), CAPOS_OK);
		prev = id;
	}
	CHECK_UEQ(kobj_refs(&o.k), 1);
	CHECK(table_consistent(&t));
}

TEST(captab_reserve_commit_publishes_atomically)
{
	struct captab t;
	struct captab_entry slots[8];
	struct tobj a, b, c;
	tobj_init(&a);
	tobj_init(&b);
	tobj_init(&c);
	CHECK_EQ(captab_init(&t, slots, 8), CAPOS_OK);
	struct captab_txn txn;
	CHECK_EQ(captab_reserve(&t, 3, &txn), CAPOS_OK);
	CHECK_UEQ(captab_free(&t), 5);
	CHECK(table_consistent(&t));
	/* Reserved slots are invisible and cannot be taken by an insert. */
	const struct captab_entry *e;
	CHECK_EQ(captab_lookup(&t, capos_cap_make(txn.slot[0], 1), CAPTAB_ANY_INTERFACE, &e),
		 CAPOS_ERR_CAP_EMPTY);
	struct captab_item items[3] = { item_of(&a, IID_CONSOLE, CAPTAB_XFER_COPY),
					item_of(&b, IID_TIMER, CAPTAB_XFER_MOVE),
					item_of(&c, IID_CONSOLE, CAPTAB_XFER_NONE) };
	uint32_t ids[3];
	CHECK_EQ(captab_commit(&t, &txn, items, ids), CAPOS_OK);
	CHECK_UEQ(captab_live(&t), 3);
	CHECK_EQ(captab_lookup(&t, ids[0], IID_CONSOLE, &e), CAPOS_OK);
	CHECK(e->obj == &a.k);
	CHECK_EQ(captab_lookup(&t, ids[1], IID_TIMER, &e), CAPOS_OK);
	CHECK_UEQ(e->xfer, CAPTAB_XFER_MOVE);
	CHECK_EQ(captab_lookup(&t, ids[2], IID_CONSOLE, &e), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&a.k), 2);
	/* A committed transaction is no longer pending. */
	CHECK_EQ(captab_rollback(&t, &txn), CAPOS_ERR_CAP_BAD_RESERVATION);
	CHECK_EQ(captab_commit(&t, &txn, items, ids), CAPOS_ERR_CAP_BAD_RESERVATION);
	CHECK(table_consistent(&t));
}

TEST(captab_reserve_all_or_nothing)
{
	struct captab t;
	struct captab_entry slots[4];
	CHECK_EQ(captab_init(&t, slots, 4), CAPOS_OK);
	struct captab_txn txn, txn2;
	CHECK_EQ(captab_reserve(&t, 0, &txn), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_reserve(&t, CAPTAB_TXN_MAX + 1, &txn), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_reserve(&t, 5, &txn), CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(captab_free(&t), 4);
	CHECK_EQ(captab_reserve(&t, 3, &txn), CAPOS_OK);
	CHECK_EQ(captab_reserve(&t, 2, &txn2), CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(captab_free(&t), 1);
	CHECK_EQ(captab_rollback(&t, &txn), CAPOS_OK);
	CHECK_UEQ(captab_free(&t), 4);
	CHECK_EQ(captab_rollback(&t, &txn), CAPOS_ERR_CAP_BAD_RESERVATION);
	CHECK(table_consistent(&t));
}

TEST(captab_commit_failure_leaves_reservation_and_refs)
{
	struct captab t;
	struct captab_entry slots[4];
	struct tobj a, b, dead;
	tobj_init(&a);
	tobj_init(&b);
	tobj_init(&dead);
	CHECK_EQ(kobj_put(&dead.k), CAPOS_OK);
	CHECK_EQ(captab_init(&t, slots, 4), CAPOS_OK);
	struct captab_txn txn;
	CHECK_EQ(captab_reserve(&t, 3, &txn), CAPOS_OK);
	uint32_t ids[3] = { 0, 0, 0 };
	/* An invalid item anywhere: nothing is referenced, nothing published. */
	struct captab_item bad[3] = { item_of(&a, IID_CONSOLE, CAPTAB_XFER_COPY),
				      item_of(&b, 0, CAPTAB_XFER_COPY),
				      item_of(&a, IID_CONSOLE, CAPTAB_XFER_COPY) };
	CHECK_EQ(captab_commit(&t, &txn, bad, ids), CAPOS_ERR_INVALID);
	CHECK_UEQ(kobj_refs(&a.k), 1);
	/* The third object is dead: the first two references are given back. */
	struct captab_item items[3] = { item_of(&a, IID_CONSOLE, CAPTAB_XFER_COPY),
					item_of(&b, IID_TIMER, CAPTAB_XFER_COPY),
					item_of(&dead, IID_CONSOLE, CAPTAB_XFER_COPY) };
	CHECK_EQ(captab_commit(&t, &txn, items, ids), CAPOS_ERR_KOBJ_BAD_MAGIC);
	CHECK_UEQ(kobj_refs(&a.k), 1);
	CHECK_UEQ(kobj_refs(&b.k), 1);
	CHECK_UEQ(captab_live(&t), 0);
	CHECK_UEQ(ids[0], 0);
	CHECK_UEQ(t.nreserved, 3);
	CHECK_EQ(captab_rollback(&t, &txn), CAPOS_OK);
	CHECK_UEQ(captab_free(&t), 4);
	/* A forged transaction (duplicate or foreign slots) is refused. */
	struct captab_txn forged = { .n = 2, .slot = { 1, 1 } };
	CHECK_EQ(captab_reserve(&t, 2, &txn), CAPOS_OK);
	forged.slot[0] = forged.slot[1] = txn.slot[0];
	CHECK_EQ(captab_commit(&t, &forged, items, ids), CAPOS_ERR_CAP_BAD_RESERVATION);
	forged.slot[1] = 99;
	CHECK_EQ(captab_rollback(&t, &forged), CAPOS_ERR_CAP_BAD_RESERVATION);
	CHECK_EQ(captab_rollback(&t, &txn), CAPOS_OK);
	CHECK(table_consistent(&t));
}

TEST(captab_transfer_modes_and_move_flow)
{
	struct captab snd, rcv;
	struct captab_entry s_slots[4], r_slots[4];
	struct tobj o, u, p;
	tobj_init(&o);
	tobj_init(&u);
	tobj_init(&p);
	CHECK_EQ(captab_init(&snd, s_slots, 4), CAPOS_OK);
	CHECK_EQ(captab_init(&rcv, r_slots, 4), CAPOS_OK);
	uint32_t copyable, unique, pinned;
	struct captab_item it = item_of(&o, IID_CONSOLE, CAPTAB_XFER_COPY);
	CHECK_EQ(captab_insert(&snd, &it, &copyable), CAPOS_OK);
	it = item_of(&u, IID_TIMER, CAPTAB_XFER_MOVE);
	CHECK_EQ(captab_insert(&snd, &it, &unique), CAPOS_OK);
	it = item_of(&p, IID_TIMER, CAPTAB_XFER_NONE);
	CHECK_EQ(captab_insert(&snd, &it, &pinned), CAPOS_OK);
	struct captab_item out;
	CHECK_EQ(captab_prepare_send(&snd, copyable, CAPTAB_XFER_COPY, &out), CAPOS_OK);
	CHECK_EQ(captab_prepare_send(&snd, copyable, CAPTAB_XFER_MOVE, &out), CAPOS_OK);
	CHECK_EQ(captab_prepare_send(&snd, unique, CAPTAB_XFER_COPY, &out),
		 CAPOS_ERR_CAP_NOT_TRANSFERABLE);
	CHECK_EQ(captab_prepare_send(&snd, pinned, CAPTAB_XFER_MOVE, &out),
		 CAPOS_ERR_CAP_NOT_TRANSFERABLE);
	CHECK_EQ(captab_prepare_send(&snd, copyable, CAPTAB_XFER_NONE, &out), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_prepare_send(&snd, capos_cap_make(3, 9), CAPTAB_XFER_COPY, &out),
		 CAPOS_ERR_CAP_STALE);
	/* Move: decode, reserve, commit in the receiver, then release the sender's slot. */
	CHECK_EQ(captab_prepare_send(&snd, unique, CAPTAB_XFER_MOVE, &out), CAPOS_OK);
	struct captab_txn txn;
	uint32_t got;
	CHECK_EQ(captab_reserve(&rcv, 1, &txn), CAPOS_OK);
	CHECK_EQ(captab_commit(&rcv, &txn, &out, &got), CAPOS_OK);
	CHECK_EQ(captab_release(&snd, unique), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&u.k), 2); /* creator + receiver: no authority duplicated */
	const struct captab_entry *e;
	CHECK_EQ(captab_lookup(&snd, unique, IID_TIMER, &e), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_lookup(&rcv, got, IID_TIMER, &e), CAPOS_OK);
	CHECK(e->obj == &u.k);
	CHECK_UEQ(e->xfer, CAPTAB_XFER_MOVE);
	CHECK(table_consistent(&snd));
	CHECK(table_consistent(&rcv));
}

TEST(captab_clear_releases_everything)
{
	struct captab t;
	struct captab_entry slots[4];
	struct tobj a, b;
	tobj_init(&a);
	tobj_init(&b);
	CHECK_EQ(captab_init(&t, slots, 4), CAPOS_OK);
	uint32_t id;
	struct captab_item ia = item_of(&a, IID_CONSOLE, CAPTAB_XFER_COPY);
	struct captab_item ib = item_of(&b, IID_TIMER, CAPTAB_XFER_COPY);
	CHECK_EQ(captab_insert(&t, &ia, &id), CAPOS_OK);
	CHECK_EQ(captab_insert(&t, &ia, &id), CAPOS_OK);
	CHECK_EQ(captab_insert(&t, &ib, &id), CAPOS_OK);
	CHECK_EQ(kobj_put(&a.k), CAPOS_OK);
	CHECK_EQ(kobj_put(&b.k), CAPOS_OK);
	CHECK_EQ(captab_clear(&t), CAPOS_OK);
	CHECK_EQ(a.released, 1);
	CHECK_EQ(b.released, 1);
	CHECK_UEQ(captab_free(&t), 4);
	CHECK_UEQ(captab_live(&t), 0);
	const struct captab_entry *e;
	CHECK_EQ(captab_lookup(&t, id, IID_TIMER, &e), CAPOS_ERR_CAP_STALE);
	CHECK(table_consistent(&t));
}

/* Random insert/release/lookup/forge/transaction sequences against a shadow model. */
TEST(captab_randomized_against_model)
{
	enum { N = 16, OPS = 40000 };
	struct captab t;
	struct captab_entry slots[N];
	struct tobj objs[4];
	uint32_t held[N];
	unsigned nheld = 0;
	for (int i = 0; i < 4; i++)
		tobj_init(&objs[i]);
	CHECK_EQ(captab_init(&t, slots, N), CAPOS_OK);
	srand(12345);
	for (int op = 0; op < OPS; op++) {
		int r = rand() % 100;
		struct tobj *o = &objs[rand() % 4];
		uint64_t iid = (uint64_t)(o - objs) + 1;
		if (r < 35) {
			struct captab_item it = item_of(o, iid, CAPTAB_XFER_COPY);
			uint32_t id;
			int err = captab_insert(&t, &it, &id);
			CHECK_EQ(err, nheld == N ? CAPOS_ERR_CAP_TABLE_FULL : CAPOS_OK);
			if (!err)
				held[nheld++] = id;
		} else if (r < 70 && nheld) {
			unsigned k = (unsigned)rand() % nheld;
			CHECK_EQ(captab_release(&t, held[k]), CAPOS_OK);
			uint32_t gone = held[k];
			held[k] = held[--nheld];
			const struct captab_entry *e;
			CHECK_EQ(captab_lookup(&t, gone, CAPTAB_ANY_INTERFACE, &e),
				 CAPOS_ERR_CAP_STALE);
		} else if (r < 85 && nheld) {
			unsigned k = (unsigned)rand() % nheld;
			const struct captab_entry *e;
			CHECK_EQ(captab_lookup(&t, held[k], CAPTAB_ANY_INTERFACE, &e), CAPOS_OK);
			uint64_t own = e->interface_id;
			CHECK_EQ(captab_lookup(&t, held[k], own, &e), CAPOS_OK);
			CHECK_EQ(captab_lookup(&t, held[k], own + 100, &e),
				 CAPOS_ERR_CAP_WRONG_INTERFACE);
		} else if (r < 95) {
			uint32_t n = (uint32_t)(rand() % 4) + 1;
			struct captab_txn txn;
			int err = captab_reserve(&t, n, &txn);
			CHECK_EQ(err, N - nheld < n ? CAPOS_ERR_CAP_TABLE_FULL : CAPOS_OK);
			if (err)
				continue;
			if (rand() % 2) {
				struct captab_item items[4];
				uint32_t ids[4];
				for (uint32_t i = 0; i < n; i++)
					items[i] = item_of(o, iid, CAPTAB_XFER_COPY);
				CHECK_EQ(captab_commit(&t, &txn, items, ids), CAPOS_OK);
				for (uint32_t i = 0; i < n; i++)
					held[nheld++] = ids[i];
			} else {
				CHECK_EQ(captab_rollback(&t, &txn), CAPOS_OK);
			}
		} else {
			/* A forged id never resolves to a cap this model does not hold. */
			uint32_t forged = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
			const struct captab_entry *e;
			bool mine = false;
			for (unsigned i = 0; i < nheld; i++)
				mine |= held[i] == forged;
			int err = captab_lookup(&t, forged, CAPTAB_ANY_INTERFACE, &e);
			CHECK(mine ? err == CAPOS_OK : err != CAPOS_OK);
		}
		CHECK_UEQ(captab_live(&t), nheld);
		if (op % 512 == 0)
			CHECK(table_consistent(&t));
	}
	uint32_t total = 0;
	for (int i = 0; i < 4; i++)
		total += kobj_refs(&objs[i].k) - 1;
	CHECK_UEQ(total, nheld);
	CHECK_EQ(captab_clear(&t), CAPOS_OK);
	for (int i = 0; i < 4; i++)
		CHECK_UEQ(kobj_refs(&objs[i].k), 1);
	CHECK(table_consistent(&t));
}
