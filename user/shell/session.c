/*
 * capos-shell: sessions and the bundle (shell.h "session.c", docs/shell.md "Sessions
 * from the shell's side"). The shell starts in an anonymous session and changes
 * session only through its SessionManager facet; what a session may do is the bundle
 * UserSession.bundle returns. Passwords are read with hidden echo and every buffer
 * that held one (line, params, framed params) is wiped after the call. After logout
 * the ended session's caps stay in the table, revoked, until the next login or guest
 * session replaces them, so using one shows CAPOS_ERR_CAP_REVOKED.
 */
#include <string.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <schema/capos.capnp.h>
#include <schema/session.capnp.h>

#include "shell.h"

static struct capos_client_call ses_msg;

static const char *sh_profile_name(int p)
{
	switch (p) {
	case session_SessionProfile_anonymous:
		return "anonymous";
	case session_SessionProfile_guest:
		return "guest";
	case session_SessionProfile_operator:
		return "operator";
	}
	return "?";
}

const struct sh_bcap *sh_bundle_find(const char *name, uint64_t iid)
{
	const struct sh_bcap *ended = NULL;

	for (uint32_t i = 0; i < sh.nbundle; i++) {
		const struct sh_bcap *b = &sh.bundle[i];

		if ((name && strcmp(b->name, name) != 0) || b->interface_id != iid)
			continue;
		if (!b->ended)
			return b;
		ended = ended ? ended : b;
	}
	return ended;
}

/* Release bundle caps: all of them, or only those of ended sessions. */
static void sh_bundle_drop(bool ended_only)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < sh.nbundle; i++) {
		if (ended_only && !sh.bundle[i].ended) {
			sh.bundle[kept++] = sh.bundle[i];
			continue;
		}
		sh_release(sh.bundle[i].cap);
	}
	sh.nbundle = kept;
}

static void sh_bundle_add(const struct session_BundleCap_r *e, uint32_t cap)
{
	struct capnp_text name = { 0 };
	struct sh_bcap *b;

	if (session_BundleCap_get_name(e, &name) || name.len > SHELL_NAME_MAX ||
	    sh.nbundle == SH_BUNDLE_MAX) {
		sh_printf("session: bundle cap \"%.*s\" not kept (name or table bound)\n",
			  (int)(name.len > SHELL_NAME_MAX ? SHELL_NAME_MAX : name.len), name.str);
		sh_release(cap);
		return;
	}
	b = &sh.bundle[sh.nbundle++];
	memcpy(b->name, name.str, name.len);
	b->name[name.len] = '\0';
	b->interface_id = session_BundleCap_get_interfaceId(e);
	b->cap = cap;
	b->ended = false;
}

/* UserSession.bundle: adopt each cap under its name and interface. */
static int sh_bundle_fetch(void)
{
	struct session_UserSession_bundle_Results_r r;
	struct session_BundleCap_rlist list;
	int err = sh_begin_empty(&ses_msg);

	if (err == 0)
		err = capos_client_send(&ses_msg, sh.session, session_UserSession_TYPE_ID,
					session_UserSession_METHOD_bundle, NULL, 0);
	if (err == 0)
		err = session_UserSession_bundle_read_results(&ses_msg.msg, &r);
	if (err == 0)
		err = session_UserSession_bundle_Results_get_caps(&r, &list);
	for (uint32_t i = 0; err == 0 && i < session_BundleCap_list_len(&list); i++) {
		struct session_BundleCap_r e = session_BundleCap_list_get(&list, i);
		uint32_t index = CAPNP_CAP_NULL, cap;

		err = session_BundleCap_get_cap(&e, &index);
		if (err == 0)
			err = capos_client_cap(&ses_msg, index,
					       session_BundleCap_get_interfaceId(&e), &cap);
		if (err == 0)
			sh_bundle_add(&e, cap);
	}
	return err;
}

/* UserSession.info of the current session into *info (ses_msg holds it). */
static int sh_session_info(struct session_SessionInfo_r *info)
{
	struct session_UserSession_info_Results_r r;
	int err = sh_begin_empty(&ses_msg);

	if (err == 0)
		err = capos_client_send(&ses_msg, sh.session, session_UserSession_TYPE_ID,
					session_UserSession_METHOD_info, NULL, 0);
	if (err == 0)
		err = session_UserSession_info_read_results(&ses_msg.msg, &r);
	if (err == 0)
		err = session_UserSession_info_Results_get_info(&r, info);
	return err;
}

