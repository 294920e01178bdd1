/*
 * Interface between the interop helper's modes (interop_helper.c) and its seeded
 * AllTypes value generator (interop_gen.c): a growable text buffer for the expected
 * `capnp convert` text and gen_all(), which builds or checks one AllTypes struct.
 */
#ifndef INTEROP_GEN_H
#define INTEROP_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capnp/capnp.h>

/* A growable, NUL-terminated text buffer (aborts on allocation failure). */
struct sbuf {
	char *p;
	size_t len, cap;
};

/* Append printf-formatted text to s; a NULL s discards it. */
void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* BUILD writes the draws into a builder; CHECK compares a reader against them. */
enum mode { BUILD, CHECK };

struct gen {
	uint64_t s;
	enum mode mode;
	struct sbuf *t; /* BUILD: expected text */
	int fails;
	int depth;
	bool no_any; /* CHECK: anyField was stripped from the text capnp parsed */
	bool large;  /* primitive lists get 65536+ elements (crossing 2^16) */
};

struct node { /* the struct being built or checked */
	const struct capnp_struct_builder *b;
	const struct capnp_struct_reader *r;
};

/* Build (g->mode BUILD, n.b) or check (CHECK, n.r) one AllTypes struct from the draws
 * of g; mismatches are counted in g->fails and reported on stderr. */
void gen_all(struct gen *g, struct node n);

#endif
