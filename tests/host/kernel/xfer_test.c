/*
 * Host tests of the capability transfer primitives (kernel/cap/xfer.c over
 * kernel/cap/captab.c and kobj.c, unmodified). A sender and a receiver table with test
 * objects: copy and move delivery (the moved id goes STALE in the sender, the copy
 * stays usable), a move to the same table, receiver table full with nothing changed,
 * every bad descriptor with its exact error, a move whose source the sender released
 * between take and deliver, partial commit of a reservation, kernel-sourced caps
 * (xfer_add) and consume, take from user memory, and revocation nodes travelling with
 * a copy (a move revoked in flight is refused whole). "Nothing changed" is checked byte for byte: both tables'
 * headers and slot arrays are compared with a snapshot, and every object's reference
 * count with its baseline.
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/kobj.h>
#include <kernel/revoke.h>
#include <kernel/xfer.h>

#define IID_A 0xA1A1A1A1A1A1A1A1ull
#define IID_B 0xB2B2B2B2B2B2B2B2ull
#define NSLOTS 8
#define NOBJ 4

struct tobj {
	struct kobj k;
	int released;
};

static void tobj_release(struct kobj *o)
{
	((struct tobj *)o)->released++;
}

static const struct kobj_ops tobj_ops = { .name = "xfer-test", .release = tobj_release };

/* Sender S holds: copyable obj[0] (badge 10), move-only obj[1], non-transferable obj[2],
 * copyable obj[3]. Receiver R starts empty. */
static struct {
	struct tobj obj[NOBJ];
	struct captab s, r;
	struct captab_entry s_slots[NSLOTS], r_slots[NSLOTS];
	uint32_t id[NOBJ];
} F;

static const uint8_t modes[NOBJ] = { CAPTAB_XFER_COPY, CAPTAB_XFER_MOVE, CAPTAB_XFER_NONE,
				     CAPTAB_XFER_COPY };

static void fix_init(void)
{
	memset(&F, 0, sizeof(F));
	(void)captab_init(&F.s, F.s_slots, NSLOTS);
	(void)captab_init(&F.r, F.r_slots, NSLOTS);
	for (int i = 0; i < NOBJ; i++) {
		(void)kobj_init(&F.obj[i].k, KOBJ_TEST, &tobj_ops);
		struct captab_item it = { .obj = &F.obj[i].k,
					  .interface_id = i == 3 ? IID_B : IID_A,
					  .badge = 10u + (unsigned)i,
					  .xfer = modes[i] };
		(void)captab_insert(&F.s, &it, &F.id[i]);
	}
}

/* Everything "nothing changed" compares. */
struct snap {
	struct captab s, r;
	struct captab_entry s_slots[NSLOTS], r_slots[NSLOTS];
	uint32_t refs[NOBJ];
};

static void take_snap(struct snap *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(&x->s, &F.s, sizeof(F.s));
	memcpy(&x->r, &F.r, sizeof(F.r));
	memcpy(x->s_slots, F.s_slots, sizeof(F.s_slots));
	memcpy(x->r_slots, F.r_slots, sizeof(F.r_slots));
	for (int i = 0; i < NOBJ; i++)
		x->refs[i] = kobj_refs(&F.obj[i].k);
}

static bool same_as(const struct snap *x)
{
	struct snap now;
	take_snap(&now);
	return memcmp(&now, x, sizeof(now)) == 0;
}

static bool counts_ok(const struct captab *t)
{
	return t->nlive + t->nreserved + t->nfree == t->nslots;
}

static struct capos_xfer D(uint32_t cap, uint16_t mode) {
	return (struct capos_xfer){ .cap = cap, .mode = mode };
}

