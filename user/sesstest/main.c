/*
 * sesstest: plays the shell against the session services (system/tests/session.capnp,
 * tests/qemu/session_tests.py; docs/sessions.md). It holds what a shell holds: a
 * SessionManager facet (`sessions`, terminal badge 7) and, for checking the log, an
 * AuditReader (`auditread`). Checks, one line each (`sesstest: <check>: ok`, or
 * `FAILED` with what was seen):
 *   - anonymous: info (active, no user, profile anonymous); the bundle is exactly the
 *     anonymous policy (timer) and usable; record is audited;
 *   - guest replaces anonymous on this terminal: the old session reads inactive, its
 *     bundle cap is revoked (CAP_REVOKED), bundle/record -> SESSION_ENDED;
 *   - guest bundle narrow (timer, echo), usable; a second bundle call gives caps to the
 *     same grants; logout revokes every copy, also one a spawned child holds
 *     (child.c, user/sesschild); logout again is fine (idempotent);
 *   - login/setup: argument errors before anything else (empty user, oversize
 *     password); with a CredentialStore: setup, wrong passwords denied then throttled
 *     (retry-after honoured), correct login -> operator bundle (timer, echo, console,
 *     sysinfo) usable, logout revokes it; without one: SESSION_NO_STORE;
 *   - the audit log read back: kinds, users, session ids and details in order; no
 *     record holds a password; a bounded read; overflow drops the oldest (dropped > 0,
 *     seq never reused);
 *   - hostile: forged and released cap ids, a SessionManager facet used as UserSession,
 *     an unknown method, malformed params, a revoked cap sent along -> exact ring or
 *     capnp errors; oversize and unprintable record text -> AUDIT_TEXT; the services
 *     answer afterwards.
 * Exit 0 when every check passed, 1 otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/client.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/demo.capnp.h>
#include <schema/session.capnp.h>

#include "sesstest.h"

struct st_state st;

int st_check(int cond, const char *what, const char *seen)
{
	if (cond) {
		printf("sesstest: %s: ok\n", what);
		return 1;
	}
	printf("sesstest: %s: FAILED (%s)\n", what, seen ? seen : "");
	st.failures++;
	return 0;
}

int st_check_err(int got, int want, const char *what)
{
	return st_check(got == want, what, capos_error_name(got));
}

/* The session of SessionManager.anonymous or .guest (same results layout). */
int st_start(uint16_t method, uint32_t *session)
{
	struct session_SessionManager_anonymous_Params_b p;
	struct session_SessionManager_anonymous_Results_r r;
	uint32_t index = CAPNP_CAP_NULL;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_SessionManager_anonymous_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, st.sessions, session_SessionManager_TYPE_ID, method,
					NULL, 0);
	if (err == CAPOS_OK)
		err = session_SessionManager_anonymous_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		err = session_SessionManager_anonymous_Results_get_session(&r, &index);
	return err ? err : capos_client_cap(&st.c, index, session_UserSession_TYPE_ID, session);
}

int st_info(uint32_t session, struct st_info *out)
{
	struct session_UserSession_info_Params_b p;
	struct session_UserSession_info_Results_r r;
	struct session_SessionInfo_r i;
	struct capnp_text user;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_UserSession_info_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, session, session_UserSession_TYPE_ID,
					session_UserSession_METHOD_info, NULL, 0);
	if (err == CAPOS_OK)
		err = session_UserSession_info_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		err = session_UserSession_info_Results_get_info(&r, &i);
	if (err == CAPOS_OK)
		err = session_SessionInfo_get_user(&i, &user);
	if (err)
		return err;
	out->id = session_SessionInfo_get_id(&i);
	out->profile = (uint32_t)session_SessionInfo_get_profile(&i);
	out->active = session_SessionInfo_get_active(&i);
	snprintf(out->user, sizeof(out->user), "%.*s", (int)user.len, user.str);
	return CAPOS_OK;
}

/* One bundle entry into b->e[i]. */
static int st_bundle_entry(const struct session_BundleCap_r *c, struct st_bundle *b, uint32_t i)
{
	struct capnp_text name;
	uint32_t index = CAPNP_CAP_NULL;
	int err = session_BundleCap_get_name(c, &name);

	if (err == CAPOS_OK)
		err = session_BundleCap_get_cap(c, &index);
	if (err)
		return err;
	b->iid[i] = session_BundleCap_get_interfaceId(c);
	snprintf(b->name[i], sizeof(b->name[i]), "%.*s", (int)name.len, name.str);
	return capos_client_cap(&st.c, index, b->iid[i], &b->cap[i]);
}

int st_bundle(uint32_t session, struct st_bundle *b)
{
	struct session_UserSession_bundle_Params_b p;
	struct session_UserSession_bundle_Results_r r;
	struct session_BundleCap_rlist list;
	int err = capos_client_begin(&st.c);

	memset(b, 0, sizeof(*b));
	if (err == CAPOS_OK)
		err = session_UserSession_bundle_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, session, session_UserSession_TYPE_ID,
					session_UserSession_METHOD_bundle, NULL, 0);
	if (err == CAPOS_OK)
		err = session_UserSession_bundle_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		err = session_UserSession_bundle_Results_get_caps(&r, &list);
	if (err == CAPOS_OK && session_BundleCap_list_len(&list) > ST_BUNDLE_MAX)
		err = CAPOS_ERR_INVALID;
	for (uint32_t i = 0; err == CAPOS_OK && i < session_BundleCap_list_len(&list); i++) {
		struct session_BundleCap_r c = session_BundleCap_list_get(&list, i);

		err = st_bundle_entry(&c, b, i);
		b->n = i + 1;
	}
	return err;
}

