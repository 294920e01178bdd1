# user/audit: the audit log service (AuditLog + AuditReader on two endpoints;
# docs/sessions.md "Audit"). auditlog.c is the pure store, host-tested in
# tests/host/session.mk.
$(eval $(call user_program,audit,user/audit/main.c user/audit/auditlog.c))
