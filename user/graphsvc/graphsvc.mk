# user/graphsvc: the test services of init's executor (tests/qemu/exec_tests.py), one
# tiny binary per behaviour, packaged by the focused manifests system/tests/exec_*.capnp.
$(eval $(call user_program,graphsrv,user/graphsvc/server.c))
$(eval $(call user_program,graphcli,user/graphsvc/client.c))
$(eval $(call user_program,graphfail,user/graphsvc/fail.c))
$(eval $(call user_program,graphspin,user/graphsvc/spin.c))
$(eval $(call user_program,graphfault,user/graphsvc/fault.c))
