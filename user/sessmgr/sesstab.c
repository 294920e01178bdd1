/*
 * The SessionManager's throttle, session table and ids (sesstab.h).
 */
#include "sesstab.h"

#include <string.h>

#include <capos/error.h>

uint64_t sess_throttle_delay(uint32_t failures)
{
	uint32_t shift;

	if (failures < SESS_THROTTLE_FREE)
		return 0;
	shift = failures - SESS_THROTTLE_FREE;
	if (shift >= 63 || (SESS_THROTTLE_BASE_NS << shift) > SESS_THROTTLE_CAP_NS)
		return SESS_THROTTLE_CAP_NS;
	return SESS_THROTTLE_BASE_NS << shift;
}

static struct sess_throttle_entry *sess_throttle_find(const struct sess_throttle *t,
						      const char *user, uint32_t len)
{
	for (uint32_t i = 0; i < SESS_THROTTLE_USERS; i++)
		if (t->e[i].user_len == len && len && memcmp(t->e[i].user, user, len) == 0)
			return (struct sess_throttle_entry *)&t->e[i];
	return NULL;
}

uint64_t sess_throttle_check(const struct sess_throttle *t, const char *user, uint32_t len,
			     uint64_t now_ns)
{
	const struct sess_throttle_entry *e = sess_throttle_find(t, user, len);
	uint64_t until;

	if (e == NULL)
		return 0;
	until = e->last_ns + sess_throttle_delay(e->failures);
	return now_ns < until ? until - now_ns : 0;
}

/* A free entry, else the one whose last failure is oldest. */
static struct sess_throttle_entry *sess_throttle_slot(struct sess_throttle *t)
{
	struct sess_throttle_entry *best = &t->e[0];

	for (uint32_t i = 0; i < SESS_THROTTLE_USERS; i++) {
		if (t->e[i].user_len == 0)
			return &t->e[i];
		if (t->e[i].last_ns < best->last_ns)
			best = &t->e[i];
	}
	return best;
}

void sess_throttle_fail(struct sess_throttle *t, const char *user, uint32_t len, uint64_t now_ns)
{
	struct sess_throttle_entry *e = sess_throttle_find(t, user, len);

	if (len == 0 || len > SESS_USER_MAX)
		return;
	if (e == NULL) {
		e = sess_throttle_slot(t);
		memset(e, 0, sizeof(*e));
		memcpy(e->user, user, len);
		e->user_len = len;
	}
	if (e->failures < UINT32_MAX)
		e->failures++;
	e->last_ns = now_ns;
}

void sess_throttle_clear(struct sess_throttle *t, const char *user, uint32_t len)
{
	struct sess_throttle_entry *e = sess_throttle_find(t, user, len);

	if (e)
		memset(e, 0, sizeof(*e));
}

int sess_user_ok(const char *user, uint32_t len)
{
	if (len == 0 || len > SESS_USER_MAX)
		return 0;
	for (uint32_t i = 0; i < len; i++)
		if ((unsigned char)user[i] <= 0x20 || (unsigned char)user[i] > 0x7e)
			return 0;
	return 1;
}

uint64_t sess_id_make(struct sess_table *t, uint32_t random)
{
	t->counter++;
	return ((uint64_t)(random & 0x7fffffffu) << 32) | t->counter;
}

struct sess_entry *sess_find(struct sess_table *t, uint64_t id)
{
	for (uint32_t i = 0; id && i < SESS_SESSIONS; i++)
		if (t->s[i].id == id)
			return &t->s[i];
	return NULL;
}

struct sess_entry *sess_active_of(struct sess_table *t, uint64_t terminal)
{
	for (uint32_t i = 0; i < SESS_SESSIONS; i++)
		if (t->s[i].id && t->s[i].active && t->s[i].terminal == terminal)
			return &t->s[i];
	return NULL;
}

/* A free slot, else the ended entry that started first, else NULL. */
static struct sess_entry *sess_slot(struct sess_table *t)
{
	struct sess_entry *best = NULL;

	for (uint32_t i = 0; i < SESS_SESSIONS; i++) {
		struct sess_entry *e = &t->s[i];

		if (e->id == 0)
			return e;
		if (!e->active && (best == NULL || e->started_ns < best->started_ns))
			best = e;
	}
	return best;
}

int sess_start(struct sess_table *t, uint64_t id, uint64_t terminal, uint32_t profile,
	       const char *user, uint32_t len, uint64_t now_ns, struct sess_entry **out)
{
	struct sess_entry *e;

	if (len > SESS_USER_MAX)
		return CAPOS_ERR_SESSION_USER_NAME;
	e = sess_slot(t);
	if (e == NULL)
		return CAPOS_ERR_SESSION_TABLE_FULL;
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->terminal = terminal;
	e->started_ns = now_ns;
	e->profile = profile;
	e->active = 1;
	e->user_len = (uint8_t)len;
	memcpy(e->user, user, len);
	*out = e;
	return CAPOS_OK;
}
