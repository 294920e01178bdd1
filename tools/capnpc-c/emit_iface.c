/*
 * emit_iface.c: code for interface nodes. For an interface N it writes N_TYPE_ID (the
 * interface id, from the compiler, never hand-written), enum N_method with one
 * N_METHOD_<name> ordinal per method, and per method M with params P and results R:
 *   N_M_request(msg, &params)       client: start the params message (root P)
 *   N_M_read_results(msg, &results) client: decode the results root (R)
 *   N_M_read_params / N_M_init_results, the server-side halves,
 * and the dispatch skeleton: struct N_server holds one handler per method, taking the
 * decoded params reader and a results builder; N_dispatch(server, self, ordinal,
 * params, results) decodes the params root, starts the results root and calls the
 * handler. An unknown ordinal or a NULL handler answers CAPOS_ERR_CAPNP_UNIMPLEMENTED;
 * after the handler, a reader error it left unchecked (sticky in the message) or a
 * builder error is returned, so a handler cannot silently succeed on bad input.
 * Methods inherited through `extends` are dispatched by the superclass's own
 * dispatcher under the superclass's interface id (the ring names both).
 */
#include "capnpc.h"

#include <inttypes.h>
#include <stdlib.h>

struct method_info {
	const char *name;
	uint16_t ordinal;
	const char *params;  /* C name of the params struct */
	const char *results; /* C name of the results struct */
};

static int method_info(struct gen *g, const struct gen_node *n, const struct schema_Method_r *m,
		       uint16_t ordinal, struct method_info *out)
{
	struct capnp_text name;
	struct gen_node *p, *r;
	int err = schema_Method_get_name(m, &name);

	err = gen_check_name(err, name);
	if (err)
		return err;
	p = gen_need(g, schema_Method_get_paramStructType(m), name.str);
	r = gen_need(g, schema_Method_get_resultStructType(m), name.str);
	if (!p || !r) {
		gen_report(n, "method %s: params or results struct missing", name.str);
		return CAPOS_ERR_CAPNP_BAD_REQUEST;
	}
	*out = (struct method_info){ name.str, ordinal, p->cname, r->cname };
	return 0;
}

static void emit_method_funcs(struct gen_buf *b, const char *c, const struct method_info *m)
{
	buf_printf(b,
		   "static inline int %s_%s_request(struct capnp_builder *msg, struct %s_b "
		   "*params)\n{\n"
		   "\treturn capnp_builder_init_root(msg, %s_DATA_WORDS, %s_PTR_COUNT, "
		   "&params->s);\n}\n\n"
		   "static inline int %s_%s_read_results(struct capnp_msg *msg, struct %s_r "
		   "*results)\n{\n"
		   "\treturn capnp_msg_root_struct(msg, &results->s);\n}\n\n"
		   "static inline int %s_%s_read_params(struct capnp_msg *msg, struct %s_r "
		   "*params)\n{\n"
		   "\treturn capnp_msg_root_struct(msg, &params->s);\n}\n\n"
		   "static inline int %s_%s_init_results(struct capnp_builder *msg, struct %s_b "
		   "*results)\n{\n"
		   "\treturn capnp_builder_init_root(msg, %s_DATA_WORDS, %s_PTR_COUNT, "
		   "&results->s);\n}\n\n",
		   c, m->name, m->params, m->params, m->params, c, m->name, m->results, c, m->name,
		   m->params, c, m->name, m->results, m->results, m->results);
}

static void emit_dispatch_one(struct gen_buf *b, const char *c, const struct method_info *m)
{
	buf_printf(
		b,
		"static inline int %s_dispatch_%s(const struct %s_server *srv, void *self,\n"
		"\t\t\t\t\tstruct capnp_msg *params_msg, struct capnp_builder *results_msg)\n{\n"
		"\tstruct %s_r params;\n\tstruct %s_b results;\n\tint err;\n\n"
		"\tif (!srv->%s)\n\t\treturn CAPOS_ERR_CAPNP_UNIMPLEMENTED;\n"
		"\terr = %s_%s_read_params(params_msg, &params);\n\tif (err)\n\t\treturn err;\n"
		"\terr = %s_%s_init_results(results_msg, &results);\n\tif (err)\n\t\treturn err;\n"
		"\terr = srv->%s(self, &params, &results);\n\tif (err)\n\t\treturn err;\n"
		"\tif (capnp_msg_error(params_msg))\n\t\treturn capnp_msg_error(params_msg);\n"
		"\treturn capnp_builder_error(results_msg);\n}\n\n",
		c, m->name, c, m->params, m->results, m->name, c, m->name, c, m->name, m->name);
}