TEST(xfer_copy_delivers_and_sender_keeps)
{
	fix_init();
	struct xfer_set set;
	struct capos_xfer d[2] = { D(F.id[0], CAPOS_XFER_COPY), D(F.id[3], CAPOS_XFER_COPY) };
	struct capos_xfer_result ids[2];
	CHECK_EQ(xfer_take(&F.s, d, 2, &set), CAPOS_OK);
	CHECK_UEQ(set.n, 2);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 3); /* creator + S + set */
	CHECK_UEQ(captab_live(&F.s), 4);
	CHECK_EQ(xfer_deliver(&F.r, &F.s, &set, ids), CAPOS_OK);
	CHECK_UEQ(set.n, 0);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 3); /* creator + S + R */
	CHECK_UEQ(captab_live(&F.s), 4);
	CHECK_UEQ(captab_live(&F.r), 2);
	const struct captab_entry *e;
	CHECK_EQ(captab_lookup(&F.s, F.id[0], IID_A, &e), CAPOS_OK);
	CHECK_EQ(captab_lookup(&F.r, ids[0].cap, IID_A, &e), CAPOS_OK);
	CHECK(e->obj == &F.obj[0].k);
	CHECK_UEQ(e->badge, 10);
	CHECK_UEQ(e->xfer, CAPTAB_XFER_COPY);
	CHECK_EQ(captab_lookup(&F.r, ids[1].cap, IID_B, &e), CAPOS_OK);
	CHECK_UEQ(ids[0].interface_id, IID_A); /* the receiver's records */
	CHECK_UEQ(ids[1].interface_id, IID_B);
	CHECK_UEQ(ids[1].rsvd0, 0);
	CHECK(e->obj == &F.obj[3].k);
	CHECK(counts_ok(&F.s) && counts_ok(&F.r));
}

TEST(xfer_move_leaves_sender_only_at_commit)
{
	fix_init();
	struct xfer_set set;
	struct capos_xfer d[2] = { D(F.id[1], CAPOS_XFER_MOVE), D(F.id[0], CAPOS_XFER_MOVE) };
	struct capos_xfer_result ids[2];
	const struct captab_entry *e;
	CHECK_EQ(xfer_take(&F.s, d, 2, &set), CAPOS_OK);
	/* In flight: the sender still holds and can use both. */
	CHECK_EQ(captab_lookup(&F.s, F.id[1], IID_A, &e), CAPOS_OK);
	CHECK_EQ(captab_lookup(&F.s, F.id[0], IID_A, &e), CAPOS_OK);
	CHECK_EQ(xfer_deliver(&F.r, &F.s, &set, ids), CAPOS_OK);
	CHECK_EQ(captab_lookup(&F.s, F.id[1], IID_A, &e), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_lookup(&F.s, F.id[0], IID_A, &e), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_lookup(&F.r, ids[0].cap, IID_A, &e), CAPOS_OK);
	CHECK(e->obj == &F.obj[1].k);
	CHECK_UEQ(e->xfer, CAPTAB_XFER_MOVE); /* still move-only in the receiver */
	CHECK_UEQ(kobj_refs(&F.obj[1].k), 2); /* creator + R: the authority moved */
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 2);
	CHECK_UEQ(captab_live(&F.s), 2);
	CHECK_UEQ(captab_live(&F.r), 2);
	CHECK(counts_ok(&F.s) && counts_ok(&F.r));
}

TEST(xfer_move_within_one_table)
{
	fix_init();
	struct xfer_set set;
	struct capos_xfer d = D(F.id[0], CAPOS_XFER_MOVE);
	struct capos_xfer_result rec;
	const struct captab_entry *e;
	CHECK_EQ(xfer_take(&F.s, &d, 1, &set), CAPOS_OK);
	CHECK_EQ(xfer_deliver(&F.s, &F.s, &set, &rec), CAPOS_OK);
	CHECK(rec.cap != F.id[0]);
	CHECK_UEQ(rec.interface_id, IID_A);
	CHECK_EQ(captab_lookup(&F.s, F.id[0], IID_A, &e), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_lookup(&F.s, rec.cap, IID_A, &e), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 2);
	CHECK_UEQ(captab_live(&F.s), 4);
	CHECK(counts_ok(&F.s));
}

