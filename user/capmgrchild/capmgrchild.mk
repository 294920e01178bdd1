# user/capmgrchild: the child of the CapabilityManager boot test's cross-process steps
# (spawned by user/capmgrtest; tests/qemu/capmgr.mk packages it).
$(eval $(call user_program,capmgrchild,user/capmgrchild/main.c))
