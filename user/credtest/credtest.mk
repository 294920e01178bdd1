# user/credtest: the CredentialStore boot test client (tests/qemu/cred_tests.py).
$(eval $(call user_program,credtest,user/credtest/main.c user/credtest/client.c))
# user/credhostile: the hostile client (starved store, scripted salt source).
$(eval $(call user_program,credhostile,user/credtest/hostile.c user/credtest/client.c))