TEST(xfer_receiver_full_changes_nothing)
{
	fix_init();
	/* Fill R to one free slot, then deliver two caps. */
	for (int i = 0; i < NSLOTS - 1; i++) {
		struct captab_item it = { .obj = &F.obj[3].k,
					  .interface_id = IID_B,
					  .badge = 0,
					  .xfer = CAPTAB_XFER_COPY };
		uint32_t id;
		CHECK_EQ(captab_insert(&F.r, &it, &id), CAPOS_OK);
	}
	struct snap before;
	take_snap(&before);
	struct xfer_set set;
	struct capos_xfer d[2] = { D(F.id[0], CAPOS_XFER_MOVE), D(F.id[1], CAPOS_XFER_MOVE) };
	struct capos_xfer_result ids[2];
	CHECK_EQ(xfer_take(&F.s, d, 2, &set), CAPOS_OK);
	CHECK_EQ(xfer_deliver(&F.r, &F.s, &set, ids), CAPOS_ERR_CAP_TABLE_FULL);
	CHECK_UEQ(set.n, 2); /* still held: the caller decides (drop) */
	CHECK_UEQ(kobj_refs(&F.obj[0].k), before.refs[0] + 1);
	xfer_drop(&set);
	CHECK_UEQ(set.n, 0);
	CHECK(same_as(&before)); /* both tables and every count as before */
	CHECK_UEQ(captab_live(&F.r), NSLOTS - 1);
	CHECK_UEQ(captab_free(&F.r), 1);
}

TEST(xfer_bad_descriptors_exact_errors)
{
	fix_init();
	uint32_t stale = F.id[3];
	CHECK_EQ(captab_release(&F.s, stale), CAPOS_OK); /* obj[3] now only the creator's */
	struct {
		const char *name;
		struct capos_xfer d[2];
		uint32_t n;
		int err;
	} bad[] = {
		{ "rsvd0",
		  { { .cap = F.id[0], .mode = 0, .rsvd0 = 1 } },
		  1,
		  CAPOS_ERR_XFER_RESERVED },
		{ "rsvd1",
		  { { .cap = F.id[0], .mode = 0, .rsvd1 = 1 } },
		  1,
		  CAPOS_ERR_XFER_RESERVED },
		{ "mode", { D(F.id[0], 2) }, 1, CAPOS_ERR_XFER_BAD_MODE },
		{ "forged_null", { D(CAPOS_CAP_NULL, 0) }, 1, CAPOS_ERR_CAP_BAD_ID },
		{ "forged_slot", { D(capos_cap_make(NSLOTS + 3, 1), 0) }, 1, CAPOS_ERR_CAP_BAD_ID },
		{ "stale", { D(stale, 0) }, 1, CAPOS_ERR_CAP_STALE },
		{ "empty", { D(capos_cap_make(NSLOTS - 1, 1), 0) }, 1, CAPOS_ERR_CAP_EMPTY },
		{ "never_leaves",
		  { D(F.id[2], CAPOS_XFER_MOVE) },
		  1,
		  CAPOS_ERR_CAP_NOT_TRANSFERABLE },
		{ "copy_of_move_only", { D(F.id[1], 0) }, 1, CAPOS_ERR_CAP_NOT_TRANSFERABLE },
		{ "dup_move_copy",
		  { D(F.id[0], CAPOS_XFER_MOVE), D(F.id[0], 0) },
		  2,
		  CAPOS_ERR_XFER_DUPLICATE },
		{ "dup_copy_move",
		  { D(F.id[0], 0), D(F.id[0], CAPOS_XFER_MOVE) },
		  2,
		  CAPOS_ERR_XFER_DUPLICATE },
		{ "dup_move_move",
		  { D(F.id[1], CAPOS_XFER_MOVE), D(F.id[1], CAPOS_XFER_MOVE) },
		  2,
		  CAPOS_ERR_XFER_DUPLICATE },
		/* The first bad descriptor decides, after a good one. */
		{ "second_bad",
		  { D(F.id[0], 0), D(F.id[2], 0) },
		  2,
		  CAPOS_ERR_CAP_NOT_TRANSFERABLE },
	};
	struct snap before;
	take_snap(&before);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xfer_set set;
		int err = xfer_take(&F.s, bad[i].d, bad[i].n, &set);
		if (err != bad[i].err || set.n != 0 || !same_as(&before)) {
			test_fail(__FILE__, __LINE__, "%s: got %s (n %u), want %s", bad[i].name,
				  capos_error_name(err), set.n, capos_error_name(bad[i].err));
			return;
		}
	}
	/* Over the limit, whatever the descriptors say. */
	struct capos_xfer many[CAPOS_XFER_MAX + 1];
	for (unsigned i = 0; i <= CAPOS_XFER_MAX; i++)
		many[i] = D(F.id[0], 0);
	struct xfer_set set;
	CHECK_EQ(xfer_take(&F.s, many, CAPOS_XFER_MAX + 1, &set), CAPOS_ERR_XFER_TOO_MANY);
	CHECK(same_as(&before));
	/* The same cap copied CAPOS_XFER_MAX times is fine (copies may repeat). */
	CHECK_EQ(xfer_take(&F.s, many, CAPOS_XFER_MAX, &set), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), before.refs[0] + CAPOS_XFER_MAX);
	xfer_drop(&set);
	CHECK(same_as(&before));
	CHECK_EQ(F.obj[3].released, 0);
}

