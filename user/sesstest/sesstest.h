/*
 * sesstest's shared state and call helpers (main.c), and its check groups:
 * flows.c (anonymous, guest, login/setup), audit.c (read-back, overflow), hostile.c.
 */
#ifndef SESSTEST_H
#define SESSTEST_H

#include <stdint.h>

#include <libcapos/client.h>

#define ST_BUNDLE_MAX 16u
#define ST_SESSIONS 8u
#define ST_PASSWORD "hunter2-Correct-Horse"	 /* must never appear in any output */
#define ST_WRONG_PASSWORD "wrong-Battery-Staple" /* nor this */

struct st_bundle {
	uint32_t n;
	char name[ST_BUNDLE_MAX][48];
	uint64_t iid[ST_BUNDLE_MAX];
	uint32_t cap[ST_BUNDLE_MAX];
};

struct st_info {
	uint64_t id;
	uint32_t profile;
	int active;
	char user[40];
};

struct st_state {
	struct capos_client_call c;
	uint32_t sessions, auditread, timer;
	uint32_t failures;
	uint64_t ids[ST_SESSIONS]; /* session ids seen, in order: audit lines name them S<i> */
	uint32_t nids;
	int have_store; /* the SessionManager has a CredentialStore */
};

extern struct st_state st;

/* Print `sesstest: <what>: ok` or `... FAILED (seen)`; count failures. */
int st_check(int cond, const char *what, const char *seen);
/* st_check(got == want), printing got's name on failure. */
int st_check_err(int got, int want, const char *what);

int st_start(uint16_t method, uint32_t *session); /* anonymous or guest */
int st_info(uint32_t session, struct st_info *out);
int st_bundle(uint32_t session, struct st_bundle *b);
const char *st_bundle_names(const struct st_bundle *b);
int st_logout(uint32_t session);
int st_record(uint32_t session, const char *event, uint32_t len);
int st_echo(uint32_t cap, const char *text);
int st_console(uint32_t cap, const char *text);
int st_motd(uint32_t cap);
int st_use(const struct st_bundle *b, uint32_t i);
void st_check_bundle_use(const struct st_bundle *b, int want, const char *what);

/* Remember a session id (audit lines print it as S<index>). */
void st_note_id(uint64_t id);

/*
 * Log `session` out while a child (user/sesschild) holds a copy of `cap` (an Echo):
 * 0 when the child used it before and saw CAP_REVOKED after (child.c).
 */
int st_child_logout(uint32_t session, uint32_t cap);

void st_anonymous_and_guest(void);
void st_login_checks(void);
void st_audit_checks(void);
void st_hostile_checks(void);
void st_audit_overflow(void);

#endif
