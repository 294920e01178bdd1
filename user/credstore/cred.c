/*
 * CredentialStore core (cred.h): argument checks, the record table, verify with the
 * dummy verifier, the constant-time tag comparison and wiping. Pure C over the
 * caller's struct cred_store; the Argon2id call itself is in cred_argon2.c.
 */
#define _DEFAULT_SOURCE /* explicit_bzero in glibc's <string.h> (host test) */
#include "cred.h"

#include <string.h>

#include <capos/error.h>

const struct cred_params cred_default_params = { .t_cost = 6, .m_kib = 12288, .lanes = 1 };

void cred_store_init(struct cred_store *st, const struct cred_params *params,
		     const uint8_t dummy[CRED_DUMMY_BYTES])
{
	memset(st, 0, sizeof(*st));
	st->params = *params;
	memcpy(st->dummy.salt, dummy, CRED_SALT_BYTES);
	memcpy(st->dummy.tag, dummy + CRED_SALT_BYTES, CRED_TAG_BYTES);
}

static bool cred_name_byte_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int cred_check_user(const char *name, uint32_t len)
{
	if (len == 0 || len > CRED_USER_MAX)
		return CAPOS_ERR_CRED_USER_LENGTH;
	for (uint32_t i = 0; i < len; i++)
		if (!cred_name_byte_ok(name[i]))
			return CAPOS_ERR_CRED_USER_CHARS;
	return CAPOS_OK;
}

int cred_check_password(uint32_t len)
{
	return len == 0 || len > CRED_PASSWORD_MAX ? CAPOS_ERR_CRED_PASSWORD_LENGTH : CAPOS_OK;
}

int cred_check_args(const char *name, uint32_t name_len, uint32_t password_len)
{
	int err = cred_check_user(name, name_len);

	return err ? err : cred_check_password(password_len);
}

/*
 * The record of `name`, or NULL. Scans every slot (no early exit), so the time spent
 * does not depend on where, or whether, the name is found.
 */
static const struct cred_record *cred_find(const struct cred_store *st, const char *name,
					   uint32_t len)
{
	const struct cred_record *hit = NULL;

	for (uint32_t i = 0; i < CRED_USERS; i++) {
		const struct cred_record *r = &st->rec[i];

		if (r->name_len == len && memcmp(r->name, name, len) == 0)
			hit = r;
	}
	return hit;
}

bool cred_store_has_profile(const struct cred_store *st, uint32_t profile)
{
	for (uint32_t i = 0; i < CRED_USERS; i++)
		if (st->rec[i].name_len != 0 && st->rec[i].profile == profile)
			return true;
	return false;
}

/* The index of the first free slot, or CRED_USERS when the table is full. */
static uint32_t cred_free_index(const struct cred_store *st)
{
	uint32_t i = 0;

	while (i < CRED_USERS && st->rec[i].name_len != 0)
		i++;
	return i;
}

int cred_store_can_add(const struct cred_store *st, const char *name, uint32_t name_len,
		       uint32_t profile)
{
	if (profile != CRED_PROFILE_GUEST && profile != CRED_PROFILE_OPERATOR)
		return CAPOS_ERR_CRED_PROFILE;
	if (cred_find(st, name, name_len) != NULL)
		return CAPOS_ERR_CRED_USER_EXISTS;
	return cred_free_index(st) < CRED_USERS ? CAPOS_OK : CAPOS_ERR_CRED_TABLE_FULL;
}

int cred_store_add(struct cred_store *st, const char *name, uint32_t name_len,
		   const uint8_t *password, uint32_t password_len, uint32_t profile,
		   const uint8_t salt[CRED_SALT_BYTES])
{
	uint8_t tag[CRED_TAG_BYTES];
	struct cred_record *r;
	int err = cred_store_can_add(st, name, name_len, profile);

	if (err)
		return err;
	err = cred_hash(&st->params, password, password_len, salt, tag);
	if (err)
		goto out_wipe;
	r = &st->rec[cred_free_index(st)]; /* can_add found one; nothing ran since */
	memcpy(r->name, name, name_len);
	r->profile = profile;
	memcpy(r->salt, salt, CRED_SALT_BYTES);
	memcpy(r->tag, tag, CRED_TAG_BYTES);
	r->name_len = name_len; /* last: the slot is in use from here */
out_wipe:
	cred_wipe(tag, sizeof(tag));
	return err;
}

int cred_store_verify(const struct cred_store *st, const char *name, uint32_t name_len,
		      const uint8_t *password, uint32_t password_len, struct cred_verdict *v)
{
	const struct cred_record *hit = cred_find(st, name, name_len);
	const struct cred_record *r = hit ? hit : &st->dummy;
	uint8_t tag[CRED_TAG_BYTES];
	int err = cred_hash(&st->params, password, password_len, r->salt, tag);

	v->accepted = false;
	v->profile = CRED_PROFILE_ANONYMOUS;
	/* The comparison runs for a miss too (against the dummy's tag, which no password
	 * is expected to produce); `hit` then vetoes the match. */
	if (err == CAPOS_OK && cred_tag_equal(tag, r->tag) && hit != NULL) {
		v->accepted = true;
		v->profile = hit->profile;
	}
	cred_wipe(tag, sizeof(tag));
	return err;
}

bool cred_tag_equal(const uint8_t a[CRED_TAG_BYTES], const uint8_t b[CRED_TAG_BYTES])
{
	uint32_t diff = 0;

	for (size_t i = 0; i < CRED_TAG_BYTES; i++) {
		diff |= (uint32_t)(a[i] ^ b[i]);
		/* Opaque to the optimiser: it cannot prove diff stays nonzero and stop early. */
		__asm__("" : "+r"(diff));
	}
	return diff == 0;
}

void cred_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}
