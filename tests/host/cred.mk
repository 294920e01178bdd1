# Host tests of the CredentialStore core (user/credstore/cred.c, cred_argon2.c) with
# ASan/UBSan, linked with the Debian libargon2.a the service links (ARGON2_A,
# user/credstore/credstore.mk).
$(eval $(call host_test,cred,user/credstore/cred.c user/credstore/cred_argon2.c \
	tests/host/cred/cred_test.c))
# Second expansion: ARGON2_A is set by user/credstore/credstore.mk, read after this.
$(BUILD)/tests/host/cred.t: $$(ARGON2_A)
