# user/protflip: init of the protect-while-used test (system/tests/protflip.capnp),
# driven by tests/qemu/tlb_tests.py.
$(eval $(call user_program,protflip,user/protflip/main.c))
