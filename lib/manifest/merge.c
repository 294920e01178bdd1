/*
 * lib/manifest/merge.c: merge an operator overlay manifest into a base manifest
 * (manifest_merge, lib/include/manifest/manifest.h; rules in docs/manifest.md
 * "Overlays"). Both messages are read under the decoder's limits and never modified; the
 * result is built with lib/capnp's builder. Entries are copied whole (data section and
 * every pointer), so fields this code does not name survive the merge.
 */
#include "internal.h"

#include <capos/error.h>
#include <schema/manifest.capnp.h>

/* One side of the merge. */
struct mm_side {
	const char *what; /* "base" or "overlay" */
	struct capnp_msg msg;
	struct capnp_segment segs[MANIFEST_MAX_SEGMENTS];
	struct manifest_SystemManifest_r root;
	struct manifest_InitConfig_r cfg;
	bool has_cfg;
};

/* A list of structs matched by name: which overlay entries replace base entries. */
struct mm_list {
	const char *field;
	struct capnp_list_reader base, ov;
	uint32_t nbase, nov, nout, max;
	uint16_t ov_for_base[MANIFEST_MAX_BINARIES]; /* overlay index replacing base[i] */
	bool ov_used[MANIFEST_MAX_BINARIES];	     /* overlay entry matched a base one */
	struct capnp_text bname[MANIFEST_MAX_BINARIES], oname[MANIFEST_MAX_BINARIES];
	/* names read once: repeated reads would spend the messages' traversal budgets */
};
_Static_assert(MANIFEST_MAX_BINARIES >= MANIFEST_MAX_SERVICES &&
		       MANIFEST_MAX_BINARIES >= MANIFEST_MAX_PROFILES,
	       "mm_list arrays cover every merged list");

static int mm_fail(struct manifest_report *r, const char *what, const char *field, int st)
{
	mr_begin(r);
	mr_s(r, what);
	mr_s(r, ": ");
	mr_s(r, field);
	mr_s(r, ": malformed message");
	return mr_end(r, st);
}

static int mm_open(struct mm_side *s, const void *buf, size_t len, struct manifest_report *r)
{
	struct capnp_limits lim = {
		.traversal_words = len / CAPNP_WORD + MANIFEST_TRAVERSAL_SLACK_WORDS,
		.nesting = MANIFEST_NESTING,
	};
	size_t used = 0;
	int st;

	if (len > MANIFEST_MAX_MESSAGE_BYTES)
		st = CAPOS_ERR_MANIFEST_TOO_LARGE;
	else
		st = capnp_msg_init_framed(&s->msg, buf, len, s->segs, MANIFEST_MAX_SEGMENTS, &lim,
					   &used);
	if (!st && used != len)
		st = CAPOS_ERR_MANIFEST_TRAILING;
	if (!st)
		st = manifest_SystemManifest_read_root(&s->msg, &s->root);
	if (st)
		return mm_fail(r, s->what, "(framing)", st);
	s->has_cfg = manifest_SystemManifest_has_initConfig(&s->root);
	st = manifest_SystemManifest_get_initConfig(&s->root, &s->cfg);
	return st ? mm_fail(r, s->what, "initConfig", st) : 0;
}

/* The name (pointer 0 of every merged struct) of list element i. */
static int mm_name(const struct capnp_list_reader *l, uint32_t i, struct capnp_text *t)
{
	struct capnp_struct_reader s = capnp_list_struct(l, i);

	return capnp_get_text(&s, 0, NULL, t);
}

static bool mm_eq(const struct capnp_text *a, const struct capnp_text *b)
{
	return a->len == b->len && __builtin_memcmp(a->str, b->str, a->len) == 0;
}

/* Read every entry's name of one side once. */
static int mm_names(const struct capnp_list_reader *l, uint32_t n, struct capnp_text *out,
		    const char *what, const char *field, struct manifest_report *r)
{
	for (uint32_t i = 0; i < n; i++) {
		int st = mm_name(l, i, &out[i]);

		if (st)
			return mm_fail(r, what, field, st);
	}
	return 0;
}

