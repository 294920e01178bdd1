# user/capmgrtest: the CapabilityManager boot test program, started as init from the
# focused manifest tests/qemu/capmgr/capmgr.capnp (tests/qemu/capmgr.mk).
$(eval $(call user_program,capmgrtest,user/capmgrtest/main.c))
