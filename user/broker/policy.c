/*
 * The broker's policy parsing and session table (policy.h).
 */
#include "policy.h"

#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>

static const char *const broker_profile_names[BROKER_PROFILES] = { "anonymous", "guest",
								   "operator" };

const char *broker_profile_name(uint32_t profile)
{
	return profile < BROKER_PROFILES ? broker_profile_names[profile] : "?";
}

int broker_policy_parse(const char *capset_name, uint32_t *profile, const char **name,
			uint32_t *len)
{
	for (uint32_t i = 0; i < BROKER_PROFILES; i++) {
		size_t plen = strlen(broker_profile_names[i]);

		if (strncmp(capset_name, broker_profile_names[i], plen) != 0 ||
		    capset_name[plen] != '.')
			continue;
		*name = capset_name + plen + 1;
		*len = (uint32_t)strlen(*name);
		*profile = i;
		return *len == 0 || *len > BROKER_NAME_MAX ? CAPOS_ERR_BROKER_POLICY : 1;
	}
	return 0;
}

/* Add one grant to profile `pr`. */
static int broker_policy_add(struct broker_policy *p, uint32_t pr, const char *name, uint32_t len,
			     const struct capos_capset_entry *e)
{
	struct broker_grant *g;

	if (p->count[pr] == BROKER_POLICY_MAX)
		return CAPOS_ERR_BROKER_POLICY;
	g = &p->grants[pr][p->count[pr]++];
	memcpy(g->name, name, len);
	g->name[len] = '\0';
	g->name_len = len;
	g->interface_id = e->interface_id;
	g->cap = e->cap;
	return CAPOS_OK;
}

int broker_policy_load(struct broker_policy *p, const struct capos_capset_page *cs)
{
	int err = capos_capset_validate(cs);

	memset(p, 0, sizeof(*p));
	for (uint32_t i = 0; err == CAPOS_OK && i < cs->hdr.count; i++) {
		const struct capos_capset_entry *e = &cs->entries[i];
		const char *name;
		uint32_t pr, len;
		int kind = memchr(e->name, '\0', sizeof(e->name))
				   ? broker_policy_parse(e->name, &pr, &name, &len)
				   : CAPOS_ERR_INVALID;

		if (kind < 0)
			err = kind;
		else if (kind == 1)
			err = broker_policy_add(p, pr, name, len, e);
	}
	return err;
}

struct broker_session *broker_session_find(struct broker_sessions *t, uint64_t id)
{
	for (uint32_t i = 0; id != 0 && i < BROKER_SESSIONS; i++)
		if (t->s[i].id == id)
			return &t->s[i];
	return NULL;
}

int broker_session_get(struct broker_sessions *t, uint64_t id, uint32_t profile,
		       struct broker_session **out)
{
	struct broker_session *s = broker_session_find(t, id);

	if (id == 0)
		return CAPOS_ERR_INVALID;
	if (profile >= BROKER_PROFILES || (s && s->profile != profile))
		return CAPOS_ERR_BROKER_PROFILE;
	for (uint32_t i = 0; s == NULL && i < BROKER_SESSIONS; i++)
		if (t->s[i].id == 0)
			s = &t->s[i];
	if (s == NULL)
		return CAPOS_ERR_BROKER_SESSIONS_FULL;
	if (s->id == 0) {
		memset(s, 0, sizeof(*s));
		s->id = id;
		s->profile = profile;
	}
	*out = s;
	return CAPOS_OK;
}

void broker_session_free(struct broker_session *s)
{
	memset(s, 0, sizeof(*s));
}
