/*
 * lib/manifest/internal.h: the report writer shared by the decoder, the validator and
 * the overlay merge (lib/manifest/report.c). A finding is written as
 * mr_begin(), pieces (mr_s, mr_q, mr_u, ...), mr_end(code); the text goes into the
 * caller's buffer without printf.
 */
#ifndef LIB_MANIFEST_INTERNAL_H
#define LIB_MANIFEST_INTERNAL_H

#include <manifest/manifest.h>

/* Start a finding's message. */
void mr_begin(struct manifest_report *r);
/* Append a NUL-terminated string. */
void mr_s(struct manifest_report *r, const char *s);
/* Append len bytes verbatim. */
void mr_n(struct manifest_report *r, const char *s, uint32_t len);
/* Append a text escaped: `"`, `\` and non-printable bytes as \xNN, at most 64 bytes
 * shown (then "..."). */
void mr_e(struct manifest_report *r, const char *s, uint32_t len);
/* Append a text escaped and "quoted". */
void mr_q(struct manifest_report *r, const char *s, uint32_t len);
/* Append a decimal number. */
void mr_u(struct manifest_report *r, uint64_t v);
/* Finish the message and record the finding; returns code. */
int mr_end(struct manifest_report *r, int code);

static inline void mr_qt(struct manifest_report *r, const struct manifest_text *t)
{
	mr_q(r, t->str, t->len);
}

/* "init" or `service "<name>"` (or `services[i]` while the name is unknown). */
void mr_where(struct manifest_report *r, const struct manifest_plan *p, uint32_t svc);

/* Texts equal. */
static inline bool manifest_text_eq(const struct manifest_text *a, const struct manifest_text *b)
{
	return a->len == b->len && __builtin_memcmp(a->str, b->str, a->len) == 0;
}

#endif
