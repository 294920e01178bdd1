/*
 * The authority broker's policy and session table (user/broker/policy.c), pure and
 * host-tested (tests/host/session/policy_test.c).
 *
 * Policy: the broker's own CapSet entries named `<profile>.<name>`, profile one of
 * `anonymous`, `guest`, `operator` (SessionProfile), are the caps that profile's
 * bundle holds, granted under `<name>`; every other entry (console, the
 * CapabilityManager, ...) is the broker's own. The manifest is the policy
 * (docs/sessions.md "Sessions and bundles").
 *
 * Sessions: per session id, the profile it was first asked for and the per-session
 * roots the broker derived from each policy cap (revoking a root reaches every cap
 * handed out for that session, in every process, and nothing else).
 */
#ifndef BROKER_POLICY_H
#define BROKER_POLICY_H

#include <stdint.h>

#include <capos/capset.h>

#define BROKER_PROFILES 3u    /* SessionProfile: anonymous, guest, operator */
#define BROKER_POLICY_MAX 12u /* caps per profile (one answer carries them all) */
#define BROKER_NAME_MAX 40u   /* bundle name bytes (after `<profile>.`) */
#define BROKER_SESSIONS 8u    /* sessions with live roots at once */

struct broker_grant {
	char name[BROKER_NAME_MAX + 1]; /* NUL-terminated bundle name */
	uint32_t name_len;
	uint64_t interface_id; /* as granted to the broker */
	uint32_t cap;	       /* the broker's policy cap */
};

struct broker_policy {
	struct broker_grant grants[BROKER_PROFILES][BROKER_POLICY_MAX];
	uint32_t count[BROKER_PROFILES];
};

struct broker_session {
	uint64_t id; /* 0: free slot */
	uint32_t profile;
	uint32_t roots[BROKER_POLICY_MAX]; /* root i derived from grants[profile][i] */
	uint32_t nroots;		   /* roots made so far */
};

struct broker_sessions {
	struct broker_session s[BROKER_SESSIONS];
};

/*
 * Classify a CapSet name. 1: a policy entry, profile index in *profile and the bundle
 * name in [*name, *name + *len); 0: not a policy name (no `<profile>.` prefix).
 * CAPOS_ERR_BROKER_POLICY: a profile prefix with an empty name or one over
 * BROKER_NAME_MAX bytes.
 */
int broker_policy_parse(const char *capset_name, uint32_t *profile, const char **name,
			uint32_t *len);

/*
 * Fill *p from the CapSet page `cs` (validated with capos_capset_validate).
 * Errors: CAPOS_ERR_INVALID (page), CAPOS_ERR_BROKER_POLICY (a malformed policy name
 * or more than BROKER_POLICY_MAX caps for one profile).
 */
int broker_policy_load(struct broker_policy *p, const struct capos_capset_page *cs);

/* "anonymous", "guest" or "operator"; "?" for a value out of range. */
const char *broker_profile_name(uint32_t profile);

/* The session `id`, or NULL. */
struct broker_session *broker_session_find(struct broker_sessions *t, uint64_t id);

/*
 * The session `id` for `profile`: the existing one (its profile must match:
 * CAPOS_ERR_BROKER_PROFILE otherwise) or a new free slot (nroots 0).
 * Errors: CAPOS_ERR_INVALID (id 0), CAPOS_ERR_BROKER_PROFILE (profile out of range
 * or different), CAPOS_ERR_BROKER_SESSIONS_FULL.
 */
int broker_session_get(struct broker_sessions *t, uint64_t id, uint32_t profile,
		       struct broker_session **out);

/* Free the session's slot (its roots must have been released). */
void broker_session_free(struct broker_session *s);

#endif
