/*
 * CapabilityManager (kernel/cap/capmgr.c; schema/capos.capnp): introspection and
 * revocable delegation of the CALLER's own cap table (kcall_ctx.table), whoever holds
 * the object. Methods:
 *   list   -> one CapabilityInfo per live entry, in slot order (revoked ones included,
 *             flagged), with the CapSet name the cap was granted under and the kernel
 *             interface's name;
 *   derive -> a revocable copy of the cap sent as params cap index 0 (docs/caps.md);
 *   revoke -> revokes everything derived from the cap sent as params cap index 0 and
 *             returns how many live table entries became revoked;
 *   usage  -> the caller's ResourceUsage: every ledger class, used and limit;
 *   listRange -> list in pages of at most KCAPMGR_PAGE caps (a page always fits the
 *             kernel's result scratch; a whole long table may not).
 * The object is pure: process state comes from a backend the kernel plugs in
 * (kernel/proc/kgrant.c), so host tests drive it with fakes. Revocation nodes come
 * from the object's revoke_alloc.
 *
 * Lock legend: [I] set by kcapmgr_init. Handlers run with the caller's [T] held and
 * take [V] (revoke.h) for node work.
 */
#ifndef KERNEL_CAPMGR_H
#define KERNEL_CAPMGR_H

#include <stdint.h>

#include <capos/capset.h>
#include <kernel/captab.h>
#include <kernel/kcall.h>
#include <kernel/kobj.h>
#include <kernel/ledger.h>
#include <kernel/revoke.h>

/* Caps per listRange page: 24 x (4-word struct + 6-word name + 3-word interface name)
 * + framing stays under 2.6 KiB, inside KRING_RESULTS_SCRATCH (4 KiB). */
#define KCAPMGR_PAGE 24u

/* The caller's charges and limits; a limit of 0 means "not limited (yet)". */
struct kcapmgr_usage {
	uint64_t used[LEDGER_CLASS_COUNT]; /* the caller's ledger: charged now, per class */
	uint64_t max[LEDGER_CLASS_COUNT];  /* its limits (the profile, clamped) */
};

/* The process side of the object; `caller` is kcall_ctx.caller. */
struct kcapmgr_backend {
	/* Fills *out for the caller. Errors: any status (the call fails with it). */
	int (*usage)(void *caller, struct kcapmgr_usage *out);
	/* A snapshot of the caller's CapSet page in *out (released with capset_put).
	 * Errors: any status (the list fails with it). */
	int (*capset_get)(void *caller, const struct capos_capset_page **out);
	void (*capset_put)(void *caller, const struct capos_capset_page *page);
};

struct kcapmgr {
	struct kobj k;
	const struct kcapmgr_backend *be;    /* [I] */
	struct revoke_alloc *alloc;	     /* [I] derive's revocation nodes */
	void (*destroy)(struct kcapmgr *cm); /* [I] frees; may be NULL */
};

/* Errors: CAPOS_ERR_INVALID (null object, backend or allocator). */
int kcapmgr_init(struct kcapmgr *cm, const struct kcapmgr_backend *be, struct revoke_alloc *alloc,
		 void (*destroy)(struct kcapmgr *));
extern const struct kcall_iface kcapmgr_iface;

/*
 * The derive step on `t` (the caller's table, [T] held) for `payer` (kcall_ctx.caller:
 * the nodes are allocated for it through a->zalloc): checks that `src` is live,
 * not revoked and copyable, gives its entry a root node if it has none, and creates
 * the derived cap's node. *out is the derived cap's item (src's object, interface,
 * badge and transfer mode; the new node, whose creator reference the caller now owns
 * and drops with revoke_node_put once the item is inserted or abandoned). Errors:
 * captab_lookup's (CAP_BAD_ID, CAP_STALE, CAP_EMPTY, CAP_REVOKED),
 * CAPOS_ERR_CAP_NOT_TRANSFERABLE (src is move-only or may not leave the table),
 * CAPOS_ERR_CAP_DERIVE_DEPTH, a->zalloc's errors (CAPOS_ERR_NO_MEMORY,
 * CAPOS_ERR_QUOTA_KERNEL_MEMORY, CAPOS_ERR_KERNEL_LOW_MEMORY); nothing changes on error.
 */
int kcapmgr_derive(struct captab *t, struct revoke_alloc *a, void *payer, uint32_t src,
		   struct captab_item *out);

/*
 * The revoke step: revokes every node below the revocation node of `item` (a cap the
 * caller holds, as kcall delivered it) and stores the number of live table entries
 * that became revoked in *count (0 when nothing was ever derived from it). The item's
 * own node, and so the cap itself, stays valid.
 */
void kcapmgr_revoke(const struct captab_item *item, uint32_t *count);

/* The name of a kernel interface declared in schema/capos.capnp, or "" if unknown. */
const char *kcapmgr_interface_name(uint64_t interface_id);

#endif