/* Make `session` the shell's session: its profile, user and bundle. */
static int sh_session_adopt(uint32_t session)
{
	struct session_SessionInfo_r info;
	struct capnp_text user = { 0 };
	int err;

	if (sh.session != CAPOS_CAP_NULL)
		sh_release(sh.session);
	sh.session = session;
	err = sh_session_info(&info);
	if (err == 0)
		err = session_SessionInfo_get_user(&info, &user);
	if (err)
		return err;
	sh.profile = (int)session_SessionInfo_get_profile(&info);
	user.len = user.len > SH_USER_MAX ? SH_USER_MAX : user.len;
	memcpy(sh.user, user.str, user.len);
	sh.user[user.len] = '\0';
	return sh_bundle_fetch();
}

/* Call a SessionManager method without params that returns `session` at index 0. */
static int sh_manager_session(uint16_t method, uint32_t *session)
{
	uint32_t index = CAPNP_CAP_NULL;
	int err = sh_begin_empty(&ses_msg);

	if (err == 0)
		err = capos_client_send(&ses_msg, sh.sessions, session_SessionManager_TYPE_ID,
					method, NULL, 0);
	if (err == 0 && method == session_SessionManager_METHOD_anonymous) {
		struct session_SessionManager_anonymous_Results_r r;

		err = session_SessionManager_anonymous_read_results(&ses_msg.msg, &r);
		if (err == 0)
			err = session_SessionManager_anonymous_Results_get_session(&r, &index);
	} else if (err == 0) {
		struct session_SessionManager_guest_Results_r r;

		err = session_SessionManager_guest_read_results(&ses_msg.msg, &r);
		if (err == 0)
			err = session_SessionManager_guest_Results_get_session(&r, &index);
	}
	if (err == 0)
		err = capos_client_cap(&ses_msg, index, session_UserSession_TYPE_ID, session);
	return err;
}

int sh_session_anonymous(void)
{
	uint32_t session;
	int err = sh_manager_session(session_SessionManager_METHOD_anonymous, &session);

	return err ? err : sh_session_adopt(session);
}

int sh_cmd_guest(void)
{
	uint32_t session;
	int err = sh_manager_session(session_SessionManager_METHOD_guest, &session);

	if (err)
		return err;
	sh_bundle_drop(false);
	err = sh_session_adopt(session);
	if (err == 0)
		sh_printf("guest session started\n");
	return err;
}

/* Prompt and read one line; Ctrl-C/Ctrl-D or an empty line cancel. */
static int sh_prompt_line(const char *prompt, bool hidden, struct capos_term_read *l, uint32_t max)
{
	int err;

	sh_printf("%s", prompt);
	err = sh_read_line(hidden, l);
	if (err)
		return err;
	if (l->event != capos_TerminalEvent_line || l->len == 0 || l->truncated || l->len > max)
		return CAPOS_ERR_SHELL_USAGE;
	return CAPOS_OK;
}

static struct capos_term_read sh_user_line, sh_pw_line, sh_pw2_line;

static void sh_wipe_secrets(void)
{
	sh_wipe(&sh_pw_line, sizeof(sh_pw_line));
	sh_wipe(&sh_pw2_line, sizeof(sh_pw2_line));
	sh_wipe(ses_msg.arena, sizeof(ses_msg.arena));
	sh_wipe(ses_msg.framed, sizeof(ses_msg.framed));
}

/* Username, then hidden password (twice for setup). */
static int sh_read_credentials(bool twice)
{
	int err = sh_prompt_line("username: ", false, &sh_user_line, SH_USER_MAX);

	if (err == 0)
		err = sh_prompt_line("password: ", true, &sh_pw_line, SH_PASSWORD_MAX);
	if (err == 0 && twice)
		err = sh_prompt_line("password again: ", true, &sh_pw2_line, SH_PASSWORD_MAX);
	if (err == 0 && twice &&
	    (sh_pw_line.len != sh_pw2_line.len ||
	     memcmp(sh_pw_line.line, sh_pw2_line.line, sh_pw_line.len) != 0))
		err = CAPOS_ERR_INVALID;
	return err;
}

/* SessionManager.login or .setup(user, password): both take the same params. */
static int sh_send_credentials(uint16_t method)
{
	struct session_SessionManager_login_Params_b p;
	int err = capos_client_begin(&ses_msg);

	if (err == 0)
		err = session_SessionManager_login_request(&ses_msg.b, &p);
	if (err == 0)
		err = session_SessionManager_login_Params_set_user(&p, sh_user_line.line,
								   sh_user_line.len);
	if (err == 0)
		err = session_SessionManager_login_Params_set_password(&p, sh_pw_line.line,
								       sh_pw_line.len);
	if (err == 0)
		err = capos_client_send(&ses_msg, sh.sessions, session_SessionManager_TYPE_ID,
					method, NULL, 0);
	sh_wipe_secrets();
	return err;
}

