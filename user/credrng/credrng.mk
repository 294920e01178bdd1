# user/credrng: the scripted EntropySource double of the CredentialStore hostile boot
# test (tests/qemu/cred_tests.py); never part of a system manifest.
$(eval $(call user_program,credrng,user/credrng/main.c))