/* "name:Interface,..." of a bundle, for a check line. */
const char *st_bundle_names(const struct st_bundle *b)
{
	static char buf[256];
	size_t at = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < b->n && at < sizeof(buf); i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? "," : "",
				       b->name[i]);
	return buf;
}

/* A UserSession method with no params and no results we read (logout). */
int st_logout(uint32_t session)
{
	struct session_UserSession_logout_Params_b p;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_UserSession_logout_request(&st.c.b, &p);
	return err ? err
		   : capos_client_send(&st.c, session, session_UserSession_TYPE_ID,
				       session_UserSession_METHOD_logout, NULL, 0);
}

int st_record(uint32_t session, const char *event, uint32_t len)
{
	struct session_UserSession_record_Params_b p;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_UserSession_record_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = session_UserSession_record_Params_set_event(&p, event, len);
	return err ? err
		   : capos_client_send(&st.c, session, session_UserSession_TYPE_ID,
				       session_UserSession_METHOD_record, NULL, 0);
}

int st_echo(uint32_t cap, const char *text)
{
	struct demo_Echo_echo_Params_b p;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = demo_Echo_echo_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = demo_Echo_echo_Params_set_text(&p, text, (uint32_t)strlen(text));
	return err ? err
		   : capos_client_send(&st.c, cap, demo_Echo_TYPE_ID, demo_Echo_METHOD_echo, NULL,
				       0);
}

int st_console(uint32_t cap, const char *text)
{
	struct capos_Console_writeLine_Params_b p;
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = capos_Console_writeLine_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_Console_writeLine_Params_set_text(&p, text, (uint32_t)strlen(text));
	return err ? err
		   : capos_client_send(&st.c, cap, capos_Console_TYPE_ID,
				       capos_Console_METHOD_writeLine, NULL, 0);
}

/* SystemInfo.summary on `cap`: a version, at least one CPU, some memory free. */
static int st_summary(uint32_t cap)
{
	struct session_SystemInfo_summary_Params_b p;
	struct session_SystemInfo_summary_Results_r r;
	struct capos_SystemSummary_r s;
	struct capnp_text v = { 0 };
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_SystemInfo_summary_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, cap, session_SystemInfo_TYPE_ID,
					session_SystemInfo_METHOD_summary, NULL, 0);
	if (err == CAPOS_OK)
		err = session_SystemInfo_summary_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		err = session_SystemInfo_summary_Results_get_summary(&r, &s);
	if (err == CAPOS_OK)
		err = capos_SystemSummary_get_version(&s, &v);
	if (err == CAPOS_OK &&
	    (v.len == 0 || capos_SystemSummary_get_cpus(&s) == 0 ||
	     capos_SystemSummary_get_freeBytes(&s) == 0 ||
	     capos_SystemSummary_get_freeBytes(&s) > capos_SystemSummary_get_memoryBytes(&s)))
		err = CAPOS_ERR_INVALID;
	return err;
}

/* SystemInfo.motd on `cap`: the text must be non-empty; then the summary. */
int st_motd(uint32_t cap)
{
	struct session_SystemInfo_motd_Params_b p;
	struct session_SystemInfo_motd_Results_r r;
	struct capnp_text t = { 0 };
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_SystemInfo_motd_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, cap, session_SystemInfo_TYPE_ID,
					session_SystemInfo_METHOD_motd, NULL, 0);
	if (err == CAPOS_OK)
		err = session_SystemInfo_motd_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		err = session_SystemInfo_motd_Results_get_text(&r, &t);
	if (err == CAPOS_OK && t.len == 0)
		err = CAPOS_ERR_INVALID;
	return err ? err : st_summary(cap);
}

/* Use bundle cap i by its interface: Timer.now, Echo.echo, Console.writeLine or
 * SystemInfo.motd. */
int st_use(const struct st_bundle *b, uint32_t i)
{
	uint64_t now;

	if (b->iid[i] == capos_Timer_TYPE_ID)
		return capos_timer_now(b->cap[i], &now);
	if (b->iid[i] == demo_Echo_TYPE_ID)
		return st_echo(b->cap[i], "through a bundle");
	if (b->iid[i] == capos_Console_TYPE_ID)
		return st_console(b->cap[i], "sesstest: a line through the operator console");
	if (b->iid[i] == session_SystemInfo_TYPE_ID)
		return st_motd(b->cap[i]);
	return CAPOS_ERR_INVALID;
}

/* Every cap of `b` answers `want` (0: usable; CAP_REVOKED after the session ended). */
void st_check_bundle_use(const struct st_bundle *b, int want, const char *what)
{
	int worst = want;

	for (uint32_t i = 0; i < b->n; i++) {
		int err = st_use(b, i);

		if (err != want)
			worst = err;
	}
	st_check(b->n > 0 && worst == want, what, capos_error_name(worst));
}

static int st_find_caps(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_capset_lookup(cs, "sessions", session_SessionManager_TYPE_ID, &st.sessions);

	if (err == CAPOS_OK)
		err = capos_capset_lookup(cs, "auditread", session_AuditReader_TYPE_ID,
					  &st.auditread);
	if (err == CAPOS_OK)
		err = capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &st.timer);
	return err;
}

int main(void)
{
	int err = st_find_caps();

	if (err) {
		printf("sesstest: caps: %s\n", capos_error_name(err));
		return 1;
	}
	st_anonymous_and_guest();
	st_login_checks();
	st_audit_checks();
	st_hostile_checks();
	st_audit_overflow();
	if (st.failures) {
		printf("sesstest: %u checks failed\n", st.failures);
		return 1;
	}
	printf("sesstest: all checks passed\n");
	return 0;
}
