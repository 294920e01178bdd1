# Host tests of the session services' pure parts (docs/sessions.md): the audit
# log's record ring (user/audit/auditlog.c), the broker's policy parsing and session
# table (user/broker/policy.c, with the CapSet validator it uses), the session
# manager's throttle, session table and ids (user/sessmgr/sesstab.c).
$(eval $(call host_test,session_auditlog,user/audit/auditlog.c tests/host/session/auditlog_test.c))
$(eval $(call host_test,session_policy,user/broker/policy.c lib/libcapos/capset.c \
	tests/host/session/policy_test.c))
$(eval $(call host_test,session_sesstab,user/sessmgr/sesstab.c tests/host/session/sesstab_test.c))
