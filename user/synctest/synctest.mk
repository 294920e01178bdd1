# user/synctest: init of the sync test manifest (system/tests/sync.capnp), driven by
# tests/qemu/sync_tests.py; shares the child helpers of user/parktest.
$(eval $(call user_program,synctest,user/synctest/main.c user/parktest/peer.c))