static int collect_methods(struct gen *g, const struct gen_node *n,
			   const struct schema_Method_rlist *methods, struct method_info *out)
{
	for (uint32_t i = 0; i < schema_Method_list_len(methods); i++) {
		struct schema_Method_r m = schema_Method_list_get(methods, i);
		int err = method_info(g, n, &m, (uint16_t)i, &out[i]);
		if (err)
			return err;
	}
	return 0;
}

static void emit_iface_types(struct gen *g, const struct gen_node *n, const struct method_info *ms,
			     uint32_t count)
{
	struct gen_buf *b = &g->types;

	buf_comment(b, 0, gen_node_doc(n));
	buf_printf(b, "#define %s_TYPE_ID UINT64_C(0x%016" PRIx64 ")\n", n->cname, n->id);
	if (count > 0) {
		buf_printf(b, "enum %s_method {\n", n->cname);
		for (uint32_t i = 0; i < count; i++)
			buf_printf(b, "\t%s_METHOD_%s = %u,\n", n->cname, ms[i].name,
				   ms[i].ordinal);
		buf_printf(b, "};\n");
	}
	buf_printf(b, "#define %s_METHOD_COUNT %" PRIu32 "u\n\n", n->cname, count);
}

static void emit_server(struct gen_buf *b, const struct gen_node *n, const struct method_info *ms,
			uint32_t count)
{
	const char *c = n->cname;

	buf_printf(b,
		   "/* Server side of %s: one handler per method (NULL: unimplemented). */\n"
		   "struct %s_server {\n",
		   c, c);
	for (uint32_t i = 0; i < count; i++)
		buf_printf(b,
			   "\tint (*%s)(void *self, const struct %s_r *params, struct %s_b "
			   "*results);\n",
			   ms[i].name, ms[i].params, ms[i].results);
	if (count == 0)
		buf_printf(b, "\tint unused_; /* no methods */\n");
	buf_printf(b, "};\n\n");
	for (uint32_t i = 0; i < count; i++)
		emit_dispatch_one(b, c, &ms[i]);
	buf_printf(b,
		   "/* Decode the params of method `ordinal` of %s, call its handler, check the\n"
		   " * messages. Errors: CAPOS_ERR_CAPNP_UNIMPLEMENTED (unknown ordinal or no "
		   "handler),\n"
		   " * the runtime's reader/builder errors, or the handler's own status. */\n"
		   "static inline int %s_dispatch(const struct %s_server *srv, void *self, "
		   "uint16_t ordinal,\n"
		   "\t\t\t\tstruct capnp_msg *params_msg, struct capnp_builder *results_msg)\n{\n",
		   c, c, c);
	if (count == 0)
		buf_printf(b,
			   "\t(void)srv;\n\t(void)self;\n\t(void)ordinal;\n\t(void)params_msg;\n"
			   "\t(void)results_msg;\n\treturn CAPOS_ERR_CAPNP_UNIMPLEMENTED;\n}\n\n");
	else {
		buf_printf(b, "\tswitch (ordinal) {\n");
		for (uint32_t i = 0; i < count; i++)
			buf_printf(b,
				   "\tcase %s_METHOD_%s:\n\t\treturn %s_dispatch_%s(srv, self, "
				   "params_msg, results_msg);\n",
				   c, ms[i].name, c, ms[i].name);
		buf_printf(b, "\tdefault:\n\t\treturn CAPOS_ERR_CAPNP_UNIMPLEMENTED;\n\t}\n}\n\n");
	}
}

int emit_interface(struct gen *g, struct gen_node *n)
{
	struct schema_Node_interface_r ifc = schema_Node_get_interface(&n->node);
	struct schema_Method_rlist methods;
	struct method_info *ms;
	uint32_t count;
	int err = schema_Node_interface_get_methods(&ifc, &methods);

	if (err)
		return err;
	count = schema_Method_list_len(&methods);
	if (count > 0xffff) {
		gen_report(n, "more than 65535 methods");
		return CAPOS_ERR_CAPNP_SCHEMA_UNSUPPORTED;
	}
	ms = calloc(count ? count : 1, sizeof(*ms));
	if (!ms)
		return CAPOS_ERR_NO_MEMORY;
	err = collect_methods(g, n, &methods, ms);
	if (err)
		goto out_free;
	emit_iface_types(g, n, ms, count);
	buf_printf(&g->funcs, "/* ---- interface %s */\n\n", n->cname);
	for (uint32_t i = 0; i < count; i++) {
		buf_comment(&g->funcs, 0, gen_member_doc(n, i));
		emit_method_funcs(&g->funcs, n->cname, &ms[i]);
	}
	emit_server(&g->funcs, n, ms, count);
out_free:
	free(ms);
	return err;
}
