# user/stdiotest: init of the StdIO test manifest (system/tests/stdio.capnp): serves
# StdIO to the demo programs and checks their streams (tests/qemu/stdio_tests.py).
$(eval $(call user_program,stdiotest,user/stdiotest/main.c user/stdiotest/spawn.c \
	user/stdiotest/stdio_srv.c))
