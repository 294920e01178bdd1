/*
 * sesstest: the audit log read back through the AuditReader (sesstest.h): every
 * record printed with session ids as S<i> (the order sesstest met them), seq from 1
 * without gaps, no password anywhere; the read bound; overflow of the bounded log.
 */
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <schema/session.capnp.h>

#include "sesstest.h"

#define ST_FLOOD 70u /* records appended to overflow the log (it holds 64) */

static const char *const st_kinds[] = { "loginOk",	"loginFailed", "loginThrottled",
					"sessionStart", "sessionEnd",  "setup",
					"spawn",	"other" };

struct st_read {
	uint64_t next, dropped, first, last;
	uint32_t n;
	int secret; /* a record held a password */
	int gap;    /* seqs not consecutive */
};

/* "S<i>" for a session id sesstest met, "-" for 0, "S?" otherwise. */
static const char *st_sid(uint64_t id)
{
	static char buf[8];

	if (id == 0)
		return "-";
	for (uint32_t i = 0; i < st.nids; i++)
		if (st.ids[i] == id) {
			snprintf(buf, sizeof(buf), "S%u", (unsigned)i);
			return buf;
		}
	return "S?";
}

static int st_has_secret(const struct capnp_text *t)
{
	return strstr(t->str, ST_PASSWORD) != NULL || strstr(t->str, ST_WRONG_PASSWORD) != NULL;
}

/* Account for (and, with `print`, print) one record. */
static int st_record_seen(const struct session_AuditRecord_r *r, struct st_read *out, int print)
{
	struct capnp_text user, detail;
	uint64_t seq = session_AuditRecord_get_seq(r);
	uint32_t kind = (uint32_t)session_AuditRecord_get_kind(r);
	int err = session_AuditRecord_get_user(r, &user);

	if (err == CAPOS_OK)
		err = session_AuditRecord_get_detail(r, &detail);
	if (err)
		return err;
	out->secret |= st_has_secret(&user) || st_has_secret(&detail);
	out->gap |= out->n && seq != out->last + 1;
	if (out->n++ == 0)
		out->first = seq;
	out->last = seq;
	if (print)
		printf("sesstest: audit #%llu %s %s user \"%s\" %s\n", (unsigned long long)seq,
		       kind < 8 ? st_kinds[kind] : "?",
		       st_sid(session_AuditRecord_get_sessionId(r)), user.str, detail.str);
	return CAPOS_OK;
}

/* AuditReader.read(from, max), folding the records into *out. */
static int st_audit_read(uint64_t from, uint32_t max, struct st_read *out, int print)
{
	struct session_AuditReader_read_Params_b p;
	struct session_AuditReader_read_Results_r r;
	struct session_AuditRecord_rlist list;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_AuditReader_read_request(&st.c.b, &p);
	if (err == CAPOS_OK) {
		session_AuditReader_read_Params_set_fromSeq(&p, from);
		session_AuditReader_read_Params_set_max(&p, max);
		err = capos_client_send(&st.c, st.auditread, session_AuditReader_TYPE_ID,
					session_AuditReader_METHOD_read, NULL, 0);
	}
	if (err == CAPOS_OK)
		err = session_AuditReader_read_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		err = session_AuditReader_read_Results_get_records(&r, &list);
	for (uint32_t i = 0; err == CAPOS_OK && i < session_AuditRecord_list_len(&list); i++) {
		struct session_AuditRecord_r rec = session_AuditRecord_list_get(&list, i);

		err = st_record_seen(&rec, out, print);
	}
	if (err == CAPOS_OK) {
		out->next = session_AuditReader_read_Results_get_nextSeq(&r);
		out->dropped = session_AuditReader_read_Results_get_dropped(&r);
	}
	return err;
}

/* Read everything from `from` on, 16 at a time. */
static int st_audit_all(uint64_t from, struct st_read *out, int print)
{
	uint32_t before;
	int err;

	memset(out, 0, sizeof(*out));
	out->next = from;
	do {
		before = out->n;
		err = st_audit_read(out->next, 16, out, print);
	} while (err == CAPOS_OK && out->n != before);
	return err;
}

void st_audit_checks(void)
{
	struct st_read all, one;
	int err = st_audit_all(1, &all, 1);

	st_check(err == CAPOS_OK && all.n > 0 && all.first == 1 && !all.gap && all.dropped == 0 &&
			 all.next == all.last + 1,
		 "audit log read back: seq 1.. without gaps, nothing dropped",
		 capos_error_name(err));
	st_check(err == CAPOS_OK && !all.secret, "no audit record holds a password", NULL);
	memset(&one, 0, sizeof(one));
	err = st_audit_read(1, 1000, &one, 0);
	st_check(err == CAPOS_OK && one.n == (all.n < 16 ? all.n : 16) && one.next == 1 + one.n,
		 "read with max 1000 returns at most 16", capos_error_name(err));
	memset(&one, 0, sizeof(one));
	err = st_audit_read(all.next + 5, 4, &one, 0);
	st_check(err == CAPOS_OK && one.n == 0 && one.next == all.next,
		 "read past the end: nothing, nextSeq is the next append", capos_error_name(err));
}

void st_audit_overflow(void)
{
	struct st_read before, after;
	uint32_t s = 0;
	int err = st_audit_all(1, &before, 0);
	uint64_t total;

	if (err == CAPOS_OK)
		err = st_start(session_SessionManager_METHOD_anonymous, &s);
	for (uint32_t i = 0; err == CAPOS_OK && i < ST_FLOOD; i++)
		err = st_record(s, "flood", 5);
	/* + the end of the terminal's previous session (replaced) and this one's start */
	total = before.last + 2 + ST_FLOOD;
	if (err == CAPOS_OK)
		err = st_audit_all(0, &after, 0);
	st_check(err == CAPOS_OK && after.n == 64 && after.last == total &&
			 after.first == total - 63 && after.dropped == total - 64 && !after.gap,
		 "overflow: the oldest dropped and counted, the newest 64 kept, seq not reused",
		 capos_error_name(err));
}
