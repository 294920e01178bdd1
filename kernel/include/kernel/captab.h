/*
 * Per-process capability table (kernel/cap/captab.c). A table maps the process's
 * 32-bit cap ids (include/capos/capid.h: 16-bit slot + 16-bit generation) to entries
 * holding a referenced kernel object, the interface id the cap was granted as, the
 * transfer mode and the receiver badge. The slot array is supplied by the caller and
 * its length is the process's cap-slot quota, so the table never allocates. Free
 * slots are reused first-in first-out, which spreads generation churn over every free
 * slot. Transfers into a table use a transaction: reserve slots (all or nothing),
 * then commit every entry at once or roll the reservation back.
 *
 * Accounting (docs/resources.md): a process's table is sized by its cap-slot quota and
 * carries its ledger; every slot taken off the free list (insert, reserve) is charged
 * to LEDGER_CAP_SLOTS and released when it goes back (release, rollback, clear), so the
 * ledger's used/peak are the table's occupancy. A table without room, in slots or in
 * the ledger, answers CAPOS_ERR_CAP_TABLE_FULL: the cap-slot class's typed error (a
 * transport status, since slots are taken by the transport before any callee runs).
 *
 * Pure code: compiled unmodified for the kernel and the host tests.
 *
 * Lock legend: [T] the owning process's cap table lock (a spinlock the process issue
 * adds as `proc.captab_lock`; taken after the thread's ring lock and before any
 * kernel object's own lock; never held across a block). [I] fixed by captab_init.
 * Every function here expects [T] held by the caller.
 */
#ifndef KERNEL_CAPTAB_H
#define KERNEL_CAPTAB_H

#include <stdbool.h>
#include <stdint.h>

#include <capos/capid.h>
#include <kernel/kobj.h>
#include <kernel/ledger.h>
#include <kernel/revoke.h>

/* What the holder may do with a cap besides invoking and releasing it. */
enum captab_xfer {
	CAPTAB_XFER_COPY = 0, /* may be copied or moved */
	CAPTAB_XFER_MOVE = 1, /* may be moved only (unique authority, e.g. a reply) */
	CAPTAB_XFER_NONE = 2, /* stays in this table (e.g. a ProcessHandle) */
};

enum captab_state {
	CAPTAB_FREE = 0,     /* on the free list */
	CAPTAB_RESERVED = 1, /* held by a pending transaction; invisible to lookups */
	CAPTAB_LIVE = 2,     /* names an object */
};

/* Lookups that pass this as the expected interface skip the interface check. */
#define CAPTAB_ANY_INTERFACE 0ull
/* Slots one transaction can reserve (the transfer descriptor limit per SQE). */
#define CAPTAB_TXN_MAX 16u
#define CAPTAB_NO_SLOT 0xFFFFFFFFu

struct captab_entry {
	struct kobj *obj;	   /* [T] referenced object; NULL unless LIVE */
	struct revoke_node *rnode; /* [T] referenced revocation node (revoke.h), or NULL */
	uint64_t interface_id;	   /* [T] capnp interface id the cap was granted as */
	uint64_t badge;		   /* [T] receiver metadata delivered with calls */
	uint32_t next_free;	   /* [T] free-list link (slot index), FREE only */
	uint16_t gen;		   /* [T] generation of the current or next occupant, >= 1 */
	uint8_t state;		   /* [T] enum captab_state */
	uint8_t xfer;		   /* [T] enum captab_xfer */
};

struct captab {
	struct captab_entry *slots; /* [I] caller-owned array of nslots entries */
	uint32_t nslots;	    /* [I] capacity: the process's cap-slot quota */
	uint32_t nlive;		    /* [T] LIVE entries */
	uint32_t nreserved;	    /* [T] RESERVED entries */
	uint32_t nfree;		    /* [T] FREE entries */
	uint32_t free_head;	    /* [T] oldest free slot, CAPTAB_NO_SLOT if none */
	uint32_t free_tail;	    /* [T] newest free slot */
	struct ledger *ledger;	    /* [I] charged one LEDGER_CAP_SLOTS unit per slot off
				       the free list (LIVE or RESERVED); NULL: uncharged */
};

/* What a new entry holds (insert and commit). */
struct captab_item {
	struct kobj *obj;      /* live object; the table takes its own reference */
	uint64_t interface_id; /* non-zero */
	uint64_t badge;
	uint8_t xfer;		   /* enum captab_xfer */
	struct revoke_node *rnode; /* revocation node or NULL; the table takes a reference */
};

/* A pending reservation made by captab_reserve. */
struct captab_txn {
	uint32_t n;		       /* slots reserved */
	uint32_t slot[CAPTAB_TXN_MAX]; /* reserved slot indices */
};

