# user/timertest: init of the Timer.sleep test manifest (system/tests/timer.capnp),
# driven by tests/qemu/timer_tests.py.
$(eval $(call user_program,timertest,user/timertest/main.c))
