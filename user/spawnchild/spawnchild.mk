# user/spawnchild: the child program of the spawn tests (user/spawntest), packaged in
# the spawn test manifest (system/spawntest.capnp); its behaviour follows its CapSet.
$(eval $(call user_program,spawnchild,user/spawnchild/main.c user/spawnchild/quota.c))
