# user/spawntest: init of the spawn test manifest (system/spawntest.capnp), which
# drives ProcessSpawner/ProcessHandle (tests/qemu/spawn_tests.py).
$(eval $(call user_program,spawntest,user/spawntest/main.c user/spawntest/quota.c))
