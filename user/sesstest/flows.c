/*
 * sesstest: the session flows a shell goes through (sesstest.h): anonymous, guest
 * replacing it, logout, and login/setup through the CredentialStore when the
 * SessionManager has one.
 */
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/kcaps.h>
#include <schema/session.capnp.h>

#include "sesstest.h"

void st_note_id(uint64_t id)
{
	if (st.nids < ST_SESSIONS)
		st.ids[st.nids++] = id;
}

/* Check a session's info: active, user, profile; remember its id. */
static void st_check_info(uint32_t session, const char *user, uint32_t profile, const char *what)
{
	struct st_info i = { 0 };
	int err = st_info(session, &i);

	if (err == CAPOS_OK)
		st_note_id(i.id);
	st_check(err == CAPOS_OK && i.active && i.id != 0 && strcmp(i.user, user) == 0 &&
			 i.profile == profile,
		 what, capos_error_name(err));
}

/* A session that ended: info inactive, bundle and record SESSION_ENDED. */
static void st_check_ended(uint32_t session, const char *who)
{
	struct st_info i = { 0 };
	struct st_bundle b;
	char what[96];
	int err = st_info(session, &i);

	snprintf(what, sizeof(what), "%s: info after the end reads inactive", who);
	st_check(err == CAPOS_OK && !i.active, what, capos_error_name(err));
	snprintf(what, sizeof(what), "%s: bundle after the end -> SESSION_ENDED", who);
	st_check_err(st_bundle(session, &b), CAPOS_ERR_SESSION_ENDED, what);
	snprintf(what, sizeof(what), "%s: record after the end -> SESSION_ENDED", who);
	st_check_err(st_record(session, "late", 4), CAPOS_ERR_SESSION_ENDED, what);
}

/* The bundle of `session` is exactly `want` (comma-separated names, policy order). */
static void st_check_bundle(uint32_t session, struct st_bundle *b, const char *want,
			    const char *what)
{
	int err = st_bundle(session, b);

	st_check(err == CAPOS_OK && strcmp(st_bundle_names(b), want) == 0, what,
		 err ? capos_error_name(err) : st_bundle_names(b));
}

void st_anonymous_and_guest(void)
{
	struct st_bundle anon, g1, g2;
	uint32_t a = 0, g = 0;

	st_check_err(st_start(session_SessionManager_METHOD_anonymous, &a), CAPOS_OK,
		     "anonymous session");
	st_check_info(a, "", session_SessionProfile_anonymous,
		      "anonymous: active, no user, profile anonymous");
	st_check_bundle(a, &anon, "timer", "anonymous bundle is exactly the policy: timer");
	st_check_bundle_use(&anon, CAPOS_OK, "anonymous bundle usable");
	st_check_err(st_record(a, "hello from anonymous", 20), CAPOS_OK, "anonymous: record");

	st_check_err(st_start(session_SessionManager_METHOD_guest, &g), CAPOS_OK,
		     "guest session (replaces anonymous on this terminal)");
	st_check_info(g, "guest", session_SessionProfile_guest,
		      "guest: active, user guest, profile guest");
	st_check_ended(a, "replaced anonymous");
	st_check_bundle_use(&anon, CAPOS_ERR_CAP_REVOKED,
			    "replaced anonymous: its bundle cap -> CAP_REVOKED");
	st_check_bundle(g, &g1, "timer,echo", "guest bundle is narrow: timer,echo");
	st_check_bundle_use(&g1, CAPOS_OK, "guest bundle usable");
	st_check_bundle(g, &g2, "timer,echo", "guest bundle again: the same grants");
	st_check_bundle_use(&g2, CAPOS_OK, "second guest bundle usable");
	st_check_err(st_record(g, "spawn echo-client", 17), CAPOS_OK, "guest: record a spawn");
	st_check_err(st_child_logout(g, g1.cap[1]), CAPOS_OK,
		     "guest: logout while a child holds a copy of echo: the child saw it revoked");
	st_check_bundle_use(&g1, CAPOS_ERR_CAP_REVOKED,
			    "after logout: first bundle -> CAP_REVOKED");
	st_check_bundle_use(&g2, CAPOS_ERR_CAP_REVOKED,
			    "after logout: second bundle -> CAP_REVOKED");
	st_check_err(st_logout(g), CAPOS_OK, "guest: logout again (idempotent)");
	st_check_ended(g, "logged-out guest");
}

/* SessionManager.login or .setup (one params layout) with raw user and password. */
static int st_cred_call(uint16_t method, const char *user, uint32_t ulen, const char *pw,
			uint32_t plen)
{
	struct session_SessionManager_login_Params_b p; /* setup's has this layout */
	int err = capos_client_begin(&st.c);

	if (err == CAPOS_OK)
		err = session_SessionManager_login_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = session_SessionManager_login_Params_set_user(&p, user, ulen);
	if (err == CAPOS_OK)
		err = session_SessionManager_login_Params_set_password(&p, pw, plen);
	return err ? err
		   : capos_client_send(&st.c, st.sessions, session_SessionManager_TYPE_ID, method,
				       NULL, 0);
}

