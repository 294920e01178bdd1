/*
 * Host tests of revocation nodes (kernel/cap/revoke.c and the inline references of
 * kernel/revoke.h) and of their integration in the cap table (kernel/cap/captab.c):
 * root and child creation, the depth bound, allocation failure, eager subtree revoke
 * and its count, lookups of revoked entries (CAPOS_ERR_CAP_REVOKED) while the source
 * stays valid, release and table teardown after revoke, copies sharing a node through
 * prepare_send/commit, in-flight items (captab_item_get/put), and leak checks: every
 * test ends with the allocator's live count and every object's references back at
 * their baseline.
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/captab.h>
#include <kernel/kobj.h>
#include <kernel/revoke.h>

#define IID_A 0x1111222233334444ull
#define IID_B 0x5555666677778888ull

/* ---- a counting allocator that can be told to fail */
static int fail_allocs, fail_code = CAPOS_ERR_NO_MEMORY;
static unsigned long allocs, frees;
static void *last_payer;

static int t_zalloc(void *payer, size_t size, void **out)
{
	last_payer = payer;
	if (fail_allocs) {
		fail_allocs--;
		return fail_code;
	}
	allocs++;
	*out = calloc(1, size);
	return CAPOS_OK;
}

static void t_free(void *p)
{
	frees++;
	free(p);
}

static struct revoke_alloc ra;

static void alloc_reset(void)
{
	ra = (struct revoke_alloc){ .zalloc = t_zalloc, .free = t_free };
	fail_allocs = 0;
	fail_code = CAPOS_ERR_NO_MEMORY;
	allocs = frees = 0;
}

/* ---- objects */
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

/* Every descendant of a revoked node is revoked; child links agree with parents. */
static bool tree_ok(const struct revoke_node *n)
{
	for (const struct revoke_node *c = n->first_child; c; c = c->next_sibling) {
		if (!revoke_node_is_live(c) || c->parent != n || c->depth != n->depth + 1)
			return false;
		if (n->revoked && !c->revoked)
			return false;
		if (c->next_sibling && c->next_sibling->prev_sibling != c)
			return false;
		if (!tree_ok(c))
			return false;
	}
	return true;
}

TEST(revoke_root_and_child_lifetime)
{
	struct revoke_node *root, *child;

	alloc_reset();
	CHECK_EQ(revoke_node_new(&ra, NULL, NULL, &root), CAPOS_OK);
	CHECK_EQ(root->depth, 0);
	CHECK_UEQ(root->refs, 1);
	CHECK(root->parent == NULL);
	CHECK_EQ(revoke_node_new(&ra, NULL, root, &child), CAPOS_OK);
	CHECK_EQ(child->depth, 1);
	CHECK_UEQ(root->refs, 2); /* the child holds one */
	CHECK(root->first_child == child && child->parent == root);
	CHECK_UEQ(ra.live, 2);
	/* The root's holder goes first: the child keeps the root alive. */
	revoke_node_put(root);
	CHECK_UEQ(ra.live, 2);
	CHECK(revoke_node_is_live(root));
	/* The last reference on the child frees it and then the root. */
	revoke_node_put(child);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(allocs, 2);
	CHECK_UEQ(frees, 2);
}

/* The allocator sees the payer it was given, and its typed refusal (a kernel-memory
 * quota) comes back unchanged with nothing created. */
TEST(revoke_new_passes_the_payer_and_the_allocator_error)
{
	struct revoke_node *root, *n = NULL;
	int payer;

	alloc_reset();
	CHECK_EQ(revoke_node_new(&ra, &payer, NULL, &root), CAPOS_OK);
	CHECK(last_payer == &payer);
	fail_allocs = 1;
	fail_code = CAPOS_ERR_QUOTA_KERNEL_MEMORY;
	CHECK_EQ(revoke_node_new(&ra, &payer, root, &n), CAPOS_ERR_QUOTA_KERNEL_MEMORY);
	CHECK(n == NULL);
	CHECK_UEQ(root->refs, 1);
	CHECK(root->first_child == NULL);
	CHECK_UEQ(ra.live, 1);
	revoke_node_put(root);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(allocs, frees);
}

TEST(revoke_new_rejects_bad_arguments)
{
	struct revoke_node *root, *n = NULL;
	struct revoke_alloc noalloc = { 0 };
	struct revoke_node fake;

	alloc_reset();
	CHECK_EQ(revoke_node_new(NULL, NULL, NULL, &n), CAPOS_ERR_INVALID);
	CHECK_EQ(revoke_node_new(&noalloc, NULL, NULL, &n), CAPOS_ERR_INVALID);
	CHECK_EQ(revoke_node_new(&ra, NULL, NULL, NULL), CAPOS_ERR_INVALID);
	memset(&fake, 0x5a, sizeof(fake)); /* not a node: bad magic */
	CHECK_EQ(revoke_node_new(&ra, NULL, &fake, &n), CAPOS_ERR_INVALID);
	CHECK_EQ(revoke_node_new(&ra, NULL, NULL, &root), CAPOS_OK);
	fail_allocs = 1;
	CHECK_EQ(revoke_node_new(&ra, NULL, root, &n), CAPOS_ERR_NO_MEMORY);
	CHECK(n == NULL);
	CHECK_UEQ(root->refs, 1); /* nothing changed */
	CHECK(root->first_child == NULL);
	revoke_node_put(root);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(frees, 1);
}

