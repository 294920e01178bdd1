/*
 * cred_hash (cred.h): Argon2id through Debian's libargon2 (libargon2-dev, the static
 * libargon2.a), raw API argon2_ctx: no encoded strings, one thread (threads = 1, so
 * libargon2 never starts one; user/credstore/argon2_shim.c makes the pthread entry
 * points it links against fail). libargon2 wipes its working memory
 * (FLAG_clear_internal_memory is on by default) before freeing it.
 */
#include "cred.h"

#include <argon2.h>

#include <capos/error.h>

int cred_hash(const struct cred_params *params, const uint8_t *password, uint32_t password_len,
	      const uint8_t salt[CRED_SALT_BYTES], uint8_t tag[CRED_TAG_BYTES])
{
	/* libargon2 takes non-const pointers but reads pwd and salt only (no
	 * ARGON2_FLAG_CLEAR_PASSWORD: the caller owns and wipes the password buffer). */
	argon2_context ctx = {
		.out = tag,
		.outlen = CRED_TAG_BYTES,
		.pwd = (uint8_t *)password,
		.pwdlen = password_len,
		.salt = (uint8_t *)salt,
		.saltlen = CRED_SALT_BYTES,
		.t_cost = params->t_cost,
		.m_cost = params->m_kib,
		.lanes = params->lanes,
		.threads = 1,
		.version = ARGON2_VERSION_13,
		.flags = ARGON2_DEFAULT_FLAGS,
	};
	int rc = argon2_ctx(&ctx, Argon2_id);

	if (rc == ARGON2_OK)
		return CAPOS_OK;
	return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? CAPOS_ERR_NO_MEMORY : CAPOS_ERR_CRED_HASH;
}
