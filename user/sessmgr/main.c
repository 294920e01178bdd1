/*
 * sessmgr: the SessionManager service (schema/session.capnp; docs/sessions.md).
 * Serves SessionManager (to shells: the facet's badge names the terminal) and
 * UserSession (facets it mints itself with Endpoint.client, badge = session id) on
 * its one raw endpoint `api`. It alone holds the CredentialStore (`creds`, optional:
 * without it login and setup fail CAPOS_ERR_SESSION_NO_STORE), the AuthorityBroker
 * (`broker`) and the AuditLog writer (`audit`); `timer` dates sessions and drives the
 * login throttle (sesstab.c); `entropy` (EntropySource, optional) randomises session
 * ids. Every login attempt is audited with the user name and outcome only; passwords
 * go to the store and nowhere else, and are wiped from this process's buffers after
 * the call. A terminal holds one active session: starting another ends it.
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
#include <libcapos/server.h>
#include <schema/session.capnp.h>

#include "sesstab.h"

#define SM_PASSWORD_MAX 256u /* bytes a password may have (the store bounds it again) */
#define SM_NO_CAP UINT32_MAX
#define SM_DETAIL_MAX 64u

static struct capos_server sm_srv;
static struct capos_ring_client *sm_ring;
static struct capos_client_call sm_call;
static struct sess_table sm_tab;
static struct sess_throttle sm_throttle;
static uint32_t sm_ep, sm_timer, sm_broker, sm_audit;
static uint32_t sm_creds = SM_NO_CAP, sm_entropy = SM_NO_CAP;

static const char *const sm_profile_names[] = { "anonymous", "guest", "operator" };

/* Overwrite a secret in place (the compiler may not drop a volatile store). */
static void sm_wipe(const void *p, size_t n)
{
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)p;

	for (size_t i = 0; i < n; i++)
		b[i] = 0;
}

/* Fail the current call with `type`/`status`, printing why. */
static int sm_refuse(int type, int status, const char *what)
{
	printf("sessmgr: %s refused: %s\n", what, capos_error_name(status));
	return capos_server_fail(&sm_srv, type, status, what);
}

/* AuditLog.append(kind, sid, user, detail). */
static int sm_audit_append(enum session_AuditKind kind, uint64_t sid, const char *user,
			   uint32_t ulen, const char *detail)
{
	struct session_AuditLog_append_Params_b p;
	int err = capos_client_begin(&sm_call);

	if (err == CAPOS_OK)
		err = session_AuditLog_append_request(&sm_call.b, &p);
	if (err == CAPOS_OK) {
		session_AuditLog_append_Params_set_kind(&p, kind);
		session_AuditLog_append_Params_set_sessionId(&p, sid);
		err = session_AuditLog_append_Params_set_user(&p, user, ulen);
	}
	if (err == CAPOS_OK)
		err = session_AuditLog_append_Params_set_detail(&p, detail,
								(uint32_t)strlen(detail));
	if (err == CAPOS_OK)
		err = capos_client_send(&sm_call, sm_audit, session_AuditLog_TYPE_ID,
					session_AuditLog_METHOD_append, NULL, 0);
	if (err)
		printf("sessmgr: audit append failed: %s\n", capos_error_name(err));
	return err;
}

/* 32 random bits from the EntropySource, or 0 without one. */
static int sm_random(uint32_t *out)
{
	struct capos_EntropySource_getBytes_Params_b p;
	struct capos_EntropySource_getBytes_Results_r r;
	struct capnp_data d;
	int err;

	*out = 0;
	if (sm_entropy == SM_NO_CAP)
		return CAPOS_OK;
	err = capos_client_begin(&sm_call);
	if (err == CAPOS_OK)
		err = capos_EntropySource_getBytes_request(&sm_call.b, &p);
	if (err == CAPOS_OK) {
		capos_EntropySource_getBytes_Params_set_count(&p, sizeof(*out));
		err = capos_client_send(&sm_call, sm_entropy, capos_EntropySource_TYPE_ID,
					capos_EntropySource_METHOD_getBytes, NULL, 0);
	}
	if (err == CAPOS_OK)
		err = capos_EntropySource_getBytes_read_results(&sm_call.msg, &r);
	if (err == CAPOS_OK)
		err = capos_EntropySource_getBytes_Results_get_data(&r, &d);
	if (err == CAPOS_OK && d.len != sizeof(*out))
		err = CAPOS_ERR_INVALID;
	if (err == CAPOS_OK)
		memcpy(out, d.ptr, sizeof(*out));
	return err;
}

