/*
 * audit: the audit log service (schema/session.capnp AuditLog and AuditReader;
 * docs/sessions.md "Audit"). One store (auditlog.c: a bounded ring, oldest dropped and
 * counted, seq never reused), two endpoints served from one thread with
 * capos_server_run_multi: `log` (exported as AuditLog: append only; the
 * SessionManager is its one importer) and `read` (exported as AuditReader: read
 * only, no way to append or erase). Times come from the Timer cap `timer`.
 * One console line per append (kind, seq, session, user; the detail too), so the log
 * is also on the serial output. Exits 0 when both endpoints are closed.
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/session.capnp.h>

#include "auditlog.h"

static struct capos_server audit_log_srv, audit_read_srv;
static struct auditlog audit_store;
static uint32_t audit_timer;

static const char *const audit_kind_names[AUDITLOG_KIND_COUNT] = {
	"loginOk",    "loginFailed", "loginThrottled", "sessionStart",
	"sessionEnd", "setup",	     "spawn",	       "other",
};

static int audit_append(void *self, const struct session_AuditLog_append_Params_r *p,
			struct session_AuditLog_append_Results_b *r)
{
	struct capnp_text user, detail;
	uint16_t kind = (uint16_t)session_AuditLog_append_Params_get_kind(p);
	uint64_t sid = session_AuditLog_append_Params_get_sessionId(p), now = 0, seq = 0;
	int err = session_AuditLog_append_Params_get_user(p, &user);

	(void)self;
	if (err == 0)
		err = session_AuditLog_append_Params_get_detail(p, &detail);
	if (err == 0)
		err = capos_timer_now(audit_timer, &now);
	if (err)
		return err;
	err = auditlog_append(&audit_store, kind, sid, user.str, user.len, detail.str, detail.len,
			      now, &seq);
	if (err) {
		printf("audit: append refused: %s\n", capos_error_name(err));
		return capos_server_fail(&audit_log_srv, capos_ExceptionType_invalidArgument, err,
					 "audit record");
	}
	printf("audit: #%llu %s session %llu user \"%.*s\" %.*s\n", (unsigned long long)seq,
	       audit_kind_names[kind], (unsigned long long)sid, (int)user.len, user.str,
	       (int)detail.len, detail.str);
	session_AuditLog_append_Results_set_seq(r, seq);
	return CAPOS_OK;
}

/* Copy the held record `seq` into list element `b`. */
static int audit_put_record(const struct session_AuditRecord_b *b, uint64_t seq)
{
	const struct auditlog_record *rec = auditlog_get(&audit_store, seq);
	int err;

	if (rec == NULL)
		return CAPOS_ERR_INVALID; /* cannot happen: auditlog_read returned it */
	session_AuditRecord_set_seq(b, rec->seq);
	session_AuditRecord_set_timeNs(b, rec->time_ns);
	session_AuditRecord_set_kind(b, (enum session_AuditKind)rec->kind);
	session_AuditRecord_set_sessionId(b, rec->session_id);
	err = session_AuditRecord_set_user(b, rec->user, rec->user_len);
	return err ? err : session_AuditRecord_set_detail(b, rec->detail, rec->detail_len);
}

static int audit_read(void *self, const struct session_AuditReader_read_Params_r *p,
		      struct session_AuditReader_read_Results_b *r)
{
	struct session_AuditRecord_blist list;
	uint64_t first = 0, next = 0;
	uint32_t n = auditlog_read(&audit_store, session_AuditReader_read_Params_get_fromSeq(p),
				   session_AuditReader_read_Params_get_max(p), &first, &next);
	int err = session_AuditReader_read_Results_init_records(r, n, &list);

	(void)self;
	for (uint32_t i = 0; i < n && err == 0; i++) {
		struct session_AuditRecord_b b = session_AuditRecord_list_build(&list, i);

		err = audit_put_record(&b, first + i);
	}
	session_AuditReader_read_Results_set_nextSeq(r, next);
	session_AuditReader_read_Results_set_dropped(r, audit_store.dropped);
	return err;
}

static const struct session_AuditLog_server audit_log_server = { .append = audit_append };
static const struct session_AuditReader_server audit_read_server = { .read = audit_read };

static int audit_log_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			      struct capnp_builder *results)
{
	return session_AuditLog_dispatch(&audit_log_server, self, method, params, results);
}

static int audit_read_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			       struct capnp_builder *results)
{
	return session_AuditReader_dispatch(&audit_read_server, self, method, params, results);
}

static const struct capos_server_iface audit_log_iface[] = {
	{ session_AuditLog_TYPE_ID, session_AuditLog_METHOD_COUNT, audit_log_dispatch, NULL },
};
static const struct capos_server_iface audit_read_iface[] = {
	{ session_AuditReader_TYPE_ID, session_AuditReader_METHOD_COUNT, audit_read_dispatch,
	  NULL },
};

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	struct capos_server *const servers[2] = { &audit_log_srv, &audit_read_srv };
	struct capos_ring_client *ring;
	uint32_t eps[2];
	int err = capos_ring_self(&ring);

	auditlog_init(&audit_store);
	if (err == 0)
		err = capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &audit_timer);
	if (err == 0)
		err = capos_capset_lookup(cs, "log", capos_Endpoint_TYPE_ID, &eps[0]);
	if (err == 0)
		err = capos_capset_lookup(cs, "read", capos_Endpoint_TYPE_ID, &eps[1]);
	if (err == 0)
		err = capos_server_init(&audit_log_srv, audit_log_iface, 1);
	if (err == 0)
		err = capos_server_init(&audit_read_srv, audit_read_iface, 1);
	if (err == 0)
		err = capos_server_run_multi(servers, eps, 2, ring);
	if (err) {
		printf("audit: stopped: %s\n", capos_error_name(err));
		return 1;
	}
	printf("audit: endpoints closed after %llu records\n",
	       (unsigned long long)(audit_store.next_seq - 1));
	return 0;
}
