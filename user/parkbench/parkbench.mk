# user/parkbench: init of the PARK/UNPARK round-trip bench (system/tests/parkbench.capnp,
# bench/park.mk); shares the child helpers of user/parktest.
$(eval $(call user_program,parkbench,user/parkbench/main.c user/parktest/peer.c))
