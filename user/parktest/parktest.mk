# user/parktest: init of the PARK/UNPARK test manifest (system/tests/park.capnp), driven
# by tests/qemu/park_tests.py.
$(eval $(call user_program,parktest,user/parktest/main.c))
