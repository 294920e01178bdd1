/*
 * sesstest: hostile calls (sesstest.h): forged, released and wrong-interface caps,
 * an unknown method, malformed params, record text the log refuses, a revoked cap
 * sent along; then the services still answer.
 */
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <schema/session.capnp.h>

#include "sesstest.h"

/* A raw CALL of (iid, method) on `cap` with `params`; the refusal's status. */
static int st_raw(uint32_t cap, uint64_t iid, uint16_t method, const void *params, uint32_t len)
{
	struct capos_ring_client *ring;
	struct capos_cqe cqe;
	uint64_t res[32];
	int err = capos_ring_self(&ring);

	if (err == CAPOS_OK)
		err = capos_ring_call(ring, cap, iid, method, params, len, res, sizeof(res), &cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = capos_exception_status(res, cqe.result_len, NULL);
	return err;
}

/* A session cap released, then used: its slot's generation moved on. */
static void st_hostile_released(void)
{
	struct capos_ring_client *ring;
	struct st_info i;
	uint32_t gone = 0;
	int err = st_start(session_SessionManager_METHOD_anonymous, &gone);

	if (err == CAPOS_OK)
		err = capos_ring_self(&ring);
	if (err == CAPOS_OK)
		err = capos_ring_release(ring, gone);
	st_check_err(err == CAPOS_OK ? st_info(gone, &i) : err, CAPOS_ERR_CAP_STALE,
		     "released session cap -> CAP_STALE");
}

static void st_hostile_caps(uint32_t s)
{
	struct st_info i;

	st_check_err(st_info(0x7fffffffu, &i), CAPOS_ERR_CAP_BAD_ID, "forged cap id -> CAP_BAD_ID");
	st_check_err(st_raw(st.sessions, session_UserSession_TYPE_ID,
			    session_UserSession_METHOD_info, NULL, 0),
		     CAPOS_ERR_CAP_WRONG_INTERFACE,
		     "SessionManager facet called as UserSession -> CAP_WRONG_INTERFACE");
	st_check_err(st_raw(s, session_UserSession_TYPE_ID, 9, NULL, 0),
		     CAPOS_ERR_CAPNP_UNIMPLEMENTED, "UserSession method 9 -> unimplemented");
}

static void st_hostile_params(uint32_t s)
{
	static const uint8_t truncated[4] = { 0, 0, 0, 0 };
	static char big[65];

	memset(big, 'e', sizeof(big));
	st_check_err(st_raw(st.sessions, session_SessionManager_TYPE_ID,
			    session_SessionManager_METHOD_login, truncated, sizeof(truncated)),
		     CAPOS_ERR_CAPNP_TRUNCATED_FRAMING,
		     "login with a truncated message -> invalidArgument (TRUNCATED_FRAMING)");
	st_check_err(st_record(s, big, sizeof(big)), CAPOS_ERR_AUDIT_TEXT,
		     "record of 65 bytes -> AUDIT_TEXT");
	st_check_err(st_record(s, "bell\a", 5), CAPOS_ERR_AUDIT_TEXT,
		     "record with a control byte -> AUDIT_TEXT");
}

/* A revoked bundle cap cannot travel: sent with a call, the transfer is refused. */
static void st_hostile_revoked_xfer(uint32_t s)
{
	struct session_AuditReader_read_Params_b p;
	struct st_bundle b;
	struct capos_xfer x = { .mode = CAPOS_XFER_COPY };
	int err = st_bundle(s, &b);

	if (err == CAPOS_OK)
		err = st_logout(s);
	x.cap = b.cap[0];
	if (err == CAPOS_OK)
		err = capos_client_begin(&st.c);
	if (err == CAPOS_OK)
		err = session_AuditReader_read_request(&st.c.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&st.c, st.auditread, session_AuditReader_TYPE_ID,
					session_AuditReader_METHOD_read, &x, 1);
	st_check_err(err, CAPOS_ERR_CAP_REVOKED,
		     "a revoked bundle cap sent with a call -> CAP_REVOKED");
}

void st_hostile_checks(void)
{
	struct st_bundle b;
	uint32_t s = 0;
	int err;

	st_hostile_released();
	err = st_start(session_SessionManager_METHOD_anonymous, &s);
	if (!st_check_err(err, CAPOS_OK, "anonymous session for the hostile calls"))
		return;
	st_hostile_caps(s);
	st_hostile_params(s);
	st_hostile_revoked_xfer(s);
	err = st_start(session_SessionManager_METHOD_anonymous, &s);
	if (err == CAPOS_OK)
		err = st_bundle(s, &b);
	st_check(err == CAPOS_OK && b.n == 1 && st_use(&b, 0) == CAPOS_OK,
		 "services still answer: a fresh anonymous session and bundle work",
		 capos_error_name(err));
}
