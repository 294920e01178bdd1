# user/init: the init program embedded in the boot module (build/manifest.bin).
$(eval $(call user_program,init,user/init/main.c))
