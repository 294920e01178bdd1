/*
 * The audit log's bounded record ring (auditlog.h): validation, append with oldest-
 * first dropping, and range reads by sequence number.
 */
#include "auditlog.h"

#include <string.h>

#include <capos/error.h>

void auditlog_init(struct auditlog *l)
{
	memset(l, 0, sizeof(*l));
	l->next_seq = 1;
}

static int auditlog_text_ok(const char *s, uint32_t len, uint32_t max)
{
	if (len > max)
		return 0;
	for (uint32_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* The oldest seq still held (next_seq when the log is empty). */
static uint64_t auditlog_oldest(const struct auditlog *l)
{
	uint64_t held = l->next_seq - 1;

	return held > AUDITLOG_RECORDS ? l->next_seq - AUDITLOG_RECORDS : 1;
}

int auditlog_append(struct auditlog *l, uint16_t kind, uint64_t session_id, const char *user,
		    uint32_t user_len, const char *detail, uint32_t detail_len, uint64_t time_ns,
		    uint64_t *seq)
{
	struct auditlog_record *r;

	if (kind >= AUDITLOG_KIND_COUNT)
		return CAPOS_ERR_AUDIT_KIND;
	if (!auditlog_text_ok(user, user_len, AUDITLOG_USER_MAX) ||
	    !auditlog_text_ok(detail, detail_len, AUDITLOG_DETAIL_MAX))
		return CAPOS_ERR_AUDIT_TEXT;
	if (l->next_seq > AUDITLOG_RECORDS)
		l->dropped++; /* the slot holds seq next_seq - RECORDS */
	r = &l->rec[(l->next_seq - 1) % AUDITLOG_RECORDS];
	memset(r, 0, sizeof(*r));
	r->seq = l->next_seq++;
	r->time_ns = time_ns;
	r->session_id = session_id;
	r->kind = kind;
	r->user_len = (uint8_t)user_len;
	r->detail_len = (uint8_t)detail_len;
	memcpy(r->user, user, user_len);
	memcpy(r->detail, detail, detail_len);
	*seq = r->seq;
	return CAPOS_OK;
}

uint32_t auditlog_read(const struct auditlog *l, uint64_t from_seq, uint32_t max, uint64_t *first,
		       uint64_t *next_seq)
{
	uint64_t start = from_seq, oldest = auditlog_oldest(l);
	uint64_t avail;

	if (start < oldest)
		start = oldest;
	if (max > AUDITLOG_READ_MAX)
		max = AUDITLOG_READ_MAX;
	avail = start < l->next_seq ? l->next_seq - start : 0;
	if (avail < max)
		max = (uint32_t)avail;
	*first = max ? start : 0;
	if (max)
		*next_seq = start + max;
	else
		*next_seq = start < l->next_seq ? start : l->next_seq;
	return max;
}

const struct auditlog_record *auditlog_get(const struct auditlog *l, uint64_t seq)
{
	if (seq == 0 || seq >= l->next_seq || seq < auditlog_oldest(l))
		return NULL;
	return &l->rec[(seq - 1) % AUDITLOG_RECORDS];
}