/* `overlay: <list>[k].name: "x" duplicates <list>[j]` (a conflict). */
static int mm_dup(const struct mm_list *m, uint32_t k, uint32_t j, struct manifest_report *r)
{
	mr_begin(r);
	mr_s(r, "overlay: ");
	mr_s(r, m->field);
	mr_s(r, "[");
	mr_u(r, k);
	mr_s(r, "].name: ");
	mr_q(r, m->oname[k].str, m->oname[k].len);
	mr_s(r, " duplicates ");
	mr_s(r, m->field);
	mr_s(r, "[");
	mr_u(r, j);
	mr_s(r, "]");
	return mr_end(r, CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT);
}

/* "<side> <list>: N entries, limit M" (CAPOS_ERR_MANIFEST_LIMIT). */
static int mm_limit(const char *side, const struct mm_list *m, uint32_t n,
		    struct manifest_report *r)
{
	mr_begin(r);
	mr_s(r, side);
	mr_s(r, m->field);
	mr_s(r, ": ");
	mr_u(r, n);
	mr_s(r, " entries, limit ");
	mr_u(r, m->max);
	return mr_end(r, CAPOS_ERR_MANIFEST_LIMIT);
}

/* Match overlay entries to base entries by name; overlay names must be unique. */
static int mm_match(struct mm_list *m, struct manifest_report *r)
{
	int st;

	if (m->nbase > m->max)
		return mm_limit("base: ", m, m->nbase, r);
	if (m->nov > m->max)
		return mm_limit("overlay: ", m, m->nov, r);
	if ((st = mm_names(&m->base, m->nbase, m->bname, "base", m->field, r)) ||
	    (st = mm_names(&m->ov, m->nov, m->oname, "overlay", m->field, r)))
		return st;
	for (uint32_t i = 0; i < m->nbase; i++)
		m->ov_for_base[i] = MANIFEST_NONE;
	m->nout = m->nbase;
	for (uint32_t k = 0; k < m->nov; k++) {
		for (uint32_t j = 0; j < k; j++) {
			if (mm_eq(&m->oname[k], &m->oname[j]))
				return mm_dup(m, k, j, r);
		}
		m->ov_used[k] = false;
		for (uint32_t i = 0; i < m->nbase; i++) {
			if (mm_eq(&m->oname[k], &m->bname[i]) &&
			    m->ov_for_base[i] == MANIFEST_NONE) {
				m->ov_for_base[i] = (uint16_t)k;
				m->ov_used[k] = true;
				break;
			}
		}
		if (!m->ov_used[k])
			m->nout++;
	}
	return m->nout > m->max ? mm_limit("merged ", m, m->nout, r) : 0;
}

/* Copy one struct (data section and every pointer, deep) into a list element. */
static int mm_copy(const struct capnp_struct_builder *dst, const struct capnp_struct_reader *src)
{
	uint32_t n = src->data_bytes < dst->data_bytes ? src->data_bytes : dst->data_bytes;
	int st = 0;

	if (n)
		__builtin_memcpy(dst->data, src->data, n);
	for (uint16_t i = 0; !st && i < dst->ptr_count && i < src->ptr_count; i++) {
		struct capnp_ptr_builder pb = capnp_sb_ptr(dst, i);
		struct capnp_ptr_reader pr = capnp_struct_ptr(src, i);

		st = capnp_ptr_copy(&pb, &pr, 0);
	}
	return st;
}

/* Fill an initialised output list: base order with replacements, then new entries. */
static int mm_emit(const struct mm_list *m, const struct capnp_list_builder *out)
{
	uint32_t o = 0;
	int st = 0;

	for (uint32_t i = 0; !st && i < m->nbase; i++) {
		struct capnp_struct_builder d = capnp_lb_struct(out, o++);
		struct capnp_struct_reader s =
			m->ov_for_base[i] == MANIFEST_NONE
				? capnp_list_struct(&m->base, i)
				: capnp_list_struct(&m->ov, m->ov_for_base[i]);

		st = mm_copy(&d, &s);
	}
	for (uint32_t k = 0; !st && k < m->nov; k++) {
		if (m->ov_used[k])
			continue;
		struct capnp_struct_builder d = capnp_lb_struct(out, o++);
		struct capnp_struct_reader s = capnp_list_struct(&m->ov, k);

		st = mm_copy(&d, &s);
	}
	return st;
}

