/*
 * libFuzzer target for revocation (kernel/cap/revoke.c, the captab integration and
 * kcapmgr_derive/kcapmgr_revoke of kernel/cap/capmgr.c): the input is a sequence of
 * two-byte operations on two cap tables standing for two processes — insert a plain
 * cap, derive, revoke, release, copy or move a cap to the other table (with the item
 * held across the "block" by captab_item_get/put), and tear a table down (process
 * death). After every operation the promises are checked against the tables
 * themselves:
 *   - each node's nentries is the number of live entries naming it, and its refs are
 *     nentries plus its children (nothing else holds one between operations);
 *   - parent/child/sibling links agree, depth = parent depth + 1 <= REVOKE_DEPTH_MAX,
 *     and every child of a revoked node is revoked;
 *   - a lookup of a live entry fails with CAPOS_ERR_CAP_REVOKED exactly when its node
 *     is revoked;
 *   - revoke returns exactly the live entries below the node that were not yet
 *     revoked, and afterwards all of them are;
 *   - at the end, after both tables are cleared, no node is left and the object has
 *     only its creator's reference.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <kernel/capmgr.h>
#include <kernel/captab.h>
#include <kernel/revoke.h>

#define NSLOTS 8u
#define IID 0x1234ull

static void rf_require(int cond)
{
	if (!cond)
		abort();
}

static int fail_next;

static int rf_zalloc(void *payer, size_t size, void **out)
{
	(void)payer;
	if (fail_next) {
		fail_next = 0;
		return CAPOS_ERR_NO_MEMORY;
	}
	*out = calloc(1, size);
	return CAPOS_OK;
}

static struct revoke_alloc ra = { .zalloc = rf_zalloc, .free = free };

struct tobj {
	struct kobj k;
};

static void rf_release(struct kobj *o)
{
	(void)o;
}

static const struct kobj_ops rf_ops = { .name = "rf", .release = rf_release };

static struct captab tabs[2];
static struct captab_entry slots[2][NSLOTS];
static struct tobj obj;

/* Live entries (both tables) that name `n`. */
static uint32_t rf_entries_of(const struct revoke_node *n)
{
	uint32_t c = 0;

	for (int t = 0; t < 2; t++)
		for (uint32_t s = 0; s < NSLOTS; s++)
			c += slots[t][s].state == CAPTAB_LIVE && slots[t][s].rnode == n;
	return c;
}

static void rf_check_node(const struct revoke_node *n)
{
	uint32_t children = 0;

	rf_require(revoke_node_is_live(n) && n->depth <= REVOKE_DEPTH_MAX);
	for (const struct revoke_node *c = n->first_child; c; c = c->next_sibling) {
		rf_require(c->parent == n && c->depth == n->depth + 1);
		rf_require(!n->revoked || c->revoked);
		rf_require(!c->next_sibling || c->next_sibling->prev_sibling == c);
		children++;
		rf_check_node(c);
	}
	rf_require(n->nentries == rf_entries_of(n));
	rf_require(n->refs == n->nentries + children);
}

static void rf_check(void)
{
	for (int t = 0; t < 2; t++) {
		for (uint32_t s = 0; s < NSLOTS; s++) {
			const struct captab_entry *e = &slots[t][s], *out;
			if (e->state != CAPTAB_LIVE)
				continue;
			int err = captab_lookup(&tabs[t], capos_cap_make(s, e->gen), IID, &out);
			rf_require(err ==
				   (e->rnode && e->rnode->revoked ? CAPOS_ERR_CAP_REVOKED : 0));
			const struct revoke_node *root = e->rnode;
			while (root && root->parent)
				root = root->parent;
			if (root)
				rf_check_node(root);
		}
	}
}

/* True when `a` is a strict ancestor of `n`. */
static int rf_below(const struct revoke_node *n, const struct revoke_node *a)
{
	for (n = n ? n->parent : NULL; n; n = n->parent)
		if (n == a)
			return 1;
	return 0;
}

