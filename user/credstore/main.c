/*
 * credstore: the CredentialStore service (schema/session.capnp, docs/credentials.md).
 * Argon2id verifiers in a bounded, volatile table (cred.h), served on the raw endpoint
 * `api` with the libcapos server runtime; salts and the dummy verifier come from the
 * kernel EntropySource `entropy`; newlib's heap (the "vm" cap) holds Argon2's working
 * memory during a call only.
 *
 * Each call: read user and password, check them (invalidArgument with the
 * CAPOS_ERR_CRED_* status), then act. After every call, whatever happened, the whole
 * receive buffer (which held the password) is wiped with explicit_bzero. The console
 * gets one line per call with the user name (when valid) and the outcome, never a
 * password. Exits 0 when the endpoint is closed, 1 on a runtime error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/capos.capnp.h>
#include <schema/session.capnp.h>

#include "cred.h"

static struct capos_server cs_srv;
static struct capos_ring_client *cs_ring;
static struct cred_store cs_store;
static uint32_t cs_entropy;

/* Most bytes one cs_entropy_get asks for (a salt, the dummy verifier's salt and tag). */
#define CS_ENTROPY_MAX 48u

/*
 * `n` (1..CS_ENTROPY_MAX) bytes from EntropySource.getBytes into out (libcapos's client,
 * libcapos/kcaps.h). Errors: the status of the source's refusal (e.g. not seeded yet),
 * ring and capnp errors, CAPOS_ERR_CRED_SALT for an answer of another length.
 */
static int cs_entropy_get(uint8_t *out, uint32_t n)
{
	uint8_t buf[CS_ENTROPY_MAX];
	uint32_t len = 0;
	int err = capos_entropy_get_bytes(cs_entropy, n, buf, sizeof(buf), &len, NULL);

	if (err == CAPOS_ERR_BUFFER_TOO_SMALL || (err == CAPOS_OK && len != n))
		err = CAPOS_ERR_CRED_SALT;
	if (err == CAPOS_OK)
		memcpy(out, buf, n);
	cred_wipe(buf, sizeof(buf));
	return err;
}

/* Fail the call with `err`, typed by what it means to the caller. */
static int cs_fail(int err, const char *reason)
{
	int type = capos_ExceptionType_failed;

	switch (err) {
	case CAPOS_ERR_CRED_USER_LENGTH:
	case CAPOS_ERR_CRED_USER_CHARS:
	case CAPOS_ERR_CRED_PASSWORD_LENGTH:
	case CAPOS_ERR_CRED_PROFILE:
		type = capos_ExceptionType_invalidArgument;
		break;
	case CAPOS_ERR_CRED_TABLE_FULL:
	case CAPOS_ERR_NO_MEMORY:
		type = capos_ExceptionType_overloaded;
		break;
	}
	printf("credstore: %s refused: %s\n", reason, capos_error_name(err));
	return capos_server_fail(&cs_srv, type, err, reason);
}

/* The call's user and password (capnp errors), checked (cred_check_args's). */
static int cs_args(int err, const struct capnp_text *user, const struct capnp_text *pw,
		   const char *what)
{
	if (err)
		return err;
	err = cred_check_args(user->str, user->len, pw->len);
	return err ? cs_fail(err, what) : CAPOS_OK;
}

/* Add a record (profile checked, salt drawn, hashed); printed and failed on error. */
static int cs_add(const struct capnp_text *user, const struct capnp_text *pw, uint32_t profile,
		  const char *what)
{
	uint8_t salt[CRED_SALT_BYTES];
	int err = cred_store_can_add(&cs_store, user->str, user->len, profile);

	if (err == 0)
		err = cs_entropy_get(salt, sizeof(salt));
	if (err == 0)
		err = cred_store_add(&cs_store, user->str, user->len, (const uint8_t *)pw->str,
				     pw->len, profile, salt);
	cred_wipe(salt, sizeof(salt));
	return err ? cs_fail(err, what) : CAPOS_OK;
}

static int cs_verify(void *self, const struct session_CredentialStore_verify_Params_r *p,
		     struct session_CredentialStore_verify_Results_b *r)
{
	struct capnp_text user, pw;
	struct cred_verdict v;
	int err = session_CredentialStore_verify_Params_get_user(p, &user);

	(void)self;
	if (err == 0)
		err = session_CredentialStore_verify_Params_get_password(p, &pw);
	err = cs_args(err, &user, &pw, "verify");
	if (err)
		return err;
	err = cred_store_verify(&cs_store, user.str, user.len, (const uint8_t *)pw.str, pw.len, &v);
	if (err)
		return cs_fail(err, "verify");
	printf("credstore: verify %.*s: %s\n", (int)user.len, user.str,
	       v.accepted ? "accepted" : "rejected");
	session_CredentialStore_verify_Results_set_outcome(
		r, v.accepted ? session_VerifyOutcome_accepted : session_VerifyOutcome_rejected);
	session_CredentialStore_verify_Results_set_profile(r,
							   (enum session_SessionProfile)v.profile);
	return CAPOS_OK;
}

