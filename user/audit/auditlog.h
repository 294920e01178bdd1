/*
 * The audit log's store (user/audit/auditlog.c): a bounded ring of records in append
 * order. Each append gets the next sequence number (from 1, never reused); when the
 * ring is full the oldest record is dropped and counted, so a reader sees a gap in
 * `seq` and the `dropped` total. Pure (no ring, no time source: the caller passes the
 * time), host-tested in tests/host/session/auditlog_test.c.
 *
 * The log stores what its writers send: user names, outcomes and short details. It
 * cannot know a password, so keeping secrets out is the writers' contract: the one
 * writer, the SessionManager, passes only user names, outcomes and session ids
 * (docs/sessions.md "Audit").
 */
#ifndef AUDIT_AUDITLOG_H
#define AUDIT_AUDITLOG_H

#include <stdint.h>

#define AUDITLOG_RECORDS 64u	/* ring capacity */
#define AUDITLOG_USER_MAX 32u	/* user name bytes */
#define AUDITLOG_DETAIL_MAX 96u /* detail bytes */
#define AUDITLOG_READ_MAX 16u	/* records one read returns (fits a 4 KiB answer) */
#define AUDITLOG_KIND_COUNT 8u	/* AuditKind values 0..7 */

struct auditlog_record {
	uint64_t seq;	     /* append order, from 1 */
	uint64_t time_ns;    /* Timer.now at append */
	uint64_t session_id; /* 0: no session */
	uint16_t kind;	     /* AuditKind */
	uint8_t user_len, detail_len;
	char user[AUDITLOG_USER_MAX];
	char detail[AUDITLOG_DETAIL_MAX];
};

struct auditlog {
	struct auditlog_record rec[AUDITLOG_RECORDS]; /* seq s lives at (s - 1) % RECORDS */
	uint64_t next_seq;			      /* seq of the next append */
	uint64_t dropped;			      /* records overwritten so far */
};

/* An empty log: the first append gets seq 1. */
void auditlog_init(struct auditlog *l);

/*
 * Append one record; its seq in *seq. Validates first, changes nothing on error:
 * CAPOS_ERR_AUDIT_KIND (kind >= AUDITLOG_KIND_COUNT), CAPOS_ERR_AUDIT_TEXT (user over
 * AUDITLOG_USER_MAX or detail over AUDITLOG_DETAIL_MAX bytes, or a byte outside
 * printable ASCII 0x20..0x7e in either).
 */
int auditlog_append(struct auditlog *l, uint16_t kind, uint64_t session_id, const char *user,
		    uint32_t user_len, const char *detail, uint32_t detail_len, uint64_t time_ns,
		    uint64_t *seq);

/*
 * The records with seq >= from_seq still held, oldest first, at most `max` (clamped
 * to AUDITLOG_READ_MAX): *first is the seq of the first one (0 when none) and the
 * return value their count; *next_seq is the seq to ask for next. Records older than
 * the ring holds are skipped (they are counted in l->dropped).
 */
uint32_t auditlog_read(const struct auditlog *l, uint64_t from_seq, uint32_t max, uint64_t *first,
		       uint64_t *next_seq);

/* The record with sequence number `seq`, or NULL when it is not held. */
const struct auditlog_record *auditlog_get(const struct auditlog *l, uint64_t seq);

#endif
