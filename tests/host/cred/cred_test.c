/*
 * Host tests of the CredentialStore core (user/credstore/cred.c, cred_argon2.c),
 * compiled unmodified and linked with the same Debian libargon2.a the service links:
 * argument checks at their bounds, the constant-time comparison, the Argon2id wrapper
 * against vectors from the reference CLI, and the record table (add, verify, full,
 * duplicate, dummy verifier for unknown users).
 *
 * The vectors were produced by Debian's `argon2` CLI (package argon2, same upstream
 * 20171227 as libargon2-dev), installed only to generate them:
 *   echo -n password | argon2 somesaltsomesalt -id -t 2 -k 64 -p 1 -l 32 -r
 *   echo -n 'correct horse' | argon2 'capos credstore!' -id -t 6 -k 12288 -p 1 -l 32 -r
 */
#define _GNU_SOURCE /* memmem */
#include "../test.h"

#include <stdio.h>

#include <capos/error.h>

#include "../../../user/credstore/cred.h"

#define SALT16 "somesaltsomesalt"
#define SMALL_PARAMS                                                                               \
	{                                                                                          \
		.t_cost = 1, .m_kib = 8, .lanes = 1                                                \
	} /* cheap, for table tests */

static const uint8_t dummy48[CRED_DUMMY_BYTES] = { 0x5a, 0xa5, 0x3c, 0xc3, 0x01, 0x02 };