static int cs_setup(void *self, const struct session_CredentialStore_setup_Params_r *p,
		    struct session_CredentialStore_setup_Results_b *r)
{
	struct capnp_text user, pw;
	int err = session_CredentialStore_setup_Params_get_user(p, &user);

	(void)self;
	if (err == 0)
		err = session_CredentialStore_setup_Params_get_password(p, &pw);
	err = cs_args(err, &user, &pw, "setup");
	if (err)
		return err;
	if (cred_store_has_profile(&cs_store, CRED_PROFILE_OPERATOR)) {
		printf("credstore: setup %.*s: already set up\n", (int)user.len, user.str);
		session_CredentialStore_setup_Results_set_outcome(
			r, session_SetupOutcome_alreadySetUp);
		return CAPOS_OK;
	}
	err = cs_add(&user, &pw, CRED_PROFILE_OPERATOR, "setup");
	if (err)
		return err;
	printf("credstore: setup %.*s: operator created\n", (int)user.len, user.str);
	session_CredentialStore_setup_Results_set_outcome(r, session_SetupOutcome_created);
	return CAPOS_OK;
}

static int cs_add_user(void *self, const struct session_CredentialStore_addUser_Params_r *p,
		       struct session_CredentialStore_addUser_Results_b *r)
{
	struct capnp_text user, pw;
	uint32_t profile;
	int err = session_CredentialStore_addUser_Params_get_user(p, &user);

	(void)self;
	(void)r;
	if (err == 0)
		err = session_CredentialStore_addUser_Params_get_password(p, &pw);
	err = cs_args(err, &user, &pw, "addUser");
	if (err)
		return err;
	profile = (uint32_t)session_CredentialStore_addUser_Params_get_profile(p);
	err = cs_add(&user, &pw, profile, "addUser");
	if (err)
		return err;
	printf("credstore: addUser %.*s: created\n", (int)user.len, user.str);
	return CAPOS_OK;
}

static const struct session_CredentialStore_server cs_server = {
	.verify = cs_verify,
	.setup = cs_setup,
	.addUser = cs_add_user,
};

static int cs_dispatch(void *self, uint16_t method, struct capnp_msg *params,
		       struct capnp_builder *results)
{
	return session_CredentialStore_dispatch(&cs_server, self, method, params, results);
}

static const struct capos_server_iface cs_ifaces[] = {
	{ session_CredentialStore_TYPE_ID, session_CredentialStore_METHOD_COUNT, cs_dispatch,
	  NULL },
};

/* Serve until the endpoint closes, wiping the receive buffer after every call. */
static int cs_serve(uint32_t ep)
{
	for (;;) {
		int err = capos_server_serve_one(&cs_srv, cs_ring, ep);

		cred_wipe(cs_srv.recv, sizeof(cs_srv.recv));
		if (err == CAPOS_ERR_EP_DISCONNECTED)
			return CAPOS_OK;
		if (err)
			return err;
	}
}

/* Ring, caps, the dummy verifier and the server table. */
static int cs_start(uint32_t *ep)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	uint8_t dummy[CRED_DUMMY_BYTES];
	int err = capos_ring_self(&cs_ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "api", capos_Endpoint_TYPE_ID, ep);
	if (err == 0)
		err = capos_capset_lookup(cs, "entropy", capos_EntropySource_TYPE_ID, &cs_entropy);
	if (err == 0)
		err = cs_entropy_get(dummy, sizeof(dummy));
	if (err == 0)
		cred_store_init(&cs_store, &cred_default_params, dummy);
	cred_wipe(dummy, sizeof(dummy));
	return err ? err : capos_server_init(&cs_srv, cs_ifaces, 1);
}

int main(void)
{
	uint32_t ep;
	int err = cs_start(&ep);

	if (err == 0) {
		printf("credstore: serving (Argon2id t=%u m=%u KiB p=%u, %u records)\n",
		       (unsigned)cred_default_params.t_cost, (unsigned)cred_default_params.m_kib,
		       (unsigned)cred_default_params.lanes, CRED_USERS);
		err = cs_serve(ep);
	}
	if (err) {
		printf("credstore: stopped: %s\n", capos_error_name(err));
		return 1;
	}
	printf("credstore: endpoint closed after %llu calls\n", (unsigned long long)cs_srv.calls);
	return 0;
}
