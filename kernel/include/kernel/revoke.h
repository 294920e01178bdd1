/*
 * Revocation nodes (kernel/cap/revoke.c): the lineage behind CapabilityManager.derive
 * and .revoke (docs/caps.md). A cap-table entry may reference one node; every copy of
 * that entry (a transfer copies struct captab_item whole) references the same node,
 * so a node stands for "this derived cap and every copy of it, wherever it went".
 *
 * derive(src) gives src's entry a root node if it has none (depth 0), then creates a
 * child node (depth parent + 1, at most REVOKE_DEPTH_MAX) for the derived cap.
 * revoke(src) marks every node strictly below src's node revoked, eagerly, and counts
 * the live table entries that referenced them at that moment; src's own node stays
 * valid. Because marking is eager and a revoked node never gains a child, a lookup
 * checks one flag: `entry->rnode && entry->rnode->revoked` (no ancestor walk).
 *
 * Lifetime: a node is referenced by every table entry naming it, by every in-flight
 * item that was given one with revoke_node_get (a queued transfer), and by each of
 * its child nodes; the last put unlinks it from its parent, frees it through its
 * allocator and puts the parent in turn. The reference helpers are inline so
 * kernel/cap/captab.c (linked into many host tests) needs no new object at link time;
 * creation and the subtree walk are in revoke.c.
 *
 * Pure code: memory comes from a caller-supplied allocator (the kernel passes
 * kzalloc/kfree, host tests a counting fake), whose `live` counter is the leak check.
 *
 * Lock legend: [V] the global revocation lock (revoke_lock once SMP arrives; today the
 * boot CPU with interrupts off). Nodes are shared by the tables of many processes, so
 * they cannot live under one table's [T]; [V] is taken after [T]. [I] fixed at
 * creation.
 */
#ifndef KERNEL_REVOKE_H
#define KERNEL_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REVOKE_MAGIC 0x564B5652u      /* "RVKV": node live */
#define REVOKE_DEAD_MAGIC 0x44564B52u /* "RKVD": freed; any use is a kernel bug */
/* Derived caps may chain this deep (a derived cap of depth 8 cannot be derived from). */
#define REVOKE_DEPTH_MAX 8u

/* Where nodes come from; `live` counts nodes not yet freed (leak checks). */
struct revoke_alloc {
	/* [I] zeroed memory for a node charged to `payer` (opaque here: the kernel passes
	 * the calling process, whose ledger pays, kernel/kcharge.h) in *out, or an error
	 * (CAPOS_ERR_NO_MEMORY, CAPOS_ERR_QUOTA_KERNEL_MEMORY, ...) */
	int (*zalloc)(void *payer, size_t size, void **out);
	void (*free)(void *p); /* [I] */
	uint32_t live;	       /* [V] nodes allocated and not freed */
};

struct revoke_node {
	uint32_t magic;			  /* [V] REVOKE_MAGIC, REVOKE_DEAD_MAGIC when freed */
	uint32_t refs;			  /* [V] entries + in-flight items + child nodes */
	uint32_t nentries;		  /* [V] live table entries referencing this node */
	uint8_t depth;			  /* [I] 0: a root (a source); 1..: derived */
	bool revoked;			  /* [V] set once by revoke of an ancestor; final */
	struct revoke_node *parent;	  /* [I] referenced; NULL for a root */
	struct revoke_node *first_child;  /* [V] newest child first */
	struct revoke_node *next_sibling; /* [V] */
	struct revoke_node *prev_sibling; /* [V] */
	struct revoke_alloc *alloc;	  /* [I] frees this node */
};

/*
 * Creates a node with one reference (the caller's), allocated for `payer` (passed to
 * a->zalloc): a root when `parent` is NULL, else a child of `parent` (which gains a
 * reference). Errors: CAPOS_ERR_INVALID (no allocator, or parent not a live node),
 * CAPOS_ERR_CAP_REVOKED (parent revoked), CAPOS_ERR_CAP_DERIVE_DEPTH (parent already at
 * REVOKE_DEPTH_MAX), a->zalloc's errors. Nothing changes on error.
 */
int revoke_node_new(struct revoke_alloc *a, void *payer, struct revoke_node *parent,
		    struct revoke_node **out);

/*
 * Marks every node below `n` revoked (n itself is untouched) and returns how many live
 * table entries referenced the newly revoked nodes (nodes already revoked are skipped
 * with their subtrees: they were counted by the revoke that marked them). Bounded by
 * the subtree's size; iterative, no recursion.
 */
uint32_t revoke_subtree(struct revoke_node *n);

/* True when `n` is a live node (use-after-free check for KASSERTs and tests). */
static inline bool revoke_node_is_live(const struct revoke_node *n)
{
	return n && n->magic == REVOKE_MAGIC;
}

/* Takes a reference (an in-flight item, a transient holder). NULL is a no-op. */
static inline void revoke_node_get(struct revoke_node *n)
{
	if (n)
		n->refs++;
}

/*
 * Unlinks `n` (refs already 0) from its parent's child list and frees it; returns the
 * parent, whose reference the caller drops. Internal to revoke_node_put; inline (see
 * the header comment) so captab.c frees nodes without linking revoke.c.
 */
static inline struct revoke_node *revoke_node_unlink_free(struct revoke_node *n)
{
	struct revoke_node *parent = n->parent;
	struct revoke_alloc *a = n->alloc;

	if (n->prev_sibling)
		n->prev_sibling->next_sibling = n->next_sibling;
	else if (parent)
		parent->first_child = n->next_sibling;
	if (n->next_sibling)
		n->next_sibling->prev_sibling = n->prev_sibling;
	n->magic = REVOKE_DEAD_MAGIC;
	a->live--;
	a->free(n);
	return parent;
}

/*
 * Drops a reference; the last one frees the node and drops its reference on the
 * parent (and so on up the chain, at most REVOKE_DEPTH_MAX + 1 nodes). NULL is a
 * no-op. Invariant: a node with children has refs > 0 (each child holds one).
 */
static inline void revoke_node_put(struct revoke_node *n)
{
	while (n && --n->refs == 0)
		n = revoke_node_unlink_free(n);
}

/* A table entry starts naming `n` (captab insert/commit). NULL is a no-op. */
static inline void revoke_entry_attach(struct revoke_node *n)
{
	if (n) {
		n->refs++;
		n->nentries++;
	}
}

/* A table entry naming `n` is released. NULL is a no-op. */
static inline void revoke_entry_detach(struct revoke_node *n)
{
	if (n) {
		n->nentries--;
		revoke_node_put(n);
	}
}

#endif
