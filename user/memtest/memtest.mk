# user/memtest: the MemoryObject / FrameAllocator boot test program, run as three
# services (server, client, faulter) of system/tests/memobj.capnp (tests/qemu/memobj.mk).
$(eval $(call user_program,memtest,user/memtest/main.c))
