# user/schedspin: the CPU-bound twin of the SchedulingPolicy/WFQ boot test
# (system/tests/sched.capnp, tests/qemu/sched_tests.py).
$(eval $(call user_program,schedspin,user/schedspin/main.c))
