# user/kheaptest: the kernel self-protection boot test program (init and its children),
# started from the focused manifest tests/qemu/kheap/kheap.capnp (tests/qemu/kheap.mk).
$(eval $(call user_program,kheaptest,user/kheaptest/main.c))
