# user/broker: the AuthorityBroker service (policy = its own CapSet entries named
# <profile>.<name>; docs/sessions.md). policy.c is pure, host-tested in
# tests/host/session.mk.
$(eval $(call user_program,broker,user/broker/main.c user/broker/policy.c))
