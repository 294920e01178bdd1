/*
 * The shared half of the CredentialStore boot-test clients (user/credtest: the main
 * suite, user/credtest/hostile.c: the hostile one). They hold a `cred` CredentialStore
 * facet (and, for timing, a `timer`); every helper does one synchronous CALL, prints
 * one line "<name>: <step> -> <answer>" and records a failed check. Passwords are never
 * printed.
 */
#ifndef CREDTEST_CLIENT_H
#define CREDTEST_CLIENT_H

#include <stdint.h>

#include <schema/session.capnp.h>

#define CT_SECRET "S3cret-Pw!capos"  /* the operator's password */
#define CT_WRONG "S3cret-Pw!capoz"   /* one byte off */
#define CT_OTHER "another-Secret-9"  /* setup's second attempt */
#define CT_GUEST_PW "guest-Secret-7" /* the addUser records' */
#define CT_NO_OUTCOME -1
#define CT_BIG 200 /* oversize user and password bytes */
#define CT_METHOD_VERIFY session_CredentialStore_METHOD_verify
#define CT_METHOD_SETUP session_CredentialStore_METHOD_setup
#define CT_METHOD_ADD session_CredentialStore_METHOD_addUser

struct capos_ring_client;
extern struct capos_ring_client *ct_ring;
extern uint32_t ct_cred; /* the CredentialStore facet */

/* What one call answered. */
struct ct_answer {
	int status;  /* CQE status (RING_EXCEPTION for a CapException) */
	int ex_type; /* the exception's type, -1 if none */
	int ex_status;
	int outcome; /* verify/setup outcome, CT_NO_OUTCOME if none */
	int profile; /* verify's profile */
};

/* Ring and caps (`cred`, and `timer` if with_timer); lines are prefixed `name`.
 * Errors: the CapSet lookup's (printed). */
int ct_start(const char *name, int with_timer);

/* Print the verdict line; the exit status (0: every check held). */
int ct_finish(void);

/* Record a failed check (and print it) unless ok. */
void ct_check(int ok, const char *what);

/* The framed params of verify/setup/addUser (profile used by addUser only) into the
 * client's buffer; *len its length. Errors: the builder's. */
int ct_params(uint16_t method, const char *user, uint32_t ulen, const char *pw, uint32_t pwlen,
	      int profile, uint32_t *len);

/* CALL `cap` as `iid`.`method` with `plen` bytes of `raw` (NULL: the ct_params buffer). */
void ct_call(uint32_t cap, uint64_t iid, uint16_t method, const void *raw, uint32_t plen,
	     struct ct_answer *a);

/* A CredentialStore call on `cred` with (user, password[, profile]). */
void ct_cred_call(uint16_t method, const char *user, uint32_t ulen, const char *pw, uint32_t pwlen,
		  int profile, struct ct_answer *a);

/* verify(user, pw) expecting `want` ("accepted, operator", "rejected, anonymous", ...);
 * with `ns`, its duration by Timer.now (needs the timer). */
void ct_verify(const char *label, const char *user, const char *pw, const char *want, uint64_t *ns);

/* setup(user, pw) expecting the outcome `want` (printed as want_name). */
void ct_setup(const char *user, const char *pw, int want, const char *want_name);

/* An answer that must be a CapException (type, status). */
void ct_expect_ex(const char *what, const struct ct_answer *a, int type, int status);

/* A CredentialStore call that must fail with invalidArgument `status`. */
void ct_invalid(const char *what, uint16_t method, const char *user, uint32_t ulen, const char *pw,
		uint32_t pwlen, int profile, int status);

#endif
