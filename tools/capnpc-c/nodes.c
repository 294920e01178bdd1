/*
 * nodes.c: the model of a CodeGeneratorRequest. Indexes every node by id (sorted array,
 * binary search), attaches its doc comments (Node.SourceInfo) and derives its C name:
 * the declaring file's base name without ".capnp" (e.g. "capos"), then the node's
 * display name after the file part with '.' and '$' turned into '_'
 * ("capos.capnp:Console.write$Params" -> "capos_Console_write_Params"). Schema names
 * cannot contain '_' in a way that collides, since Cap'n Proto identifiers are
 * camelCase/UpperCamelCase.
 */
#include "capnpc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void gen_report(const struct gen_node *n, const char *fmt, ...)
{
	struct schema_Node_r node = n->node;
	struct capnp_text name;
	va_list ap;

	if (schema_Node_get_displayName(&node, &name) != 0)
		name = (struct capnp_text){ "?", 1 };
	fprintf(stderr, "capnpc-c: %s (id 0x%016llx): ", name.str, (unsigned long long)n->id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool gen_ident_ok(struct capnp_text t)
{
	if (t.len == 0 || t.len > 256)
		return false;
	for (uint32_t i = 0; i < t.len; i++) {
		char c = t.str[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

int gen_check_name(int status, struct capnp_text t)
{
	if (status)
		return status;
	if (!gen_ident_ok(t)) {
		fprintf(stderr, "capnpc-c: name \"%.*s\" is not an identifier\n",
			(int)(t.len > 64 ? 64 : t.len), t.str);
		return CAPOS_ERR_CAPNP_BAD_REQUEST;
	}
	return 0;
}

/* Every scope part of a display name after the file ("A.b$Params") is an identifier. */
static bool display_ok(struct capnp_text display)
{
	const char *colon = memchr(display.str, ':', display.len);
	const char *p, *end = display.str + display.len;

	if (!colon)
		return true; /* a file node: its name is a path, used only as a prefix source */
	for (p = colon + 1; p <= end;) {
		const char *q = p;
		while (q < end && *q != '.' && *q != '$')
			q++;
		if (!gen_ident_ok((struct capnp_text){ p, (uint32_t)(q - p) }))
			return false;
		p = q + 1;
	}
	return true;
}

struct capnp_text gen_text(int status, struct capnp_text t, int *err)
{
	if (status != 0) {
		if (*err == 0)
			*err = status;
		return (struct capnp_text){ "", 0 };
	}
	return t;
}

static int node_cmp(const void *a, const void *b)
{
	const struct gen_node *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct gen_node *gen_find(const struct gen *g, uint64_t id)
{
	size_t lo = 0, hi = g->nnodes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->nodes[mid].id == id)
			return &g->nodes[mid];
		if (g->nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void gen_add_dep(struct gen *g, uint64_t file_id)
{
	if (g->file && file_id == g->file->id)
		return;
	for (size_t i = 0; i < g->ndeps; i++)
		if (g->deps[i] == file_id)
			return;
	if (g->ndeps == sizeof(g->deps) / sizeof(g->deps[0])) {
		g->dep_error = CAPOS_ERR_CAPNP_SCHEMA_UNSUPPORTED;
		return;
	}
	g->deps[g->ndeps++] = file_id;
}

struct gen_node *gen_need(struct gen *g, uint64_t id, const char *what)
{
	struct gen_node *n = gen_find(g, id);

	if (!n) {
		fprintf(stderr, "capnpc-c: %s refers to id 0x%016llx, absent from the request\n",
			what, (unsigned long long)id);
		return NULL;
	}
	gen_add_dep(g, n->file_id);
	return n;
}

/* C identifier prefix of a file: base name, ".capnp" dropped, other characters '_'. */
static char *file_prefix(struct capnp_text path)
{
	const char *base = path.str, *end = path.str + path.len;
	char *out, *o;

	for (const char *p = path.str; p < end; p++)
		if (*p == '/')
			base = p + 1;
	if (end - base > 6 && memcmp(end - 6, ".capnp", 6) == 0)
		end -= 6;
	out = o = malloc((size_t)(end - base) + 2);
	if (!out)
		return NULL;
	if (base == end || (*base >= '0' && *base <= '9'))
		*o++ = '_';
	for (const char *p = base; p < end; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_';
		*o++ = ok ? c : '_';
	}
	*o = 0;
	return out;
}

/* C name of node n: the file prefix, then the scoped name with '.'/'$' -> '_'. */
static int name_node(struct gen_node *n, const char *prefix, struct capnp_text display)
{
	const char *colon = memchr(display.str, ':', display.len);
	size_t plen = strlen(prefix), rest = 0;
	char *o;

	if (colon)
		rest = display.len - (size_t)(colon + 1 - display.str);
	n->cname = malloc(plen + rest + 2);
	if (!n->cname)
		return CAPOS_ERR_NO_MEMORY;
	memcpy(n->cname, prefix, plen);
	o = n->cname + plen;
	if (colon) {
		*o++ = '_';
		for (size_t i = 0; i < rest; i++) {
			char c = colon[1 + i];
			*o++ = (c == '.' || c == '$') ? '_' : c;
		}
	}
	*o = 0;
	return 0;
}

/* The file node whose display name is the part of `display` before ':'. */
static struct gen_node *file_of(struct gen *g, struct capnp_text display)
{
	const char *colon = memchr(display.str, ':', display.len);
	size_t flen = colon ? (size_t)(colon - display.str) : display.len;

	for (size_t i = 0; i < g->nnodes; i++) {
		struct gen_node *f = &g->nodes[i];
		struct capnp_text fd;
		if (schema_Node_which(&f->node) != schema_Node_which_file)
			continue;
		if (schema_Node_get_displayName(&f->node, &fd) != 0)
			continue;
		if (fd.len == flen && memcmp(fd.str, display.str, flen) == 0)
			return f;
	}
	return NULL;
}

static int attach_source_info(struct gen *g)
{
	struct schema_Node_SourceInfo_rlist infos;
	int err = schema_CodeGeneratorRequest_get_sourceInfo(&g->req, &infos);

	if (err)
		return err;
	for (uint32_t i = 0; i < schema_Node_SourceInfo_list_len(&infos); i++) {
		struct schema_Node_SourceInfo_r si = schema_Node_SourceInfo_list_get(&infos, i);
		struct gen_node *n = gen_find(g, schema_Node_SourceInfo_get_id(&si));
		if (n)
			n->info = si;
	}
	return 0;
}

static int name_all(struct gen *g)
{
	for (size_t i = 0; i < g->nnodes; i++) {
		struct gen_node *n = &g->nodes[i];
		struct capnp_text display, fd;
		struct gen_node *f;
		char *prefix;
		int err = schema_Node_get_displayName(&n->node, &display);

		if (err)
			return err;
		if (!display_ok(display)) {
			gen_report(n, "display name is not a scoped identifier");
			return CAPOS_ERR_CAPNP_BAD_REQUEST;
		}
		f = file_of(g, display);
		if (!f || schema_Node_get_displayName(&f->node, &fd) != 0) {
			gen_report(n, "no file node declares it");
			return CAPOS_ERR_CAPNP_BAD_REQUEST;
		}
		n->file_id = f->id;
		prefix = file_prefix(fd);
		if (!prefix)
			return CAPOS_ERR_NO_MEMORY;
		err = name_node(n, prefix, display);
		free(prefix);
		if (err)
			return err;
	}
	return 0;
}

int gen_index(struct gen *g)
{
	struct schema_Node_rlist list;
	int err = schema_CodeGeneratorRequest_get_nodes(&g->req, &list);
	uint32_t n = schema_Node_list_len(&list);

	if (err)
		return err;
	g->nodes = calloc(n ? n : 1, sizeof(*g->nodes));
	if (!g->nodes)
		return CAPOS_ERR_NO_MEMORY;
	g->nnodes = n;
	for (uint32_t i = 0; i < n; i++) {
		g->nodes[i].node = schema_Node_list_get(&list, i);
		g->nodes[i].id = schema_Node_get_id(&g->nodes[i].node);
	}
	qsort(g->nodes, n, sizeof(*g->nodes), node_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (g->nodes[i].id == g->nodes[i - 1].id) {
			gen_report(&g->nodes[i], "duplicate node id");
			return CAPOS_ERR_CAPNP_BAD_REQUEST;
		}
	}
	err = name_all(g);
	if (err)
		return err;
	return attach_source_info(g);
}

void gen_free(struct gen *g)
{
	for (size_t i = 0; i < g->nnodes; i++)
		free(g->nodes[i].cname);
	free(g->nodes);
	g->nodes = NULL;
	g->nnodes = 0;
}

struct capnp_text gen_node_doc(const struct gen_node *n)
{
	struct capnp_text t;

	if (schema_Node_SourceInfo_get_docComment(&n->info, &t) != 0)
		return (struct capnp_text){ "", 0 };
	return t;
}

struct capnp_text gen_member_doc(const struct gen_node *n, uint32_t i)
{
	struct schema_Node_SourceInfo_Member_rlist members;
	struct schema_Node_SourceInfo_Member_r m;
	struct capnp_text t;

	if (schema_Node_SourceInfo_get_members(&n->info, &members) != 0 ||
	    i >= schema_Node_SourceInfo_Member_list_len(&members))
		return (struct capnp_text){ "", 0 };
	m = schema_Node_SourceInfo_Member_list_get(&members, i);
	if (schema_Node_SourceInfo_Member_get_docComment(&m, &t) != 0)
		return (struct capnp_text){ "", 0 };
	return t;
}