TEST(revoke_depth_bound)
{
	struct revoke_node *chain[REVOKE_DEPTH_MAX + 1], *n = NULL;

	alloc_reset();
	CHECK_EQ(revoke_node_new(&ra, NULL, NULL, &chain[0]), CAPOS_OK);
	for (unsigned i = 1; i <= REVOKE_DEPTH_MAX; i++) {
		CHECK_EQ(revoke_node_new(&ra, NULL, chain[i - 1], &chain[i]), CAPOS_OK);
		CHECK_EQ(chain[i]->depth, i);
	}
	CHECK_EQ(revoke_node_new(&ra, NULL, chain[REVOKE_DEPTH_MAX], &n),
		 CAPOS_ERR_CAP_DERIVE_DEPTH);
	CHECK(n == NULL);
	CHECK_UEQ(ra.live, REVOKE_DEPTH_MAX + 1);
	/* Dropping the creators' references in creation order: the deepest keeps the rest. */
	for (unsigned i = 0; i < REVOKE_DEPTH_MAX; i++)
		revoke_node_put(chain[i]);
	CHECK_UEQ(ra.live, REVOKE_DEPTH_MAX + 1);
	revoke_node_put(chain[REVOKE_DEPTH_MAX]);
	CHECK_UEQ(ra.live, 0);
}

/* root -> a, b; a -> a1, a2; a1 -> a11. Entries per node given as the count. */
TEST(revoke_subtree_marks_and_counts)
{
	struct revoke_node *root, *a, *b, *a1, *a2, *a11, *late, *n;

	alloc_reset();
	CHECK_EQ(revoke_node_new(&ra, NULL, NULL, &root), CAPOS_OK);
	CHECK_EQ(revoke_node_new(&ra, NULL, root, &a), CAPOS_OK);
	CHECK_EQ(revoke_node_new(&ra, NULL, root, &b), CAPOS_OK);
	CHECK_EQ(revoke_node_new(&ra, NULL, a, &a1), CAPOS_OK);
	CHECK_EQ(revoke_node_new(&ra, NULL, a, &a2), CAPOS_OK);
	CHECK_EQ(revoke_node_new(&ra, NULL, a1, &a11), CAPOS_OK);
	root->nentries = 1;
	a->nentries = 2;
	b->nentries = 1;
	a1->nentries = 3;
	a2->nentries = 0;
	a11->nentries = 4;
	/* Revoking a: a1, a2, a11 (3 + 0 + 4 entries); a itself, b and root untouched. */
	CHECK_UEQ(revoke_subtree(a), 7);
	CHECK(!a->revoked && !b->revoked && !root->revoked);
	CHECK(a1->revoked && a2->revoked && a11->revoked);
	CHECK(tree_ok(root));
	/* A revoked node takes no children. */
	CHECK_EQ(revoke_node_new(&ra, NULL, a1, &n), CAPOS_ERR_CAP_REVOKED);
	/* a can derive again; the new child is valid. */
	CHECK_EQ(revoke_node_new(&ra, NULL, a, &late), CAPOS_OK);
	CHECK(!late->revoked);
	/* Revoking root: a, b and late are newly revoked (2 + 1 + 0); a's old subtree was
	 * counted already. */
	CHECK_UEQ(revoke_subtree(root), 3);
	CHECK(a->revoked && b->revoked && late->revoked && !root->revoked);
	CHECK(tree_ok(root));
	CHECK_UEQ(revoke_subtree(root), 0); /* idempotent */
	CHECK_UEQ(revoke_subtree(a11), 0);  /* a leaf: nothing below */
	struct revoke_node *all[] = { root, a, b, a1, a2, a11, late };
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		all[i]->nentries = 0;
	/* Drop in an arbitrary order; everything is freed exactly once. */
	revoke_node_put(a);
	revoke_node_put(a11);
	revoke_node_put(root);
	revoke_node_put(late);
	revoke_node_put(b);
	revoke_node_put(a2);
	CHECK_UEQ(ra.live, 3); /* a1 keeps a, which keeps root */
	CHECK(revoke_node_is_live(root) && root->first_child == a && a->first_child == a1);
	CHECK(a1->next_sibling == NULL && a1->prev_sibling == NULL);
	revoke_node_put(a1);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(frees, allocs);
}

