/*
 * capnpc-c: a `capnp compile -o` plugin that generates C for lib/capnp.
 *
 *   capnp compile -o build/tool/capnpc-c:build/gen schema/capos.capnp
 *
 * writes build/gen/schema/capos.capnp.h. The compiler sends a CodeGeneratorRequest
 * (framed binary, stdin); this program reads it with lib/capnp through the accessors
 * it generated for capnp/schema.capnp itself (bootstrap/capnp/schema.capnp.h), and
 * emits one header per requested file. Exit status 0 on success, 1 with a message on
 * stderr otherwise (malformed request, unsupported schema feature, I/O error).
 */
#include "capnpc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REQUEST_BYTES ((size_t)256 << 20)
#define MAX_SEGMENTS 1024

/* Read all of stdin into an 8-byte aligned buffer. */
static int read_stdin(uint8_t **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return CAPOS_ERR_NO_MEMORY;
	for (;;) {
		size_t got;
		if (n == cap) {
			uint8_t *nb;
			if (cap >= MAX_REQUEST_BYTES) {
				free(buf);
				return CAPOS_ERR_OUT_OF_RANGE;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return CAPOS_ERR_NO_MEMORY;
			}
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + n, 1, cap - n, stdin);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(stdin)) {
		free(buf);
		return CAPOS_ERR_INVALID;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int generate(struct gen *g)
{
	struct schema_CodeGeneratorRequest_RequestedFile_rlist files;
	int err = gen_index(g);

	if (!err)
		err = schema_CodeGeneratorRequest_get_requestedFiles(&g->req, &files);
	for (uint32_t i = 0; !err && i < schema_CodeGeneratorRequest_RequestedFile_list_len(&files);
	     i++) {
		struct schema_CodeGeneratorRequest_RequestedFile_r f =
			schema_CodeGeneratorRequest_RequestedFile_list_get(&files, i);
		struct capnp_text name;

		err = schema_CodeGeneratorRequest_RequestedFile_get_filename(&f, &name);
		if (!err)
			err = emit_file(g, schema_CodeGeneratorRequest_RequestedFile_get_id(&f),
					name);
		for (size_t k = 0; k < g->nnodes; k++)
			g->nodes[k].emitted = false;
	}
	if (!err)
		err = capnp_msg_error(&g->msg);
	return err;
}

int main(int argc, char **argv)
{
	/* The request comes from the official compiler; its size, not hostility, is
	 * the concern: allow re-reading it many times. */
	const struct capnp_limits lim = { .traversal_words = UINT64_C(1) << 40, .nesting = 64 };
	static struct capnp_segment segs[MAX_SEGMENTS];
	struct gen g = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: capnp compile -o capnpc-c[:outdir] file.capnp...\n");
		return 2;
	}
	err = read_stdin(&buf, &len);
	if (!err)
		err = capnp_msg_init_framed(&g.msg, buf, len, segs, MAX_SEGMENTS, &lim, NULL);
	if (!err)
		err = schema_CodeGeneratorRequest_read_root(&g.msg, &g.req);
	if (!err)
		err = generate(&g);
	if (err)
		fprintf(stderr, "capnpc-c: failed: %s (%d)\n", capos_error_name(err), err);
	gen_free(&g);
	free(buf);
	return err ? 1 : 0;
}
