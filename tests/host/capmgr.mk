# Revocation nodes and their cap-table integration (kernel/cap/revoke.c, captab.c).
$(eval $(call host_test,revoke,kernel/cap/kobj.c kernel/cap/captab.c kernel/cap/revoke.c \
	tests/host/kernel/revoke_test.c))