TEST(xfer_move_of_released_source_fails_whole_delivery)
{
	fix_init();
	struct xfer_set set;
	struct capos_xfer d[2] = { D(F.id[3], CAPOS_XFER_COPY), D(F.id[0], CAPOS_XFER_MOVE) };
	struct capos_xfer_result ids[2];
	CHECK_EQ(xfer_take(&F.s, d, 2, &set), CAPOS_OK);
	/* The sender (another of its threads) releases the moved cap while in flight, and
	 * the creator lets go too: only the set keeps obj[0] alive. */
	CHECK_EQ(captab_release(&F.s, F.id[0]), CAPOS_OK);
	CHECK_EQ(kobj_put(&F.obj[0].k), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 1);
	struct snap before;
	take_snap(&before);
	CHECK_EQ(xfer_deliver(&F.r, &F.s, &set, ids), CAPOS_ERR_CAP_STALE);
	CHECK(same_as(&before)); /* the copy did not go either: all or nothing */
	CHECK_UEQ(captab_live(&F.r), 0);
	xfer_drop(&set);
	CHECK_EQ(F.obj[0].released, 1); /* freed exactly once, by the last reference */
	CHECK_UEQ(kobj_refs(&F.obj[3].k), 2);
}

TEST(xfer_move_source_replaced_by_other_object_is_stale)
{
	fix_init();
	struct xfer_set set;
	struct capos_xfer d = D(F.id[0], CAPOS_XFER_MOVE);
	struct capos_xfer_result rec;
	CHECK_EQ(xfer_take(&F.s, &d, 1, &set), CAPOS_OK);
	/* Forge the worst case a generation wrap could produce: the same id naming another
	 * object. The delivery must notice. */
	F.s_slots[capos_cap_slot(F.id[0])].obj = &F.obj[3].k;
	CHECK_EQ(xfer_check_sources(&F.s, &set), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(xfer_deliver(&F.r, &F.s, &set, &rec), CAPOS_ERR_CAP_STALE);
	F.s_slots[capos_cap_slot(F.id[0])].obj = &F.obj[0].k;
	CHECK_EQ(xfer_check_sources(&F.s, &set), CAPOS_OK);
	xfer_drop(&set);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 2);
}

