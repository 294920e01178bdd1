/*
 * capnpc.h: internals of capnpc-c, the `capnp compile -o` plugin that turns Cap'n Proto
 * schemas into C for lib/capnp. It owns the model of one CodeGeneratorRequest (a node
 * index sorted by id, C names, doc comments) and the emitters for each node kind. It
 * reads the request with the C accessors it generated itself for capnp/schema.capnp
 * (bootstrap/capnp/schema.capnp.h, checked in and drift-checked by
 * `make capnpc-bootstrap-check`).
 *
 * Every function returns a capOS status (include/capos/error.h); schema features the
 * generator does not handle fail with CAPOS_ERR_CAPNP_SCHEMA_UNSUPPORTED and a message
 * on stderr naming the node, never with silently missing output.
 */
#ifndef CAPNPC_C_CAPNPC_H
#define CAPNPC_C_CAPNPC_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <capnp/capnp.h>

#include "capnp/schema.capnp.h"

/* One node of the request, with what the emitters need precomputed. */
struct gen_node {
	uint64_t id;			      /* the compiler's 64-bit type id */
	struct schema_Node_r node;	      /* reader into the request */
	char *cname;			      /* C name prefix, e.g. "capos_CapGrant_source" */
	uint64_t file_id;		      /* id of the file node that declares it */
	struct schema_Node_SourceInfo_r info; /* doc comments (empty reader if none) */
	bool emitted;			      /* visited by the current file's walk */
};

/* Growable output text; flushed to a file only when a whole file generated cleanly. */
struct gen_buf {
	char *text;
	size_t len;
	size_t cap;
	int error; /* sticky CAPOS_ERR_NO_MEMORY */
};

struct gen {
	struct capnp_msg msg; /* the request */
	struct schema_CodeGeneratorRequest_r req;
	struct gen_node *nodes; /* sorted by id */
	size_t nnodes;
	struct gen_node *file; /* the file being generated */
	struct gen_buf types;  /* pass 1: types, ids, constants */
	struct gen_buf funcs;  /* pass 2: inline functions */
	uint64_t deps[64];     /* other files this file refers to */
	size_t ndeps;
	int dep_error; /* sticky: too many imports */
};

/* ---- request model (nodes.c) */

/* Index every node of the request (sorted by id) and give each its C name.
 * Errors: CAPOS_ERR_NO_MEMORY, CAPOS_ERR_CAPNP_BAD_REQUEST (dangling scope, duplicate
 * id), reader errors of the request. */
int gen_index(struct gen *g);
/* Node by id, or NULL. */
struct gen_node *gen_find(const struct gen *g, uint64_t id);
/* Node by id for a reference from the file being generated: records the declaring
 * file as an include of that file; reports (stderr) and returns NULL if absent, `what`
 * naming the use. */
struct gen_node *gen_need(struct gen *g, uint64_t id, const char *what);
/* Free the index. */
void gen_free(struct gen *g);
/* Doc comment of member i of node n (field, enumerant, method), or empty text. */
struct capnp_text gen_member_doc(const struct gen_node *n, uint32_t i);
/* Doc comment of node n, or empty text. */
struct capnp_text gen_node_doc(const struct gen_node *n);
/* Whether t is a Cap'n Proto identifier ([A-Za-z][A-Za-z0-9]*): names reach the
 * output as C identifiers, so anything else is a malformed request. */
bool gen_ident_ok(struct capnp_text t);
/* Read a name (member or node) and check it: 0, a reader error, or
 * CAPOS_ERR_CAPNP_BAD_REQUEST for a name that is not an identifier. */
int gen_check_name(int status, struct capnp_text t);
/* Text field reader that reports malformed input (returns "" on error, sets *err). */
struct capnp_text gen_text(int status, struct capnp_text t, int *err);

/* ---- output (out.c) */

void buf_printf(struct gen_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* buf_printf with a va_list (for emitters that take a format of their own). */
void buf_vprintf(struct gen_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* A C comment block from doc text (indent = leading tabs), escaping comment closers. */
void buf_comment(struct gen_buf *b, int indent, struct capnp_text doc);
/* A C string literal of t[0..len) (quotes included). */
void buf_cstring(struct gen_buf *b, const char *t, size_t len);
/* A brace-enclosed list of bytes as an initializer (inside a macro if `macro`). */
void buf_bytes(struct gen_buf *b, const uint8_t *p, size_t len, bool macro);
void buf_free(struct gen_buf *b);

/* ---- emitters */

/* Enum node: the C enum and its id. */
int emit_enum(struct gen *g, struct gen_node *n);
/* Const node: a macro (primitive, Text), or a byte initializer (Data, struct, list). */
int emit_const(struct gen *g, struct gen_node *n);
/* Struct or group node: types, layout, readers, builders, union discriminants. */
int emit_struct(struct gen *g, struct gen_node *n);
/* Interface node: id, ordinals, request builders, server dispatch skeleton. */
int emit_interface(struct gen *g, struct gen_node *n);
/* Whole file: walk the requested file's nodes and write <filename>.h. */
int emit_file(struct gen *g, uint64_t file_id, struct capnp_text filename);

/* ---- values (value.c) */

/* Bit pattern of a primitive default/const value of schema type t, as the XOR mask
 * the runtime takes. Errors: CAPOS_ERR_CAPNP_BAD_REQUEST (value kind differs). */
int value_bits(const struct schema_Value_r *v, enum schema_Type_which t, uint64_t *bits);
/* Canonical single-segment encoding of a pointer value (struct/list/AnyPointer
 * default or const) into a malloc'd buffer; *words = 0 for a null pointer. */
int value_canonical(const struct capnp_ptr_reader *p, uint8_t **out, size_t *words);

/* C type of a primitive schema type ("uint32_t"), or NULL if not primitive. */
const char *prim_ctype(enum schema_Type_which t);
/* Runtime accessor suffix ("u32", "bool", "f32"), or NULL if not primitive. */
const char *prim_suffix(enum schema_Type_which t);
/* Size in bits of a primitive (Bool 1, Void 0), or -1. */
int prim_bits(enum schema_Type_which t);
/* Runtime element size of a list of elements of type t. */
enum capnp_elem_size elem_size_of(enum schema_Type_which t);

/* Report a problem with a node on stderr ("capnpc-c: <display name>: msg"). */
void gen_report(const struct gen_node *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