/* AuthorityBroker.endSession(sid); the revoked count in *n. */
static int sm_broker_end(uint64_t sid, uint32_t *n)
{
	struct session_AuthorityBroker_endSession_Params_b p;
	struct session_AuthorityBroker_endSession_Results_r r;
	int err = capos_client_begin(&sm_call);

	if (err == CAPOS_OK)
		err = session_AuthorityBroker_endSession_request(&sm_call.b, &p);
	if (err == CAPOS_OK) {
		session_AuthorityBroker_endSession_Params_set_sessionId(&p, sid);
		err = capos_client_send(&sm_call, sm_broker, session_AuthorityBroker_TYPE_ID,
					session_AuthorityBroker_METHOD_endSession, NULL, 0);
	}
	if (err == CAPOS_OK)
		err = session_AuthorityBroker_endSession_read_results(&sm_call.msg, &r);
	if (err == CAPOS_OK)
		*n = session_AuthorityBroker_endSession_Results_get_revoked(&r);
	return err;
}

/* End session `e` (why: "logout", "replaced"): revoke its bundle, audit the end. */
static int sm_end(struct sess_entry *e, const char *why)
{
	char detail[SM_DETAIL_MAX];
	uint32_t n = 0;
	int err = CAPOS_OK;

	if (!e->active)
		return CAPOS_OK;
	e->active = 0;
	if (e->bundled)
		err = sm_broker_end(e->id, &n);
	if (err == CAPOS_ERR_BROKER_UNKNOWN_SESSION)
		err = CAPOS_OK; /* its bundle call failed before any root was made */
	e->bundled = 0;
	snprintf(detail, sizeof(detail), "%s, %u caps revoked", why, (unsigned)n);
	printf("sessmgr: session %llu ended: %s\n", (unsigned long long)e->id, detail);
	if (err == CAPOS_OK)
		err = sm_audit_append(session_AuditKind_sessionEnd, e->id, e->user, e->user_len,
				      detail);
	return err;
}

/* Mint the UserSession facet of `e` and queue it (moved) with the answer. */
static int sm_hand_session(const struct sess_entry *e, uint32_t *index)
{
	uint32_t facet;
	int err = capos_endpoint_client(sm_ep, session_UserSession_TYPE_ID, e->id, &facet);

	if (err)
		return err;
	err = capos_server_result_cap(&sm_srv, facet, CAPOS_XFER_MOVE, index);
	if (err)
		(void)capos_ring_release(sm_ring, facet);
	return err;
}

/*
 * Start a session of `profile` for `user` on the calling terminal (ending its active
 * one), audit the start, and queue its UserSession facet; its cap index in *index.
 */
static int sm_begin(uint32_t profile, const char *user, uint32_t ulen, uint32_t *index)
{
	uint64_t terminal = sm_srv.call.badge, now = 0;
	struct sess_entry *prev = sess_active_of(&sm_tab, terminal), *e = NULL;
	uint32_t random = 0;
	int err = prev ? sm_end(prev, "replaced") : CAPOS_OK;

	if (err == CAPOS_OK)
		err = sm_random(&random);
	if (err == CAPOS_OK)
		err = capos_timer_now(sm_timer, &now);
	if (err == CAPOS_OK)
		err = sess_start(&sm_tab, sess_id_make(&sm_tab, random), terminal, profile, user,
				 ulen, now, &e);
	if (err == CAPOS_OK)
		err = sm_hand_session(e, index);
	if (err == CAPOS_OK)
		err = sm_audit_append(session_AuditKind_sessionStart, e->id, user, ulen,
				      sm_profile_names[profile]);
	if (err && e) {
		capos_server_drop_results(&sm_srv, sm_ring);
		memset(e, 0, sizeof(*e));
	}
	if (err == CAPOS_OK)
		printf("sessmgr: terminal %llu: session %llu started (%s, user \"%.*s\")\n",
		       (unsigned long long)terminal, (unsigned long long)e->id,
		       sm_profile_names[profile], (int)ulen, user);
	return err;
}