TEST(xfer_commit_into_larger_reservation_and_cancel)
{
	fix_init();
	struct captab_txn txn;
	struct xfer_set set;
	struct capos_xfer_result ids[4];
	xfer_set_init(&set);
	CHECK_EQ(xfer_reserve(&F.r, 4, &txn), CAPOS_OK);
	CHECK_UEQ(F.r.nreserved, 4);
	struct captab_item a = {
		.obj = &F.obj[0].k, .interface_id = IID_A, .badge = 1, .xfer = CAPTAB_XFER_NONE
	};
	CHECK_EQ(xfer_add(&set, &a), CAPOS_OK);
	CHECK_EQ(xfer_add(&set, &a), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 4);
	CHECK_EQ(xfer_commit(&F.r, &txn, NULL, &set, ids), CAPOS_OK);
	CHECK_UEQ(set.n, 0);
	CHECK_UEQ(txn.n, 0);
	CHECK_UEQ(F.r.nreserved, 0);
	CHECK_UEQ(captab_live(&F.r), 2);
	CHECK_UEQ(captab_free(&F.r), NSLOTS - 2);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 4); /* creator + S + two R entries */
	const struct captab_entry *e;
	CHECK_EQ(captab_lookup(&F.r, ids[1].cap, IID_A, &e), CAPOS_OK);
	CHECK_UEQ(e->xfer, CAPTAB_XFER_NONE);
	/* An empty reservation and an unused one both cancel cleanly. */
	CHECK_EQ(xfer_reserve(&F.r, 0, &txn), CAPOS_OK);
	CHECK_UEQ(txn.n, 0);
	xfer_cancel(&F.r, &txn);
	CHECK_EQ(xfer_reserve(&F.r, 3, &txn), CAPOS_OK);
	xfer_cancel(&F.r, &txn);
	CHECK_UEQ(F.r.nreserved, 0);
	CHECK_UEQ(captab_free(&F.r), NSLOTS - 2);
	/* More items than the reservation: refused, reservation rolled back, set kept. */
	CHECK_EQ(xfer_reserve(&F.r, 1, &txn), CAPOS_OK);
	CHECK_EQ(xfer_add(&set, &a), CAPOS_OK);
	CHECK_EQ(xfer_add(&set, &a), CAPOS_OK);
	CHECK_EQ(xfer_commit(&F.r, &txn, NULL, &set, ids), CAPOS_ERR_INVALID);
	CHECK_UEQ(set.n, 2);
	CHECK_UEQ(F.r.nreserved, 0);
	xfer_drop(&set);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 4);
	/* A move needs its sender's table to leave: refused without one. */
	struct capos_xfer mv = D(F.id[3], CAPOS_XFER_MOVE);
	CHECK_EQ(xfer_take(&F.s, &mv, 1, &set), CAPOS_OK);
	CHECK_EQ(xfer_reserve(&F.r, 1, &txn), CAPOS_OK);
	CHECK_EQ(xfer_commit(&F.r, &txn, NULL, &set, ids), CAPOS_ERR_INVALID);
	CHECK_UEQ(F.r.nreserved, 0);
	CHECK_UEQ(set.n, 1);
	xfer_drop(&set);
	CHECK_UEQ(kobj_refs(&F.obj[3].k), 2);
	CHECK_EQ(xfer_reserve(&F.r, CAPTAB_TXN_MAX + 1, &txn), CAPOS_ERR_INVALID);
	CHECK(counts_ok(&F.r));
}