/*
 * Makes `t` an empty table over `slots[0..nslots)`; every slot starts FREE with
 * generation 1 and no ledger (set t->ledger afterwards to charge one). Errors: CAPOS_ERR_INVALID (null pointers, nslots == 0 or above
 * CAPOS_CAP_SLOTS_MAX).
 */
int captab_init(struct captab *t, struct captab_entry *slots, uint32_t nslots);

/*
 * Inserts `item` into a free slot, taking a reference on item->obj (and on
 * item->rnode, if any), and stores the new cap id in *out_id. Errors: CAPOS_ERR_INVALID (bad item), CAPOS_ERR_CAP_TABLE_FULL,
 * kobj_get's errors (nothing changes on any error).
 */
int captab_insert(struct captab *t, const struct captab_item *item, uint32_t *out_id);

/*
 * Finds the LIVE entry `id` names and checks that it was granted as `interface_id`
 * (unless CAPTAB_ANY_INTERFACE). The entry stays valid while [T] is held; take a
 * kobj reference to use the object beyond that. Errors, checked in this order:
 * CAPOS_ERR_CAP_BAD_ID (null id, generation 0 or slot beyond the table),
 * CAPOS_ERR_CAP_STALE (generation differs: released or reused),
 * CAPOS_ERR_CAP_EMPTY (slot free or reserved under this generation),
 * CAPOS_ERR_CAP_REVOKED (the entry's revocation node was revoked: docs/caps.md),
 * CAPOS_ERR_CAP_WRONG_INTERFACE.
 */
int captab_lookup(const struct captab *t, uint32_t id, uint64_t interface_id,
		  const struct captab_entry **out);

/*
 * Releases the cap `id`: the slot becomes FREE, its generation advances (1 follows
 * CAPOS_CAP_GEN_MAX; 0 is never used) and the object and the revocation node lose
 * this table's references (which may free them). A revoked cap can be released.
 * Errors: captab_lookup's (except REVOKED and WRONG_INTERFACE), then kobj_put's (a
 * kernel bug; the slot is freed regardless).
 */
int captab_release(struct captab *t, uint32_t id);

/*
 * Releases every LIVE entry and rolls back nothing: callers roll back their own
 * transactions first. Used at process exit. Returns the first kobj_put error, else 0.
 */
int captab_clear(struct captab *t);

/*
 * Decode step of a transfer out of `t`: checks that `id` is live and may leave the
 * table in `mode` (CAPTAB_XFER_COPY or CAPTAB_XFER_MOVE) and copies its entry into
 * *out, revocation node included (no reference taken; the commit into the receiver
 * takes them; an item held across a block needs captab_item_get). Errors:
 * captab_lookup's, CAPOS_ERR_INVALID (mode), CAPOS_ERR_CAP_NOT_TRANSFERABLE.
 */
int captab_prepare_send(const struct captab *t, uint32_t id, enum captab_xfer mode,
			struct captab_item *out);

/*
 * Reserves `n` (1..CAPTAB_TXN_MAX) free slots for a later commit, all or none.
 * Errors: CAPOS_ERR_INVALID, CAPOS_ERR_CAP_TABLE_FULL.
 */
int captab_reserve(struct captab *t, uint32_t n, struct captab_txn *txn);

/*
 * Publishes items[0..txn->n) into the reserved slots at once and writes their ids
 * to out_ids. Every item is validated and referenced (object and revocation node)
 * before any slot changes; on
 * error nothing is published and the reservation is still pending (roll it back).
 * Errors: CAPOS_ERR_CAP_BAD_RESERVATION (txn not pending in t), CAPOS_ERR_INVALID,
 * kobj_get's errors.
 */
int captab_commit(struct captab *t, struct captab_txn *txn, const struct captab_item *items,
		  uint32_t *out_ids);

/*
 * Returns the reserved slots to the free list (their generation is unchanged: no id
 * was ever issued for them). Errors: CAPOS_ERR_CAP_BAD_RESERVATION.
 */
int captab_rollback(struct captab *t, struct captab_txn *txn);

/*
 * References for an item held outside any table (queued for a transfer across a
 * block): captab_item_get takes one on the object and on the revocation node,
 * captab_item_put drops both. Errors (get): kobj_get's; nothing taken on error.
 */
int captab_item_get(const struct captab_item *item);
int captab_item_put(const struct captab_item *item);

/* Counters for quotas, ResourceUsage and leak checks. */
static inline uint32_t captab_live(const struct captab *t)
{
	return t->nlive;
}

static inline uint32_t captab_free(const struct captab *t)
{
	return t->nfree;
}

#endif