static int sm_anonymous(void *self, const struct session_SessionManager_anonymous_Params_r *p,
			struct session_SessionManager_anonymous_Results_b *r)
{
	uint32_t index = 0;
	int err = sm_begin(session_SessionProfile_anonymous, "", 0, &index);

	(void)self;
	(void)p;
	return err ? err : session_SessionManager_anonymous_Results_set_session(r, index);
}

static int sm_guest(void *self, const struct session_SessionManager_guest_Params_r *p,
		    struct session_SessionManager_guest_Results_b *r)
{
	uint32_t index = 0;
	int err = sm_begin(session_SessionProfile_guest, "guest", 5, &index);

	(void)self;
	(void)p;
	return err ? err : session_SessionManager_guest_Results_set_session(r, index);
}

/* Check a user name and password from the params (both fields already read). */
static int sm_check_credentials(const struct capnp_text *user, const struct capnp_text *pw,
				const char *what)
{
	if (!sess_user_ok(user->str, user->len))
		return sm_refuse(capos_ExceptionType_invalidArgument, CAPOS_ERR_SESSION_USER_NAME,
				 what);
	if (pw->len > SM_PASSWORD_MAX)
		return sm_refuse(capos_ExceptionType_invalidArgument,
				 CAPOS_ERR_SESSION_PASSWORD_LONG, what);
	if (sm_creds == SM_NO_CAP)
		return sm_refuse(capos_ExceptionType_failed, CAPOS_ERR_SESSION_NO_STORE, what);
	return CAPOS_OK;
}

_Static_assert(session_CredentialStore_setup_Params_DATA_WORDS ==
			       session_CredentialStore_verify_Params_DATA_WORDS &&
		       session_CredentialStore_setup_Params_PTR_COUNT ==
			       session_CredentialStore_verify_Params_PTR_COUNT,
	       "CredentialStore.setup and .verify params share one layout");

/* A CredentialStore call (verify or setup: one params layout, user then password). */
static int sm_store_call(uint16_t method, const struct capnp_text *user,
			 const struct capnp_text *pw)
{
	struct session_CredentialStore_verify_Params_b p; /* setup's has this layout */
	int err = capos_client_begin(&sm_call);

	if (err == CAPOS_OK)
		err = session_CredentialStore_verify_request(&sm_call.b, &p);
	if (err == CAPOS_OK)
		err = session_CredentialStore_verify_Params_set_user(&p, user->str, user->len);
	if (err == CAPOS_OK)
		err = session_CredentialStore_verify_Params_set_password(&p, pw->str, pw->len);
	if (err == CAPOS_OK)
		err = capos_client_send(&sm_call, sm_creds, session_CredentialStore_TYPE_ID, method,
					NULL, 0);
	sm_wipe(sm_call.arena, sizeof(sm_call.arena));
	sm_wipe(sm_call.framed, sizeof(sm_call.framed));
	sm_wipe(pw->str, pw->len);
	return err;
}

/* A throttled attempt: audited, answered with the wait, the store not called. */
static int sm_login_throttled(const struct capnp_text *user, uint64_t wait,
			      struct session_SessionManager_login_Results_b *r)
{
	char detail[SM_DETAIL_MAX];

	snprintf(detail, sizeof(detail), "throttled, retry in %llu ms",
		 (unsigned long long)(wait / 1000000u));
	session_SessionManager_login_Results_set_outcome(r, session_LoginOutcome_throttled);
	session_SessionManager_login_Results_set_retryAfterNs(r, wait);
	printf("sessmgr: login \"%.*s\": %s\n", (int)user->len, user->str, detail);
	return sm_audit_append(session_AuditKind_loginThrottled, 0, user->str, user->len, detail);
}

/* The store's verdict, applied: a session, or a counted and audited failure (timed
 * at the verdict: the delay runs from the end of the failed attempt, not from its
 * start, however long the hash took). */
static int sm_login_verdict(const struct capnp_text *user,
			    struct session_SessionManager_login_Results_b *r)
{
	struct session_CredentialStore_verify_Results_r v;
	uint32_t profile, index = 0;
	uint64_t now = 0;
	int err = session_CredentialStore_verify_read_results(&sm_call.msg, &v);