/* kernelParams: the base's, with each overlay field that is set (motd) or not the schema
 * default (scalars) taking its place. */
static int mm_params(const struct mm_side *b, const struct mm_side *o,
		     const struct manifest_SystemManifest_b *root)
{
	struct manifest_KernelParams_r bp, op;
	struct manifest_KernelParams_b out;
	struct capnp_text motd;
	bool bh = manifest_SystemManifest_has_kernelParams(&b->root);
	bool oh = manifest_SystemManifest_has_kernelParams(&o->root);
	int st;

	if (!bh && !oh)
		return 0;
	if ((st = manifest_SystemManifest_get_kernelParams(&b->root, &bp)) ||
	    (st = manifest_SystemManifest_get_kernelParams(&o->root, &op)))
		return st;
	if ((st = manifest_SystemManifest_init_kernelParams(root, &out)))
		return st;
	const struct manifest_KernelParams_r *m = manifest_KernelParams_has_motd(&op) ? &op : &bp;
	if ((st = manifest_KernelParams_get_motd(m, &motd)))
		return st;
	if (manifest_KernelParams_has_motd(m) &&
	    (st = manifest_KernelParams_set_motd(&out, motd.str, motd.len)))
		return st;
	enum manifest_KernelParams_LogLevel ll = manifest_KernelParams_get_logLevel(&op);
	manifest_KernelParams_set_logLevel(&out, ll != manifest_KernelParams_LogLevel_info
							 ? ll
							 : manifest_KernelParams_get_logLevel(&bp));
	uint32_t hz = manifest_KernelParams_get_timerHz(&op);
	manifest_KernelParams_set_timerHz(&out,
					  hz != 100 ? hz : manifest_KernelParams_get_timerHz(&bp));
	uint32_t cpus = manifest_KernelParams_get_maxCpus(&op);
	manifest_KernelParams_set_maxCpus(&out,
					  cpus ? cpus : manifest_KernelParams_get_maxCpus(&bp));
	return 0;
}

/* Read a list field of both roots into m. */
static int mm_lists(struct mm_list *m, const char *field, uint32_t max, int bst,
		    const struct capnp_list_reader *bl, int ost, const struct capnp_list_reader *ol,
		    struct manifest_report *r)
{
	m->field = field;
	m->max = max;
	if (bst)
		return mm_fail(r, "base", field, bst);
	if (ost)
		return mm_fail(r, "overlay", field, ost);
	m->base = *bl;
	m->ov = *ol;
	m->nbase = bl->len;
	m->nov = ol->len;
	return mm_match(m, r);
}

/* Everything that can conflict, before anything is built. */
static int mm_conflicts(const struct mm_side *b, const struct mm_side *o, struct manifest_report *r)
{
	uint32_t bv = manifest_SystemManifest_get_schemaVersion(&b->root);
	uint32_t ov = manifest_SystemManifest_get_schemaVersion(&o->root);

	if (ov != 0 && ov != bv) {
		mr_begin(r);
		mr_s(r, "overlay: schemaVersion: ");
		mr_u(r, ov);
		mr_s(r, ", base has ");
		mr_u(r, bv);
		return mr_end(r, CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT);
	}
	if (o->has_cfg && manifest_InitConfig_has_init(&o->cfg)) {
		mr_begin(r);
		mr_s(r, "overlay: initConfig.init: an overlay may not redefine init");
		return mr_end(r, CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT);
	}
	return 0;
}

