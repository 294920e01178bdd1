# user/init: the init program embedded in the boot module (build/manifest.bin). It
# encodes Timer/VirtualMemory CALLs with the generated schema accessors.
$(eval $(call user_program,init,user/init/main.c))