static int sh_login_outcome(void)
{
	struct session_SessionManager_login_Results_r r;
	uint32_t index = CAPNP_CAP_NULL, session;
	int err = session_SessionManager_login_read_results(&ses_msg.msg, &r);

	if (err)
		return err;
	switch (session_SessionManager_login_Results_get_outcome(&r)) {
	case session_LoginOutcome_ok:
		break;
	case session_LoginOutcome_denied:
		sh_printf("login: denied (wrong user or password)\n");
		return CAPOS_OK;
	case session_LoginOutcome_throttled:
		sh_printf(
			"login: throttled: too many failures, retry in %llu ms\n",
			(unsigned long long)(session_SessionManager_login_Results_get_retryAfterNs(
						     &r) /
					     1000000u));
		return CAPOS_OK;
	default:
		return CAPOS_ERR_INVALID;
	}
	err = session_SessionManager_login_Results_get_session(&r, &index);
	if (err == 0)
		err = capos_client_cap(&ses_msg, index, session_UserSession_TYPE_ID, &session);
	if (err)
		return err;
	sh_bundle_drop(false);
	err = sh_session_adopt(session);
	if (err == 0)
		sh_printf("logged in as %s (%s)\n", sh.user, sh_profile_name(sh.profile));
	return err;
}

int sh_cmd_login(void)
{
	int err = sh_read_credentials(false);

	if (err == 0)
		err = sh_send_credentials(session_SessionManager_METHOD_login);
	else
		sh_wipe_secrets();
	return err ? err : sh_login_outcome();
}

int sh_cmd_setup(void)
{
	struct session_SessionManager_setup_Results_r r;
	int err = sh_read_credentials(true);

	if (err == CAPOS_ERR_INVALID) {
		sh_wipe_secrets();
		sh_printf("setup: the passwords differ; nothing changed\n");
		return CAPOS_OK;
	}
	if (err == 0)
		err = sh_send_credentials(session_SessionManager_METHOD_setup);
	else
		sh_wipe_secrets();
	if (err == 0)
		err = session_SessionManager_setup_read_results(&ses_msg.msg, &r);
	if (err)
		return err;
	if (session_SessionManager_setup_Results_get_outcome(&r) == session_SetupOutcome_created)
		sh_printf("setup: operator \"%s\" created (volatile); now `login`\n",
			  sh_user_line.line);
	else
		sh_printf("setup: an operator credential exists already; nothing changed\n");
	return CAPOS_OK;
}

/* UserSession.logout on the current session: it ends, its bundle is revoked in every
 * process that holds a copy (children included), the end is audited. */
static int sh_session_end(void)
{
	int err = sh_begin_empty(&ses_msg);

	if (err == 0)
		err = capos_client_send(&ses_msg, sh.session, session_UserSession_TYPE_ID,
					session_UserSession_METHOD_logout, NULL, 0);
	return err;
}

int sh_session_close(void)
{
	int err = sh_session_end();

	if (err)
		sh_perror("shell: ending the session", err);
	else
		sh_printf("session ended\n");
	return err;
}

int sh_cmd_logout(void)
{
	int err = sh_session_end();

	if (err)
		return err;
	sh_bundle_drop(true); /* an older ended session's caps go now ... */
	for (uint32_t i = 0; i < sh.nbundle; i++)
		sh.bundle[i].ended = true; /* ... this one's stay until the next session */
	sh_printf("logged out: the session's caps are revoked\n");
	return sh_session_anonymous();
}

int sh_cmd_session(void)
{
	struct session_SessionInfo_r info;
	struct capnp_text user = { 0 };
	int err = sh_session_info(&info);

	if (err == 0)
		err = session_SessionInfo_get_user(&info, &user);
	if (err)
		return err;
	sh_printf("session %llu: user \"%.*s\", profile %s, started at %llu ns, %s\n",
		  (unsigned long long)session_SessionInfo_get_id(&info), (int)user.len, user.str,
		  sh_profile_name((int)session_SessionInfo_get_profile(&info)),
		  (unsigned long long)session_SessionInfo_get_startedNs(&info),
		  session_SessionInfo_get_active(&info) ? "active" : "ended");
	return CAPOS_OK;
}