/* The merge proper, with both sides open. Large state lives in *lists. */
static int mm_build(const struct mm_side *b, const struct mm_side *o, struct mm_list lists[3],
		    struct capnp_builder *out, struct manifest_report *r)
{
	struct manifest_Binary_rlist bb, ob;
	struct manifest_ResourceProfile_rlist bp, op;
	struct manifest_Service_rlist bs, os;
	struct manifest_SystemManifest_b root;
	struct manifest_InitConfig_b cfg;
	struct manifest_ProcessEntry_r init;
	struct capnp_list_builder lb;
	int st;

	if ((st = mm_lists(&lists[0], "binaries", MANIFEST_MAX_BINARIES,
			   manifest_SystemManifest_get_binaries(&b->root, &bb), &bb.l,
			   manifest_SystemManifest_get_binaries(&o->root, &ob), &ob.l, r)))
		return st;
	if ((st = mm_lists(&lists[1], "resourceProfiles", MANIFEST_MAX_PROFILES,
			   manifest_SystemManifest_get_resourceProfiles(&b->root, &bp), &bp.l,
			   manifest_SystemManifest_get_resourceProfiles(&o->root, &op), &op.l, r)))
		return st;
	if ((st = mm_lists(&lists[2], "initConfig.services", MANIFEST_MAX_SERVICES,
			   manifest_InitConfig_get_services(&b->cfg, &bs), &bs.l,
			   manifest_InitConfig_get_services(&o->cfg, &os), &os.l, r)))
		return st;

	st = manifest_SystemManifest_build_root(out, &root);
	if (st)
		goto out_build;
	manifest_SystemManifest_set_schemaVersion(
		&root, manifest_SystemManifest_get_schemaVersion(&b->root));
	if (lists[0].nout) {
		struct manifest_Binary_blist l;

		if (!(st = manifest_SystemManifest_init_binaries(&root, lists[0].nout, &l)))
			st = mm_emit(&lists[0], (lb = l.l, &lb));
	}
	if (!st && lists[1].nout) {
		struct manifest_ResourceProfile_blist l;

		if (!(st = manifest_SystemManifest_init_resourceProfiles(&root, lists[1].nout, &l)))
			st = mm_emit(&lists[1], (lb = l.l, &lb));
	}
	if (!st && b->has_cfg) {
		st = manifest_SystemManifest_init_initConfig(&root, &cfg);
		if (!st && manifest_InitConfig_has_init(&b->cfg)) {
			st = manifest_InitConfig_get_init(&b->cfg, &init);
			if (!st)
				st = manifest_InitConfig_set_init(&cfg, &init);
		}
		if (!st && lists[2].nout) {
			struct manifest_Service_blist l;

			if (!(st = manifest_InitConfig_init_services(&cfg, lists[2].nout, &l)))
				st = mm_emit(&lists[2], (lb = l.l, &lb));
		}
	} else if (!st && lists[2].nout) {
		mr_begin(r);
		mr_s(r, "overlay: initConfig.services: the base has no initConfig to extend");
		return mr_end(r, CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT);
	}
	if (!st)
		st = mm_params(b, o, &root);
	if (!st)
		st = capnp_builder_error(out);
out_build:
	if (st) {
		mr_begin(r);
		mr_s(r, "merged manifest: building failed");
		return mr_end(r, st);
	}
	return 0;
}

/* The two sides and the match tables (about 30 KiB of stack: a tool-side function). */
struct mm_state {
	struct mm_side base, ov;
	struct mm_list lists[3];
};

int manifest_merge(const void *base, size_t base_len, const void *ov, size_t ov_len,
		   struct capnp_builder *out, struct manifest_report *rep)
{
	struct mm_state s;
	int st;

	if (!out || !rep || (!base && base_len) || (!ov && ov_len))
		return CAPOS_ERR_INVALID;
	__builtin_memset(&s, 0, sizeof(s));
	s.base.what = "base";
	s.ov.what = "overlay";
	if ((st = mm_open(&s.base, base, base_len, rep)))
		return st;
	if ((st = mm_open(&s.ov, ov, ov_len, rep)))
		return st;
	if ((st = mm_conflicts(&s.base, &s.ov, rep)))
		return st;
	return mm_build(&s.base, &s.ov, s.lists, out, rep);
}
