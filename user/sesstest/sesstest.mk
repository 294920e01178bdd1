# user/sesstest: plays the shell against the session services (system/tests/
# session.capnp, tests/qemu/session_tests.py).
$(eval $(call user_program,sesstest,user/sesstest/main.c user/sesstest/flows.c \
	user/sesstest/audit.c user/sesstest/hostile.c user/sesstest/child.c))
