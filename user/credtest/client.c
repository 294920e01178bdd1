/*
 * The shared half of the CredentialStore test clients (client.h): one synchronous CALL
 * at a time on this thread's ring, params built with the generated accessors, answers
 * decoded into struct ct_answer, one console line per step prefixed with the
 * program's name, and the exit verdict.
 */
#include "client.h"

#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

struct capos_ring_client *ct_ring;
uint32_t ct_cred;
static uint32_t ct_timer;
static const char *ct_name = "credtest";
static struct capnp_builder ct_b;
static struct capnp_bseg ct_seg;
static uint64_t ct_arena[128];
static uint64_t ct_framed[130];
static uint64_t ct_res[64];
static struct capnp_segment ct_segs[2];
static struct capnp_msg ct_msg;
static int ct_failed;

void ct_check(int ok, const char *what)
{
	if (!ok) {
		ct_failed = 1;
		printf("%s: CHECK FAILED: %s\n", ct_name, what);
	}
}

int ct_params(uint16_t method, const char *user, uint32_t ulen, const char *pw, uint32_t pwlen,
	      int profile, uint32_t *len)
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

void ct_call(uint32_t cap, uint64_t iid, uint16_t method, const void *raw, uint32_t plen,
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

void ct_cred_call(uint16_t method, const char *user, uint32_t ulen, const char *pw, uint32_t pwlen,
		  int profile, struct ct_answer *a)
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

void ct_verify(const char *label, const char *user, const char *pw, const char *want, uint64_t *ns)
{
	struct ct_answer a;
	uint64_t t0 = 0, t1 = 0;
	int terr = ns ? capos_timer_now(ct_timer, &t0) : 0;

	ct_cred_call(CT_METHOD_VERIFY, user, (uint32_t)strlen(user), pw, (uint32_t)strlen(pw), 0,
		     &a);
	if (ns && terr == 0)
		terr = capos_timer_now(ct_timer, &t1);
	if (ns)
		*ns = t1 - t0;
	printf("%s: verify %s (%s) -> %s\n", ct_name, user, label, ct_verify_name(&a));
	ct_check(terr == 0 && strcmp(ct_verify_name(&a), want) == 0, label);
}

void ct_setup(const char *user, const char *pw, int want, const char *want_name)
{
	struct ct_answer a;

	ct_cred_call(CT_METHOD_SETUP, user, (uint32_t)strlen(user), pw, (uint32_t)strlen(pw), 0,
		     &a);
	printf("%s: setup %s -> %s\n", ct_name, user,
	       a.outcome == want ? want_name : capos_error_name(a.status));
	ct_check(a.status == 0 && a.outcome == want, "setup outcome");
}

void ct_expect_ex(const char *what, const struct ct_answer *a, int type, int status)
{
	const char *tname = capos_exception_type_name(a->ex_type);

	printf("%s: %s -> %s (%s)\n", ct_name, what,
	       a->status == CAPOS_ERR_RING_EXCEPTION ? (tname ? tname : "?")
						     : capos_error_name(a->status),
	       a->status == CAPOS_ERR_RING_EXCEPTION ? capos_error_name(a->ex_status)
						     : "transport");
	ct_check(a->status == CAPOS_ERR_RING_EXCEPTION && a->ex_type == type &&
			 a->ex_status == status,
		 what);
}

void ct_invalid(const char *what, uint16_t method, const char *user, uint32_t ulen, const char *pw,
		uint32_t pwlen, int profile, int status)
{
	struct ct_answer a;

	ct_cred_call(method, user, ulen, pw, pwlen, profile, &a);
	ct_expect_ex(what, &a, capos_ExceptionType_invalidArgument, status);
}

int ct_start(const char *name, int with_timer)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_ring_self(&ct_ring);

	ct_name = name;
	if (err == 0)
		err = capos_capset_lookup(cs, "cred", session_CredentialStore_TYPE_ID, &ct_cred);
	if (err == 0 && with_timer)
		err = capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &ct_timer);
	if (err)
		printf("%s: bad CapSet: %s\n", name, capos_error_name(err));
	return err;
}

int ct_finish(void)
{
	printf("%s: %s\n", ct_name, ct_failed ? "FAILED" : "all checks passed");
	return ct_failed ? 1 : 0;
}
