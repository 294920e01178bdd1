/*
 * broker: the AuthorityBroker service (schema/session.capnp; docs/sessions.md
 * "Sessions and bundles"). The policy is its own CapSet (policy.c): entries named
 * `<profile>.<name>` are the caps of that profile's bundle. With the CapabilityManager
 * `capmgr` (docs/caps.md) it derives, per session and policy cap, a per-session root,
 * and hands out caps derived from that root; endSession revokes every root (reaching
 * each copy handed out for that session, in any process, and no other session's) and
 * releases them. Served on the raw endpoint `api`; its one importer is the
 * SessionManager, which authenticated the session. One console line per call.
 */
#include <stdint.h>
#include <stdio.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/client.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/session.capnp.h>

#include "policy.h"

static struct capos_server broker_srv;
static struct capos_ring_client *broker_ring;
static struct capos_client_call broker_call;
static struct broker_policy broker_policy;
static struct broker_sessions broker_sessions;
static uint32_t broker_capmgr;

/* CapabilityManager.derive or .revoke of `cap` (sent as a COPY, capnp cap index 0). */
static int broker_capmgr_call(uint16_t method, uint32_t cap)
{
	struct capos_CapabilityManager_derive_Params_b p; /* revoke's has this layout */
	const struct capos_xfer x = { .cap = cap, .mode = CAPOS_XFER_COPY };
	int err = capos_client_begin(&broker_call);

	if (err == CAPOS_OK)
		err = capos_CapabilityManager_derive_request(&broker_call.b, &p);
	if (err == CAPOS_OK)
		err = capos_CapabilityManager_derive_Params_set_cap(&p, 0);
	return err ? err
		   : capos_client_send(&broker_call, broker_capmgr, capos_CapabilityManager_TYPE_ID,
				       method, &x, 1);
}

/* A revocable copy of `src` (interface `iid`) in *out. */
static int broker_derive(uint32_t src, uint64_t iid, uint32_t *out)
{
	struct capos_CapabilityManager_derive_Results_r r;
	uint32_t index = CAPNP_CAP_NULL;
	int err = broker_capmgr_call(capos_CapabilityManager_METHOD_derive, src);

	if (err == CAPOS_OK)
		err = capos_CapabilityManager_derive_read_results(&broker_call.msg, &r);
	if (err == CAPOS_OK)
		err = capos_CapabilityManager_derive_Results_get_derived(&r, &index);
	return err ? err : capos_client_cap(&broker_call, index, iid, out);
}

/* Revoke everything derived from `cap`; the count of table entries reached in *n. */
static int broker_revoke(uint32_t cap, uint32_t *n)
{
	struct capos_CapabilityManager_revoke_Results_r r;
	int err = broker_capmgr_call(capos_CapabilityManager_METHOD_revoke, cap);

	if (err == CAPOS_OK)
		err = capos_CapabilityManager_revoke_read_results(&broker_call.msg, &r);
	if (err == CAPOS_OK)
		*n = capos_CapabilityManager_revoke_Results_get_revoked(&r);
	return err;
}

/* Make the session's missing roots (one per policy cap of its profile). */
static int broker_roots(struct broker_session *s)
{
	const struct broker_grant *g = broker_policy.grants[s->profile];
	int err = CAPOS_OK;

	while (err == CAPOS_OK && s->nroots < broker_policy.count[s->profile]) {
		err = broker_derive(g[s->nroots].cap, g[s->nroots].interface_id,
				    &s->roots[s->nroots]);
		if (err == CAPOS_OK)
			s->nroots++;
	}
	return err;
}

/* Bundle entry i: a cap derived from root i, moved to the caller with the answer. */
static int broker_hand_out(const struct broker_session *s, uint32_t i,
			   const struct session_BundleCap_b *b)
{
	const struct broker_grant *g = &broker_policy.grants[s->profile][i];
	uint32_t cap, index;
	int err = broker_derive(s->roots[i], g->interface_id, &cap);

	if (err)
		return err;
	err = capos_server_result_cap(&broker_srv, cap, CAPOS_XFER_MOVE, &index);
	if (err) {
		(void)capos_ring_release(broker_ring, cap);
		return err;
	}
	session_BundleCap_set_interfaceId(b, g->interface_id);
	err = session_BundleCap_set_cap(b, index);
	return err ? err : session_BundleCap_set_name(b, g->name, g->name_len);
}

