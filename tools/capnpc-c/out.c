/*
 * out.c: the text buffers capnpc-c generates into. A generated file is assembled in
 * memory and written only when every node of the file generated cleanly, so a failed
 * run never leaves a half-written header behind. Allocation failure is sticky in the
 * buffer (CAPOS_ERR_NO_MEMORY) and checked once by the caller.
 */
#include "capnpc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static bool buf_reserve(struct gen_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (b->error)
		return false;
	if (more > SIZE_MAX / 2 - b->len) {
		b->error = CAPOS_ERR_OVERFLOW;
		return false;
	}
	need = b->len + more + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	p = realloc(b->text, cap);
	if (!p) {
		b->error = CAPOS_ERR_NO_MEMORY;
		return false;
	}
	b->text = p;
	b->cap = cap;
	return true;
}

void buf_vprintf(struct gen_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->error = CAPOS_ERR_INVALID;
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct gen_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

static void buf_indent(struct gen_buf *b, int indent)
{
	for (int i = 0; i < indent; i++)
		buf_printf(b, "\t");
}

/* Copy one line of a doc comment, turning any comment closer into a harmless form. */
static void buf_comment_line(struct gen_buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '*' && i + 1 < n && p[i + 1] == '/')
			buf_printf(b, "* ");
		else
			buf_printf(b, "%c", p[i]);
	}
}

void buf_comment(struct gen_buf *b, int indent, struct capnp_text doc)
{
	size_t start = 0, n = doc.len;

	while (n > 0 && (doc.str[n - 1] == '\n' || doc.str[n - 1] == ' '))
		n--;
	if (n == 0)
		return;
	buf_indent(b, indent);
	buf_printf(b, "/*\n");
	while (start < n) {
		size_t end = start;
		while (end < n && doc.str[end] != '\n')
			end++;
		buf_indent(b, indent);
		buf_printf(b, end > start ? " * " : " *");
		buf_comment_line(b, doc.str + start, end - start);
		buf_printf(b, "\n");
		start = end + 1;
	}
	buf_indent(b, indent);
	buf_printf(b, " */\n");
}

void buf_cstring(struct gen_buf *b, const char *t, size_t len)
{
	buf_printf(b, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f && c != '?')
			buf_printf(b, "%c", c);
		else
			buf_printf(b, "\\%03o", c); /* octal: never swallows a following digit */
	}
	buf_printf(b, "\"");
}

void buf_bytes(struct gen_buf *b, const uint8_t *p, size_t len, bool macro)
{
	const char *nl = macro ? " \\\n\t" : "\n\t";

	buf_printf(b, "{");
	for (size_t i = 0; i < len; i++)
		buf_printf(b, "%s0x%02x,", i % 8 == 0 ? nl : " ", p[i]);
	buf_printf(b, "%s}", len ? (macro ? " \\\n" : "\n") : " ");
}

void buf_free(struct gen_buf *b)
{
	free(b->text);
	*b = (struct gen_buf){ 0 };
}
