/*
 * Capability transfer primitives (kernel/cap/xfer.c): the sideband caps of a CALL (and,
 * with endpoints, of a RETURN) travel as an in-flight holder, `struct xfer_set`, between
 * the sender's cap table and their destination (a receiver's table, or a kernel object's
 * handler). Three steps, each all-or-nothing:
 *
 *   take     validate the sender's descriptors against its table and reference every
 *            cap into a set. The sender's table does not change: a moved cap stays
 *            usable by the sender until the transfer commits.
 *   deliver  re-check the moved sources, reserve every receiver slot, publish all at
 *            once, release the moved sender slots, drop the set's references. On any
 *            error nothing changed in either table and the set is still held.
 *   drop     release the set's references (a transfer that did not happen: every cap
 *            stays with its sender).
 *
 * kcall uses the split form of deliver (reserve before the handler runs, commit after)
 * so result caps can always be inserted once the handler's side effects are done.
 *
 * Invariants (exactly-once authority):
 *   - a set holds one reference per entry (on the object and on its revocation node,
 *     if any), from take (or xfer_add) until commit or
 *     drop; the receiver's table takes its own reference at commit, so the set's are
 *     always dropped exactly once;
 *   - a moved cap is in the sender's table until the receiver's commit has succeeded,
 *     and is released from it in the same [T] section, so no observer ever sees it in
 *     both tables or in neither;
 *   - a move whose source no longer names the same object at delivery (the sender
 *     released it meanwhile) fails the whole delivery with the lookup's error.
 *
 * Lock legend: [T] as in captab.h. Every function expects [T] of each table it is given
 * held. When two different tables are involved (sender and receiver), the caller takes
 * both table locks in address order (the struct captab at the lower address first), so
 * two processes transferring to each other cannot deadlock; the same table is locked
 * once. No kernel object lock is held while a [T] is taken.
 *
 * Pure code: compiled unmodified for the kernel and the host tests.
 */
#ifndef KERNEL_XFER_H
#define KERNEL_XFER_H

#include <stdint.h>

#include <capos/ring.h>
#include <kernel/captab.h>

_Static_assert(CAPTAB_TXN_MAX == CAPOS_XFER_MAX, "one reservation holds one SQE's transfers");

/* Caps in flight. Entry i is capnp capability index i of the message they ride with. */
struct xfer_set {
	uint32_t n;				 /* entries held */
	struct captab_item item[CAPTAB_TXN_MAX]; /* each holds one reference (object and
						    revocation node: captab_item_get) */
	uint32_t src[CAPTAB_TXN_MAX];		 /* sender's cap id; CAPOS_CAP_NULL if from
						    the kernel (xfer_add) */
	uint8_t move[CAPTAB_TXN_MAX];		 /* release src at commit */
};

/* Makes `s` an empty set. */
void xfer_set_init(struct xfer_set *s);

/* A checked copy from the sender's memory (kcall_copy_in_fn has this shape): 0, or a
 * negative status on any fault. */
typedef int xfer_copy_in_fn(void *ctx, void *dst, uint64_t uaddr, uint32_t len);

/*
 * Take from user memory: copies `count` descriptors from `uaddr` (an SQE's xfer_addr,
 * already range-checked by ring_decode) with `copy_in`, then xfer_take. count 0 is an
 * empty set. Errors: CAPOS_ERR_XFER_TOO_MANY, CAPOS_ERR_XFER_FAULT (copy fault), then
 * xfer_take's.
 */
int xfer_take_user(const struct captab *src, xfer_copy_in_fn *copy_in, void *ctx, uint64_t uaddr,
		   uint16_t count, struct xfer_set *out);

