# user/tlbtest: init of the TLB shootdown test (system/tests/tlb.capnp), driven by
# tests/qemu/tlb_tests.py.
$(eval $(call user_program,tlbtest,user/tlbtest/main.c))
