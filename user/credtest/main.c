/*
 * credtest: the boot test client of the CredentialStore (user/credstore; booted by
 * tests/qemu/cred_tests.py with system/tests/cred.capnp). Its CapSet: `console`,
 * `cred` (a CredentialStore facet) and `timer`. It runs setup, verify (right, wrong,
 * unknown user, timed), the argument checks with their exact statuses, malformed and
 * unimplemented calls, fills the record table with addUser, and calls through forged
 * caps; after each hostile step the store must still answer. The passwords it sends
 * are never printed (the suite greps both serial ports for them). One line per step;
 * exit 0 when every check held, else 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/capid.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>
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

static struct capos_ring_client *ct_ring;
static uint32_t ct_cred, ct_timer;
static struct capnp_builder ct_b;
static struct capnp_bseg ct_seg;
static uint64_t ct_arena[128];
static uint64_t ct_framed[130];
static uint64_t ct_res[64];
static struct capnp_segment ct_segs[2];
static struct capnp_msg ct_msg;
static int ct_failed;

/* What one call answered. */
struct ct_answer {
	int status;  /* CQE status (RING_EXCEPTION for a CapException) */
	int ex_type; /* the exception's type, -1 if none */
	int ex_status;
	int outcome; /* verify/setup outcome, CT_NO_OUTCOME if none */
	int profile; /* verify's profile */
};

static void ct_check(int ok, const char *what)
{
	if (!ok) {
		ct_failed = 1;
		printf("credtest: CHECK FAILED: %s\n", what);
	}
}

