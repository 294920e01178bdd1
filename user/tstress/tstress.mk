# user/tstress: init of the thread stress manifest (system/tests/tstress.capnp), driven by
# tests/qemu/tstress_tests.py; spawns itself as its killed child (libcapos/spawn.h).
$(eval $(call user_program,tstress,user/tstress/main.c user/tstress/wake.c user/tstress/heap.c user/tstress/hostile.c user/tstress/kill.c user/tstress/crowd.c))
