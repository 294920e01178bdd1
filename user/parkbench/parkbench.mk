# user/parkbench: init of the PARK/UNPARK round-trip bench (system/tests/parkbench.capnp,
# bench/park.mk); the child through libcapos/spawn.h.
$(eval $(call user_program,parkbench,user/parkbench/main.c))