	if (err == CAPOS_OK)
		err = capos_timer_now(sm_timer, &now);
	if (err)
		return err;
	profile = (uint32_t)session_CredentialStore_verify_Results_get_profile(&v);
	if (session_CredentialStore_verify_Results_get_outcome(&v) !=
		    session_VerifyOutcome_accepted ||
	    profile > session_SessionProfile_operator) {
		sess_throttle_fail(&sm_throttle, user->str, user->len, now);
		session_SessionManager_login_Results_set_outcome(r, session_LoginOutcome_denied);
		session_SessionManager_login_Results_set_retryAfterNs(
			r, sess_throttle_check(&sm_throttle, user->str, user->len, now));
		printf("sessmgr: login \"%.*s\": denied\n", (int)user->len, user->str);
		return sm_audit_append(session_AuditKind_loginFailed, 0, user->str, user->len,
				       "denied");
	}
	sess_throttle_clear(&sm_throttle, user->str, user->len);
	err = sm_audit_append(session_AuditKind_loginOk, 0, user->str, user->len,
			      sm_profile_names[profile]);
	if (err == CAPOS_OK)
		err = sm_begin(profile, user->str, user->len, &index);
	if (err == CAPOS_OK) {
		session_SessionManager_login_Results_set_outcome(r, session_LoginOutcome_ok);
		err = session_SessionManager_login_Results_set_session(r, index);
	}
	return err;
}

static int sm_login(void *self, const struct session_SessionManager_login_Params_r *p,
		    struct session_SessionManager_login_Results_b *r)
{
	struct capnp_text user, pw;
	uint64_t now = 0, wait;
	int err = session_SessionManager_login_Params_get_user(p, &user);

	(void)self;
	if (err == CAPOS_OK)
		err = session_SessionManager_login_Params_get_password(p, &pw);
	if (err == CAPOS_OK)
		err = sm_check_credentials(&user, &pw, "login");
	if (err == CAPOS_OK)
		err = capos_timer_now(sm_timer, &now);
	if (err)
		return err;
	wait = sess_throttle_check(&sm_throttle, user.str, user.len, now);
	if (wait) {
		sm_wipe(pw.str, pw.len);
		return sm_login_throttled(&user, wait, r);
	}
	err = sm_store_call(session_CredentialStore_METHOD_verify, &user, &pw);
	return err ? err : sm_login_verdict(&user, r);
}

static int sm_setup(void *self, const struct session_SessionManager_setup_Params_r *p,
		    struct session_SessionManager_setup_Results_b *r)
{
	struct session_CredentialStore_setup_Results_r s;
	struct capnp_text user, pw;
	enum session_SetupOutcome outcome;
	int err = session_SessionManager_setup_Params_get_user(p, &user);

	(void)self;
	if (err == CAPOS_OK)
		err = session_SessionManager_setup_Params_get_password(p, &pw);
	if (err == CAPOS_OK)
		err = sm_check_credentials(&user, &pw, "setup");
	if (err == CAPOS_OK)
		err = sm_store_call(session_CredentialStore_METHOD_setup, &user, &pw);
	if (err == CAPOS_OK)
		err = session_CredentialStore_setup_read_results(&sm_call.msg, &s);
	if (err)
		return err;
	outcome = session_CredentialStore_setup_Results_get_outcome(&s);
	session_SessionManager_setup_Results_set_outcome(r, outcome);
	printf("sessmgr: setup \"%.*s\": %s\n", (int)user.len, user.str,
	       outcome == session_SetupOutcome_created ? "created" : "alreadySetUp");
	return sm_audit_append(session_AuditKind_setup, 0, user.str, user.len,
			       outcome == session_SetupOutcome_created ? "created"
								       : "alreadySetUp");
}

/* The session the current UserSession call is about (its facet's badge); ended ones
 * only when `any` (info). Fails the call CAPOS_ERR_SESSION_ENDED otherwise. */
