# user/synctest: init of the sync test manifest (system/tests/sync.capnp), driven by
# tests/qemu/sync_tests.py; children through libcapos/spawn.h.
$(eval $(call user_program,synctest,user/synctest/main.c))
