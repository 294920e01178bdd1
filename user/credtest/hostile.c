/*
 * credhostile: the hostile boot-test client of the CredentialStore
 * (tests/qemu/cred_tests.py "cred-hostile", system/tests/credhostile.capnp). The store
 * it calls runs in a 1024-frame profile, too small for Argon2's 12 MiB, and takes its
 * salts from user/credrng, a scripted EntropySource double (wrong size, then a refusal,
 * then good bytes). Every failure must be the exact typed error, nothing may be
 * half-added (the third setup still tries, rather than answering alreadySetUp), and
 * the store keeps serving. Exit 0 when every check held, else 1.
 */
#include <string.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>
#include <schema/session.capnp.h>

#include "client.h"

/* setup(root) that must fail with (type, status). */
static void hostile_setup(const char *what, int type, int status)
{
	struct ct_answer a;

	ct_cred_call(CT_METHOD_SETUP, "root", 4, CT_SECRET, (uint32_t)strlen(CT_SECRET), 0, &a);
	ct_expect_ex(what, &a, type, status);
}

int main(void)
{
	struct ct_answer a;

	if (ct_start("credhostile", 0))
		return 1;
	hostile_setup("setup, salt source answers 15 bytes", capos_ExceptionType_failed,
		      CAPOS_ERR_CRED_SALT);
	hostile_setup("setup, salt source unseeded", capos_ExceptionType_failed,
		      CAPOS_ERR_ENTROPY_UNSEEDED);
	hostile_setup("setup, Argon2 memory over the frame quota", capos_ExceptionType_overloaded,
		      CAPOS_ERR_NO_MEMORY);
	ct_cred_call(CT_METHOD_VERIFY, "root", 4, CT_SECRET, (uint32_t)strlen(CT_SECRET), 0, &a);
	ct_expect_ex("verify, Argon2 memory over the frame quota", &a,
		     capos_ExceptionType_overloaded, CAPOS_ERR_NO_MEMORY);
	ct_invalid("verify with user \"Root\" afterwards", CT_METHOD_VERIFY, "Root", 4, CT_SECRET,
		   (uint32_t)strlen(CT_SECRET), 0, CAPOS_ERR_CRED_USER_CHARS);
	return ct_finish();
}