static int sm_this_session(int any, struct sess_entry **out)
{
	*out = sess_find(&sm_tab, sm_srv.call.badge);
	if (*out == NULL || (!any && !(*out)->active))
		return capos_server_fail(&sm_srv, capos_ExceptionType_failed,
					 CAPOS_ERR_SESSION_ENDED, "session ended");
	return CAPOS_OK;
}

static int sm_info(void *self, const struct session_UserSession_info_Params_r *p,
		   struct session_UserSession_info_Results_b *r)
{
	struct session_SessionInfo_b info;
	struct sess_entry *e;
	int err = sm_this_session(1, &e);

	(void)self;
	(void)p;
	if (err == CAPOS_OK)
		err = session_UserSession_info_Results_init_info(r, &info);
	if (err)
		return err;
	session_SessionInfo_set_id(&info, e->id);
	session_SessionInfo_set_profile(&info, (enum session_SessionProfile)e->profile);
	session_SessionInfo_set_startedNs(&info, e->started_ns);
	session_SessionInfo_set_active(&info, e->active != 0);
	return session_SessionInfo_set_user(&info, e->user, e->user_len);
}

/* AuthorityBroker.shellBundle for `e`; the list in sm_call.msg. */
static int sm_broker_bundle(struct sess_entry *e, struct session_BundleCap_rlist *list)
{
	struct session_AuthorityBroker_shellBundle_Params_b p;
	struct session_AuthorityBroker_shellBundle_Results_r r;
	int err = capos_client_begin(&sm_call);

	if (err == CAPOS_OK)
		err = session_AuthorityBroker_shellBundle_request(&sm_call.b, &p);
	if (err == CAPOS_OK) {
		session_AuthorityBroker_shellBundle_Params_set_sessionId(&p, e->id);
		session_AuthorityBroker_shellBundle_Params_set_profile(
			&p, (enum session_SessionProfile)e->profile);
		e->bundled = 1; /* from now on the broker may hold roots for it */
		err = capos_client_send(&sm_call, sm_broker, session_AuthorityBroker_TYPE_ID,
					session_AuthorityBroker_METHOD_shellBundle, NULL, 0);
	}
	if (err == CAPOS_OK)
		err = session_AuthorityBroker_shellBundle_read_results(&sm_call.msg, &r);
	return err ? err : session_AuthorityBroker_shellBundle_Results_get_caps(&r, list);
}

/* Forward bundle entry `in` (its cap received from the broker) to `out`. */
static int sm_forward_cap(const struct session_BundleCap_r *in,
			  const struct session_BundleCap_b *out)
{
	struct capnp_text name;
	uint64_t iid = session_BundleCap_get_interfaceId(in);
	uint32_t index = CAPNP_CAP_NULL, cap, outi;
	int err = session_BundleCap_get_cap(in, &index);

	if (err == CAPOS_OK)
		err = session_BundleCap_get_name(in, &name);
	if (err == CAPOS_OK)
		err = capos_client_cap(&sm_call, index, iid, &cap);
	if (err)
		return err;
	err = capos_server_result_cap(&sm_srv, cap, CAPOS_XFER_MOVE, &outi);
	if (err) {
		(void)capos_ring_release(sm_ring, cap);
		return err;
	}
	session_BundleCap_set_interfaceId(out, iid);
	err = session_BundleCap_set_cap(out, outi);
	return err ? err : session_BundleCap_set_name(out, name.str, name.len);
}

static int sm_bundle(void *self, const struct session_UserSession_bundle_Params_r *p,
		     struct session_UserSession_bundle_Results_b *r)
{
	struct session_BundleCap_rlist in;
	struct session_BundleCap_blist out;
	struct sess_entry *e;
	uint32_t n = 0;
	int err = sm_this_session(0, &e);

	(void)self;
	(void)p;
	if (err == CAPOS_OK)
		err = sm_broker_bundle(e, &in);
	if (err == CAPOS_OK)
		n = session_BundleCap_list_len(&in);
	if (err == CAPOS_OK)
		err = session_UserSession_bundle_Results_init_caps(r, n, &out);
	for (uint32_t i = 0; err == CAPOS_OK && i < n; i++) {
		struct session_BundleCap_r c = session_BundleCap_list_get(&in, i);
		struct session_BundleCap_b b = session_BundleCap_list_build(&out, i);

		err = sm_forward_cap(&c, &b);
	}
	if (err) {
		capos_server_drop_results(&sm_srv, sm_ring);
		return err;
	}
	printf("sessmgr: session %llu: bundle of %u caps\n", (unsigned long long)e->id,
	       (unsigned)n);
	return CAPOS_OK;
}

