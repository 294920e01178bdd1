# user/credtest: the CredentialStore boot test client (tests/qemu/cred_tests.py).
$(eval $(call user_program,credtest,user/credtest/main.c user/credtest/client.c))