static uint32_t rf_id(int t, uint8_t pick)
{
	uint32_t s = pick % NSLOTS;

	return capos_cap_make(s, slots[t][s].gen);
}

static void rf_revoke(int t, uint8_t pick)
{
	struct captab_item item;
	uint32_t want = 0, got;

	if (captab_prepare_send(&tabs[t], rf_id(t, pick), CAPTAB_XFER_COPY, &item))
		return;
	for (int u = 0; u < 2; u++)
		for (uint32_t s = 0; s < NSLOTS; s++) {
			const struct captab_entry *e = &slots[u][s];
			want += e->state == CAPTAB_LIVE && e->rnode && !e->rnode->revoked &&
				item.rnode && rf_below(e->rnode, item.rnode);
		}
	kcapmgr_revoke(&item, &got);
	rf_require(got == want);
	for (int u = 0; u < 2; u++)
		for (uint32_t s = 0; s < NSLOTS; s++) {
			const struct captab_entry *e = &slots[u][s];
			if (e->state == CAPTAB_LIVE && item.rnode && rf_below(e->rnode, item.rnode))
				rf_require(e->rnode->revoked);
		}
}

static void rf_derive(int t, uint8_t pick)
{
	struct captab_item item;
	uint32_t id, live = ra.live;
	int err = kcapmgr_derive(&tabs[t], &ra, NULL, rf_id(t, pick), &item);

	if (err) {
		rf_require(ra.live == live); /* nothing changed */
		return;
	}
	err = captab_insert(&tabs[t], &item, &id);
	revoke_node_put(item.rnode);
	rf_require(err == 0 || err == CAPOS_ERR_CAP_TABLE_FULL);
}

/* Copy or move a cap to the other table, holding the item across a "block". */
static void rf_transfer(int t, uint8_t pick, int move)
{
	struct captab_item item;
	uint32_t src = rf_id(t, pick), id;

	if (captab_prepare_send(&tabs[t], src, move ? CAPTAB_XFER_MOVE : CAPTAB_XFER_COPY, &item))
		return;
	rf_require(captab_item_get(&item) == 0);
	if (move)
		rf_require(captab_release(&tabs[t], src) == 0);
	(void)captab_insert(&tabs[!t], &item, &id); /* a full table drops it */
	rf_require(captab_item_put(&item) == 0);
}

static void rf_op(uint8_t op, uint8_t arg)
{
	int t = op & 1;
	struct captab_item plain = { .obj = &obj.k, .interface_id = IID, .xfer = CAPTAB_XFER_COPY };
	uint32_t id;

	switch ((op >> 1) % 8) {
	case 0:
		(void)captab_insert(&tabs[t], &plain, &id);
		break;
	case 1:
	case 2:
		fail_next = (op >> 4) == 0xF; /* now and then an allocation fails */
		rf_derive(t, arg);
		fail_next = 0;
		break;
	case 3:
		rf_revoke(t, arg);
		break;
	case 4:
		(void)captab_release(&tabs[t], rf_id(t, arg));
		break;
	case 5:
		rf_transfer(t, arg, 0);
		break;
	case 6:
		rf_transfer(t, arg, 1);
		break;
	case 7:
		if ((arg & 7) == 0)
			rf_require(captab_clear(&tabs[t]) == 0); /* process death */
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(slots, 0, sizeof(slots));
	(void)captab_init(&tabs[0], slots[0], NSLOTS);
	(void)captab_init(&tabs[1], slots[1], NSLOTS);
	memset(&obj, 0, sizeof(obj));
	(void)kobj_init(&obj.k, KOBJ_TEST, &rf_ops);
	ra.live = 0;
	for (size_t i = 0; i + 1 < size && i < 512; i += 2) {
		rf_op(data[i], data[i + 1]);
		rf_check();
	}
	rf_require(captab_clear(&tabs[0]) == 0 && captab_clear(&tabs[1]) == 0);
	rf_require(ra.live == 0 && kobj_refs(&obj.k) == 1);
	return 0;
}
