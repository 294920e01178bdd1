# user/xfertest: the capability-transfer boot test program, started as init from the
# focused manifest tests/qemu/xfer/xfer.capnp (tests/qemu/xfer.mk).
$(eval $(call user_program,xfertest,user/xfertest/main.c))
