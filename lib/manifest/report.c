/*
 * lib/manifest/report.c: findings written into a caller-supplied buffer
 * (struct manifest_report, lib/include/manifest/manifest.h) by a tiny writer with no
 * printf dependency, so the same code runs in tools, tests, the fuzzer and init.
 */
#include "internal.h"

#include <capos/error.h>

#define MR_SKIP ((size_t)-1) /* the current message is not stored (no slot left) */
#define MR_SHOW 64u	     /* bytes of a quoted text shown before "..." */

void manifest_report_init(struct manifest_report *r, char *buf, size_t size)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->size = buf ? size : 0;
	r->cur = MR_SKIP;
}

const char *manifest_report_message(const struct manifest_report *r, uint32_t i)
{
	if (i >= r->nfindings || !r->buf || r->findings[i].offset >= r->size)
		return "";
	return r->buf + r->findings[i].offset;
}

void mr_begin(struct manifest_report *r)
{
	r->cur = r->nfindings < MANIFEST_MAX_FINDINGS ? r->used : MR_SKIP;
}

/* One byte, keeping room for the terminating NUL. */
static void mr_c(struct manifest_report *r, char c)
{
	if (r->cur == MR_SKIP || r->used + 1 >= r->size)
		return;
	r->buf[r->used++] = c;
}

void mr_n(struct manifest_report *r, const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		mr_c(r, s[i]);
}

void mr_s(struct manifest_report *r, const char *s)
{
	while (*s)
		mr_c(r, *s++);
}

void mr_e(struct manifest_report *r, const char *s, uint32_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (uint32_t i = 0; i < len && i < MR_SHOW; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			mr_c(r, '\\');
			mr_c(r, 'x');
			mr_c(r, hex[c >> 4]);
			mr_c(r, hex[c & 15]);
		} else {
			mr_c(r, (char)c);
		}
	}
	if (len > MR_SHOW)
		mr_s(r, "...");
}

void mr_q(struct manifest_report *r, const char *s, uint32_t len)
{
	mr_c(r, '"');
	mr_e(r, s, len);
	mr_c(r, '"');
}

void mr_u(struct manifest_report *r, uint64_t v)
{
	char d[20];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		mr_c(r, d[--n]);
}

int mr_end(struct manifest_report *r, int code)
{
	if (r->cur != MR_SKIP) {
		struct manifest_finding *f = &r->findings[r->nfindings++];

		f->code = code;
		f->offset = (uint32_t)r->cur;
		f->len = (uint32_t)(r->used - r->cur);
		if (r->used < r->size)
			r->buf[r->used++] = '\0';
		else
			f->offset = (uint32_t)r->size; /* no room: message "" */
	}
	if (r->total++ == 0)
		r->first = code;
	r->cur = MR_SKIP;
	return code;
}

void mr_where(struct manifest_report *r, const struct manifest_plan *p, uint32_t svc)
{
	if (svc == MANIFEST_NONE) {
		mr_s(r, "init");
	} else if (p->services[svc].name.len) {
		mr_s(r, "service ");
		mr_qt(r, &p->services[svc].name);
	} else {
		mr_s(r, "services[");
		mr_u(r, svc);
		mr_s(r, "]");
	}
}
