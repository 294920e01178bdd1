# user/demoinit: init of the focused demo manifest system/tests/demo.capnp (the demo
# graph driven by hand, plus the service-death checks; tests/qemu/demo_tests.py).
$(eval $(call user_program,demoinit,user/demoinit/main.c))
