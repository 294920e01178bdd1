/*
 * Revocation nodes: creation of root and derived nodes and the eager subtree revoke
 * (contract and lock legend in kernel/include/kernel/revoke.h; the reference helpers
 * are inline there). The tree is threaded with parent / first-child / sibling links,
 * so the walk needs no stack and no allocation.
 *
 * Invariant (checked by the host tests): every descendant of a revoked node is
 * revoked, because revoke marks whole subtrees and revoke_node_new refuses a revoked
 * parent.
 */
#include <kernel/revoke.h>

#include <capos/error.h>

int revoke_node_new(struct revoke_alloc *a, void *payer, struct revoke_node *parent,
		    struct revoke_node **out)
{
	struct revoke_node *n = NULL;
	int err;

	if (!a || !a->zalloc || !a->free || !out || (parent && !revoke_node_is_live(parent)))
		return CAPOS_ERR_INVALID;
	if (parent && parent->revoked)
		return CAPOS_ERR_CAP_REVOKED;
	if (parent && parent->depth >= REVOKE_DEPTH_MAX)
		return CAPOS_ERR_CAP_DERIVE_DEPTH;
	err = a->zalloc(payer, sizeof(*n), (void **)&n);
	if (err)
		return err;
	n->magic = REVOKE_MAGIC;
	n->refs = 1;
	n->alloc = a;
	a->live++;
	if (parent) {
		n->depth = (uint8_t)(parent->depth + 1);
		n->parent = parent;
		parent->refs++;
		n->next_sibling = parent->first_child;
		if (parent->first_child)
			parent->first_child->prev_sibling = n;
		parent->first_child = n;
	}
	*out = n;
	return CAPOS_OK;
}

/* The next node of a preorder walk of `top`'s subtree that skips n's children; NULL
 * when the walk is done. */
static struct revoke_node *revoke_next_skip(struct revoke_node *top, struct revoke_node *n)
{
	while (n != top && n->next_sibling == NULL)
		n = n->parent;
	return n == top ? NULL : n->next_sibling;
}

uint32_t revoke_subtree(struct revoke_node *top)
{
	struct revoke_node *n = top->first_child;
	uint32_t count = 0;

	while (n) {
		/* Invariant: every node from `top` down to n's parent is live, and an already
		 * revoked node's whole subtree is revoked (skip it). */
		if (!n->revoked) {
			n->revoked = true;
			count += n->nentries;
			if (n->first_child) {
				n = n->first_child;
				continue;
			}
		}
		n = revoke_next_skip(top, n);
	}
	return count;
}