/* login(user, pw): outcome, session (when ok) and retry-after. */
static int st_login(const char *user, const char *pw, uint32_t *outcome, uint32_t *session,
		    uint64_t *retry)
{
	struct session_SessionManager_login_Results_r r;
	uint32_t index = CAPNP_CAP_NULL;
	int err = st_cred_call(session_SessionManager_METHOD_login, user, (uint32_t)strlen(user),
			       pw, (uint32_t)strlen(pw));

	if (err == CAPOS_OK)
		err = session_SessionManager_login_read_results(&st.c.msg, &r);
	if (err)
		return err;
	*outcome = (uint32_t)session_SessionManager_login_Results_get_outcome(&r);
	*retry = session_SessionManager_login_Results_get_retryAfterNs(&r);
	if (*outcome != session_LoginOutcome_ok)
		return CAPOS_OK;
	err = session_SessionManager_login_Results_get_session(&r, &index);
	return err ? err : capos_client_cap(&st.c, index, session_UserSession_TYPE_ID, session);
}

static int st_setup(const char *user, const char *pw, uint32_t *outcome)
{
	struct session_SessionManager_setup_Results_r r;
	int err = st_cred_call(session_SessionManager_METHOD_setup, user, (uint32_t)strlen(user),
			       pw, (uint32_t)strlen(pw));

	if (err == CAPOS_OK)
		err = session_SessionManager_setup_read_results(&st.c.msg, &r);
	if (err == CAPOS_OK)
		*outcome = (uint32_t)session_SessionManager_setup_Results_get_outcome(&r);
	return err;
}

/* Argument errors come before the store, the throttle and the audit. */
static void st_login_argument_errors(void)
{
	static char big[300];

	memset(big, 'p', sizeof(big));
	st_check_err(st_cred_call(session_SessionManager_METHOD_login, "", 0, "x", 1),
		     CAPOS_ERR_SESSION_USER_NAME, "login with an empty user -> SESSION_USER_NAME");
	st_check_err(st_cred_call(session_SessionManager_METHOD_login, "bad user", 8, "x", 1),
		     CAPOS_ERR_SESSION_USER_NAME,
		     "login with a space in the user -> SESSION_USER_NAME");
	st_check_err(
		st_cred_call(session_SessionManager_METHOD_login, "operator", 8, big, sizeof(big)),
		CAPOS_ERR_SESSION_PASSWORD_LONG,
		"login with a 300-byte password -> SESSION_PASSWORD_LONG");
}

/* Three wrong passwords denied, the fourth attempt throttled without a check. */
static void st_login_failures(void)
{
	uint32_t outcome = 0, s = 0;
	uint64_t retry = 0;
	int err = CAPOS_OK, denied = 1;

	for (int i = 0; i < 3 && err == CAPOS_OK; i++) {
		err = st_login("operator", ST_WRONG_PASSWORD, &outcome, &s, &retry);
		denied = denied && outcome == session_LoginOutcome_denied;
	}
	st_check(err == CAPOS_OK && denied, "three wrong passwords -> denied",
		 capos_error_name(err));
	err = st_login("operator", ST_PASSWORD, &outcome, &s, &retry);
	st_check(err == CAPOS_OK && outcome == session_LoginOutcome_throttled && retry > 0 &&
			 retry <= 1000000000ull,
		 "fourth attempt (right password) -> throttled, retry within 1 s",
		 capos_error_name(err));
	st_check_err(capos_timer_sleep(st.timer, retry), CAPOS_OK, "wait the retry-after");
}

/* The operator: login after the wait, bundle, use, logout revokes. */
static void st_operator(void)
{
	struct st_bundle b;
	uint32_t outcome = 0, s = 0;
	uint64_t retry = 0;
	int err = st_login("operator", ST_PASSWORD, &outcome, &s, &retry);

	if (!st_check(err == CAPOS_OK && outcome == session_LoginOutcome_ok,
		      "login after the wait -> ok", capos_error_name(err)))
		return;
	st_check_info(s, "operator", session_SessionProfile_operator,
		      "operator: active, user operator, profile operator");
	st_check_bundle(s, &b, "timer,echo,console,sysinfo",
			"operator bundle: timer,echo,console,sysinfo");
	st_check_bundle_use(&b, CAPOS_OK, "operator bundle usable");
	st_check_err(st_logout(s), CAPOS_OK, "operator: logout");
	st_check_bundle_use(&b, CAPOS_ERR_CAP_REVOKED,
			    "after logout: operator bundle -> CAP_REVOKED");
	st_check_ended(s, "logged-out operator");
}

void st_login_checks(void)
{
	uint32_t outcome = 0;
	int err;

	st_login_argument_errors();
	err = st_setup("operator", ST_PASSWORD, &outcome);
	if (err == CAPOS_ERR_SESSION_NO_STORE) {
		st_check(1, "setup without a CredentialStore -> SESSION_NO_STORE", NULL);
		return;
	}
	st.have_store = 1;
	st_check(err == CAPOS_OK && outcome == session_SetupOutcome_created,
		 "setup operator -> created", capos_error_name(err));
	err = st_setup("operator", ST_WRONG_PASSWORD, &outcome);
	st_check(err == CAPOS_OK && outcome == session_SetupOutcome_alreadySetUp,
		 "setup again -> alreadySetUp", capos_error_name(err));
	st_login_failures();
	st_operator();
}
