# user/vmtest: the VirtualMemory reservations boot test program, started as init from
# the focused manifest tests/qemu/vmres/vmres.capnp (tests/qemu/vmres.mk); it spawns
# itself as the children of the fault and quota steps.
$(eval $(call user_program,vmtest,user/vmtest/main.c))