static void hex32(const char *hex, uint8_t out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

TEST(cred_user_names_at_their_bounds)
{
	char name[CRED_USER_MAX + 1];

	memset(name, 'a', sizeof(name));
	CHECK_EQ(cred_check_user("a", 1), CAPOS_OK);
	CHECK_EQ(cred_check_user(name, CRED_USER_MAX), CAPOS_OK);
	CHECK_EQ(cred_check_user("operator_1-x9", 13), CAPOS_OK);
	CHECK_EQ(cred_check_user(name, 0), CAPOS_ERR_CRED_USER_LENGTH);
	CHECK_EQ(cred_check_user(name, CRED_USER_MAX + 1), CAPOS_ERR_CRED_USER_LENGTH);
}

TEST(cred_user_names_refuse_other_bytes)
{
	static const char *const bad[] = { "Root", "a b", "a/b", "a.b", "a:b", "\xc3\xa9", "a\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(cred_check_user(bad[i], (uint32_t)strlen(bad[i])),
			 CAPOS_ERR_CRED_USER_CHARS);
	CHECK_EQ(cred_check_user("a\0b", 3), CAPOS_ERR_CRED_USER_CHARS); /* embedded NUL */
	/* The length check comes first: an oversize name of bad bytes is a length error. */
	CHECK_EQ(cred_check_user("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 34),
		 CAPOS_ERR_CRED_USER_LENGTH);
}

TEST(cred_password_lengths_at_their_bounds)
{
	CHECK_EQ(cred_check_password(1), CAPOS_OK);
	CHECK_EQ(cred_check_password(CRED_PASSWORD_MAX), CAPOS_OK);
	CHECK_EQ(cred_check_password(0), CAPOS_ERR_CRED_PASSWORD_LENGTH);
	CHECK_EQ(cred_check_password(CRED_PASSWORD_MAX + 1), CAPOS_ERR_CRED_PASSWORD_LENGTH);
	CHECK_EQ(cred_check_args("Bad", 3, 0), CAPOS_ERR_CRED_USER_CHARS); /* user first */
	CHECK_EQ(cred_check_args("ok", 2, 0), CAPOS_ERR_CRED_PASSWORD_LENGTH);
	CHECK_EQ(cred_check_args("ok", 2, 5), CAPOS_OK);
}

TEST(cred_tag_equal_sees_every_bit)
{
	uint8_t a[CRED_TAG_BYTES], b[CRED_TAG_BYTES];

	for (int i = 0; i < (int)CRED_TAG_BYTES; i++)
		a[i] = (uint8_t)(i * 37 + 11);
	memcpy(b, a, sizeof(a));
	CHECK(cred_tag_equal(a, b));
	for (int bit = 0; bit < (int)CRED_TAG_BYTES * 8; bit++) {
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(!cred_tag_equal(a, b));
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK(cred_tag_equal(a, b));
}

TEST(cred_hash_matches_the_reference_vectors)
{
	const struct cred_params p = { .t_cost = 2, .m_kib = 64, .lanes = 1 };
	uint8_t tag[CRED_TAG_BYTES], want[CRED_TAG_BYTES];

	CHECK_EQ(cred_hash(&p, (const uint8_t *)"password", 8, (const uint8_t *)SALT16, tag),
		 CAPOS_OK);
	hex32("1a98fba8e6394425c9bdc333a9c750aaf811df070f5fb4a5788e1cf4db5793a1", want);
	CHECK(memcmp(tag, want, sizeof(tag)) == 0);
	/* The service's own parameters. */
	CHECK_EQ(cred_hash(&cred_default_params, (const uint8_t *)"correct horse", 13,
			   (const uint8_t *)"capos credstore!", tag),
		 CAPOS_OK);
	hex32("2a3636eec5fef485b368882f6201ae184d852d69099c8236f3ff2e1f25ad8da9", want);
	CHECK(memcmp(tag, want, sizeof(tag)) == 0);
}

TEST(cred_hash_refuses_bad_costs)
{
	static const struct cred_params bad[] = {
		{ .t_cost = 0, .m_kib = 64, .lanes = 1 }, /* ARGON2_TIME_TOO_SMALL */
		{ .t_cost = 1, .m_kib = 7, .lanes = 1 },  /* below 8 KiB per lane */
		{ .t_cost = 1, .m_kib = 64, .lanes = 0 }, /* ARGON2_LANES_TOO_FEW */
	};
	uint8_t tag[CRED_TAG_BYTES];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(cred_hash(&bad[i], (const uint8_t *)"pw", 2, (const uint8_t *)SALT16, tag),
			 CAPOS_ERR_CRED_HASH);
}

static struct cred_store st;

static void store_fresh(void)
{
	const struct cred_params p = SMALL_PARAMS;

	cred_store_init(&st, &p, dummy48);
}

static int store_add(const char *user, const char *pw, uint32_t profile)
{
	return cred_store_add(&st, user, (uint32_t)strlen(user), (const uint8_t *)pw,
			      (uint32_t)strlen(pw), profile, (const uint8_t *)SALT16);
}

static int store_verify(const char *user, const char *pw, struct cred_verdict *v)
{
	return cred_store_verify(&st, user, (uint32_t)strlen(user), (const uint8_t *)pw,
				 (uint32_t)strlen(pw), v);
}

TEST(cred_store_verifies_the_right_password_only)
{
	struct cred_verdict v;

	store_fresh();
	CHECK(!cred_store_has_profile(&st, CRED_PROFILE_OPERATOR));
	CHECK_EQ(store_add("root", "hunter2", CRED_PROFILE_OPERATOR), CAPOS_OK);
	CHECK(cred_store_has_profile(&st, CRED_PROFILE_OPERATOR));
	CHECK_EQ(store_verify("root", "hunter2", &v), CAPOS_OK);
	CHECK(v.accepted);
	CHECK_EQ(v.profile, CRED_PROFILE_OPERATOR);
	CHECK_EQ(store_verify("root", "hunter3", &v), CAPOS_OK);
	CHECK(!v.accepted);
	CHECK_EQ(v.profile, CRED_PROFILE_ANONYMOUS);
	CHECK_EQ(store_verify("root", "hunter", &v), CAPOS_OK); /* a prefix */
	CHECK(!v.accepted);
	CHECK_EQ(store_verify("roo", "hunter2", &v), CAPOS_OK); /* a name prefix */
	CHECK(!v.accepted);
	CHECK_EQ(v.profile, CRED_PROFILE_ANONYMOUS);
	/* The record keeps salt and tag, never the password. */
	CHECK(memmem(&st, sizeof(st), "hunter2", 7) == NULL);
}

TEST(cred_store_unknown_user_is_hashed_against_the_dummy_and_vetoed)
{
	uint8_t dummy[CRED_DUMMY_BYTES];
	struct cred_params p = SMALL_PARAMS;
	struct cred_verdict v = { .accepted = true, .profile = 9 };

	/* A dummy verifier that "pw" matches: the miss must still be rejected. */
	memcpy(dummy, SALT16, CRED_SALT_BYTES);
	CHECK_EQ(cred_hash(&p, (const uint8_t *)"pw", 2, dummy, dummy + CRED_SALT_BYTES), CAPOS_OK);
	cred_store_init(&st, &p, dummy);
	CHECK_EQ(store_verify("nobody", "pw", &v), CAPOS_OK);
	CHECK(!v.accepted);
	CHECK_EQ(v.profile, CRED_PROFILE_ANONYMOUS);
	/* The dummy's cost is the store's: a bad cost fails a miss exactly like a hit. */
	st.params.t_cost = 0;
	CHECK_EQ(store_verify("nobody", "pw", &v), CAPOS_ERR_CRED_HASH);
	CHECK(!v.accepted);
}

TEST(cred_store_refuses_duplicates_bad_profiles_and_overflow)
{
	char name[8];
	struct cred_verdict v;
	struct cred_store before;

	store_fresh();
	CHECK_EQ(store_add("op", "pw", CRED_PROFILE_OPERATOR), CAPOS_OK);
	CHECK_EQ(store_add("op", "other", CRED_PROFILE_GUEST), CAPOS_ERR_CRED_USER_EXISTS);
	CHECK_EQ(store_add("anon", "pw", CRED_PROFILE_ANONYMOUS), CAPOS_ERR_CRED_PROFILE);
	CHECK_EQ(store_add("weird", "pw", 3), CAPOS_ERR_CRED_PROFILE);
	for (unsigned i = 1; i < CRED_USERS; i++) {
		snprintf(name, sizeof(name), "u%u", i);
		CHECK_EQ(store_add(name, "pw", CRED_PROFILE_GUEST), CAPOS_OK);
	}
	memcpy(&before, &st, sizeof(st));
	CHECK_EQ(cred_store_can_add(&st, "late", 4, CRED_PROFILE_GUEST), CAPOS_ERR_CRED_TABLE_FULL);
	CHECK_EQ(store_add("late", "pw", CRED_PROFILE_GUEST), CAPOS_ERR_CRED_TABLE_FULL);
	CHECK(memcmp(&before, &st, sizeof(st)) == 0); /* nothing changed */
	/* Every record still verifies with its own profile. */
	CHECK_EQ(store_verify("u7", "pw", &v), CAPOS_OK);
	CHECK(v.accepted);
	CHECK_EQ(v.profile, CRED_PROFILE_GUEST);
	CHECK_EQ(store_verify("op", "pw", &v), CAPOS_OK);
	CHECK_EQ(v.profile, CRED_PROFILE_OPERATOR);
	CHECK_EQ(store_verify("late", "pw", &v), CAPOS_OK);
	CHECK(!v.accepted);
}

TEST(cred_store_add_failure_leaves_no_record)
{
	struct cred_verdict v;

	store_fresh();
	st.params.t_cost = 0; /* libargon2 refuses */
	CHECK_EQ(store_add("op", "pw", CRED_PROFILE_OPERATOR), CAPOS_ERR_CRED_HASH);
	CHECK(!cred_store_has_profile(&st, CRED_PROFILE_OPERATOR));
	st.params.t_cost = 1;
	CHECK_EQ(store_add("op", "pw", CRED_PROFILE_OPERATOR), CAPOS_OK);
	CHECK_EQ(store_verify("op", "pw", &v), CAPOS_OK);
	CHECK(v.accepted);
}

TEST(cred_wipe_clears_the_buffer)
{
	char buf[16] = "secret password";

	cred_wipe(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK_EQ(buf[i], 0);
}