/*
 * Take: validates desc[0..n) against the sender's table `src` and references each
 * cap into `out` (which it initialises). Checks, descriptor by descriptor in array
 * order: n <= CAPOS_XFER_MAX (CAPOS_ERR_XFER_TOO_MANY), reserved fields zero
 * (CAPOS_ERR_XFER_RESERVED), mode COPY or MOVE (CAPOS_ERR_XFER_BAD_MODE), the cap live
 * (captab_lookup's CAPOS_ERR_CAP_BAD_ID / _STALE / _EMPTY) and transferable in that
 * mode (CAPOS_ERR_CAP_NOT_TRANSFERABLE), and no cap id listed twice when either
 * listing is a move (CAPOS_ERR_XFER_DUPLICATE); then kobj_get's errors. A revoked
 * cap fails the lookup (CAPOS_ERR_CAP_REVOKED). On error
 * `out` is empty and nothing holds a reference. `src` never changes.
 */
int xfer_take(const struct captab *src, const struct capos_xfer *desc, uint32_t n,
	      struct xfer_set *out);

/*
 * Adds a kernel-sourced cap (e.g. a result cap a handler created) to `s`, taking a
 * reference. Errors: CAPOS_ERR_INVALID (bad item), CAPOS_ERR_XFER_TOO_MANY (set
 * full), kobj_get's; nothing changes on error.
 */
int xfer_add(struct xfer_set *s, const struct captab_item *item);

/*
 * Consume: the destination was a kernel object whose call succeeded (it took its own
 * references to what it keeps). Releases the moved sources from `src` that still
 * name their object, then drops the set's references; `s` is empty afterwards.
 */
void xfer_consume(struct captab *src, struct xfer_set *s);

/* Drop: releases every reference `s` holds; `s` is empty afterwards. */
void xfer_drop(struct xfer_set *s);

/*
 * Checks that every moved entry of `s` still names the same object in `src` (the
 * sender's table). Errors: captab_lookup's (CAPOS_ERR_CAP_REVOKED when the moved cap
 * was revoked in flight), CAPOS_ERR_CAP_STALE when the id names another object,
 * CAPOS_ERR_INVALID when `src` is NULL and `s` has a move. Mutates nothing.
 */
int xfer_check_sources(const struct captab *src, const struct xfer_set *s);

/*
 * Reserves `n` (0..CAPTAB_TXN_MAX) slots of `dst`, all or none; n == 0 is an empty
 * reservation (txn->n = 0). Errors: CAPOS_ERR_INVALID (n too large),
 * CAPOS_ERR_CAP_TABLE_FULL.
 */
int xfer_reserve(struct captab *dst, uint32_t n, struct captab_txn *txn);

/* Returns an unused reservation (any size, including empty) to `dst`'s free list. */
void xfer_cancel(struct captab *dst, struct captab_txn *txn);

/*
 * Commit: publishes s->item[0..s->n) into the first s->n slots of the pending
 * reservation `txn` (s->n <= txn->n) and rolls the rest back, stores the receiver's
 * records in recs[0..s->n) (new cap id, interface id: what the receiver's CQE reports),
 * releases the moved sources from `src` (only those whose slot still holds the same
 * object: a caller that ran xfer_check_sources in the same [T] section releases all
 * of them) and drops the set's references. On error (CAPOS_ERR_INVALID: s->n >
 * txn->n, or moves with a NULL `src`; captab_commit's errors) nothing is published,
 * the whole reservation is rolled back and `s` is untouched (still held: drop it).
 */
int xfer_commit(struct captab *dst, struct captab_txn *txn, struct captab *src, struct xfer_set *s,
		struct capos_xfer_result *recs);

/*
 * Deliver: xfer_check_sources, xfer_reserve(s->n), xfer_commit in one step. On success
 * `s` is empty and recs[0..n) describe the caps now in `dst`; on error
 * (check_sources' errors, CAPOS_ERR_CAP_TABLE_FULL, commit's) neither table changed
 * and `s` is still held.
 */
int xfer_deliver(struct captab *dst, struct captab *src, struct xfer_set *s,
		 struct capos_xfer_result *recs);

#endif
