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
#include <schema/capos.capnp.h>
#include <schema/session.capnp.h>

#include "client.h"

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
	uint64_t t_right = 0, t_wrong = 0, t_unknown = 0;

	if (ct_start("credtest", 1))
		return 1;
	ct_setup("root", CT_SECRET, session_SetupOutcome_created, "created");
	ct_setup("admin", CT_OTHER, session_SetupOutcome_alreadySetUp, "alreadySetUp");
	ct_verify("setup refused it", "admin", CT_OTHER, "rejected, anonymous", NULL);
	ct_verify("right password", "root", CT_SECRET, "accepted, operator", &t_right);
	ct_verify("wrong password", "root", CT_WRONG, "rejected, anonymous", &t_wrong);
	ct_verify("unknown user", "nobody", CT_SECRET, "rejected, anonymous", &t_unknown);
	printf("credtest: verify took %llu ms (right), %llu ms (wrong), %llu ms (unknown user)\n",
	       (unsigned long long)(t_right / 1000000u), (unsigned long long)(t_wrong / 1000000u),
	       (unsigned long long)(t_unknown / 1000000u));
	/* An unknown user costs one Argon2id run too, where a lookup miss alone would be
	 * microseconds; a quarter leaves room for a loaded host's noise. */
	ct_check(t_unknown * 4 > t_right && t_wrong * 4 > t_right, "same cost");
	printf("credtest: unknown user costs as much as a wrong password: %s\n",
	       t_unknown * 4 > t_right ? "ok" : "NO");
	ct_arguments();
	ct_malformed();
	ct_fill();
	ct_forged();
	ct_verify("after the hostile calls", "root", CT_SECRET, "accepted, operator", NULL);
	return ct_finish();
}