TEST(xfer_add_limits_and_bad_items)
{
	fix_init();
	struct xfer_set set;
	struct captab_item ok = {
		.obj = &F.obj[0].k, .interface_id = IID_A, .badge = 0, .xfer = CAPTAB_XFER_COPY
	};
	struct captab_item no_obj = {
		.obj = NULL, .interface_id = IID_A, .badge = 0, .xfer = CAPTAB_XFER_COPY
	};
	struct captab_item no_iid = {
		.obj = &F.obj[0].k, .interface_id = 0, .badge = 0, .xfer = CAPTAB_XFER_COPY
	};
	struct captab_item bad_mode = {
		.obj = &F.obj[0].k, .interface_id = IID_A, .badge = 0, .xfer = 3
	};
	uint32_t base = kobj_refs(&F.obj[0].k);
	xfer_set_init(&set);
	CHECK_EQ(xfer_add(&set, NULL), CAPOS_ERR_INVALID);
	CHECK_EQ(xfer_add(&set, &no_obj), CAPOS_ERR_INVALID);
	CHECK_EQ(xfer_add(&set, &no_iid), CAPOS_ERR_INVALID);
	CHECK_EQ(xfer_add(&set, &bad_mode), CAPOS_ERR_INVALID);
	for (unsigned i = 0; i < CAPTAB_TXN_MAX; i++)
		CHECK_EQ(xfer_add(&set, &ok), CAPOS_OK);
	CHECK_EQ(xfer_add(&set, &ok), CAPOS_ERR_XFER_TOO_MANY);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), base + CAPTAB_TXN_MAX);
	xfer_drop(&set);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), base);
}

TEST(xfer_consume_releases_moves_keeps_copies)
{
	fix_init();
	struct xfer_set set;
	struct capos_xfer d[2] = { D(F.id[0], CAPOS_XFER_COPY), D(F.id[1], CAPOS_XFER_MOVE) };
	const struct captab_entry *e;
	CHECK_EQ(xfer_take(&F.s, d, 2, &set), CAPOS_OK);
	/* A kernel object keeps the moved cap (its own reference), then the call succeeds. */
	CHECK_EQ(kobj_get(set.item[1].obj), CAPOS_OK);
	xfer_consume(&F.s, &set);
	CHECK_UEQ(set.n, 0);
	CHECK_EQ(captab_lookup(&F.s, F.id[0], IID_A, &e), CAPOS_OK);
	CHECK_EQ(captab_lookup(&F.s, F.id[1], IID_A, &e), CAPOS_ERR_CAP_STALE);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 2); /* creator + S */
	CHECK_UEQ(kobj_refs(&F.obj[1].k), 2); /* creator + the object's own */
	CHECK(counts_ok(&F.s));
}

static uint8_t umem[256] __attribute__((aligned(8)));

static int fake_in(void *ctx, void *dst, uint64_t uaddr, uint32_t len)
{
	(void)ctx;
	if (uaddr < 0x1000 || uaddr - 0x1000 > sizeof(umem) ||
	    len > sizeof(umem) - (uaddr - 0x1000))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(dst, umem + (uaddr - 0x1000), len);
	return 0;
}

TEST(xfer_take_user_copies_then_takes)
{
	fix_init();
	struct xfer_set set;
	struct capos_xfer d[2] = { D(F.id[0], CAPOS_XFER_COPY), D(F.id[1], CAPOS_XFER_MOVE) };
	memcpy(umem, d, sizeof(d));
	CHECK_EQ(xfer_take_user(&F.s, fake_in, NULL, 0x1000, 2, &set), CAPOS_OK);
	CHECK_UEQ(set.n, 2);
	CHECK_UEQ(set.src[0], F.id[0]); /* every entry remembers its sender id */
	CHECK_UEQ(set.src[1], F.id[1]);
	CHECK_UEQ(set.move[0], 0);
	CHECK_UEQ(set.move[1], 1);
	xfer_drop(&set);
	CHECK_EQ(xfer_take_user(&F.s, fake_in, NULL, 0, 0, &set), CAPOS_OK);
	CHECK_UEQ(set.n, 0);
	CHECK_EQ(xfer_take_user(&F.s, fake_in, NULL, 0x1000 + sizeof(umem) - 16, 2, &set),
		 CAPOS_ERR_XFER_FAULT);
	CHECK_EQ(xfer_take_user(&F.s, fake_in, NULL, 0x1000, CAPOS_XFER_MAX + 1, &set),
		 CAPOS_ERR_XFER_TOO_MANY);
	umem[6] = 1; /* descriptor 0's rsvd0 */
	CHECK_EQ(xfer_take_user(&F.s, fake_in, NULL, 0x1000, 2, &set), CAPOS_ERR_XFER_RESERVED);
	CHECK_UEQ(set.n, 0);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 2);
	CHECK_UEQ(kobj_refs(&F.obj[1].k), 2);
}

