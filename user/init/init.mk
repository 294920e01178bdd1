# user/init: the init program embedded in the boot module (build/manifest.bin). It
# encodes Timer/VirtualMemory CALLs with the generated schema accessors.
$(eval $(call user_program,init,user/init/main.c))
# (schema/schema.mk is read after user/*/*.mk: the header path is spelled out.)
$(BUILD)/user/user/init/main.o: $(BUILD)/gen/schema/capos.capnp.h
$(BUILD)/user/user/init/main.o: USER_CFLAGS += -I$(BUILD)/gen