/* ---- cap table integration */
#define NSLOTS 8

struct fixture {
	struct captab t;
	struct captab_entry slots[NSLOTS];
	struct tobj o;
};

static void fixture_init(struct fixture *f)
{
	alloc_reset();
	tobj_init(&f->o);
	(void)captab_init(&f->t, f->slots, NSLOTS);
}

/* Gives `src`'s entry a root node if it has none and inserts a cap derived from it
 * (the shape capmgr's derive has; here with the table calls only). */
static int derive(struct captab *t, uint32_t src, uint32_t *out)
{
	struct captab_entry *e = &t->slots[capos_cap_slot(src)];
	struct revoke_node *child;
	int err;

	if (e->rnode == NULL) {
		err = revoke_node_new(&ra, NULL, NULL, &e->rnode);
		if (err)
			return err;
		e->rnode->nentries = 1; /* the entry's reference is the creator's */
	}
	err = revoke_node_new(&ra, NULL, e->rnode, &child);
	if (err)
		return err;
	struct captab_item item = {
		.obj = e->obj, .rnode = child, .interface_id = e->interface_id, .xfer = e->xfer
	};
	err = captab_insert(t, &item, out);
	revoke_node_put(child);
	return err;
}

TEST(captab_revoked_lookup_and_release)
{
	struct fixture f;
	const struct captab_entry *e;
	struct captab_item item;
	uint32_t src, d1, d2, dd;

	fixture_init(&f);
	struct captab_item it = { .obj = &f.o.k, .interface_id = IID_A, .xfer = CAPTAB_XFER_COPY };
	CHECK_EQ(captab_insert(&f.t, &it, &src), CAPOS_OK);
	CHECK(f.slots[capos_cap_slot(src)].rnode == NULL);
	CHECK_EQ(derive(&f.t, src, &d1), CAPOS_OK);
	CHECK_EQ(derive(&f.t, src, &d2), CAPOS_OK);
	CHECK_EQ(derive(&f.t, d1, &dd), CAPOS_OK);
	CHECK_UEQ(ra.live, 4); /* src root, d1, d2, dd (d1 already had its node) */
	CHECK_UEQ(kobj_refs(&f.o.k), 5);
	CHECK_EQ(captab_lookup(&f.t, dd, IID_A, &e), CAPOS_OK);
	CHECK_EQ(e->rnode->depth, 2);
	/* Revoke d1's children: dd only (1 entry); d1 itself still works. */
	CHECK_UEQ(revoke_subtree(f.slots[capos_cap_slot(d1)].rnode), 1);
	CHECK_EQ(captab_lookup(&f.t, dd, IID_A, &e), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(captab_lookup(&f.t, dd, CAPTAB_ANY_INTERFACE, &e), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(captab_lookup(&f.t, d1, IID_A, &e), CAPOS_OK);
	CHECK_EQ(captab_prepare_send(&f.t, dd, CAPTAB_XFER_COPY, &item), CAPOS_ERR_CAP_REVOKED);
	/* Revoke the source: d1 and d2 (dd was counted already). */
	CHECK_UEQ(revoke_subtree(f.slots[capos_cap_slot(src)].rnode), 2);
	CHECK_EQ(captab_lookup(&f.t, d1, IID_A, &e), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(captab_lookup(&f.t, d2, IID_A, &e), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(captab_lookup(&f.t, src, IID_A, &e), CAPOS_OK);
	/* Order of checks: a wrong interface on a revoked cap still says REVOKED; a stale id
	 * says STALE. */
	CHECK_EQ(captab_lookup(&f.t, d2, IID_B, &e), CAPOS_ERR_CAP_REVOKED);
	/* Releasing revoked caps works and frees their nodes. */
	CHECK_EQ(captab_release(&f.t, d1), CAPOS_OK);
	CHECK_UEQ(ra.live, 4); /* dd still holds d1's node */
	CHECK_EQ(captab_release(&f.t, dd), CAPOS_OK);
	CHECK_UEQ(ra.live, 2);
	CHECK_EQ(captab_lookup(&f.t, dd, IID_A, &e), CAPOS_ERR_CAP_STALE);
	CHECK_EQ(captab_release(&f.t, d2), CAPOS_OK);
	CHECK_UEQ(ra.live, 1); /* the source's root */
	CHECK_UEQ(kobj_refs(&f.o.k), 2);
	CHECK_EQ(captab_release(&f.t, src), CAPOS_OK);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(kobj_refs(&f.o.k), 1);
	CHECK_EQ(f.o.released, 0);
}

TEST(captab_copies_share_the_node_across_tables)
{
	struct fixture f;
	struct captab other;
	struct captab_entry oslots[NSLOTS];
	struct captab_txn txn;
	struct captab_item item;
	const struct captab_entry *e;
	uint32_t src, d, ids[2];

	fixture_init(&f);
	(void)captab_init(&other, oslots, NSLOTS);
	struct captab_item it = { .obj = &f.o.k, .interface_id = IID_A, .xfer = CAPTAB_XFER_COPY };
	CHECK_EQ(captab_insert(&f.t, &it, &src), CAPOS_OK);
	CHECK_EQ(derive(&f.t, src, &d), CAPOS_OK);
	struct revoke_node *dn = f.slots[capos_cap_slot(d)].rnode;
	/* Transfer the derived cap to the other table twice (a copy of a copy). */
	CHECK_EQ(captab_prepare_send(&f.t, d, CAPTAB_XFER_COPY, &item), CAPOS_OK);
	CHECK(item.rnode == dn);
	/* In flight across a block: the queued item holds its own references. */
	CHECK_EQ(captab_item_get(&item), CAPOS_OK);
	CHECK_UEQ(dn->refs, 2);
	CHECK_EQ(captab_reserve(&other, 2, &txn), CAPOS_OK);
	struct captab_item two[2] = { item, item };
	CHECK_EQ(captab_commit(&other, &txn, two, ids), CAPOS_OK);
	CHECK_EQ(captab_item_put(&item), CAPOS_OK);
	CHECK_UEQ(dn->nentries, 3);
	CHECK_UEQ(dn->refs, 3);
	/* The sender releases its derived cap: the receiver's copies keep the node. */
	CHECK_EQ(captab_release(&f.t, d), CAPOS_OK);
	CHECK(revoke_node_is_live(dn));
	/* Revoking at the source reaches both copies in the other table. */
	CHECK_UEQ(revoke_subtree(f.slots[capos_cap_slot(src)].rnode), 2);
	CHECK_EQ(captab_lookup(&other, ids[0], IID_A, &e), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(captab_lookup(&other, ids[1], IID_A, &e), CAPOS_ERR_CAP_REVOKED);
	/* Process death: the other table's teardown drops its node references. */
	CHECK_EQ(captab_clear(&other), CAPOS_OK);
	CHECK_UEQ(ra.live, 1);
	CHECK_EQ(captab_clear(&f.t), CAPOS_OK);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(kobj_refs(&f.o.k), 1);
}

TEST(captab_commit_refuses_a_dead_node)
{
	struct fixture f;
	struct captab_txn txn;
	struct revoke_node dead;
	uint32_t id;

	fixture_init(&f);
	memset(&dead, 0, sizeof(dead));
	dead.magic = REVOKE_DEAD_MAGIC;
	struct captab_item it = { .obj = &f.o.k, .rnode = &dead, .interface_id = IID_A };
	CHECK_EQ(captab_insert(&f.t, &it, &id), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_reserve(&f.t, 1, &txn), CAPOS_OK);
	CHECK_EQ(captab_commit(&f.t, &txn, &it, &id), CAPOS_ERR_INVALID);
	CHECK_EQ(captab_rollback(&f.t, &txn), CAPOS_OK);
	CHECK_UEQ(kobj_refs(&f.o.k), 1);
	CHECK_UEQ(f.t.nlive, 0);
}

/* A transfer of a revoked cap that was already in flight lands dead: the entry is
 * inserted (the transaction cannot see revocation) but every lookup says REVOKED. */
TEST(captab_in_flight_revoked_cap_lands_revoked)
{
	struct fixture f;
	struct captab_item item;
	const struct captab_entry *e;
	uint32_t src, d, id;

	fixture_init(&f);
	struct captab_item it = { .obj = &f.o.k, .interface_id = IID_A, .xfer = CAPTAB_XFER_COPY };
	CHECK_EQ(captab_insert(&f.t, &it, &src), CAPOS_OK);
	CHECK_EQ(derive(&f.t, src, &d), CAPOS_OK);
	CHECK_EQ(captab_prepare_send(&f.t, d, CAPTAB_XFER_MOVE, &item), CAPOS_OK);
	CHECK_EQ(captab_item_get(&item), CAPOS_OK);
	CHECK_EQ(captab_release(&f.t, d), CAPOS_OK); /* the move's sender side */
	CHECK_UEQ(revoke_subtree(f.slots[capos_cap_slot(src)].rnode), 0); /* no entry now */
	CHECK_EQ(captab_insert(&f.t, &item, &id), CAPOS_OK);
	CHECK_EQ(captab_item_put(&item), CAPOS_OK);
	CHECK_EQ(captab_lookup(&f.t, id, IID_A, &e), CAPOS_ERR_CAP_REVOKED);
	CHECK_EQ(captab_clear(&f.t), CAPOS_OK);
	CHECK_UEQ(ra.live, 0);
	CHECK_UEQ(kobj_refs(&f.o.k), 1);
}