static int sm_logout(void *self, const struct session_UserSession_logout_Params_r *p,
		     struct session_UserSession_logout_Results_b *r)
{
	struct sess_entry *e = sess_find(&sm_tab, sm_srv.call.badge);

	(void)self;
	(void)p;
	(void)r;
	return e ? sm_end(e, "logout") : CAPOS_OK; /* idempotent, even once forgotten */
}

static int sm_record(void *self, const struct session_UserSession_record_Params_r *p,
		     struct session_UserSession_record_Results_b *r)
{
	char detail[SM_DETAIL_MAX + 32];
	struct capnp_text ev;
	struct sess_entry *e;
	int err = sm_this_session(0, &e);

	(void)self;
	(void)r;
	if (err == CAPOS_OK)
		err = session_UserSession_record_Params_get_event(p, &ev);
	if (err)
		return err;
	if (ev.len > SM_DETAIL_MAX)
		return sm_refuse(capos_ExceptionType_invalidArgument, CAPOS_ERR_AUDIT_TEXT,
				 "record");
	snprintf(detail, sizeof(detail), "%.*s", (int)ev.len, ev.str);
	err = sm_audit_append(strncmp(detail, "spawn", 5) == 0 || strncmp(detail, "run", 3) == 0
				      ? session_AuditKind_spawn
				      : session_AuditKind_other,
			      e->id, e->user, e->user_len, detail);
	return err == CAPOS_ERR_AUDIT_TEXT
		       ? sm_refuse(capos_ExceptionType_invalidArgument, err, "record")
		       : err;
}

static const struct session_SessionManager_server sm_manager = {
	.anonymous = sm_anonymous,
	.login = sm_login,
	.guest = sm_guest,
	.setup = sm_setup,
};

static const struct session_UserSession_server sm_session = {
	.info = sm_info,
	.bundle = sm_bundle,
	.logout = sm_logout,
	.record = sm_record,
};

static int sm_manager_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			       struct capnp_builder *results)
{
	return session_SessionManager_dispatch(&sm_manager, self, method, params, results);
}

static int sm_session_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			       struct capnp_builder *results)
{
	return session_UserSession_dispatch(&sm_session, self, method, params, results);
}

static const struct capos_server_iface sm_ifaces[] = {
	{ session_SessionManager_TYPE_ID, session_SessionManager_METHOD_COUNT, sm_manager_dispatch,
	  NULL },
	{ session_UserSession_TYPE_ID, session_UserSession_METHOD_COUNT, sm_session_dispatch,
	  NULL },
};

/* The optional cap `name` into *cap (left SM_NO_CAP when not granted). */
static int sm_optional(const struct capos_capset_page *cs, const char *name, uint64_t iid,
		       uint32_t *cap)
{
	int err = capos_capset_lookup(cs, name, iid, cap);

	if (err == CAPOS_ERR_NOT_FOUND) {
		*cap = SM_NO_CAP;
		printf("sessmgr: no %s granted\n", name);
		return CAPOS_OK;
	}
	return err;
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_ring_self(&sm_ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "api", capos_Endpoint_TYPE_ID, &sm_ep);
	if (err == 0)
		err = capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &sm_timer);
	if (err == 0)
		err = capos_capset_lookup(cs, "broker", session_AuthorityBroker_TYPE_ID,
					  &sm_broker);
	if (err == 0)
		err = capos_capset_lookup(cs, "audit", session_AuditLog_TYPE_ID, &sm_audit);
	if (err == 0)
		err = sm_optional(cs, "creds", session_CredentialStore_TYPE_ID, &sm_creds);
	if (err == 0)
		err = sm_optional(cs, "entropy", capos_EntropySource_TYPE_ID, &sm_entropy);
	if (err) {
		printf("sessmgr: caps: %s\n", capos_error_name(err));
		return 1;
	}
	return capos_server_main(&sm_srv, "sessmgr", "api", sm_ifaces, 2);
}
