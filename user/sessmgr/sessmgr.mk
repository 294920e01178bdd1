# user/sessmgr: the SessionManager service (SessionManager + UserSession on one
# endpoint; docs/sessions.md). sesstab.c (throttle, session table, ids) is pure,
# host-tested in tests/host/session.mk.
$(eval $(call user_program,sessmgr,user/sessmgr/main.c user/sessmgr/sesstab.c))