/* ---- revocation nodes ride with transferred caps (kernel/cap/revoke.c) */
static int rz(void *payer, size_t n, void **out)
{
	(void)payer;
	*out = calloc(1, n);
	return CAPOS_OK;
}

TEST(xfer_revocation_node_travels_and_revoked_move_is_refused)
{
	fix_init();
	struct revoke_alloc ra = { .zalloc = rz, .free = free };
	struct revoke_node *root, *child;
	CHECK_EQ(revoke_node_new(&ra, NULL, NULL, &root), CAPOS_OK);
	CHECK_EQ(revoke_node_new(&ra, NULL, root, &child), CAPOS_OK);
	/* S holds two entries naming obj[0] through the derived node. */
	struct captab_item it = {
		.obj = &F.obj[0].k, .interface_id = IID_A, .xfer = CAPTAB_XFER_COPY, .rnode = child
	};
	uint32_t a, b;
	CHECK_EQ(captab_insert(&F.s, &it, &a), CAPOS_OK);
	CHECK_EQ(captab_insert(&F.s, &it, &b), CAPOS_OK);
	revoke_node_put(child); /* the entries hold it now */
	CHECK_UEQ(child->refs, 2);
	/* A copy carries the node: the receiver's entry is revocable too. */
	struct xfer_set set;
	struct capos_xfer_result rec[2];
	struct capos_xfer d = D(a, CAPOS_XFER_COPY);
	CHECK_EQ(xfer_take(&F.s, &d, 1, &set), CAPOS_OK);
	CHECK_UEQ(child->refs, 3); /* the in-flight item's */
	CHECK_EQ(xfer_deliver(&F.r, &F.s, &set, rec), CAPOS_OK);
	CHECK_UEQ(child->refs, 3);
	CHECK_UEQ(child->nentries, 3);
	/* Revoked while a move of `b` is in flight: the delivery is refused whole. */
	struct capos_xfer m[2] = { D(F.id[3], CAPOS_XFER_COPY), D(b, CAPOS_XFER_MOVE) };
	CHECK_EQ(xfer_take(&F.s, m, 2, &set), CAPOS_OK);
	CHECK_UEQ(revoke_subtree(root), 3);
	struct snap before;
	take_snap(&before);
	CHECK_EQ(xfer_deliver(&F.r, &F.s, &set, rec), CAPOS_ERR_CAP_REVOKED);
	CHECK(same_as(&before));
	xfer_drop(&set);
	const struct captab_entry *e;
	CHECK_EQ(captab_lookup(&F.r, rec[0].cap, IID_A, &e), CAPOS_ERR_CAP_REVOKED);
	/* Releasing every entry frees the derived node exactly once. */
	CHECK_EQ(captab_release(&F.s, a), CAPOS_OK);
	CHECK_EQ(captab_release(&F.s, b), CAPOS_OK);
	CHECK_EQ(captab_release(&F.r, rec[0].cap), CAPOS_OK);
	CHECK_UEQ(ra.live, 1); /* the root, still the test's */
	revoke_node_put(root);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(kobj_refs(&F.obj[0].k), 2);
	CHECK_UEQ(kobj_refs(&F.obj[3].k), 2);
}