static int broker_shell_bundle(void *self,
			       const struct session_AuthorityBroker_shellBundle_Params_r *p,
			       struct session_AuthorityBroker_shellBundle_Results_b *r)
{
	uint64_t sid = session_AuthorityBroker_shellBundle_Params_get_sessionId(p);
	uint32_t prof = (uint32_t)session_AuthorityBroker_shellBundle_Params_get_profile(p);
	struct session_BundleCap_blist list;
	struct broker_session *s;
	int err = broker_session_get(&broker_sessions, sid, prof, &s);

	(void)self;
	if (err) {
		printf("broker: bundle for session %llu refused: %s\n", (unsigned long long)sid,
		       capos_error_name(err));
		return capos_server_fail(&broker_srv, capos_ExceptionType_invalidArgument, err,
					 "session or profile");
	}
	err = broker_roots(s);
	if (err == CAPOS_OK)
		err = session_AuthorityBroker_shellBundle_Results_init_caps(r, s->nroots, &list);
	for (uint32_t i = 0; err == CAPOS_OK && i < s->nroots; i++) {
		struct session_BundleCap_b b = session_BundleCap_list_build(&list, i);

		err = broker_hand_out(s, i, &b);
	}
	if (err) {
		capos_server_drop_results(&broker_srv, broker_ring);
		printf("broker: bundle for session %llu failed: %s\n", (unsigned long long)sid,
		       capos_error_name(err));
		return err;
	}
	printf("broker: session %llu (%s): bundle of %u caps\n", (unsigned long long)sid,
	       broker_profile_name(prof), (unsigned)s->nroots);
	return CAPOS_OK;
}

static int broker_end_session(void *self,
			      const struct session_AuthorityBroker_endSession_Params_r *p,
			      struct session_AuthorityBroker_endSession_Results_b *r)
{
	uint64_t sid = session_AuthorityBroker_endSession_Params_get_sessionId(p);
	struct broker_session *s = broker_session_find(&broker_sessions, sid);
	uint32_t total = 0;
	int err = CAPOS_OK;

	(void)self;
	if (s == NULL) {
		printf("broker: end of unknown session %llu refused\n", (unsigned long long)sid);
		return capos_server_fail(&broker_srv, capos_ExceptionType_invalidArgument,
					 CAPOS_ERR_BROKER_UNKNOWN_SESSION, "session");
	}
	for (uint32_t i = 0; i < s->nroots; i++) {
		uint32_t n = 0;
		int e = broker_revoke(s->roots[i], &n);

		total += n;
		err = err ? err : e;
		(void)capos_ring_release(broker_ring, s->roots[i]);
	}
	broker_session_free(s);
	printf("broker: session %llu ended: %u caps revoked\n", (unsigned long long)sid,
	       (unsigned)total);
	session_AuthorityBroker_endSession_Results_set_revoked(r, total);
	return err;
}

static const struct session_AuthorityBroker_server broker_server = {
	.shellBundle = broker_shell_bundle,
	.endSession = broker_end_session,
};

static int broker_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			   struct capnp_builder *results)
{
	return session_AuthorityBroker_dispatch(&broker_server, self, method, params, results);
}

static const struct capos_server_iface broker_ifaces[] = {
	{ session_AuthorityBroker_TYPE_ID, session_AuthorityBroker_METHOD_COUNT, broker_dispatch,
	  NULL },
};

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_ring_self(&broker_ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "capmgr", capos_CapabilityManager_TYPE_ID,
					  &broker_capmgr);
	if (err == 0)
		err = broker_policy_load(&broker_policy, cs);
	if (err) {
		printf("broker: policy: %s\n", capos_error_name(err));
		return 1;
	}
	printf("broker: policy: anonymous %u, guest %u, operator %u caps\n",
	       (unsigned)broker_policy.count[0], (unsigned)broker_policy.count[1],
	       (unsigned)broker_policy.count[2]);
	return capos_server_main(&broker_srv, "broker", "api", broker_ifaces, 1);
}
