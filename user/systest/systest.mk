# user/systest: init of the machine-wide caps test manifest (system/tests/sys.capnp),
# driven by tests/qemu/sys_tests.py; also spawned by itself as the child without
# SystemControl.
$(eval $(call user_program,systest,user/systest/main.c))
