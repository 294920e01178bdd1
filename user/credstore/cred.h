/*
 * The pure core of the CredentialStore service (user/credstore, docs/credentials.md):
 * argument checks, the bounded in-memory record table, the Argon2id wrapper and the
 * constant-time tag comparison. No ring, no entropy: salts are handed in by the
 * caller, so the whole core is compiled unmodified into the host test
 * (tests/host/cred/cred_test.c) against the same Debian libargon2.
 *
 * A record is a verifier: user name, profile, a 16-byte random salt and the 32-byte
 * Argon2id tag of the password under that salt. Passwords are never kept: callers
 * wipe their buffers (cred_wipe) once a call is answered.
 */
#ifndef CREDSTORE_CRED_H
#define CREDSTORE_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRED_USERS 8u	       /* record slots: the table is full past this */
#define CRED_USER_MAX 32u      /* user name bytes, at least 1, [a-z0-9_-] */
#define CRED_PASSWORD_MAX 128u /* password bytes, at least 1, any value */
#define CRED_SALT_BYTES 16u    /* per-record salt from the EntropySource */
#define CRED_TAG_BYTES 32u     /* Argon2id output length */
#define CRED_DUMMY_BYTES (CRED_SALT_BYTES + CRED_TAG_BYTES)

/* Argon2id cost parameters (docs/credentials.md "Parameters"). */
struct cred_params {
	uint32_t t_cost; /* passes over memory */
	uint32_t m_kib;	 /* memory in KiB */
	uint32_t lanes;	 /* parallelism (computed on one thread) */
};

/* The service's parameters: t=6, m=12288 KiB (12 MiB), p=1: the OWASP Password
 * Storage Cheat Sheet's m=12 MiB setting with twice its passes (docs/credentials.md). */
extern const struct cred_params cred_default_params;

/* Profiles a record may hold; values are schema/session.capnp's SessionProfile. */
#define CRED_PROFILE_ANONYMOUS 0u
#define CRED_PROFILE_GUEST 1u
#define CRED_PROFILE_OPERATOR 2u

struct cred_record {
	uint32_t name_len; /* 0: free slot */
	char name[CRED_USER_MAX];
	uint32_t profile; /* CRED_PROFILE_GUEST or _OPERATOR */
	uint8_t salt[CRED_SALT_BYTES];
	uint8_t tag[CRED_TAG_BYTES];
};

/*
 * The store: the records plus a dummy verifier (random salt and tag, never a
 * user's) that an unknown user's password is hashed against, so that a miss costs
 * one Argon2id run like a wrong password does.
 */
struct cred_store {
	struct cred_params params;
	struct cred_record rec[CRED_USERS];
	struct cred_record dummy; /* name_len 0; salt and tag from cred_store_init */
};

/* The result of a verify. */
struct cred_verdict {
	bool accepted;
	uint32_t profile; /* the record's profile when accepted, else CRED_PROFILE_ANONYMOUS */
};

/*
 * Empty store with `params`; `dummy` (CRED_DUMMY_BYTES random bytes: salt then tag)
 * becomes the dummy verifier.
 */
void cred_store_init(struct cred_store *st, const struct cred_params *params,
		     const uint8_t dummy[CRED_DUMMY_BYTES]);

/*
 * Check a user name: 1..CRED_USER_MAX bytes of [a-z0-9_-].
 * Errors: CAPOS_ERR_CRED_USER_LENGTH, CAPOS_ERR_CRED_USER_CHARS.
 */
int cred_check_user(const char *name, uint32_t len);

/* Check a password length: 1..CRED_PASSWORD_MAX. Errors: CAPOS_ERR_CRED_PASSWORD_LENGTH. */
int cred_check_password(uint32_t len);

/* Check both arguments of a call (user first). Errors: the two checks above. */
int cred_check_args(const char *name, uint32_t name_len, uint32_t password_len);

/* Whether some record holds `profile`. */
bool cred_store_has_profile(const struct cred_store *st, uint32_t profile);

/*
 * Pre-flight of cred_store_add, mutating nothing: the errors it would return before
 * hashing, so a caller fetches a salt only for an add that can succeed.
 * Preconditions: the arguments passed cred_check_args.
 * Errors: CAPOS_ERR_CRED_PROFILE (not guest/operator), CAPOS_ERR_CRED_USER_EXISTS,
 * CAPOS_ERR_CRED_TABLE_FULL.
 */
int cred_store_can_add(const struct cred_store *st, const char *name, uint32_t name_len,
		       uint32_t profile);

/*
 * Add a record for `name` with `profile`: hash `password` under `salt` and store the
 * tag. Preconditions: the arguments passed cred_check_args. Nothing changes on error.
 * Errors: cred_store_can_add's, cred_hash's.
 */
int cred_store_add(struct cred_store *st, const char *name, uint32_t name_len,
		   const uint8_t *password, uint32_t password_len, uint32_t profile,
		   const uint8_t salt[CRED_SALT_BYTES]);

/*
 * Verify `password` for `name`. Exactly one Argon2id run whether or not the user
 * exists (an unknown user is hashed against the dummy verifier), one constant-time
 * tag comparison, and a full scan of the table: the verdict and the cost do not tell
 * an unknown user from a wrong password. Preconditions: the arguments passed
 * cred_check_args. Errors: cred_hash's (then *v is a rejection).
 */
int cred_store_verify(const struct cred_store *st, const char *name, uint32_t name_len,
		      const uint8_t *password, uint32_t password_len, struct cred_verdict *v);

/*
 * Argon2id (version 0x13) of `password` under the 16-byte `salt` with `params`, one
 * thread, into `tag` (CRED_TAG_BYTES). Argon2's working memory comes from malloc and
 * is wiped and freed before the return.
 * Errors: CAPOS_ERR_NO_MEMORY (the working memory could not be had),
 * CAPOS_ERR_CRED_HASH (any other refusal by libargon2: bad lengths or costs).
 */
int cred_hash(const struct cred_params *params, const uint8_t *password, uint32_t password_len,
	      const uint8_t salt[CRED_SALT_BYTES], uint8_t tag[CRED_TAG_BYTES]);

/*
 * Constant-time equality of two CRED_TAG_BYTES tags: every byte pair is XORed into
 * one accumulator that an empty asm makes opaque to the optimiser, so there is no
 * data-dependent branch or early exit; only the final zero test branches.
 */
bool cred_tag_equal(const uint8_t a[CRED_TAG_BYTES], const uint8_t b[CRED_TAG_BYTES]);

/* Wipe `len` bytes at `p` with explicit_bzero (a store the compiler cannot drop). */
void cred_wipe(void *p, size_t len);

#endif
