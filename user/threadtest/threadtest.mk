# user/threadtest: init of the threads test manifest (system/tests/threads.capnp) and,
# spawned by itself under a role name, its children; driven by tests/qemu/thread_tests.py.
$(eval $(call user_program,threadtest,user/threadtest/main.c user/threadtest/hostile.c user/threadtest/child.c \
	user/threadtest/many.c))