/* The framed params of verify/setup/addUser into ct_framed; 0 or a builder error. */
static int ct_params(uint16_t method, const char *user, uint32_t ulen, const char *pw,
		     uint32_t pwlen, int profile, uint32_t *len)
{
	struct session_CredentialStore_addUser_Params_b p;
	size_t n = 0;
	int err = capnp_builder_init(&ct_b, &ct_seg, 1, ct_arena, sizeof(ct_arena));

	/* verify and setup params are addUser's without the profile (user @0, password
	 * @1): an addUser message is a valid verify/setup message (the extra data word is
	 * ignored, as for any older reader of a grown struct). */
	_Static_assert(session_CredentialStore_verify_Params_PTR_COUNT == 2 &&
			       session_CredentialStore_setup_Params_PTR_COUNT == 2 &&
			       session_CredentialStore_addUser_Params_PTR_COUNT == 2,
		       "user and password are the two pointers of each params struct");
	if (err == 0)
		err = session_CredentialStore_addUser_request(&ct_b, &p);
	if (err == 0)
		err = session_CredentialStore_addUser_Params_set_user(&p, user, ulen);
	if (err == 0)
		err = session_CredentialStore_addUser_Params_set_password(&p, pw, pwlen);
	if (err == 0 && method == CT_METHOD_ADD)
		session_CredentialStore_addUser_Params_set_profile(
			&p, (enum session_SessionProfile)profile);
	if (err == 0)
		err = capnp_builder_error(&ct_b);
	if (err == 0)
		err = capnp_builder_write_framed(&ct_b, ct_framed, sizeof(ct_framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* The outcome (and verify's profile) of a successful answer in ct_res. */
static void ct_outcome(uint16_t method, const struct capos_cqe *cqe, struct ct_answer *a)
{
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	struct session_CredentialStore_verify_Results_r vr;
	struct session_CredentialStore_setup_Results_r sr;

	if (capnp_msg_init_framed(&ct_msg, ct_res, cqe->result_len, ct_segs, 2, &lim, NULL))
		return;
	if (method == CT_METHOD_VERIFY &&
	    session_CredentialStore_verify_read_results(&ct_msg, &vr) == 0) {
		a->outcome = (int)session_CredentialStore_verify_Results_get_outcome(&vr);
		a->profile = (int)session_CredentialStore_verify_Results_get_profile(&vr);
	} else if (method == CT_METHOD_SETUP &&
		   session_CredentialStore_setup_read_results(&ct_msg, &sr) == 0) {
		a->outcome = (int)session_CredentialStore_setup_Results_get_outcome(&sr);
	}
}

/* CALL `cap` as `iid`.`method` with `plen` bytes of ct_framed (or `raw`). */
static void ct_call(uint32_t cap, uint64_t iid, uint16_t method, const void *raw, uint32_t plen,
		    struct ct_answer *a)
{
	struct capos_cqe cqe = { 0 };
	int err = capos_ring_call(ct_ring, cap, iid, method, raw ? raw : ct_framed, plen, ct_res,
				  sizeof(ct_res), &cqe);

	*a = (struct ct_answer){ .status = err ? err : cqe.status,
				 .ex_type = -1,
				 .outcome = CT_NO_OUTCOME,
				 .profile = -1 };
	if (a->status == CAPOS_ERR_RING_EXCEPTION)
		a->ex_status = capos_exception_status(ct_res, cqe.result_len, &a->ex_type);
	else if (a->status == 0)
		ct_outcome(method, &cqe, a);
}

/* A CredentialStore call with (user, password[, profile]). */
static void ct_cred_call(uint16_t method, const char *user, uint32_t ulen, const char *pw,
			 uint32_t pwlen, int profile, struct ct_answer *a)
{
	uint32_t len = 0;
	int err = ct_params(method, user, ulen, pw, pwlen, profile, &len);

	if (err) {
		*a = (struct ct_answer){ .status = err, .ex_type = -1, .outcome = CT_NO_OUTCOME };
		return;
	}
	ct_call(ct_cred, session_CredentialStore_TYPE_ID, method, NULL, len, a);
}

static const char *ct_verify_name(const struct ct_answer *a)
{
	if (a->outcome == session_VerifyOutcome_accepted)
		return a->profile == session_SessionProfile_operator ? "accepted, operator"
		       : a->profile == session_SessionProfile_guest  ? "accepted, guest"
								     : "accepted, ?";
	if (a->outcome == session_VerifyOutcome_rejected)
		return a->profile == session_SessionProfile_anonymous ? "rejected, anonymous"
								      : "rejected, ?";
	return capos_error_name(a->status);
}

/* verify(user, pw) expecting `want` ("accepted, operator", ...); its duration in *ns. */
static void ct_verify(const char *label, const char *user, const char *pw, const char *want,
		      uint64_t *ns)
{
	struct ct_answer a;
	uint64_t t0 = 0, t1 = 0;
	int terr = capos_timer_now(ct_timer, &t0);

	ct_cred_call(CT_METHOD_VERIFY, user, (uint32_t)strlen(user), pw, (uint32_t)strlen(pw), 0,
		     &a);
	if (terr == 0)
		terr = capos_timer_now(ct_timer, &t1);
	if (ns)
		*ns = t1 - t0;
	printf("credtest: verify %s (%s) -> %s\n", user, label, ct_verify_name(&a));
	ct_check(terr == 0 && strcmp(ct_verify_name(&a), want) == 0, label);
}

static void ct_setup(const char *user, const char *pw, int want, const char *want_name)
{
	struct ct_answer a;

	ct_cred_call(CT_METHOD_SETUP, user, (uint32_t)strlen(user), pw, (uint32_t)strlen(pw), 0,
		     &a);
	printf("credtest: setup %s -> %s\n", user,
	       a.outcome == want ? want_name : capos_error_name(a.status));
	ct_check(a.status == 0 && a.outcome == want, "setup outcome");
}

/* An answer that must be a CapException (type, status). */
static void ct_expect_ex(const char *what, const struct ct_answer *a, int type, int status)
{
	const char *tname = capos_exception_type_name(a->ex_type);

	printf("credtest: %s -> %s (%s)\n", what,
	       a->status == CAPOS_ERR_RING_EXCEPTION ? (tname ? tname : "?")
						     : capos_error_name(a->status),
	       a->status == CAPOS_ERR_RING_EXCEPTION ? capos_error_name(a->ex_status)
						     : "transport");
	ct_check(a->status == CAPOS_ERR_RING_EXCEPTION && a->ex_type == type &&
			 a->ex_status == status,
		 what);
}

/* A CredentialStore call that must fail with invalidArgument `status`. */
static void ct_invalid(const char *what, uint16_t method, const char *user, uint32_t ulen,
		       const char *pw, uint32_t pwlen, int profile, int status)
{
	struct ct_answer a;

	ct_cred_call(method, user, ulen, pw, pwlen, profile, &a);
	ct_expect_ex(what, &a, capos_ExceptionType_invalidArgument, status);
}

static void ct_arguments(void)
{
	static char big[CT_BIG];

	memset(big, 'a', sizeof(big));
	ct_invalid("verify with a 33-byte user", CT_METHOD_VERIFY, big, 33, CT_SECRET, 15, 0,
		   CAPOS_ERR_CRED_USER_LENGTH);
	ct_invalid("setup with an empty user", CT_METHOD_SETUP, "", 0, CT_SECRET, 15, 0,
		   CAPOS_ERR_CRED_USER_LENGTH);
	ct_invalid("verify with user \"Root\"", CT_METHOD_VERIFY, "Root", 4, CT_SECRET, 15, 0,
		   CAPOS_ERR_CRED_USER_CHARS);
	ct_invalid("verify with user \"ro ot\"", CT_METHOD_VERIFY, "ro ot", 5, CT_SECRET, 15, 0,
		   CAPOS_ERR_CRED_USER_CHARS);
	ct_invalid("setup with a NUL in the user", CT_METHOD_SETUP, "op\0x", 4, CT_SECRET, 15, 0,
		   CAPOS_ERR_CRED_USER_CHARS);
	ct_invalid("verify with a 129-byte password", CT_METHOD_VERIFY, "root", 4, big, 129, 0,
		   CAPOS_ERR_CRED_PASSWORD_LENGTH);
	ct_invalid("setup with an empty password", CT_METHOD_SETUP, "root", 4, "", 0, 0,
		   CAPOS_ERR_CRED_PASSWORD_LENGTH);
	ct_invalid("addUser with profile anonymous", CT_METHOD_ADD, "anon", 4, CT_GUEST_PW, 14,
		   session_SessionProfile_anonymous, CAPOS_ERR_CRED_PROFILE);
}

static void ct_malformed(void)
{
	/* One segment of 2 words; the root pointer is a capability pointer, not a struct. */
	static const uint8_t junk[24] = { 0, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	struct ct_answer a;

	ct_call(ct_cred, session_CredentialStore_TYPE_ID, CT_METHOD_VERIFY, junk, sizeof(junk), &a);
	ct_expect_ex("verify with a non-struct root", &a, capos_ExceptionType_invalidArgument,
		     CAPOS_ERR_CAPNP_WRONG_POINTER_KIND);
	ct_call(ct_cred, session_CredentialStore_TYPE_ID, 7, NULL, 0, &a);
	ct_expect_ex("CredentialStore method 7", &a, capos_ExceptionType_unimplemented,
		     CAPOS_ERR_CAPNP_UNIMPLEMENTED);
}

static void ct_add(const char *user, int profile, int type, int status)
{
	struct ct_answer a;
	char what[64];

	ct_cred_call(CT_METHOD_ADD, user, (uint32_t)strlen(user), CT_GUEST_PW, 14, profile, &a);
	snprintf(what, sizeof(what), "addUser %s", user);
	if (type < 0) {
		printf("credtest: %s -> %s\n", what, capos_error_name(a.status));
		ct_check(a.status == CAPOS_OK, what);
	} else {
		ct_expect_ex(what, &a, type, status);
	}
}

/* Seven guests fill the table beside the operator; the ninth record is refused. */
static void ct_fill(void)
{
	char user[16];

	for (int i = 1; i <= 7; i++) {
		snprintf(user, sizeof(user), "guest%d", i);
		ct_add(user, session_SessionProfile_guest, -1, 0);
	}
	ct_add("guest8", session_SessionProfile_guest, capos_ExceptionType_overloaded,
	       CAPOS_ERR_CRED_TABLE_FULL);
	ct_add("root", session_SessionProfile_guest, capos_ExceptionType_failed,
	       CAPOS_ERR_CRED_USER_EXISTS);
	ct_verify("its password", "guest7", CT_GUEST_PW, "accepted, guest", NULL);
	ct_verify("never added", "guest8", CT_GUEST_PW, "rejected, anonymous", NULL);
}

/* Calls through caps that are not the store: ring errors, nothing reaches it. */
static void ct_forged(void)
{
	static const struct {
		const char *what;
		uint32_t cap;
		uint64_t iid;
		int status;
	} cases[] = {
		{ "verify through slot 200", 0x000100C8u, session_CredentialStore_TYPE_ID,
		  CAPOS_ERR_CAP_BAD_ID },
		{ "verify through a stale generation", 0, session_CredentialStore_TYPE_ID,
		  CAPOS_ERR_CAP_STALE },
		{ "the store's facet called as Console", 0, capos_Console_TYPE_ID,
		  CAPOS_ERR_CAP_WRONG_INTERFACE },
	};
	uint32_t len = 0;

	if (ct_params(CT_METHOD_VERIFY, "root", 4, CT_SECRET, 15, 0, &len))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cap = cases[i].cap;
		struct ct_answer a;

		if (i == 1)
			cap = capos_cap_make(capos_cap_slot(ct_cred), capos_cap_gen(ct_cred) + 1);
		else if (i == 2)
			cap = ct_cred;
		ct_call(cap, cases[i].iid, CT_METHOD_VERIFY, NULL, len, &a);
		printf("credtest: %s -> %s\n", cases[i].what, capos_error_name(a.status));
		ct_check(a.status == cases[i].status, cases[i].what);
	}
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	uint64_t t_right = 0, t_wrong = 0, t_unknown = 0;
	int err = capos_ring_self(&ct_ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "cred", session_CredentialStore_TYPE_ID, &ct_cred);
	if (err == 0)
		err = capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &ct_timer);
	if (err) {
		printf("credtest: bad CapSet: %s\n", capos_error_name(err));
		return 1;
	}
	ct_setup("root", CT_SECRET, session_SetupOutcome_created, "created");
	ct_setup("admin", CT_OTHER, session_SetupOutcome_alreadySetUp, "alreadySetUp");
	ct_verify("setup refused it", "admin", CT_OTHER, "rejected, anonymous", NULL);
	ct_verify("right password", "root", CT_SECRET, "accepted, operator", &t_right);
	ct_verify("wrong password", "root", CT_WRONG, "rejected, anonymous", &t_wrong);
	ct_verify("unknown user", "nobody", CT_SECRET, "rejected, anonymous", &t_unknown);
	printf("credtest: verify took %llu ms (right), %llu ms (wrong), %llu ms (unknown user)\n",
	       (unsigned long long)(t_right / 1000000u), (unsigned long long)(t_wrong / 1000000u),
	       (unsigned long long)(t_unknown / 1000000u));
	/* An unknown user costs one Argon2id run too: a lookup miss alone is microseconds. */
	ct_check(t_unknown * 2 > t_right && t_wrong * 2 > t_right, "same cost");
	printf("credtest: unknown user costs as much as a wrong password: %s\n",
	       t_unknown * 2 > t_right ? "ok" : "NO");
	ct_arguments();
	ct_malformed();
	ct_fill();
	ct_forged();
	ct_verify("after the hostile calls", "root", CT_SECRET, "accepted, operator", NULL);
	printf("credtest: %s\n", ct_failed ? "FAILED" : "all checks passed");
	return ct_failed ? 1 : 0;
}
