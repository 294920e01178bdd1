/*
 * user/audit/auditlog.c on the host: append validation (kind, text bound, printable),
 * seq from 1 without reuse, the bounded ring dropping the oldest and counting it,
 * range reads (clamped, from before the oldest, past the end).
 */
#include "../test.h"

#include <capos/error.h>

#include "../../../user/audit/auditlog.h"

static struct auditlog log_;

static int append(const char *user, const char *detail, uint64_t *seq)
{
	return auditlog_append(&log_, 3, 42, user, (uint32_t)strlen(user), detail,
			       (uint32_t)strlen(detail), 1000, seq);
}

TEST(auditlog_append_validates_before_changing)
{
	char big[AUDITLOG_DETAIL_MAX + 1];
	uint64_t seq = 0, first = 0, next = 0;

	auditlog_init(&log_);
	memset(big, 'd', sizeof(big));
	CHECK_EQ(auditlog_append(&log_, AUDITLOG_KIND_COUNT, 1, "u", 1, "d", 1, 0, &seq),
		 CAPOS_ERR_AUDIT_KIND);
	CHECK_EQ(auditlog_append(&log_, 0, 1, "u", 1, big, sizeof(big), 0, &seq),
		 CAPOS_ERR_AUDIT_TEXT);
	CHECK_EQ(auditlog_append(&log_, 0, 1, big, AUDITLOG_USER_MAX + 1, "d", 1, 0, &seq),
		 CAPOS_ERR_AUDIT_TEXT);
	CHECK_EQ(append("bob\n", "x", &seq), CAPOS_ERR_AUDIT_TEXT);
	CHECK_EQ(append("bob", "tab\there", &seq), CAPOS_ERR_AUDIT_TEXT);
	CHECK_EQ(auditlog_read(&log_, 1, 16, &first, &next), 0);
	CHECK_UEQ(next, 1);
	CHECK_EQ(auditlog_append(&log_, 0, 1, big, AUDITLOG_USER_MAX, big, AUDITLOG_DETAIL_MAX, 5,
				 &seq),
		 0); /* exactly at the bounds */
	CHECK_UEQ(seq, 1);
}

TEST(auditlog_records_in_order)
{
	uint64_t seq = 0, first = 0, next = 0;
	const struct auditlog_record *r;

	auditlog_init(&log_);
	CHECK_EQ(append("alice", "login ok", &seq), 0);
	CHECK_UEQ(seq, 1);
	CHECK_EQ(append("", "", &seq), 0);
	CHECK_UEQ(seq, 2);
	CHECK_EQ(auditlog_read(&log_, 0, 16, &first, &next), 2);
	CHECK_UEQ(first, 1);
	CHECK_UEQ(next, 3);
	r = auditlog_get(&log_, 1);
	CHECK(r != NULL);
	CHECK_EQ(r->kind, 3);
	CHECK_UEQ(r->session_id, 42);
	CHECK_UEQ(r->time_ns, 1000);
	CHECK_EQ(r->user_len, 5);
	CHECK(memcmp(r->user, "alice", 5) == 0);
	CHECK(memcmp(r->detail, "login ok", 8) == 0);
	CHECK(auditlog_get(&log_, 0) == NULL);
	CHECK(auditlog_get(&log_, 3) == NULL);
	CHECK_EQ(auditlog_read(&log_, 2, 16, &first, &next), 1);
	CHECK_UEQ(first, 2);
	CHECK_EQ(auditlog_read(&log_, 9, 16, &first, &next), 0); /* past the end */
	CHECK_UEQ(next, 3);
	CHECK_UEQ(first, 0);
}

TEST(auditlog_overflow_drops_oldest)
{
	uint64_t seq = 0, first = 0, next = 0;
	const uint32_t total = AUDITLOG_RECORDS + 10;

	auditlog_init(&log_);
	for (uint32_t i = 0; i < total; i++)
		CHECK_EQ(append("u", "d", &seq), 0);
	CHECK_UEQ(seq, total);
	CHECK_UEQ(log_.dropped, 10);
	CHECK(auditlog_get(&log_, 10) == NULL);
	CHECK(auditlog_get(&log_, 11) != NULL);
	CHECK_UEQ(auditlog_get(&log_, total)->seq, total);
	/* From before the oldest: starts at the oldest held. */
	CHECK_EQ(auditlog_read(&log_, 1, 1000, &first, &next), AUDITLOG_READ_MAX);
	CHECK_UEQ(first, 11);
	CHECK_UEQ(next, 11 + AUDITLOG_READ_MAX);
	CHECK_EQ(auditlog_read(&log_, total, 4, &first, &next), 1);
	CHECK_UEQ(next, total + 1);
	CHECK_EQ(auditlog_read(&log_, 20, 0, &first, &next), 0); /* max 0: nothing, stay */
	CHECK_UEQ(next, 20);
}
